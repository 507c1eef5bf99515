using System;
using System.Collections.Generic;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// <see cref="GemmPart"/>: row parts of blocked products give, for any split and ISA, the bits of
/// <see cref="Gemm.Multiply{T}"/> over the whole product (and both products of a pair the bits of each alone).
/// </summary>
[Collection("GlobalSettings")]
public class GemmPartTests
{
    // (m, n1, n2, k): the LSTM bench's tail (dW_ih and dW_hh: 512 x {64, 128} over 1600; dX: 1600 x 64 over 512),
    // ragged row tiles and column panels, several depth blocks, one depth block.
    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes =
        [
            [512, 64, 128, 1600], [1600, 64, 0, 512], [96, 24, 24, 198], [37, 17, 45, 700], [200, 9, 0, 257],
            [15, 33, 10, 130], [160, 40, 40, 40],
        ];
        foreach (var s in shapes)
            foreach (bool transA in new[] { false, true })
                yield return [s[0], s[1], s[2], s[3], transA];
    }

    private static float[] Random(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RowParts_EqualTheWholeProductBitForBit_AllIsas(int m, int n1, int n2, int k, bool transA)
    {
        var rng = new Random(m * 31 + n1 + n2 + k);
        float[] a = Random(rng, m * k), b1 = Random(rng, k * n1), b2 = Random(rng, k * Math.Max(n2, 1));
        int lda = transA ? m : k;
        var savedIsa = GemmSetup.Isa;
        int savedThreads = WorkerPool.ThreadCount;
        try
        {
            for (var isa = GemmIsa.Portable; isa <= GemmSetup.MaxIsa; isa++)
            {
                GemmSetup.Isa = isa;
                Assert.True(GemmPart.IsBlocked<float>(m, n1, k));
                var want1 = new float[m * n1];
                var want2 = new float[m * Math.Max(n2, 1)];
                WorkerPool.ThreadCount = 2;
                Gemm.Multiply(transA, false, m, n1, k, 1f, a, lda, b1, n1, 0f, want1, n1);
                if (n2 > 0) Gemm.Multiply(transA, false, m, n2, k, 1f, a, lda, b2, n2, 0f, want2, n2);
                foreach (int parts in new[] { 1, 2, 3, 7 })
                {
                    float[] got1 = new float[want1.Length], got2 = new float[want2.Length];
                    for (int p = parts - 1; p >= 0; p--)
                        GemmPart.MultiplyRows<float>(p, parts, transA, m, k, a, lda, b1, n1, n1, got1, n1, b2, n2,
                            n2, got2, n2);
                    Same(want1, got1, $"{isa}, {parts} parts, C1");
                    if (n2 > 0) Same(want2, got2, $"{isa}, {parts} parts, C2");
                }
            }
        }
        finally
        {
            GemmSetup.Isa = savedIsa;
            WorkerPool.ThreadCount = savedThreads;
        }
    }

    [Fact]
    public void Double_RowParts_EqualTheWholeProduct()
    {
        var rng = new Random(5);
        const int M = 130, N = 40, K = 300;
        double[] a = new double[K * M], b = new double[K * N];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextDouble() - 0.5;
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextDouble() - 0.5;
        var want = new double[M * N];
        Gemm.Multiply(true, false, M, N, K, 1.0, a, M, b, N, 0.0, want, N);
        var got = new double[M * N];
        for (int p = 0; p < 3; p++)
            GemmPart.MultiplyRows<double>(p, 3, true, M, K, a, M, b, N, N, got, N, default, 0, 0, default, 0);
        for (int i = 0; i < want.Length; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(want[i]), BitConverter.DoubleToInt64Bits(got[i]));
    }

    [Fact]
    public void IsBlocked_FollowsTheDriversShapes()
    {
        Assert.True(GemmPart.IsBlocked<float>(512, 128, 1600));
        Assert.False(GemmPart.IsBlocked<float>(8, 128, 1600)); // skinny rows
        Assert.False(GemmPart.IsBlocked<float>(512, 8, 1600)); // skinny columns
        Assert.False(GemmPart.IsBlocked<float>(16, 16, 16)); // direct
        Assert.False(GemmPart.IsBlocked<float>(0, 16, 16));
    }

    [Fact]
    public void BadArguments_NameTheOpAndTheSizes()
    {
        float[] a = new float[25], b = new float[25], c = new float[25];
        var e = Assert.Throws<ArgumentException>(() =>
            GemmPart.MultiplyRows<float>(0, 1, false, 5, 5, a, 5, b, 5, 5, c.AsSpan(0, 10), 5, default, 0, 0,
                default, 0));
        Assert.Contains("GemmPart.MultiplyRows: c1 has 10 elements, expected at least 25", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            GemmPart.MultiplyRows<float>(2, 2, false, 4, 4, a, 4, b, 4, 4, c, 4, default, 0, 0, default, 0));
    }

    private static void Same(float[] want, float[] got, string what)
    {
        for (int i = 0; i < want.Length; i++)
            if (BitConverter.SingleToInt32Bits(want[i]) != BitConverter.SingleToInt32Bits(got[i]))
                Assert.Fail($"{what}: element {i} is {got[i]:R}, expected {want[i]:R}");
    }
}
