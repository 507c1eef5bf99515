using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.Ops;

/// <summary>
/// Forward and backward of every op against PyTorch 1.13 (tools/golden/ops.py), and the same ops through
/// finite-difference GradCheck in float64.
/// </summary>
public class OpGoldenTests
{
    private static readonly JsonElement[] s_cases = new[] { "ops.json", "ops_math.json", "ops_reduce.json" }
        .SelectMany(f => Golden.Load(f).GetProperty("cases").EnumerateArray()).ToArray();

    public static IEnumerable<object[]> CaseNames() => s_cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => s_cases.First(c => c.GetProperty("name").GetString() == name);

    /// <summary>Runs a golden case's op on Ember tensors.</summary>
    internal static Tensor Run(JsonElement c, Tensor[] x) => RunWithIndices(c, x).Values;

    /// <summary>Runs a golden case's op; ops that also return indices (max/min with dim, sort, topk) return them too.</summary>
    internal static (Tensor Values, Tensor? Indices) RunWithIndices(JsonElement c, Tensor[] x)
    {
        JsonElement args = c.GetProperty("args");
        double Arg(string n) => args.GetProperty(n).GetDouble();
        int? Dim() => args.TryGetProperty("dim", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : null;
        bool KeepDim() => args.TryGetProperty("keepdim", out var k) && k.GetBoolean();
        Reduction Red() => args.GetProperty("reduction").GetString() switch { "sum" => Reduction.Sum, "none" => Reduction.None, _ => Reduction.Mean };
        int[]? Dims() => args.TryGetProperty("dims", out var d) && d.ValueKind == JsonValueKind.Array ? d.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
        switch (c.GetProperty("op").GetString())
        {
            case "max" when Dim() is int d: return x[0].Max(d, KeepDim());
            case "min" when Dim() is int d: return x[0].Min(d, KeepDim());
            case "sort": return x[0].Sort(Dim()!.Value, args.GetProperty("descending").GetBoolean());
            case "topk": return x[0].TopK(args.GetProperty("k").GetInt32(), Dim()!.Value, args.GetProperty("largest").GetBoolean());
        }
        return (c.GetProperty("op").GetString() switch
        {
            "min" => x[0].Min(),
            "sum_dims" => x[0].Sum(Dims()!, KeepDim()),
            "mean_dims" => x[0].Mean(Dims()!, KeepDim()),
            "argmin" => x[0].Argmin(Dim(), KeepDim()),
            "amax" => x[0].Amax(Dims(), KeepDim()),
            "amin" => x[0].Amin(Dims(), KeepDim()),
            "prod" => Dim() is int pd ? x[0].Prod(pd, KeepDim()) : x[0].Prod(),
            "cumsum" => x[0].Cumsum(Dim()!.Value),
            "cumprod" => x[0].Cumprod(Dim()!.Value),
            "logsumexp" => x[0].LogSumExp(Dims()!, KeepDim()),
            "var" => x[0].Var(Dims(), args.GetProperty("unbiased").GetBoolean(), KeepDim()),
            "std" => x[0].Std(Dims(), args.GetProperty("unbiased").GetBoolean(), KeepDim()),
            "norm" => x[0].Norm(args.GetProperty("p").ValueKind == JsonValueKind.String ? double.PositiveInfinity : Arg("p"), Dims(), KeepDim()),
            "argsort" => x[0].Argsort(Dim()!.Value, args.GetProperty("descending").GetBoolean()),
            "any" => x[0].Any(Dim()),
            "all" => x[0].All(Dim()),
            "one_hot" => x[0].OneHot(args.GetProperty("num_classes").GetInt32()),
            "add" => x[0] + x[1],
            "sub" => x[0] - x[1],
            "mul" => x[0] * x[1],
            "div" => x[0] / x[1],
            "add_scalar" => x[0] + Arg("scalar"),
            "sub_scalar" => x[0] - Arg("scalar"),
            "mul_scalar" => x[0] * Arg("scalar"),
            "div_scalar" => x[0] / Arg("scalar"),
            "rsub_scalar" => Arg("scalar") - x[0],
            "rdiv_scalar" => Arg("scalar") / x[0],
            "neg" => -x[0],
            "exp" => x[0].Exp(),
            "log" => x[0].Log(),
            "sqrt" => x[0].Sqrt(),
            "relu" => x[0].ReLU(),
            "sigmoid" => x[0].Sigmoid(),
            "tanh" => x[0].Tanh(),
            "pow_scalar" => x[0].Pow(Arg("exponent")),
            "pow_tensor" => x[0].Pow(x[1]),
            "matmul" => args.TryGetProperty("transpose_first", out _) ? x[0].T.MatMul(x[1]) : x[0].MatMul(x[1]),
            "addmm" => Tensor.Addmm(x[0], x[1], x[2], Arg("beta"), Arg("alpha")),
            "sum" => Dim() is int d ? x[0].Sum(d, KeepDim()) : x[0].Sum(),
            "mean" => Dim() is int d ? x[0].Mean(d, KeepDim()) : x[0].Mean(),
            "max" => x[0].Max(),
            "argmax" => x[0].Argmax(Dim()!.Value, KeepDim()),
            "softmax" => x[0].Softmax(Dim()!.Value),
            "log_softmax" => x[0].LogSoftmax(Dim()!.Value),
            "t" => x[0].T,
            "transpose" => x[0].Transpose(args.GetProperty("dim0").GetInt32(), args.GetProperty("dim1").GetInt32()),
            "reshape" => x[0].Reshape(args.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray()),
            "expand" => x[0].Expand(args.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()).ToArray()),
            "unsqueeze" => x[0].Unsqueeze(Dim()!.Value),
            "squeeze" => x[0].Squeeze(Dim()!.Value),
            "cross_entropy" => F.CrossEntropy(x[0], x[1], Red()),
            "mse_loss" => F.MseLoss(x[0], x[1], Red()),
            "eq" => x[0].Eq(x[1]),
            "abs" => x[0].Abs(),
            "log1p" => x[0].Log1p(),
            "expm1" => x[0].Expm1(),
            "sin" => x[0].Sin(),
            "cos" => x[0].Cos(),
            "erf" => x[0].Erf(),
            "square" => x[0].Square(),
            "sign" => x[0].Sign(),
            "round" => x[0].Round(),
            "floor" => x[0].Floor(),
            "ceil" => x[0].Ceil(),
            "rsqrt" => x[0].Rsqrt(),
            "clamp" => x[0].Clamp(args.GetProperty("min").ValueKind == JsonValueKind.Null ? null : Arg("min"),
                                  args.GetProperty("max").ValueKind == JsonValueKind.Null ? null : Arg("max")),
            "maximum" => x[0].Maximum(x[1]),
            "minimum" => x[0].Minimum(x[1]),
            "atan2" => x[0].Atan2(x[1]),
            "gelu" => F.GELU(x[0], args.GetProperty("approximate").GetString()!),
            "silu" => F.SiLU(x[0]),
            "softplus" => F.Softplus(x[0], Arg("beta"), Arg("threshold")),
            "leaky_relu" => F.LeakyReLU(x[0], Arg("slope")),
            "elu" => F.ELU(x[0], Arg("alpha")),
            "hardtanh" => F.Hardtanh(x[0], Arg("min"), Arg("max")),
            "lt" => x[0] < x[1],
            "gt" => x[0] > x[1],
            var op => throw new NotSupportedException(op),
        }, null);
    }

