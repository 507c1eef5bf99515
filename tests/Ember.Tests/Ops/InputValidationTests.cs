using System;
using Ember.NN;

namespace Ember.Tests.Ops;

/// <summary>Issue 13 (items 4, 5, 10): bad sizes and arguments fail at once with a message naming the op, the
/// expected and the actual, instead of a silent wrong result or a raw runtime exception later.</summary>
public class InputValidationTests
{
    [Fact]
    public void ElementCountOverflowIsAnErrorNotAnEmptyTensor()
    {
        // 65536⁴ = 2⁶⁴ wrapped to 0 in a long product: the tensor was created with 0 elements.
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Randn(65536, 65536, 65536, 65536));
        Assert.Contains("[65536, 65536, 65536, 65536]", ex.Message);
        Assert.Contains("2147483647", ex.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(1 << 16, 1 << 15));
        // An empty dim does not hide an overflowing product of the others (strides would overflow).
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(0, 1 << 16, 1 << 16));
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, -3)).Message);
        Assert.Equal(0, Tensor.Zeros(0, 1 << 15, 1 << 15).NumEl);
        Assert.Equal(int.MaxValue, Tensor.Zeros(0, int.MaxValue).Shape[1]);
    }

    [Fact]
    public void ExpandRejectsSizesBelowMinusOne()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Ones(1, 3).Expand(-2, 3));
        Assert.Contains("expand", ex.Message);
        Assert.Contains("-2", ex.Message);
        Assert.Contains("[1, 3]", ex.Message);
        Assert.Equal(new[] { 4, 3 }, Tensor.Ones(1, 3).Expand(4, -1).Shape.ToArray());
    }

    [Fact]
    public void ConvWithAZeroKernelSaysSo()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Conv2d(3, 6, 0));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("kernel_size", ex.Message);
        Assert.DoesNotContain("ConvGeometry", ex.Message);
        var fn = Assert.Throws<ArgumentException>(() =>
            F.Conv2d(Tensor.Ones(1, 3, 4, 4), Tensor.Ones(6, 3, 0, 0)));
        Assert.Contains("conv2d", fn.Message);
        Assert.Contains("[6, 3, 0, 0]", fn.Message);
    }

    [Fact]
    public void ArangeRejectsNonFiniteAndHugeRanges()
    {
        var nan = Assert.Throws<ArgumentException>(() => Tensor.Arange(0, double.NaN));
        Assert.Contains("arange", nan.Message);
        Assert.Contains("NaN", nan.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0, double.PositiveInfinity));
        var huge = Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 1e12));
        Assert.Contains("1000000000000", huge.Message);
        Assert.Contains("2147483647", huge.Message);
        Assert.Equal(3, Tensor.Arange(0, 3).NumEl);
    }

    [Fact]
    public void AbsOfTheMinimumIntegerWrapsAsInPyTorch()
    {
        // torch.tensor([-2**63, -5, 7]).abs() == [-2**63, 5, 7]; long vectors take the span path too.
        var values = new long[37];
        for (int i = 0; i < values.Length; i++) values[i] = i % 3 == 0 ? long.MinValue : -i;
        var abs = Tensor.From(values).Abs();
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(i % 3 == 0 ? long.MinValue : i, abs[i].Item<long>());
        Assert.Equal(int.MinValue, Tensor.From(new[] { int.MinValue }).Abs()[0].Item<int>());
        Assert.Equal(2.5f, Tensor.From(new[] { -2.5f }).Abs()[0].Item<float>());
    }
}
