using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>How the packed GEMM driver splits small-m products (a Linear layer's batch rows) over threads.</summary>
[Collection("GlobalSettings")]
public class GemmSplitTests
{
    [Fact]
    public void ChooseSplit_PackedB_SmallM_SplitsColumns()
    {
        // W2's Linear forward, 128x256x784 NT on AVX-512 tiles (14 x 32): a column split packs B once in all
        // and costs less than a row split that packs all of B in each part.
        GemmDriver<float>.ChooseSplit(10, 8, 2, out int mp, out int np, 14, 32, 16, 16);
        Assert.Equal((1, 2), (mp, np));
    }

    [Fact]
    public void ChooseSplit_SharedOrDirectB_KeepsRowSplitOnTies()
    {
        // B read in place (or packed once and shared): only A's packing counts, so rows are split.
        GemmDriver<float>.ChooseSplit(10, 8, 2, out int mp, out int np, 14, 32, 16, 0);
        Assert.Equal((2, 1), (mp, np));
        GemmDriver<float>.ChooseSplit(10, 8, 2, out mp, out np);
        Assert.Equal((2, 1), (mp, np));
    }

    [Fact]
    public void ChooseSplit_CheapRaggedLastTile_BalancesTheParts()
    {
        // W2's 128x128x256 NT on AVX-512: 9 tiles of 14 rows and one of 2 rows, which the 4-row edge kernel runs.
        // Counted as whole tiles, rows and columns tie and the rows are split 5 | 4 + edge (70 vs 60 rows of
        // work); with the edge's real cost the columns are split, and both parts have 130 rows. (The driver also
        // weighs A's packing, which a column split does twice: that tips this shape back to the row split.)
        GemmDriver<float>.ChooseSplit(10, 4, 2, out int mp, out int np, 14, 32);
        Assert.Equal((2, 1), (mp, np));
        GemmDriver<float>.ChooseSplit(10, 4, 2, out mp, out np, 14, 32, 0, 0, lastRows: 4);
        Assert.Equal((1, 2), (mp, np));
    }

    [Fact]
    public void ChooseSplit_LargeM_StillSplitsRows()
    {
        // 1024x1024 aiming at 4 parts: the packing terms are small next to the tiles, so the choice is the
        // one the tile count alone makes.
        GemmDriver<float>.ChooseSplit(74, 32, 4, out int mp, out int np, 14, 32, 16, 16);
        GemmDriver<float>.ChooseSplit(74, 32, 4, out int mp0, out int np0);
        Assert.Equal((mp0, np0), (mp, np));
    }

    [Fact]
    public void ChooseSplit_SharedB_SmallN_SplitsRowsSoAIsPackedOnce()
    {
        // An LSTM's dW_hh = dGᵀ·H, 512x128x1600 TN on AVX-512 tiles (37 row tiles, the last 8 rows; 4 column tiles):
        // B is packed once and shared, but each part packs the A rows of its tiles, so a column split packs all of
        // A twice. Tiles alone pick the columns (512 x 64 vs 260 x 128); with A's packing the rows.
        GemmDriver<float>.ChooseSplit(37, 4, 2, out int mp, out int np, 14, 32, 0, 0, lastRows: 8);
        Assert.Equal((1, 2), (mp, np));
        GemmDriver<float>.ChooseSplit(37, 4, 2, out mp, out np, 14, 32, GemmDriver<float>.PackWeight, 0, 8);
        Assert.Equal((2, 1), (mp, np));
        // dX = dG·W_ih, 1600x64x512 NN: 115 row tiles (the last 4 rows), 2 column tiles.
        int w = GemmDriver<float>.PackWeight;
        GemmDriver<float>.ChooseSplit(115, 2, 2, out mp, out np, 14, 32, w, 0, lastRows: 4);
        Assert.Equal((2, 1), (mp, np));
    }

    [Theory]
    [InlineData(false, true, 1600, 512, 64)]
    [InlineData(false, false, 1600, 64, 512)]
    [InlineData(true, false, 512, 128, 1600)]
    [InlineData(true, false, 512, 64, 1600)]
    public void Sgemm_LstmShapes_BitIdenticalForAnyThreadCount(bool transA, bool transB, int m, int n, int k)
    {
        // The LSTM layer's four big products (input projection, dX, dW_hh, dW_ih) with the layer's flags.
        var rng = new Random(17);
        var a = Random(rng, m * k);
        var b = Random(rng, n * k);
        int lda = transA ? m : k, ldb = transB ? k : n;
        int saved = WorkerPool.ThreadCount;
        float[][] results = new float[3][];
        try
        {
            for (int t = 1; t <= 3; t++)
            {
                WorkerPool.ThreadCount = t;
                results[t - 1] = new float[m * n];
                Gemm.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, results[t - 1], n);
            }
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
        for (int i = 0; i < m * n; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(results[0][i]), BitConverter.SingleToInt32Bits(results[1][i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(results[0][i]), BitConverter.SingleToInt32Bits(results[2][i]));
        }
        for (int i = 0; i < m; i += 37)
        {
            for (int j = 0; j < n; j += 5)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)a[transA ? p * lda + i : i * lda + p] * b[transB ? j * ldb + p : p * ldb + j];
                Assert.Equal(s, results[1][i * n + j], 1e-3);
            }
        }
    }

    [Theory]
    [InlineData(128, 256, 784)]
    [InlineData(100, 200, 600)]
    [InlineData(128, 10, 784)]
    public void Sgemm_SmallM_DeepNT_BitIdenticalForAnyThreadCount_AndCorrect(int m, int n, int k)
    {
        var rng = new Random(12);
        var a = Random(rng, m * k);
        var b = Random(rng, n * k);
        var c0 = Random(rng, m * n);
        int saved = WorkerPool.ThreadCount;
        float[][] results = new float[3][];
        try
        {
            for (int t = 1; t <= 3; t++)
            {
                WorkerPool.ThreadCount = t;
                results[t - 1] = (float[])c0.Clone();
                Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 1f, results[t - 1], n);
            }
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
        for (int i = 0; i < m * n; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(results[0][i]), BitConverter.SingleToInt32Bits(results[1][i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(results[0][i]), BitConverter.SingleToInt32Bits(results[2][i]));
        }
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = c0[i * n + j];
                for (int p = 0; p < k; p++)
                    s += (double)a[i * k + p] * b[j * k + p];
                Assert.Equal(s, results[1][i * n + j], 1e-3);
            }
        }
    }

    private static float[] Random(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
