using System;
using System.Collections.Generic;
using Ember.NN;

namespace Ember.Onnx.Import;

/// <summary>
/// The ONNX ops the importer runs, each as Ember tensor ops so autograd records them and an imported model
/// fine-tunes: the op set of Ember's exporter plus what <c>torch.onnx.export</c> emits around it (<c>Shape</c>,
/// <c>Constant</c>, <c>Pad</c>, ...). This file holds the dispatch and the element-wise ops.
/// </summary>
internal static partial class ImportOps
{
    private static readonly HashSet<string> s_supported = new(StringComparer.Ordinal)
    {
        "Identity", "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Sign", "Exp", "Log", "Sqrt", "Reciprocal",
        "Sin", "Cos", "Erf", "Floor", "Ceil", "Round", "Sum", "Mean", "Max", "Min",
        "Relu", "LeakyRelu", "PRelu", "Elu", "Gelu", "Sigmoid", "HardSigmoid", "Tanh", "Softplus", "Softmax",
        "LogSoftmax", "Clip",
        "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "IsNaN", "IsInf", "Where", "Cast",
        "Gemm", "MatMul", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
        "BatchNormalization", "LayerNormalization", "Dropout",
        "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Slice", "Gather", "Expand", "Tile", "Pad",
        "Shape", "Constant", "ConstantOfShape",
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceLogSumExp", "ReduceL1", "ReduceL2",
        "ReduceSumSquare", "ArgMax", "ArgMin",
    };

    /// <summary>The supported op types, sorted (for messages and docs).</summary>
    public static IEnumerable<string> Supported
    {
        get
        {
            var list = new List<string>(s_supported);
            list.Sort(StringComparer.Ordinal);
            return list;
        }
    }

    /// <summary>Whether <paramref name="op"/> is supported.</summary>
    public static bool IsSupported(string op) => s_supported.Contains(op);

    /// <summary>Runs one node; returns its outputs in order (null where an optional output is not produced).</summary>
    public static Tensor?[] Run(NodeContext c) => c.Op switch
    {
        "Dropout" => Dropout(c),
        "Shape" => [Shape(c)],
        _ => [RunOne(c)],
    };

    private static Tensor RunOne(NodeContext c) => c.Op switch
    {
        "Identity" => c.In(0),
        "Add" => c.In(0).Add(c.In(1)),
        "Sub" => c.In(0).Sub(c.In(1)),
        "Mul" => c.In(0).Mul(c.In(1)),
        "Div" => c.In(0).DType.IsFloatingPoint() ? c.In(0).Div(c.In(1)) : c.In(0).Div(c.In(1), "trunc"),
        "Pow" => Pow(c),
        "Neg" => c.In(0).Neg(),
        "Abs" => c.In(0).Abs(),
        "Sign" => c.In(0).Sign(),
        "Exp" => c.In(0).Exp(),
        "Log" => c.In(0).Log(),
        "Sqrt" => c.In(0).Sqrt(),
        "Reciprocal" => c.In(0).Reciprocal(),
        "Sin" => c.In(0).Sin(),
        "Cos" => c.In(0).Cos(),
        "Erf" => c.In(0).Erf(),
        "Floor" => c.In(0).Floor(),
        "Ceil" => c.In(0).Ceil(),
        "Round" => c.In(0).Round(),
        "Sum" => Fold(c, (a, b) => a.Add(b)),
        "Mean" => Fold(c, (a, b) => a.Add(b)).Div(Scalar(c.InputCount, c.In(0))),
        "Max" => Fold(c, (a, b) => a.Maximum(b)),
        "Min" => Fold(c, (a, b) => a.Minimum(b)),
        "Relu" => c.In(0).ReLU(),
        "LeakyRelu" => F.LeakyReLU(c.In(0), c.Float("alpha", 0.01)),
        "PRelu" => Tensor.Where(c.In(0).Gt(Scalar(0, c.In(0))), c.In(0), c.In(0).Mul(c.In(1))),
        "Elu" => F.ELU(c.In(0), c.Float("alpha", 1.0)),
        "Gelu" => F.GELU(c.In(0), Approximate(c)),
        "Sigmoid" => c.In(0).Sigmoid(),
        "HardSigmoid" => c.In(0).Mul(Scalar(c.Float("alpha", 0.2), c.In(0)))
            .Add(Scalar(c.Float("beta", 0.5), c.In(0))).Clamp(0, 1),
        "Tanh" => c.In(0).Tanh(),
        "Softplus" => F.Softplus(c.In(0)),
        "Softmax" => SoftmaxLike(c, log: false),
        "LogSoftmax" => SoftmaxLike(c, log: true),
        "Clip" => Clip(c),
        "Equal" => c.In(0).Eq(c.In(1)),
        "Less" => c.In(0).Lt(c.In(1)),
        "LessOrEqual" => c.In(0).Le(c.In(1)),
        "Greater" => c.In(0).Gt(c.In(1)),
        "GreaterOrEqual" => c.In(0).Ge(c.In(1)),
        "Not" => Bool(c, 0).Eq(Tensor.From(false)),
        "IsNaN" => c.In(0).IsNaN(),
        "IsInf" => IsInf(c),
        "Where" => Tensor.Where(Bool(c, 0), c.In(1), c.In(2)),
        "Cast" => c.In(0).To(TensorProtoReader.ToDType(c.Int("to", 0)) ?? throw c.Unsupported(
            $"cast to {TensorProtoReader.TypeName(c.Int("to", 0))}, which Ember does not support.")),
        "Gemm" => Gemm(c),
        "MatMul" => c.In(0).MatMul(c.In(1)),
        "Conv" => Conv(c),
        "ConvTranspose" => ConvTranspose(c),
        "MaxPool" => MaxPool(c),
        "AveragePool" => AveragePool(c),
        "GlobalAveragePool" => c.In(0).Mean(SpatialDims(c), keepDim: true),
        "GlobalMaxPool" => c.In(0).Amax(SpatialDims(c), keepDim: true),
        "BatchNormalization" => BatchNormalization(c),
        "LayerNormalization" => LayerNormalization(c),
        "Reshape" => Reshape(c),
        "Flatten" => Flatten(c),
        "Transpose" => Transpose(c),
        "Squeeze" => Squeeze(c),
        "Unsqueeze" => Unsqueeze(c),
        "Concat" => Concat(c),
        "Slice" => Slice(c),
        "Gather" => Gather(c),
        "Expand" => Expand(c),
        "Tile" => Tile(c),
        "Pad" => Pad(c),
        "Constant" => Constant(c),
        "ConstantOfShape" => ConstantOfShape(c),
        "ArgMax" or "ArgMin" => ArgReduce(c),
        _ when c.Op.StartsWith("Reduce", StringComparison.Ordinal) => Reduce(c),
        _ => throw c.Unsupported($"op '{c.Op}' is not supported."),
    };

