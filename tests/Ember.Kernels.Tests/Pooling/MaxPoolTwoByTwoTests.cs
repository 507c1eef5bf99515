using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>The 2x2, stride-2 max-pool fast path gives PyTorch's values and indices: NaN wins (the last NaN of a
/// window), ties keep the first maximum, all -inf keeps the window's first element.</summary>
public class MaxPoolTwoByTwoTests
{
    [Theory]
    [InlineData(28, 28)]
    [InlineData(29, 31)] // floor mode drops the last row and column
    [InlineData(2, 2)]
    [InlineData(10, 10)] // LeNet's second pool: the vector path's last step overlaps the previous one
    [InlineData(8, 16)]
    [InlineData(20, 9)]
    [InlineData(6, 7)] // three windows a row: scalar
    public void MatchesTheReferenceScan(int h, int w)
    {
        const int planes = 5;
        var rng = new Random(h * 100 + w);
        var x = new float[planes * h * w];
        for (int i = 0; i < x.Length; i++)
            x[i] = rng.Next(10) switch
            {
                0 => float.NaN,
                1 => float.NegativeInfinity,
                2 => -0f, // ties with +0: the first of the two wins, sign included
                _ => rng.Next(4), // many ties
            };
        int oh = h / 2, ow = w / 2;
        var g = new PoolGeometry(planes, h, w, 2, 2, 2, 2, 0, 0, 1, 1, oh, ow);
        var y = new float[planes * oh * ow];
        var idx = new long[y.Length];
        MaxPool.Forward(x, 0, y, 0, idx, 0, g);
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    float max = float.NegativeInfinity;
                    int best = 2 * i * w + 2 * j;
                    for (int a = 2 * i; a < 2 * i + 2; a++)
                        for (int b = 2 * j; b < 2 * j + 2; b++)
                        {
                            float v = x[p * h * w + a * w + b];
                            if (v > max || float.IsNaN(v))
                            {
                                max = v;
                                best = a * w + b;
                            }
                        }
                    int o = (p * oh + i) * ow + j;
                    Assert.Equal(BitConverter.SingleToInt32Bits(max), BitConverter.SingleToInt32Bits(y[o]));
                    Assert.Equal(best, idx[o]);
                }
    }
}
