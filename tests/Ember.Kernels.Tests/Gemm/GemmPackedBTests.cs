using System;
using System.Collections.Generic;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary><see cref="GemmPackedB{T}"/>: a B operand packed once for several products (recurrent steps).</summary>
[Collection("GlobalSettings")]
public class GemmPackedBTests
{
    // (m, n, k): the LSTM bench's step products (32x512x128 forward, 32x128x512 backward: two depth blocks),
    // short- and regular-tile row counts and their edges, ragged column panels, tiny shapes.
    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes =
        [
            [32, 512, 128], [32, 128, 512], [1, 1, 1], [1, 33, 17], [7, 17, 129], [8, 32, 64], [9, 40, 70],
            [14, 64, 33], [16, 100, 300], [24, 31, 257], [28, 65, 20], [33, 65, 600], [129, 129, 129],
            [300, 17, 40],
        ];
        foreach (var s in shapes)
            yield return [s[0], s[1], s[2]];
    }

    private static float[] Random(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static double[] RandomD(Random rng, int count)
    {
        var x = new double[count];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() * 2 - 1;
        return x;
    }

    private static IEnumerable<GemmIsa> Isas()
    {
        for (var isa = GemmIsa.Portable; isa <= GemmSetup.MaxIsa; isa++) yield return isa;
    }

    /// <summary>op(A)·op(B) (+ bias) in double, and the stored layouts' row strides.</summary>
    private static double Reference(bool ta, bool tb, int i, int j, int k, Func<int, double> a, int lda,
        Func<int, double> b, int ldb, Func<int, double>? bias)
    {
        double s = bias is null ? 0 : bias(j);
        for (int p = 0; p < k; p++)
            s += a(ta ? p * lda + i : i * lda + p) * b(tb ? j * ldb + p : p * ldb + j);
        return s;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sgemm_MatchesReference_AllLayouts_AllIsas(int m, int n, int k)
    {
        var saved = GemmSetup.Isa;
        try
        {
            foreach (var isa in Isas())
            {
                GemmSetup.Isa = isa;
                var rng = new Random(m * 1000 + n + k);
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        foreach (bool withBias in new[] { false, true })
                        {
                            int pad = 3, lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
                            float[] a = Random(rng, (ta ? k : m) * lda), b = Random(rng, (tb ? n : k) * ldb);
                            float[] bias = withBias ? Random(rng, n) : [];
                            var c = new float[m * ldc];
                            Array.Fill(c, float.NaN);
                            var packed = new GemmPackedB<float>();
                            packed.Pack(tb, k, n, b, ldb);
                            packed.Multiply(ta, m, a, lda, bias, c, ldc);
                            double tol = 1e-6 * (k + 4) * 4;
                            for (int i = 0; i < m; i++)
                            {
                                for (int j = 0; j < n; j++)
                                {
                                    double want = Reference(ta, tb, i, j, k, x => a[x], lda, x => b[x], ldb,
                                        withBias ? x => bias[x] : null);
                                    Assert.False(Math.Abs(c[i * ldc + j] - want) > tol,
                                        $"{isa} m={m} n={n} k={k} ta={ta} tb={tb} bias={withBias} at ({i},{j}): " +
                                        $"{c[i * ldc + j]} vs {want}");
                                }
                                for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                                    Assert.True(float.IsNaN(c[i * ldc + j]), "padding of C was written");
                            }
                        }
            }
        }
        finally
        {
            GemmSetup.Isa = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Dgemm_MatchesReference(int m, int n, int k)
    {
        var rng = new Random(m + n * 7 + k * 13);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                int lda = ta ? m : k, ldb = tb ? k : n;
                double[] a = RandomD(rng, m * k), b = RandomD(rng, k * n), bias = RandomD(rng, n);
                var c = new double[m * n];
                var packed = new GemmPackedB<double>();
                packed.Pack(tb, k, n, b, ldb);
                packed.Multiply(ta, m, a, lda, bias, c, n);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        double want = Reference(ta, tb, i, j, k, x => a[x], lda, x => b[x], ldb, x => bias[x]);
                        Assert.False(Math.Abs(c[i * n + j] - want) > 1e-14 * (k + 4) * 4,
                            $"m={m} n={n} k={k} ta={ta} tb={tb} at ({i},{j}): {c[i * n + j]} vs {want}");
                    }
            }
    }

    [Theory]
    [InlineData(32, 512, 128, false, true)]
    [InlineData(32, 128, 512, false, false)]
    [InlineData(33, 65, 600, true, true)]
    [InlineData(129, 129, 129, false, false)]
    public void Results_AreBitIdenticalToGemm(int m, int n, int k, bool ta, bool tb)
    {
        // Same depth blocks, same multiply-add order per element: the packed operand (and the short tiles) change
        // nothing in the result, with or without a bias row.
        var rng = new Random(5);
        int lda = ta ? m : k, ldb = tb ? k : n;
        float[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Random(rng, n);
        float[] want = new float[m * n], wantBias = new float[m * n], got = new float[m * n],
            gotBias = new float[m * n];
        int saved = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = 1;
            Gemm.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, want, n);
            Gemm.SgemmBias(ta, tb, m, n, k, a, lda, b, ldb, bias, wantBias, n);
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
        var packed = new GemmPackedB<float>();
        packed.Pack(tb, k, n, b, ldb);
        packed.Multiply(ta, m, a, lda, default, got, n);
        packed.Multiply(ta, m, a, lda, bias, gotBias, n);
        for (int i = 0; i < m * n; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(want[i]), BitConverter.SingleToInt32Bits(got[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(wantBias[i]), BitConverter.SingleToInt32Bits(gotBias[i]));
        }
    }

    [Theory]
    [InlineData(32, 128, 512, false, false)]
    [InlineData(32, 512, 128, false, true)]
    [InlineData(33, 65, 600, true, true)]
    [InlineData(9, 40, 70, false, false)]
    [InlineData(129, 129, 129, true, false)]
    [InlineData(3, 17, 9, false, false)]
    public void Split_IsBitIdenticalToTheWholeProduct_AllIsas(int m, int n, int k, bool ta, bool tb)
    {
        // Each part packs its own rows of A, with the whole product's tile kernel and depth blocks: any split over
        // any number of threads gives the unsplit product bit for bit, and writes no row twice or not at all.
        var rng = new Random(m + 31 * n + k);
        int pad = 2, lda = (ta ? m : k) + pad, ldb = tb ? k : n, ldc = n + pad;
        float[] a = Random(rng, (ta ? k : m) * lda), b = Random(rng, k * n), bias = Random(rng, n);
        var savedIsa = GemmSetup.Isa;
        int savedThreads = WorkerPool.ThreadCount;
        try
        {
            foreach (var isa in Isas())
            {
                GemmSetup.Isa = isa;
                var packed = new GemmPackedB<float>();
                packed.Pack(tb, k, n, b, ldb);
                foreach (bool withBias in new[] { false, true })
                {
                    float[] row = withBias ? bias : [];
                    var want = new float[m * ldc];
                    packed.Multiply(ta, m, a, lda, row, want, ldc);
                    foreach (int threads in new[] { 1, 2, 4 })
                        foreach (int parts in new[] { 1, 2, 3, 8 })
                        {
                            WorkerPool.ThreadCount = threads;
                            var got = new float[m * ldc];
                            Array.Fill(got, float.NaN);
                            packed.MultiplySplit(parts, ta, m, a, lda, row, got, ldc);
                            for (int i = 0; i < m; i++)
                                for (int j = 0; j < ldc; j++)
                                {
                                    int at = i * ldc + j;
                                    if (j >= n) Assert.True(float.IsNaN(got[at]), "padding of C was written");
                                    else Assert.True(BitConverter.SingleToInt32Bits(want[at])
                                        == BitConverter.SingleToInt32Bits(got[at]),
                                        $"{isa} threads={threads} parts={parts} bias={withBias} at ({i},{j}): " +
                                        $"{got[at]} vs {want[at]}");
                                }
                        }
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
    public void Repack_ReusesTheObject_ForAnotherOperand()
    {
        var rng = new Random(3);
        var packed = new GemmPackedB<float>();
        float[] b1 = Random(rng, 40 * 64), b2 = Random(rng, 20 * 10), a = Random(rng, 5 * 40);
        packed.Pack(false, 40, 64, b1, 64);
        packed.Pack(true, 20, 10, b2, 20);
        Assert.Equal((20, 10), (packed.K, packed.N));
        var c = new float[5 * 10];
        packed.Multiply(false, 5, a, 20, default, c, 10);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 10; j++)
                Assert.Equal(Reference(false, true, i, j, 20, x => a[x], 20, x => b2[x], 20, null), c[i * 10 + j],
                    1e-4);
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var packed = new GemmPackedB<float>();
        Assert.Throws<InvalidOperationException>(() => packed.Multiply(false, 1, new float[4], 4, default,
            new float[4], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => packed.Pack(false, 0, 4, new float[4], 4));
        Assert.Throws<ArgumentException>(() => packed.Pack(false, 4, 4, new float[15], 4));
        packed.Pack(false, 4, 4, new float[16], 4);
        Assert.Throws<ArgumentException>(() => packed.Multiply(false, 2, new float[7], 4, default, new float[8], 4));
        Assert.Throws<ArgumentException>(() => packed.Multiply(false, 2, new float[8], 4, default, new float[7], 4));
        Assert.Throws<ArgumentException>(() => packed.Multiply(false, 2, new float[8], 4, new float[3],
            new float[8], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => packed.Multiply(false, 2, new float[8], 3, default,
            new float[8], 4));
        Assert.Throws<ArgumentException>(() => packed.MultiplySplit(2, false, 2, new float[8], 4, default,
            new float[7], 4));
        Assert.Throws<InvalidOperationException>(() => new GemmPackedB<float>().MultiplySplit(2, false, 16,
            new float[64], 4, default, new float[64], 4));
    }
}
