using System;
using System.Linq;

namespace Ember.Tests.Ops;

/// <summary>
/// Every differentiable row of the op table through finite-difference GradCheck in float64, on the golden inputs laid
/// out four ways: contiguous, transposed, sliced with a step, and broadcast from one row. The view ops that build the
/// layouts are inside the checked function, so they must route gradients correctly too.
/// </summary>
public class OpGradCheckTests
{
    /// <summary>Non-differentiable rows are not here; OpGoldenTests checks that they record no graph.</summary>
    public static TheoryData<string> DifferentiableCases => OpGoldens.Names(OpGoldens.Differentiable);

    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void GradCheckPasses(string name)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        Assert.True(Autograd.GradCheck(inputs => c.Run(inputs).Values, c.Inputs()));
    }

    /// <summary>Inputs stored transposed and transposed back inside the function: same values, other strides.</summary>
    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void GradCheckPassesOnTransposedInputs(string name)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        Tensor[] x = c.Inputs();
        bool Moves(int i) => x[i].Dim >= 2 && x[i].RequiresGrad;
        var stored = x.Select((t, i) => Moves(i) ? t.Transpose(0, -1).Contiguous().Detach().RequiresGrad_() : t)
            .ToArray();
        Assert.True(Autograd.GradCheck(
            inputs => c.Run(inputs.Select((t, i) => Moves(i) ? t.Transpose(0, -1) : t).ToArray()).Values, stored));
    }

    /// <summary>Inputs cut out of a larger tensor with a stepped slice: an offset and non-unit strides.</summary>
    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void GradCheckPassesOnSlicedInputs(string name)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        Tensor[] x = c.Inputs();
        bool Moves(int i) => x[i].Dim >= 1 && x[i].RequiresGrad;
        var everyOther = new[] { TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2) };
        // Interleave each row's values with junk: big[..., 1::2] == x.
        var stored = x.Select((t, i) =>
        {
            if (!Moves(i)) return t;
            int[] shape = t.Shape.ToArray();
            shape[^1] = 2 * shape[^1] + 1;
            var big = Tensor.Full(shape, 7.0, DType.Float64);
            using (Autograd.NoGrad()) big[everyOther] = t.Detach();
            return big.RequiresGrad_();
        }).ToArray();
        Assert.True(Autograd.GradCheck(
            inputs => c.Run(inputs.Select((t, i) => Moves(i) ? t[everyOther] : t).ToArray()).Values, stored));
    }

    /// <summary>Inputs broadcast from a smaller tensor (stride-0 dims): each row is the same stored vector.</summary>
    [Theory]
    [MemberData(nameof(DifferentiableCases))]
    public void GradCheckPassesOnBroadcastInputs(string name)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        if (c.Case.NoBroadcastGradCheck is string why) Assert.Skip(why);
        Tensor[] x = c.Inputs();
        bool Moves(int i) => x[i].Dim >= 2 && x[i].RequiresGrad;
        var stored = x.Select((t, i) => Moves(i) ? t.Select(0, 0).Contiguous().Detach().RequiresGrad_() : t).ToArray();
        Assert.True(Autograd.GradCheck(
            inputs => c.Run(inputs.Select((t, i) => Moves(i) ? t.Unsqueeze(0).Expand(x[i].Shape.ToArray()) : t)
                .ToArray()).Values, stored));
    }
}
