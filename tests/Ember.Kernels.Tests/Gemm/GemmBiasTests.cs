using System;

namespace Ember.Kernels.Tests;

public class GemmBiasTests
{
    [Theory]
    [InlineData(150, 10, 4, false, true)]    // the Iris forward (direct path, masked tail)
    [InlineData(150, 3, 10, false, true)]
    [InlineData(7, 17, 5, true, false)]
    [InlineData(129, 65, 33, false, false)]  // packed path: bias copied into C, then beta = 1
    [InlineData(5, 9, 0, false, false)]      // k = 0: C is the bias
    public void AddsTheBiasRowToEveryRow(int m, int n, int k, bool transA, bool transB)
    {
        var r = new Random(m * 31 + n * 7 + k);
        float[] a = new float[m * k], b = new float[k * n], bias = new float[n], c = new float[m * n];
        double[] ad = new double[a.Length], bd = new double[b.Length], biasd = new double[n], cd = new double[m * n];
        for (int i = 0; i < a.Length; i++) ad[i] = a[i] = (float)(r.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) bd[i] = b[i] = (float)(r.NextDouble() - 0.5);
        for (int i = 0; i < n; i++) biasd[i] = bias[i] = (float)(r.NextDouble() - 0.5);
        Array.Fill(c, float.NaN);
        Array.Fill(cd, double.NaN);
        int lda = transA ? m : k, ldb = transB ? k : n;
        Gemm.SgemmBias(transA, transB, m, n, k, a, Math.Max(lda, 1), b, Math.Max(ldb, 1), bias, c, n);
        Gemm.DgemmBias(transA, transB, m, n, k, ad, Math.Max(lda, 1), bd, Math.Max(ldb, 1), biasd, cd, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = bias[j];
                for (int p = 0; p < k; p++)
                    s += (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                Assert.True(Math.Abs(s - c[i * n + j]) < 1e-4, $"float ({i}, {j}): {c[i * n + j]} vs {s}");
                Assert.True(Math.Abs(s - cd[i * n + j]) < 1e-10, $"double ({i}, {j}): {cd[i * n + j]} vs {s}");
            }
    }
}
