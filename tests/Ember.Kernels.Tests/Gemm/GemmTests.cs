using System;
using System.Collections.Generic;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>Tests that change process-wide settings (thread count, kernel ISA) must not run in parallel with
/// others.</summary>
[CollectionDefinition("GlobalSettings", DisableParallelization = true)]
public sealed class GlobalSettingsCollection { }

[Collection("GlobalSettings")]
public class GemmTests
{
    // (m, n, k) shapes: edges of every tile size, tiny direct-path shapes, and a few blocked ones.
    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes =
        {
            new[] { 1, 1, 1 }, new[] { 1, 7, 17 }, new[] { 7, 1, 17 }, new[] { 17, 7, 1 },
            new[] { 7, 17, 129 }, new[] { 129, 17, 7 }, new[] { 17, 129, 7 },
            new[] { 150, 10, 4 }, new[] { 150, 3, 10 }, new[] { 4, 10, 150 },
            new[] { 129, 129, 129 }, new[] { 33, 65, 300 }, new[] { 1000, 17, 7 }, new[] { 7, 1000, 17 },
            new[] { 17, 7, 1000 }, new[] { 64, 64, 64 }, new[] { 100, 150, 257 }, new[] { 1, 1000, 129 },
            new[] { 1000, 1, 129 }, new[] { 129, 400, 33 }, new[] { 3, 500, 40 }, new[] { 500, 2, 40 },
            new[] { 4, 1000, 33 }, new[] { 20, 300, 100 }, new[] { 30, 33, 600 },
        };
        foreach (var s in shapes)
            yield return new object[] { s[0], s[1], s[2] };
    }

    private static float[] Random(Random rng, int count, bool nanFill = false)
    {
        var x = new float[count];
        for (int i = 0; i < x.Length; i++)
            x[i] = nanFill ? float.NaN : (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static double[] RandomD(Random rng, int count)
    {
        var x = new double[count];
        for (int i = 0; i < x.Length; i++)
            x[i] = rng.NextDouble() * 2 - 1;
        return x;
    }

    /// <summary>Naive double-accumulated reference.</summary>
    private static double[] Reference(bool ta, bool tb, int m, int n, int k, double alpha,
        double[] a, int lda, double[] b, int ldb, double beta, double[] c, int ldc)
    {
        // Strides of op(A), op(B).
        int ai = ta ? 1 : lda, ap = ta ? lda : 1, bp = tb ? 1 : ldb, bj = tb ? ldb : 1;
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                int ia = i * ai, ib = j * bj;
                for (int p = 0; p < k; p++, ia += ap, ib += bp)
                    s += a[ia] * b[ib];
                r[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]);
            }
        return r;
    }

    private static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);

    private static void CheckSgemm(Random rng, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = Random(rng, (ta ? k : m) * lda);
        var b = Random(rng, (tb ? n : k) * ldb);
        var c = Random(rng, m * ldc, nanFill: beta == 0);
        var c0 = (float[])c.Clone();
        Gemm.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        var r = Reference(ta, tb, m, n, k, alpha, ToDouble(a), lda, ToDouble(b), ldb, beta, ToDouble(c0), ldc);
        double tol = 1e-6 * (k + 4) * 4;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double got = c[i * ldc + j], want = r[i * n + j];
                Assert.False(Math.Abs(got - want) > tol * (1 + Math.Abs(alpha)),
                    $"m={m} n={n} k={k} ta={ta} tb={tb} a={alpha} b={beta} at ({i},{j}): {got} vs {want}");
            }
            // Padding columns untouched.
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                Assert.True(c[i * ldc + j].Equals(c0[i * ldc + j]), "padding of C was written");
        }
    }

    private static void CheckDgemm(Random rng, bool ta, bool tb, int m, int n, int k, double alpha, double beta,
        int pad)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = RandomD(rng, (ta ? k : m) * lda);
        var b = RandomD(rng, (tb ? n : k) * ldb);
        var c = RandomD(rng, m * ldc);
        if (beta == 0)
            Array.Fill(c, double.NaN);
        var c0 = (double[])c.Clone();
        Gemm.Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        var r = Reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc);
        double tol = 1e-14 * (k + 4) * 4;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double got = c[i * ldc + j], want = r[i * n + j];
                Assert.False(Math.Abs(got - want) > tol * (1 + Math.Abs(alpha)),
                    $"m={m} n={n} k={k} ta={ta} tb={tb} at ({i},{j}): {got} vs {want}");
            }
    }

    private static IEnumerable<GemmIsa> Isas()
    {
        for (var isa = GemmIsa.Portable; isa <= GemmSetup.MaxIsa; isa++)
            yield return isa;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sgemm_MatchesReference_AllTransposes(int m, int n, int k)
    {
        var rng = new Random(m * 1000003 + n * 1009 + k);
        var saved = GemmSetup.Isa;
        try
        {
            foreach (var isa in Isas())
            {
                GemmSetup.Isa = isa;
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                    {
                        CheckSgemm(rng, ta, tb, m, n, k, 1f, 0f, 0);
                        CheckSgemm(rng, ta, tb, m, n, k, -0.5f, 1.5f, 3);
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
    public void Dgemm_MatchesReference_AllTransposes(int m, int n, int k)
    {
        var rng = new Random(m * 7919 + n * 31 + k);
        var saved = GemmSetup.Isa;
        try
        {
            foreach (var isa in (long)m * n * k <= 600_000 ? Isas() : new[] { GemmSetup.MaxIsa, GemmIsa.Portable })
            {
                GemmSetup.Isa = isa;
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                    {
                        CheckDgemm(rng, ta, tb, m, n, k, 1.0, 0.0, 0);
                        CheckDgemm(rng, ta, tb, m, n, k, 2.0, -1.0, 5);
                    }
            }
        }
        finally
        {
            GemmSetup.Isa = saved;
        }
    }

    [Fact]
    public void Sgemm_LargeDepth_MultipleDepthBlocks()
    {
        var rng = new Random(5);
        CheckSgemm(rng, false, false, 40, 50, 1100, 0.75f, 0.25f, 1);
        CheckSgemm(rng, true, true, 40, 50, 1100, 1f, 0f, 0);
    }

    [Fact]
    public void BetaZero_NaNInC_DoesNotPropagate()
    {
        foreach (var (m, n, k) in new[] { (3, 4, 5), (100, 100, 100) })
        {
            var a = new float[m * k];
            var b = new float[k * n];
            Array.Fill(a, 1f);
            Array.Fill(b, 2f);
            var c = new float[m * n];
            Array.Fill(c, float.NaN);
            Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            Assert.All(c, x => Assert.Equal(2f * k, x));
        }
    }

    [Fact]
    public void AlphaZero_And_KZero_ScaleC()
    {
        var c = new float[] { 1, 2, 3, 4, float.NaN, 6 };
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, 2, 2f, c, 3);
        Assert.Equal(new float[] { 2, 4, 3, 8, float.NaN, 6 }, c);
        var d = new double[] { 1, double.NaN, 3, 4 };
        Gemm.Dgemm(false, false, 2, 2, 3, 0.0, new double[6], 3, new double[6], 2, 0.0, d, 2);
        Assert.Equal(new double[] { 0, 0, 0, 0 }, d);
    }

    [Fact]
    public void ShortSpans_Throw()
    {
        Assert.Throws<ArgumentException>(() =>
            Gemm.Sgemm(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, new float[4], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemm.Sgemm(false, false, 2, 2, 2, 1f, new float[4], 1, new float[4], 2, 0f, new float[4], 2));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Sgemm_BitIdentical_For1And2Threads(bool ta, bool tb)
    {
        var rng = new Random(42);
        int saved = WorkerPool.ThreadCount;
        try
        {
            // (400, 300, 600) takes the phased scheme (48 Mflop depth steps); (300, 260, 300) and (257, 257, 600)
            // the barrier-free one with several depth blocks, (1200, 80, 600) too as a tall product.
            foreach (var (m, n, k) in new[] { (300, 260, 300), (37, 530, 270), (530, 37, 70), (257, 257, 600),
                (64, 70, 1500), (3, 2000, 300), (2000, 3, 300), (20, 700, 300), (400, 300, 600), (1200, 80, 600) })
            {
                int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2;
                var a = Random(rng, (ta ? k : m) * lda);
                var b = Random(rng, (tb ? n : k) * ldb);
                var c1 = Random(rng, m * n);
                var c2 = (float[])c1.Clone();
                var c3 = (float[])c1.Clone();
                WorkerPool.ThreadCount = 1;
                Gemm.Sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c1, n);
                WorkerPool.ThreadCount = 2;
                Gemm.Sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c2, n);
                WorkerPool.ThreadCount = 3;
                Gemm.Sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c3, n);
                for (int i = 0; i < c1.Length; i++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(c1[i]), BitConverter.SingleToInt32Bits(c2[i]));
                    Assert.Equal(BitConverter.SingleToInt32Bits(c1[i]), BitConverter.SingleToInt32Bits(c3[i]));
                }
            }
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
    }

    [Fact]
    public void Dgemm_BitIdentical_For1And2Threads()
    {
        var rng = new Random(7);
        int saved = WorkerPool.ThreadCount;
        try
        {
            int m = 200, n = 190, k = 300;
            var a = RandomD(rng, m * k);
            var b = RandomD(rng, n * k);
            var c1 = new double[m * n];
            var c2 = new double[m * n];
            WorkerPool.ThreadCount = 1;
            Gemm.Dgemm(false, true, m, n, k, 1.0, a, k, b, k, 0.0, c1, n);
            WorkerPool.ThreadCount = 2;
            Gemm.Dgemm(false, true, m, n, k, 1.0, a, k, b, k, 0.0, c2, n);
            for (int i = 0; i < c1.Length; i++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(c1[i]), BitConverter.DoubleToInt64Bits(c2[i]));
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
    }
}
