using System;

namespace Ember.Tests.Ops.Reductions;

/// <summary>Every dimension form of a reduction (int, int[], none) agrees with the others, values, shapes, dtypes and
/// gradients alike.</summary>
public class ReductionOverloadTests
{
    // Distinct values with a tie in row 1 (7, 7) so that amax/amin's shared gradient shows.
    private static Tensor X() =>
        Tensor.From(new double[] { 3, -1, 4, 1, 7, 7, -5, 9, 2, 6, 5, -3 }).Reshape(2, 2, 3);

    private static void Same(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.ToArray<double>(), actual.ToArray<double>());
    }

    private static double[] Grad(Func<Tensor, Tensor> f)
    {
        var x = X().RequiresGrad_();
        (f(x) * Tensor.Arange(1, 1 + f(X()).NumEl, 1, DType.Float64).Reshape(f(X()).Shape.ToArray())).Sum().Backward();
        return x.Grad!.ToArray<double>();
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    public void AmaxAminTakeAnInt(int dim, bool keepDim)
    {
        Same(X().Amax([dim], keepDim), X().Amax(dim, keepDim));
        Same(X().Amin([dim], keepDim), X().Amin(dim, keepDim));
        Assert.Equal(Grad(x => x.Amax([dim], keepDim)), Grad(x => x.Amax(dim, keepDim)));
        Assert.Equal(Grad(x => x.Amin([dim], keepDim)), Grad(x => x.Amin(dim, keepDim)));
        Assert.Equal("AmaxBackward0", X().RequiresGrad_().Amax(dim, keepDim).GradFn!.Name);
    }

    [Fact]
    public void AmaxAlongADimHasTorchsValues()
    {
        // torch.amax(x, 2) for x above: [[4, 7], [9, 6]]; torch.amin(x, -1): [[-1, 1], [-5, -3]].
        Assert.Equal(new double[] { 4, 7, 9, 6 }, X().Amax(2).ToArray<double>());
        Assert.Equal(new double[] { -1, 1, -5, -3 }, X().Amin(-1).ToArray<double>());
        // The tie (7, 7) shares the gradient: each gets half of the upstream 2.
        Assert.Equal(new double[] { 0, 0, 1, 0, 1, 1, 0, 3, 0, 4, 0, 0 }, Grad(x => x.Amax(2)));
    }

    [Theory]
    [InlineData(2.0, 0, false)]
    [InlineData(1.0, -1, true)]
    [InlineData(double.PositiveInfinity, 1, false)]
    public void NormTakesAnInt(double p, int dim, bool keepDim)
    {
        Same(X().Norm(p, [dim], keepDim), X().Norm(p, dim, keepDim));
        Assert.Equal(Grad(x => x.Norm(p, [dim], keepDim)), Grad(x => x.Norm(p, dim, keepDim)));
        Assert.Equal("NormBackward1", X().RequiresGrad_().Norm(p, dim, keepDim).GradFn!.Name);
    }

    [Fact]
    public void MaxMinWithATensorAreElementwise()
    {
        var a = X();
        var b = Tensor.Full([3], 2.0, DType.Float64);
        Same(a.Maximum(b), a.Max(b));
        Same(a.Minimum(b), a.Min(b));
        Assert.Equal(Grad(x => x.Maximum(b)), Grad(x => x.Max(b)));
        Assert.Equal(Grad(x => x.Minimum(b)), Grad(x => x.Min(b)));
        // An int dim still picks the (values, indices) form.
        var (values, indices) = a.Max(2);
        Assert.Equal(new double[] { 4, 7, 9, 6 }, values.ToArray<double>());
        Assert.Equal(new long[] { 2, 1, 1, 0 }, indices.ToArray<long>());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-1, true)]
    public void IntAndSingleElementArrayFormsAgree(int dim, bool keepDim)
    {
        // The forms that existed before: each int form equals its int[] form.
        Same(X().Sum([dim], keepDim), X().Sum(dim, keepDim));
        Same(X().Mean([dim], keepDim), X().Mean(dim, keepDim));
        Same(X().Var([dim], true, keepDim), X().Var(dim, true, keepDim));
        Same(X().Std([dim], false, keepDim), X().Std(dim, false, keepDim));
        Same(X().LogSumExp([dim], keepDim), X().LogSumExp(dim, keepDim));
        Same(X().Max(dim, keepDim).Indices, X().Argmax(dim, keepDim));
        Same(X().Min(dim, keepDim).Indices, X().Argmin(dim, keepDim));
        Same(X().Max(dim, keepDim).Values, X().Amax(dim, keepDim));
        Same(X().Min(dim, keepDim).Values, X().Amin(dim, keepDim));
    }

    [Fact]
    public void NoDimFormsReduceEverything()
    {
        Same(X().Sum([0, 1, 2]), X().Sum());
        Same(X().Mean([0, 1, 2]), X().Mean());
        Same(X().Amax(), X().Max());
        Same(X().Amin(), X().Min());
        Same(X().Var([0, 1, 2]), X().Var());
        Same(X().Norm(2, [0, 1, 2]), X().Norm());
        Same(X().Reshape(12).Argmax(0), X().Argmax());
        Same(X().Reshape(12).Argmin(0), X().Argmin());
        Same(X().Reshape(12).Prod(0), X().Prod());
    }

    [Fact]
    public void ArgmaxArgminWithNoDimKeepAllDimsAsOnes()
    {
        // torch.argmax(x, None, True).shape == (1, 1, 1) in 1.13; the value is the flat index.
        Assert.Equal(new[] { 1, 1, 1 }, X().Argmax(null, true).Shape.ToArray());
        Assert.Equal(new[] { 1, 1, 1 }, X().Argmin(null, true).Shape.ToArray());
        Assert.Equal(new long[] { 7 }, X().Argmax(null, true).ToArray<long>());
        Assert.Equal(new long[] { 6 }, X().Argmin(null, true).ToArray<long>());
        Same(X().Argmax(), X().Argmax(null, false));
        Same(X().Argmax(1, true), X().Argmax((int?)1, true));
    }
}
