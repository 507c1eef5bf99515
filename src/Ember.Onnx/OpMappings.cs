using System;
using System.Runtime.CompilerServices;
using Ember.Tracing;

namespace Ember.Onnx;

/// <summary>
/// ONNX nodes for the ops a traced forward pass reports, keyed by Ember's (PyTorch's) autograd node name. Each op's
/// non-tensor arguments arrive as the value or value tuple the op records (<see cref="TracedOp.State"/>).
/// </summary>
internal static class OpMappings
{
    public static void Emit(TracedOp op, OnnxTracer t)
    {
        GraphBuilder b = t.Builder;
        Tensor y = op.Output;
        Tensor x = op.Inputs[0]!;
        string In(int i) => b.Name(op.Inputs[i]!);
        Tensor? batchSource = BatchSource(op, t);
        string Scalar(double v) => b.ConstScalar(v, y.DType.IsFloatingPoint() ? y.DType : x.DType);
        string Unary(string onnx) => b.Node(onnx, [In(0)]);
        string Binary(string onnx) => b.Node(onnx, [In(0), In(1)]);

        string name = op.Name switch
        {
            "AddBackward0" => op.State is double alpha && alpha != 1
                ? b.Node("Add", [In(0), b.Node("Mul", [In(1), Scalar(alpha)])])
                : Binary("Add"),
            "SubBackward0" => op.State is double alpha && alpha != 1
                ? b.Node("Sub", [In(0), b.Node("Mul", [In(1), Scalar(alpha)])])
                : Binary("Sub"),
            "RsubBackward1" when op.State is double s => b.Node("Sub", [Scalar(s), In(0)]),
            "MulBackward0" => Binary("Mul"),
            "DivBackward0" => Binary("Div"),
            "NegBackward0" => Unary("Neg"),
            "ReciprocalBackward0" => Unary("Reciprocal"),
            "PowBackward0" when op.State is double p => b.Node("Pow", [In(0), Scalar(p)]),
            "PowBackward1" => Binary("Pow"),
            "PowBackward2" when op.State is double s => b.Node("Pow", [Scalar(s), In(0)]),
            "ExpBackward0" => Unary("Exp"),
            "LogBackward0" => Unary("Log"),
            "SqrtBackward0" => Unary("Sqrt"),
            "RsqrtBackward0" => b.Node("Reciprocal", [Unary("Sqrt")]),
            "AbsBackward0" => Unary("Abs"),
            "SignBackward0" => Unary("Sign"),
            "SinBackward0" => Unary("Sin"),
            "CosBackward0" => Unary("Cos"),
            "ErfBackward0" => Unary("Erf"),
            "FloorBackward0" => Unary("Floor"),
            "CeilBackward0" => Unary("Ceil"),
            "RoundBackward0" => Unary("Round"),
            "Log1pBackward0" => b.Node("Log", [b.Node("Add", [In(0), Scalar(1)])]),
            "Expm1Backward0" => b.Node("Sub", [Unary("Exp"), Scalar(1)]),
            "ReluBackward0" => Unary("Relu"),
            "SigmoidBackward0" => Unary("Sigmoid"),
            "TanhBackward0" => Unary("Tanh"),
            "SiluBackward0" => b.Node("Mul", [In(0), Unary("Sigmoid")]),
            "GeluBackward0" when op.State is bool tanh => Gelu(t, In(0), tanh, Scalar),
            "SoftplusBackward0" when op.State is ITuple s => Softplus(t, In(0), (double)s[0]!, Scalar),
            "LeakyReluBackward0" when op.State is double slope =>
                b.Node("LeakyRelu", [In(0)], null, GraphBuilder.Float("alpha", slope)),
            "EluBackward0" when op.State is double alpha =>
                b.Node("Elu", [In(0)], null, GraphBuilder.Float("alpha", alpha)),
            "HardtanhBackward0" or "ClampBackward1" when op.State is ITuple s => Clip(t, In(0), s, Scalar),
            "SoftmaxBackward0" when op.State is int dim =>
                b.Node("Softmax", [In(0)], null, OnnxTracer.Axis(dim)),
            "LogSoftmaxBackward0" when op.State is int dim =>
                b.Node("LogSoftmax", [In(0)], null, OnnxTracer.Axis(dim)),
            "MmBackward0" or "BmmBackward0" or "MvBackward0" or "DotBackward0" => Binary("MatMul"),
            "AddmmBackward0" when op.State is ITuple s => b.Node("Gemm", [In(1), In(2), In(0)], null,
                GraphBuilder.Float("beta", (double)s[0]!), GraphBuilder.Float("alpha", (double)s[1]!)),
            "ViewBackward0" or "ReshapeAliasBackward0" or "UnsafeViewBackward0" => t.Reshape(x, In(0), y),
            "TBackward0" => x.Dim < 2 ? Unary("Identity") : t.Transpose(In(0), 1, 0),
            "TransposeBackward0" when op.State is ITuple s => t.Transpose(In(0),
                SwapPerm(x.Dim, Wrap((int)s[0]!, x.Dim), Wrap((int)s[1]!, x.Dim))),
            "PermuteBackward0" when op.State is int[] dims => t.Transpose(In(0), Perm(dims, x.Dim)),
            "UnsqueezeBackward0" when op.State is int dim =>
                b.Node("Unsqueeze", [In(0), b.ConstInt64(Wrap(dim, y.Dim))]),
            "SqueezeBackward0" or "SqueezeBackward1" or "SqueezeBackward3" =>
                SqueezedAxes(x, y) is { Length: > 0 } axes
                    ? b.Node("Squeeze", [In(0), b.ConstInt64(axes)])
                    : Unary("Identity"),
            "ExpandBackward0" => b.Node("Expand", [In(0), b.ConstInt64(ExpandShape(t, x, y))]),
            "CloneBackward0" or "AliasBackward0" => Unary("Identity"),
            "ToCopyBackward0" => b.Node("Cast", [In(0)], null, GraphBuilder.Int("to", OnnxTracer.OnnxType(y.DType))),
            "CatBackward0" when op.State is int dim => Concat(op, t, dim),
            "StackBackward0" when op.State is int dim => Stack(op, t, dim),
            "SumBackward0" => t.Reduce("ReduceSum", In(0), null, false),
            "MeanBackward0" => t.Reduce("ReduceMean", In(0), null, false),
            "SumBackward1" or "MeanBackward1" or "AmaxBackward0" or "AminBackward0" or "LogsumexpBackward0"
                when op.State is ITuple s => t.Reduce(ReduceOp(op.Name), In(0), Axes(s[0]!), (bool)s[1]!),
            "MaxBackward1" or "MinBackward1" => t.Reduce(op.Name[1] == 'a' ? "ReduceMax" : "ReduceMin", In(0), null,
                false),
            "SliceBackward0" when op.State is ITuple s && s[0] is ITuple a => Slice(t, x, In(0), a),
            "SelectBackward0" when op.State is ITuple s && s[0] is ITuple a => b.Node("Gather",
                [In(0), b.ConstInt64Scalar((int)a[1]!)], null, OnnxTracer.Axis((int)a[0]!)),
            "WhereBackward0" when op.State is Tensor cond => b.Node("Where", [b.Name(cond), In(0), In(1)]),
            "eq" => Compare(op, t, "Equal"),
            "ne" => b.Node("Not", [Compare(op, t, "Equal")]),
            "lt" => Compare(op, t, "Less"),
            "le" => Compare(op, t, "LessOrEqual"),
            "gt" => Compare(op, t, "Greater"),
            "ge" => Compare(op, t, "GreaterOrEqual"),
            "isnan" => Unary("IsNaN"),
            "isinf" => Unary("IsInf"),
            "argmax" or "argmin" when op.State is ITuple s => ArgReduce(op, t, s[0] as int?, (bool)s[1]!),
            "_to_copy" => b.Node("Cast", [In(0)], null, GraphBuilder.Int("to", OnnxTracer.OnnxType(y.DType))),
            _ when !IsAutogradNode(op.Name) => throw t.Unsupported($"op '{op.Name}'",
                " (it has no autograd node and its result depends on the traced input: exported as a constant it " +
                "would hold the example input's values)"),
            _ => throw t.Unsupported($"op '{op.Name}'"),
        };
        if (op.Name is "ViewBackward0" or "ReshapeAliasBackward0" or "UnsafeViewBackward0")
            b.Bind(y, name, t.CarriesAfterReshape(x, y));
        else
            t.Bind(y, name, batchSource);
    }

