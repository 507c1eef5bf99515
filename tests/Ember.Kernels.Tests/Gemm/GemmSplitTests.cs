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
        // work); with the edge's real cost the columns are split, and both parts have 130 rows.
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
