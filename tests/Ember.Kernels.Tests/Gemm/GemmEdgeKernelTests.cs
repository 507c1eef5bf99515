using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// The packed driver's ragged tiles (rows past a multiple of MR, columns past a multiple of NR) run narrower edge
/// kernels on AVX-512. Every kernel must compute each element of C as the main kernel does: per depth block, one
/// chain of fused multiply-adds from zero in depth order, then <c>alpha·acc</c> (beta = 0) or
/// <c>fma(acc, alpha, beta·c)</c>. The reference below spells that chain out in scalar code, so a bit-for-bit match
/// shows that which kernel ran a tile (and how the tiles were split over threads) cannot change a result.
/// </summary>
[Collection("GlobalSettings")]
public class GemmEdgeKernelTests
{
    public static TheoryData<int, int, int, bool, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        // Rows: every remainder of 14 that picks a different kernel (1-4, 5-8, 9-13, whole); columns: narrow
        // (<= 16 of 32), wide ragged and whole; depths: one block and several (KC = 256).
        int[] ms = [1, 2, 4, 5, 8, 9, 13, 14, 16, 22, 27, 128, 130];
        int[] ns = [10, 16, 17, 32, 45];
        foreach (int m in ms)
        {
            foreach (int n in ns)
            {
                data.Add(m, n, 40, false, true);
                data.Add(m, n, 300, m % 3 == 0, m % 2 == 0);
            }
        }
        data.Add(128, 256, 784, false, true); // W2's first Linear layer
        data.Add(256, 784, 128, true, false); // and its weight gradient
        data.Add(128, 10, 128, false, true); // W2's last layer
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Driver_RaggedTiles_MatchTheFmaChainBitForBit(int m, int n, int k, bool transA, bool transB)
    {
        if (GemmSetup.MaxIsa != GemmIsa.Avx512) Assert.Skip("the edge kernels are AVX-512 only");
        var rng = new Random(m * 1000 + n * 10 + k);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
        int lda = transA ? m : k, ldb = transB ? k : n;
        foreach (float beta in new[] { 0f, 0.75f })
        {
            float[] expected = Reference(transA, transB, m, n, k, 1.5f, a, lda, b, ldb, beta, c0);
            int saved = WorkerPool.ThreadCount;
            try
            {
                for (int threads = 1; threads <= 3; threads++)
                {
                    WorkerPool.ThreadCount = threads;
                    float[] c = (float[])c0.Clone();
                    unsafe
                    {
                        fixed (float* pa = a, pb = b, pc = c)
                            GemmDriver<float>.Run(transA, transB, m, n, k, 1.5f, pa, lda, pb, ldb, beta, pc, n);
                    }
                    for (int i = 0; i < c.Length; i++)
                    {
                        if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(c[i]))
                            Assert.Fail($"C[{i / n}, {i % n}] of {m}x{n}x{k} (beta {beta}, {threads} threads): " +
                                $"expected {expected[i]:R}, got {c[i]:R}");
                    }
                }
            }
            finally
            {
                WorkerPool.ThreadCount = saved;
            }
        }
    }

    /// <summary>The driver's arithmetic in scalar form: depth blocks of equal size at most KC (256).</summary>
    private static float[] Reference(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda,
        float[] b, int ldb, float beta, float[] c0)
    {
        const int KC = 256;
        int blocks = (k + KC - 1) / KC;
        int kcb = (k + blocks - 1) / blocks;
        var c = (float[])c0.Clone();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float value = c[i * n + j];
                for (int pc = 0; pc < k; pc += kcb)
                {
                    float acc = 0;
                    for (int p = pc; p < Math.Min(k, pc + kcb); p++)
                    {
                        float x = transA ? a[p * lda + i] : a[i * lda + p];
                        float y = transB ? b[j * ldb + p] : b[p * ldb + j];
                        acc = MathF.FusedMultiplyAdd(x, y, acc);
                    }
                    float betaEff = pc == 0 ? beta : 1f;
                    value = betaEff == 0 ? acc * alpha : MathF.FusedMultiplyAdd(acc, alpha, betaEff * value);
                }
                c[i * n + j] = value;
            }
        }
        return c;
    }

    private static float[] Random(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
