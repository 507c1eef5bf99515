using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// A biased GEMM whose C is large enough for the bias rows to be copied by the worker pool
/// (<see cref="GemmBiasFill{T}"/>) gives, for every thread count, the bits of the single-thread copy followed by
/// <c>C += A·B</c>, and leaves the padding between C's rows alone.
/// </summary>
[Collection("GlobalSettings")]
public class GemmBiasFillTests
{
    [Theory]
    [InlineData(1600, 512, 64, 512)] // an LSTM's input projection over all steps (batch 32, seq 50, hidden 128)
    [InlineData(777, 203, 19, 211)] // ragged rows and chunks, ldc > n
    public void LargeBiasedProduct_SameBitsForAnyThreadCount(int m, int n, int k, int ldc)
    {
        Assert.True((long)m * n * sizeof(float) >= GemmBiasFill<float>.ParallelBytes, "too small to split");
        var r = new Random(m + n + k);
        float[] a = Fill(r, m * k), b = Fill(r, n * k), bias = Fill(r, n);
        const float Pad = -12345.5f;
        // The reference: the bias rows copied on one thread, then the unbiased product accumulated into them.
        float[] want = new float[(m - 1) * ldc + n];
        Array.Fill(want, Pad);
        for (int i = 0; i < m; i++) bias.AsSpan().CopyTo(want.AsSpan(i * ldc, n));
        int saved = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = 1;
            Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 1f, want, ldc);
            foreach (int threads in new[] { 1, 2, 3, 8 })
            {
                WorkerPool.ThreadCount = threads;
                float[] got = new float[want.Length];
                Array.Fill(got, Pad);
                Gemm.SgemmBias(false, true, m, n, k, a, k, b, k, bias, got, ldc);
                for (int i = 0; i < want.Length; i++)
                    if (BitConverter.SingleToInt32Bits(got[i]) != BitConverter.SingleToInt32Bits(want[i]))
                        Assert.Fail($"{threads} threads: element {i} (row {i / ldc}, column {i % ldc}) is {got[i]:R}, "
                            + $"expected {want[i]:R}");
            }
        }
        finally { WorkerPool.ThreadCount = saved; }
    }

    private static float[] Fill(Random r, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)((r.NextDouble() * 2) - 1);
        return x;
    }
}