    private static Tensor[] Inputs(JsonElement c) => GoldenCase.Inputs(c);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ForwardAndBackwardMatchPyTorch(string name) => CheckAgainstGolden(name, createGraph: false);

    /// <summary>With createGraph the nodes take their recorded (differentiable) formulas instead of the fused kernels.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RecordedBackwardMatchesPyTorch(string name) => CheckAgainstGolden(name, createGraph: true);

    private static void CheckAgainstGolden(string name, bool createGraph)
    {
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        var (y, actualIndices) = RunWithIndices(c, x);
        GoldenCase.CheckForward(c, y, name);
        if (c.TryGetProperty("indices", out var idx))
        {
            Assert.NotNull(actualIndices);
            Assert.Equal(DType.Int64, actualIndices!.DType);
            Close.Equal(Golden.Tensor(idx), actualIndices, 0, 0, name + " indices");
        }

        if (c.GetProperty("grad_output").ValueKind == JsonValueKind.Null || !y.RequiresGrad) return;
        if (createGraph && name.Contains("with_zero", StringComparison.Ordinal))
        {
            // Products with zeros: exact without createGraph; the differentiable form refuses rather than returning NaN.
            var ex = Assert.Throws<NotSupportedException>(() => y.Backward(Golden.Tensor(c.GetProperty("grad_output")), createGraph: true));
            Assert.Contains("contains zeros", ex.Message);
            return;
        }
        GoldenCase.CheckBackward(c, x, y, createGraph, name);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckPasses(string name)
    {
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        if (!x.Any(t => t.RequiresGrad) || c.GetProperty("grad_output").ValueKind == JsonValueKind.Null) return;
        Assert.True(Autograd.GradCheck(inputs => Run(c, inputs), x));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckPassesOnTransposedAndExpandedInputs(string name)
    {
        // The same ops fed through non-contiguous views: a transposed copy transposed back, so values are equal
        // but strides are not; the view ops in the graph must route gradients correctly.
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        if (!x.Any(t => t.RequiresGrad) || c.GetProperty("grad_output").ValueKind == JsonValueKind.Null) return;
        var stored = x.Select(t => t.Dim == 2 && t.RequiresGrad ? t.T.Contiguous().Detach().RequiresGrad_() : t).ToArray();
        Assert.True(Autograd.GradCheck(inputs =>
            Run(c, inputs.Select((t, i) => x[i].Dim == 2 && x[i].RequiresGrad ? t.T : t).ToArray()), stored));
    }
}
