using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary><see cref="CascadeSum.ColumnRange{T}"/>: any range of columns sums to <see cref="CascadeSum.Columns{T}"/>'s
/// bits, in the vector groups and in the ragged columns after them.</summary>
public class CascadeSumColumnRangeTests
{
    [Theory]
    [InlineData(1600, 512)] // an LSTM's gate gradients over all steps (the bench's bias sums)
    [InlineData(198, 96)]
    [InlineData(37, 45)] // columns past the last whole group of four vectors
    [InlineData(5, 3)]
    public void Ranges_EqualTheWholeSum(int n, int inner)
    {
        var rng = new Random(n + inner);
        float[] x = new float[n * inner];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        float[] want = new float[inner];
        CascadeSum.Columns<float>(x, n, inner, want);
        foreach (int parts in new[] { 1, 2, 3, 5 })
        {
            float[] got = new float[inner];
            for (int p = 0; p < parts; p++)
            {
                int c0 = inner * p / parts, c1 = inner * (p + 1) / parts;
                CascadeSum.ColumnRange<float>(x, n, inner, c0, c1 - c0, got.AsSpan(c0, c1 - c0));
            }
            for (int i = 0; i < inner; i++)
                Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]),
                    $"{parts} parts: column {i} is {got[i]:R}, expected {want[i]:R}");
        }
        double[] xd = Array.ConvertAll(x, v => (double)v), wantD = new double[inner], gotD = new double[inner];
        CascadeSum.Columns<double>(xd, n, inner, wantD);
        CascadeSum.ColumnRange<double>(xd, n, inner, 0, inner / 2, gotD);
        CascadeSum.ColumnRange<double>(xd, n, inner, inner / 2, inner - inner / 2, gotD.AsSpan(inner / 2));
        Assert.Equal(wantD, gotD);
    }

    [Fact]
    public void ARangeOutsideTheColumns_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CascadeSum.ColumnRange<float>(new float[12], 3, 4, 2, 3, new float[3]));
}
