using System;
using System.Linq;
using System.Text.Json;
using Ember.Tests.Support;

namespace Ember.Tests.Ops;

/// <summary>
/// Forward values, returned indices, gradients and node names of every row of the op table against PyTorch 1.13
/// (tools/golden/ops*.py).
/// </summary>
public class OpGoldenTests
{
    public static TheoryData<string> AllCases => OpGoldens.Names(_ => true);

    /// <summary>The cases whose golden records PyTorch's node names (tools/golden/ops_index.py).</summary>
    public static TheoryData<string> CasesWithNodeNames =>
        OpGoldens.Names(c => c.Json.TryGetProperty("grad_fn", out _));

    public static TheoryData<string> NonDifferentiableCases => OpGoldens.Names(c => !OpGoldens.Differentiable(c));

    [Theory]
    [MemberData(nameof(AllCases))]
    public void ForwardAndBackwardMatchPyTorch(string name) => CheckAgainstGolden(name, createGraph: false);

    /// <summary>With createGraph, nodes take their recorded (differentiable) formulas, not fused kernels.</summary>
    [Theory]
    [MemberData(nameof(AllCases))]
    public void RecordedBackwardMatchesPyTorch(string name) => CheckAgainstGolden(name, createGraph: true);

    private static void CheckAgainstGolden(string name, bool createGraph)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        OpCase row = c.Case;
        Tensor[] x = c.Inputs();
        var (y, indices) = c.Run(x);
        Tensor expected = Golden.Tensor(c.Json.GetProperty("output"));
        Assert.Equal(expected.DType, y.DType);
        Close.Equal(expected, y, row.ForwardRtol, row.ForwardAtol, name + " forward");
        if (c.Json.TryGetProperty("indices", out var idx))
        {
            Assert.NotNull(indices);
            Assert.Equal(DType.Int64, indices!.DType);
            Close.Equal(Golden.Tensor(idx), indices, 0, 0, name + " indices");
        }

        if (!row.IsDifferentiable)
        {
            Assert.False(y.RequiresGrad, $"{name}: {row.NotDifferentiable}, yet the output requires grad");
            return;
        }
        Assert.True(y.RequiresGrad, name + ": output should require grad");
        Tensor gradOutput = Golden.Tensor(c.Json.GetProperty("grad_output"));
        if (createGraph && row.RecordedBackwardRefusesZeros && x[0].ToArray<double>().Contains(0.0))
        {
            var ex = Assert.Throws<NotSupportedException>(() => y.Backward(gradOutput, createGraph: true));
            Assert.Contains("contains zeros", ex.Message);
            return;
        }
        y.Backward(gradOutput, createGraph: createGraph);
        var grads = c.Json.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            if (grads[i].ValueKind == JsonValueKind.Null) continue;
            Assert.NotNull(x[i].Grad);
            Close.Equal(Golden.Tensor(grads[i]), x[i].Grad!, row.GradRtol, row.GradAtol, $"{name} grad of input {i}");
        }
    }

    [Theory]
    [MemberData(nameof(CasesWithNodeNames))]
    public void NodeNamesMatchPyTorch(string name)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        if (c.Case.NodeNamesDiffer is string why) Assert.Skip(why);
        Tensor y = c.Run(c.Inputs()).Values;
        Assert.Equal(c.Json.GetProperty("grad_fn").GetString(), y.GradFn?.Name);
        if (y.GradFn is null) return;
        var next = c.Json.GetProperty("next").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(next, y.GradFn.NextFunctions.Select(e => e.Function?.Name).ToArray());
    }

    /// <summary>
    /// A non-differentiable op records no graph even when every floating-point input requires grad (PyTorch's golden
    /// may have left them plain).
    /// </summary>
    [Theory]
    [MemberData(nameof(NonDifferentiableCases))]
    public void NonDifferentiableOpsRecordNoGraph(string name)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        Tensor[] x = c.Inputs()
            .Select(t => t.DType is DType.Float32 or DType.Float64 ? t.Detach().RequiresGrad_() : t).ToArray();
        Tensor y = c.Run(x).Values;
        Assert.False(y.RequiresGrad, $"{name}: {c.Case.NotDifferentiable}");
        Assert.Null(y.GradFn);
    }
}