    /// <summary>A 0-d tensor of <paramref name="like"/>'s dtype (so it never promotes the other operand).</summary>
    private static Tensor Scalar(double value, Tensor like) => Tensor.Scalar(value, like.DType);

    private static Tensor Fold(NodeContext c, Func<Tensor, Tensor, Tensor> op)
    {
        Tensor[] all = c.All();
        Tensor r = all[0];
        for (int i = 1; i < all.Length; i++) r = op(r, all[i]);
        return r;
    }

    private static Tensor Bool(NodeContext c, int i)
    {
        Tensor t = c.In(i);
        return t.DType == DType.Bool ? t : throw c.Error($"input {i} must be bool, got {t.DType.TorchName()}.");
    }

    // A constant exponent (a number, not a trained tensor) keeps PowBackward0's simpler graph.
    private static Tensor Pow(NodeContext c)
    {
        Tensor x = c.In(0), e = c.In(1);
        if (e.NumEl == 1 && e.Dim <= x.Dim && !e.RequiresGrad && x.DType.IsFloatingPoint())
            return x.Pow(e.To(DType.Float64).ToArray<double>()[0]);
        return x.Pow(e.DType == x.DType ? e : e.To(x.DType));
    }

    private static string Approximate(NodeContext c) => c.Str("approximate", "none") switch
    {
        "none" => "none",
        "tanh" => "tanh",
        var a => throw c.Error($"attribute 'approximate' must be 'none' or 'tanh', got '{a}'."),
    };

    private static Tensor IsInf(NodeContext c)
    {
        Tensor x = c.In(0), inf = x.IsInf();
        bool neg = c.Int("detect_negative", 1) != 0, pos = c.Int("detect_positive", 1) != 0;
        if (neg && pos) return inf;
        Tensor sign = pos ? x.Gt(Scalar(0, x)) : x.Lt(Scalar(0, x));
        return neg || pos ? Tensor.Where(inf, sign, Tensor.From(false)) : Tensor.Full(x.Shape, 0, DType.Bool);
    }

    // Opset 13 made (Log)Softmax act on one axis (default -1); before, on the 2-D view [prod(:axis), prod(axis:)].
    private static Tensor SoftmaxLike(NodeContext c, bool log)
    {
        Tensor x = c.In(0);
        if (c.Opset >= 13)
        {
            int axis = c.Axis(c.Int("axis", -1), x.Dim);
            return log ? x.LogSoftmax(axis) : x.Softmax(axis);
        }
        int a = c.Axis(c.Int("axis", 1), x.Dim + 1);
        int outer = 1;
        for (int i = 0; i < a; i++) outer *= x.Shape[i];
        Tensor flat = x.Reshape(outer, -1);
        return (log ? flat.LogSoftmax(1) : flat.Softmax(1)).Reshape(x.Shape.ToArray());
    }

    private static Tensor Clip(NodeContext c)
    {
        double lo = c.HostScalar(1, double.NegativeInfinity), hi = c.HostScalar(2, double.PositiveInfinity);
        return c.In(0).Clamp(double.IsNegativeInfinity(lo) ? null : lo, double.IsPositiveInfinity(hi) ? null : hi);
    }

    // Dropout's mask output and a file's training_mode are ignored: the module's Train()/Eval() decides, as in PyTorch.
    private static Tensor?[] Dropout(NodeContext c)
    {
        Tensor x = c.In(0);
        double p = c.Opset >= 12 ? c.HostScalar(1, 0.5) : c.Float("ratio", 0.5);
        if (!(p >= 0 && p < 1)) throw c.Error($"ratio must be in [0, 1), got {p}.");
        if (c.WantsOutput(1) && c.Training && p > 0)
            throw c.Unsupported("its mask output in training mode is not supported.");
        Tensor y = c.Training ? F.Dropout(x, p, training: true) : x;
        return [y, c.WantsOutput(1) ? Tensor.Full(x.Shape, 1, DType.Bool) : null];
    }
}
