using System;

namespace Ember.Tests.Ops.Indexing;

/// <summary>PyTorch's <c>x[i] = 5</c>: C# numbers assigned through the indexer via the implicit conversions.</summary>
public class ScalarAssignmentTests
{
    [Fact]
    public void DoubleAssignmentWritesTheIndexedElements()
    {
        var x = Tensor.Zeros(2, 3);
        x[0] = 5.0;
        x[.., 1] = 2;
        x[1, 2] = 0.5f;
        Assert.Equal(DType.Float32, x.DType);
        Assert.Equal(new float[] { 5, 2, 5, 0, 2, 0.5f }, x.ToArray<float>());
    }

    [Fact]
    public void AdvancedIndicesAndMasksTakeNumbers()
    {
        var x = Tensor.Zeros([4], DType.Float64);
        x[Tensor.From(new long[] { 0, 2 })] = 3.0;
        Assert.Equal(new[] { 3.0, 0, 3, 0 }, x.ToArray<double>());
        x[x.Eq(0.0)] = -1.0;
        Assert.Equal(new[] { 3.0, -1, 3, -1 }, x.ToArray<double>());
    }

    [Fact]
    public void TheTargetKeepsItsDType()
    {
        var f64 = Tensor.Zeros([2], DType.Float64);
        f64[0] = 0.1;
        Assert.Equal(0.1, f64.ToArray<double>()[0]); // exact: the number is not rounded through float32
        var i64 = Tensor.Zeros([2], DType.Int64);
        i64[0] = 9007199254740993L; // 2^53 + 1: exact through the long conversion
        i64[1] = 2.7; // cast like copy_: truncated toward zero
        Assert.Equal(DType.Int64, i64.DType);
        Assert.Equal(new[] { 9007199254740993L, 2 }, i64.ToArray<long>());
        var b = Tensor.Zeros([2], DType.Bool);
        b[1] = 1;
        Assert.Equal(new[] { false, true }, b.ToArray<bool>());
        var h = Tensor.Zeros([2], DType.Float16);
        h[0] = 1.5;
        Assert.Equal(DType.Float16, h.DType);
        Assert.Equal(1.5, (double)h.ToArray<Half>()[0]);
    }

    [Fact]
    public void ConvertedNumbersDoNotPromoteFloatTensors()
    {
        // As a PyTorch 0-dim tensor: float32 stays float32, an int32 tensor with a long stays int32.
        Tensor five = 5.0;
        Assert.Equal(DType.Float64, five.DType);
        Assert.Equal(0, five.Dim);
        Assert.Equal(DType.Float32, Tensor.Ones(2).Add(five).DType);
        Tensor two = 2L;
        Assert.Equal(DType.Int64, two.DType);
        Assert.Equal(DType.Int32, Tensor.Ones([2], DType.Int32).Add(two).DType);
        Assert.Equal(5.0, Tensor.FromDouble(5.0).Item<double>());
        Assert.Equal(7L, Tensor.FromInt64(7).Item<long>());
        // The operators with C# number overloads are still chosen over the conversion.
        Assert.Equal(DType.Float32, (Tensor.Ones([2], DType.Int64) + 2.5).DType);
    }

    [Fact]
    public void AssignmentIntoANonLeafIsRecordedAsCopySlices()
    {
        var w = Tensor.Ones([3], DType.Float64, requiresGrad: true);
        var y = w * 3.0;
        y[1] = 10.0;
        Assert.Equal("CopySlices", y.GradFn!.Name);
        Assert.Equal(new[] { 3.0, 10, 3 }, y.ToArray<double>());
        (y * y).Sum().Backward();
        // d/dw sum(y^2) = 2 * y * 3 where y was not overwritten, 0 at the assigned element.
        Assert.Equal(new[] { 18.0, 0, 18 }, w.Grad!.ToArray<double>());
    }

    [Fact]
    public void ErrorsAreTheIndexersErrors()
    {
        var leaf = Tensor.Zeros([3], DType.Float32, requiresGrad: true);
        var e = Assert.Throws<InvalidOperationException>(() => leaf[0] = 1.0);
        Assert.Contains("a view of a leaf Variable that requires grad is being used in an in-place operation",
            e.Message);
        var x = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => x[5] = 1.0);
        Assert.Throws<ArgumentOutOfRangeException>(() => x[0, 0, 0] = 1.0);
        using (Autograd.NoGrad()) leaf[0] = 4.0;
        Assert.Equal(4f, leaf.ToArray<float>()[0]);
    }
}
