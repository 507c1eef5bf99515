using System;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// Issue 12's MatMul check (<c>--workload matmul</c>; <c>run.sh --only matmul</c>): <c>Tensor.MatMul</c>, which
/// allocates its n×n result on every call, against the same SGEMM kernel writing into a preallocated C, and
/// <c>F.Linear</c> (addmm with a transposed weight) against the NT kernel with the bias; reported as GFLOP/s
/// (medians of interleaved calls) and as the ratio to the kernel.
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
            float[] ad = a.ToArray<float>(), bd = b.ToArray<float>(), biasd = bias.ToArray<float>();
            float[] c = new float[n * n];
            double flops = 2.0 * n * n * n;
            // F.Linear is a·bᵀ + bias: its kernel reference is the NT kernel with the bias, into a preallocated C.
            double[] t = Interleaved(budget,
                () => Gemm.Sgemm(false, false, n, n, n, 1f, ad, n, bd, n, 0f, c, n),
                () => a.MatMul(b),
                () => Gemm.SgemmBias(false, true, n, n, n, ad, n, bd, n, biasd, c, n),
                () => NN.F.Linear(a, b, bias));
            report.Add($"kernel into preallocated C n={n}", flops / t[0] / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"Tensor.MatMul n={n}", flops / t[1] / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"kernel NT + bias into preallocated C n={n}", flops / t[2] / 1e9, "GFLOP/s",
                MetricKind.Throughput);
            report.Add($"F.Linear n={n}", flops / t[3] / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"MatMul / kernel n={n}", t[0] / t[1], "", MetricKind.Info);
            report.Add($"Linear / kernel NT + bias n={n}", t[2] / t[3], "", MetricKind.Info);
            // Load-independent: what a fresh result costs the process (a first touch of a page is a fault).
            const int calls = 10;
            long faults = ProcStats.PageFaults();
            for (int i = 0; i < calls; i++) a.MatMul(b);
            report.Add($"MatMul page faults per call n={n}", (ProcStats.PageFaults() - faults) / (double)calls,
                $"faults (result {4L * n * n / 1024} KB = {n * n / 1024} pages)", MetricKind.Info);
        }
    }

    /// <summary>
    /// Median seconds per call of each of <paramref name="calls"/>, timed in rounds (first, second, ..., first, ...)
    /// so that another process's load on a shared machine hits all of them alike; warm-up calls first.
    /// </summary>
    private static double[] Interleaved(double budget, params Action[] calls)
    {
        for (int w = 0; w < 3; w++)
            foreach (Action call in calls) call();
        var samples = new System.Collections.Generic.List<double>[calls.Length];
        for (int i = 0; i < calls.Length; i++) samples[i] = [];
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
            && System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds < 4 * budget));
        var medians = new double[calls.Length];
        for (int i = 0; i < calls.Length; i++) medians[i] = Median(samples[i]);
        return medians;
    }

    private static double Median(System.Collections.Generic.List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
