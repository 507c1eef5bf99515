using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests.Elementwise;

/// <summary>
/// ReLU's span loop (vector body and scalar tail) against the scalar rule max(x, 0) with PyTorch's NaN and signed-zero
/// behaviour: NaN stays NaN, -0 becomes +0.
/// </summary>
public class ReluOperatorTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(150 * 10)]
    public void FloatMatchesTheScalarRule(int n)
    {
        var x = new float[n];
        var rng = new Random(n);
        for (int i = 0; i < n; i++)
            x[i] = (i % 11) switch
            {
                3 => float.NaN,
                4 => -0f,
                5 => float.NegativeInfinity,
                6 => float.PositiveInfinity,
                _ => (float)(rng.NextDouble() * 4 - 2),
            };
        var y = new float[n];
        ReluOperator<float>.Invoke(x, y);
        for (int i = 0; i < n; i++)
        {
            float expected = float.IsNaN(x[i]) ? float.NaN : Math.Max(x[i], 0f);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(y[i]));
        }
    }

    [Fact]
    public void DoubleAndIntegerTypesAndInPlace()
    {
        double[] d = [-1.5, 0.0, 2.5, double.NaN, -0.0, 3, -4, 5, -6];
        ReluOperator<double>.Invoke(d, d);
        Assert.Equal([0.0, 0.0, 2.5, double.NaN, 0.0, 3, 0, 5, 0], d);
        Assert.False(double.IsNegative(d[4]));
        int[] a = new int[19];
        for (int i = 0; i < a.Length; i++) a[i] = i % 2 == 0 ? -i : i;
        var b = new int[19];
        ReluOperator<int>.Invoke(a, b);
        for (int i = 0; i < a.Length; i++) Assert.Equal(Math.Max(a[i], 0), b[i]);
    }

    [Fact]
    public void ShortDestinationThrows()
    {
        var e = Assert.Throws<ArgumentException>(() => ReluOperator<float>.Invoke(new float[5], new float[4]));
        Assert.Contains("relu", e.Message, StringComparison.Ordinal);
    }
}