    /// <summary>Whether <paramref name="name"/> is an autograd node's (<c>...Backward0</c>), not an aten op's.
    /// </summary>
    public static bool IsAutogradNode(string name) => name.Length > 0 && char.IsUpper(name[0]);

    // ONNX comparisons need one input type: both cast to the promoted one (a float wins, else the wider).
    private static string Compare(TracedOp op, OnnxTracer t, string onnx)
    {
        Tensor a = op.Inputs[0]!, c = op.Inputs[1]!;
        DType target = a.DType == c.DType ? a.DType
            : a.DType.IsFloatingPoint() != c.DType.IsFloatingPoint() ? (a.DType.IsFloatingPoint() ? a.DType : c.DType)
            : (a.DType.ElementSize() >= c.DType.ElementSize() ? a.DType : c.DType);
        return t.Builder.Node(onnx, [CastTo(t, a, target), CastTo(t, c, target)]);
    }

    private static string CastTo(OnnxTracer t, Tensor x, DType dtype) => x.DType == dtype
        ? t.Builder.Name(x)
        : t.Builder.Node("Cast", [t.Builder.Name(x)], null, GraphBuilder.Int("to", OnnxTracer.OnnxType(dtype)));

    // ArgMax/ArgMin (first occurrence, as PyTorch); over all elements: flatten first, keepDim reshapes to all ones.
    private static string ArgReduce(TracedOp op, OnnxTracer t, int? dim, bool keepDim)
    {
        GraphBuilder b = t.Builder;
        string onnx = op.Name == "argmax" ? "ArgMax" : "ArgMin";
        Tensor x = op.Inputs[0]!;
        if (dim is int d)
            return b.Node(onnx, [b.Name(x)], null, OnnxTracer.Axis(Wrap(d, x.Dim)),
                GraphBuilder.Int("keepdims", keepDim ? 1 : 0));
        string flat = b.Node("Reshape", [b.Name(x), b.ConstInt64(-1)]);
        string r = b.Node(onnx, [flat], null, OnnxTracer.Axis(0), GraphBuilder.Int("keepdims", 0));
        if (!keepDim) return r;
        long[] ones = new long[op.Output.Dim];
        Array.Fill(ones, 1L);
        return b.Node("Reshape", [r, b.ConstInt64(ones)]);
    }

