using System;
using System.Diagnostics;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// The LSTM workload's four big GEMMs (issue 17) alone, with the flags and strides the layer passes: per shape and
/// thread count (1, 2) the min and median ms over repeated calls and GFLOP/s at the min. Ember-only; prints a table
/// on stderr. EMBER_LSTMGEMM_SHAPE=i (0-4) and EMBER_LSTMGEMM_THREADS=n narrow it to one shape and thread count
/// (for a profiler).
/// </summary>
internal static class LstmGemmProbe
{
    private static readonly (string Name, bool TA, bool TB, int M, int N, int K, int Lda, int Ldb)[] Shapes =
    [
        ("input proj X·W_ihᵀ", false, true, 1600, 512, 64, 64, 64),
        ("dX = dG·W_ih", false, false, 1600, 64, 512, 512, 64),
        ("dW_hhᵀ = dGᵀ·H", true, false, 512, 128, 1600, 512, 128),
        ("dW_ihᵀ = dGᵀ·X", true, false, 512, 64, 1600, 512, 64),
        ("both = dGᵀ·[H|X]", true, false, 512, 192, 1600, 512, 192),
    ];

    public static void Run(BenchReport report, bool quick)
    {
        _ = report;
        int calls = quick ? 20 : 400;
        var random = new Random(42);
        int saved = Ember.Threading.ThreadCount;
        int onlyShape = int.TryParse(Environment.GetEnvironmentVariable("EMBER_LSTMGEMM_SHAPE"), out int sh) ? sh : -1;
        int[] threadCounts = int.TryParse(Environment.GetEnvironmentVariable("EMBER_LSTMGEMM_THREADS"), out int tc)
            ? [tc] : [1, 2];
        foreach (int threads in threadCounts)
        {
            Ember.Threading.ThreadCount = threads;
            for (int si = 0; si < Shapes.Length; si++)
            {
                if (onlyShape >= 0 && si != onlyShape) continue;
                var s = Shapes[si];
                float[] a = Filled(s.TA ? s.K * s.Lda : s.M * s.Lda, random);
                float[] b = Filled(s.TB ? s.N * s.Ldb : s.K * s.Ldb, random);
                float[] c = new float[s.M * s.N];
                double[] ms = new double[calls];
                for (int i = 0; i < 50; i++)
                    Gemm.Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1f, a, s.Lda, b, s.Ldb, 0f, c, s.N);
                for (int i = 0; i < calls; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    Gemm.Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1f, a, s.Lda, b, s.Ldb, 0f, c, s.N);
                    ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
                Array.Sort(ms);
                double flops = 2.0 * s.M * s.N * s.K;
                Console.Error.WriteLine($"threads {threads}  {s.Name,-22} min {ms[0]:F3} ms  p50 {ms[calls / 2]:F3} ms"
                    + $"  {flops / ms[0] / 1e6,6:F1} GFLOP/s at min ({flops / ms[0] / 1e6 / threads:F1} per thread)");
            }
        }
        Ember.Threading.ThreadCount = saved;
    }

    private static float[] Filled(int length, Random random)
    {
        float[] data = GC.AllocateUninitializedArray<float>(length);
        for (int i = 0; i < data.Length; i++) data[i] = random.NextSingle() - 0.5f;
        return data;
    }
}
