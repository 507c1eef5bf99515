using Ember.NN;

namespace Ember.Tests.NN;

/// <summary>Adaptive pooling with a null (kept) output size, as PyTorch's <c>output_size=(None, 2)</c>.</summary>
public class AdaptivePoolingTests
{
    private static Tensor Input() => Tensor.Arange(0, 2 * 3 * 4 * 5, dtype: DType.Float32).Reshape(2, 3, 4, 5);

    [Fact]
    public void NullHeightKeepsTheInputHeight()
    {
        var pool = new AdaptiveAvgPool2d(null, 2);
        Tensor y = pool.Call(Input());
        Assert.Equal([2, 3, 4, 2], y.Shape.ToArray());
        // PyTorch 1.13: AdaptiveAvgPool2d((None, 2))(x)[0, 0]
        Assert.Equal([1f, 3f, 6f, 8f, 11f, 13f, 16f, 18f], y[0, 0].Contiguous().ToArray<float>());
        Assert.Contains("output_size=(None, 2)", pool.ToString());
    }

    [Fact]
    public void NullWidthKeepsTheInputWidth()
    {
        Tensor y = F.AdaptiveAvgPool2d(Input(), 3, null);
        Assert.Equal([2, 3, 3, 5], y.Shape.ToArray());
        // PyTorch 1.13: AdaptiveAvgPool2d((3, None))(x)[1, 2, :, 0]
        Assert.Equal([102.5f, 107.5f, 112.5f], y[1, 2, TensorIndex.Slice(), 0].Contiguous().ToArray<float>());
        Assert.Equal(Input().ToArray<float>(), F.AdaptiveAvgPool2d(Input(), null, null).ToArray<float>());
    }
}
