using System;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// Issue 12's MatMul check (<c>--workload matmul</c>; <c>run.sh --only matmul</c>): <c>Tensor.MatMul</c>, which
/// allocates its n×n result on every call, against the same SGEMM kernel writing into a preallocated C, and
/// <c>F.Linear</c> (addmm with a transposed weight) likewise; reported as GFLOP/s (medians of calls interleaved
/// kernel, MatMul, Linear, ...) and as the ratio to the kernel.
/// The GC settings in force are in the report's notes (EmberML's props set the LOH threshold to 2 MiB, so results
/// up to 512×1024 are gen0 arrays; n = 1024 and 2048 stay on the large-object heap).
/// </summary>
internal static class MatMulProbe
{
    public static void Run(BenchReport report, bool quick)
    {
        int[] sizes = quick ? [128, 256] : [512, 1024, 2048];
        double budget = quick ? 0.05 : 1.5;
        foreach (int n in sizes)
        {
            Tensor.ManualSeed(0);
            Tensor a = Tensor.Rand(n, n), b = Tensor.Rand(n, n), bias = Tensor.Rand(n);
            float[] ad = a.ToArray<float>(), bd = b.ToArray<float>(), c = new float[n * n];
            double flops = 2.0 * n * n * n;
            var (kernel, matmul, linear) = Interleaved(
                () => Gemm.Sgemm(false, false, n, n, n, 1f, ad, n, bd, n, 0f, c, n),
                () => a.MatMul(b), () => NN.F.Linear(a, b, bias), budget);
            report.Add($"kernel into preallocated C n={n}", flops / kernel / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"Tensor.MatMul n={n}", flops / matmul / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"F.Linear n={n}", flops / linear / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"MatMul / kernel n={n}", kernel / matmul, "", MetricKind.Info);
            report.Add($"Linear / kernel n={n}", kernel / linear, "", MetricKind.Info);
            // Load-independent: what a fresh result costs the process (a first touch of a page is a fault).
            const int calls = 10;
            long faults = ProcStats.PageFaults();
            for (int i = 0; i < calls; i++) a.MatMul(b);
            report.Add($"MatMul page faults per call n={n}", (ProcStats.PageFaults() - faults) / (double)calls,
                $"faults (result {4L * n * n / 1024} KB = {n * n / 1024} pages)", MetricKind.Info);
        }
    }

    /// <summary>
    /// Median seconds per call of each of the three, timed in rounds (kernel, MatMul, Linear, kernel, ...) so that
    /// another process's load on a shared machine hits all three alike; warm-up calls first.
    /// </summary>
    private static (double, double, double) Interleaved(Action kernel, Action matmul, Action linear, double budget)
    {
        Action[] calls = [kernel, matmul, linear];
        for (int w = 0; w < 3; w++)
            foreach (Action call in calls) call();
        var samples = new System.Collections.Generic.List<double>[] { [], [], [] };
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        do
        {
            for (int i = 0; i < calls.Length; i++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                calls[i]();
                samples[i].Add(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        }
        while (samples[0].Count < 5 || (samples[0].Count < 60
            && System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds < 3 * budget));
        return (Median(samples[0]), Median(samples[1]), Median(samples[2]));
    }

    private static double Median(System.Collections.Generic.List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