    // The input whose leading batch dim the output may keep: any batched input (broadcasting keeps it leading).
    private static Tensor? BatchSource(TracedOp op, OnnxTracer t)
    {
        foreach (Tensor? i in op.Inputs)
            if (t.Builder.IsBatched(i)) return i;
        return null;
    }

    private static long Wrap(int dim, int rank) => dim < 0 ? dim + rank : dim;

    private static long[] SwapPerm(int rank, long d0, long d1)
    {
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) perm[i] = i;
        (perm[d0], perm[d1]) = (perm[d1], perm[d0]);
        return perm;
    }

    private static long[] Perm(int[] dims, int rank)
    {
        long[] perm = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++) perm[i] = Wrap(dims[i], rank);
        return perm;
    }

    private static long[] Axes(object dims) => dims switch
    {
        int d => [d],
        int[] ds => Array.ConvertAll(ds, d => (long)d),
        _ => throw new NotSupportedException($"ONNX export: unexpected reduction dims {dims}."),
    };

    private static string ReduceOp(string node) => node switch
    {
        "SumBackward1" => "ReduceSum",
        "MeanBackward1" => "ReduceMean",
        "AmaxBackward0" => "ReduceMax",
        "AminBackward0" => "ReduceMin",
        _ => "ReduceLogSumExp",
    };

    // The dims of x that squeeze removed: walk both shapes, a size-1 input dim with no match is removed.
    private static long[] SqueezedAxes(Tensor x, Tensor y)
    {
        var removed = new System.Collections.Generic.List<long>();
        int j = 0;
        for (int i = 0; i < x.Dim; i++)
        {
            // Any size-1 dim may go while x has more dims left than y: they are all equivalent.
            if (x.Shape[i] == 1 && x.Dim - i > y.Dim - j) removed.Add(i);
            else j++;
        }
        return [.. removed];
    }

    private static long[] ExpandShape(OnnxTracer t, Tensor x, Tensor y)
    {
        t.RequireStaticInnerDims("Expand");
        long[] shape = new long[y.Dim];
        for (int i = 0; i < shape.Length; i++) shape[i] = y.Shape[i];
        // Expand broadcasts: a 1 keeps the input's (symbolic) batch size.
        if (t.KeepsBatch(x, y) && x.Dim == y.Dim) shape[0] = 1;
        return shape;
    }

    private static string Gelu(OnnxTracer t, string x, bool tanh, Func<double, string> c)
    {
        GraphBuilder b = t.Builder;
        if (b.Opset >= 20)
            return b.Node("Gelu", [x], null, GraphBuilder.Str("approximate", tanh ? "tanh" : "none"));
        string inner;
        if (tanh)
        {
            string cube = b.Node("Mul", [b.Node("Mul", [x, x]), x]);
            string sum = b.Node("Add", [x, b.Node("Mul", [cube, c(0.044715)])]);
            inner = b.Node("Tanh", [b.Node("Mul", [sum, c(0.79788456080286536)])]);
        }
        else
        {
            inner = b.Node("Erf", [b.Node("Mul", [x, c(0.70710678118654752)])]);
        }
        return b.Node("Mul", [b.Node("Mul", [x, c(0.5)]), b.Node("Add", [inner, c(1)])]);
    }

    private static string Softplus(OnnxTracer t, string x, double beta, Func<double, string> c)
    {
        GraphBuilder b = t.Builder;
        // PyTorch's threshold (linear above beta*x > 20) differs from softplus by under 2e-9 there.
        if (beta == 1) return b.Node("Softplus", [x]);
        return b.Node("Div", [b.Node("Softplus", [b.Node("Mul", [x, c(beta)])]), c(beta)]);
    }

    private static string Clip(OnnxTracer t, string x, ITuple s, Func<double, string> c)
    {
        double lo = (double)s[0]!, hi = (double)s[1]!;
        return t.Builder.Node("Clip", [x, double.IsNegativeInfinity(lo) ? "" : c(lo),
            double.IsPositiveInfinity(hi) ? "" : c(hi)]);
    }

    private static string Concat(TracedOp op, OnnxTracer t, int dim)
    {
        string[] inputs = new string[op.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = t.Builder.Name(op.Inputs[i]!);
        return t.Builder.Node("Concat", inputs, null, OnnxTracer.Axis(dim));
    }

    private static string Stack(TracedOp op, OnnxTracer t, int dim)
    {
        GraphBuilder b = t.Builder;
        string axes = b.ConstInt64(Wrap(dim, op.Output.Dim));
        string[] inputs = new string[op.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = b.Node("Unsqueeze", [b.Name(op.Inputs[i]!), axes]);
        return b.Node("Concat", inputs, null, OnnxTracer.Axis(dim));
    }

    private static string Slice(OnnxTracer t, Tensor x, string input, ITuple s)
    {
        GraphBuilder b = t.Builder;
        int dim = (int)s[0]!, start = (int)s[1]!, stop = (int)s[2]!, step = (int)s[3]!;
        long d = Wrap(dim, x.Dim);
        // A slice to the end stays "to the end" (long.MaxValue), so it holds for any size of that dim.
        long end = stop >= x.Shape[(int)d] ? long.MaxValue : stop;
        return b.Node("Slice", [input, b.ConstInt64(start), b.ConstInt64(end), b.ConstInt64(d), b.ConstInt64(step)]);
    }
}
