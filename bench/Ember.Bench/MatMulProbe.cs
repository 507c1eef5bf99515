using System;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// Issue 12's MatMul check (run directly, not by run.sh: <c>--workload matmul</c>): <c>Tensor.MatMul</c>, which
/// allocates its n×n result on every call, against the same SGEMM kernel writing into a preallocated C, and
/// <c>F.Linear</c> (addmm with a transposed weight) likewise; reported as GFLOP/s and as the ratio to the kernel.
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
            double kernel = Timing.MedianSeconds(() => Gemm.Sgemm(false, false, n, n, n, 1f, ad, n, bd, n, 0f, c, n),
                budget);
            double matmul = Timing.MedianSeconds(() => a.MatMul(b), budget);
            double linear = Timing.MedianSeconds(() => NN.F.Linear(a, b, bias), budget);
            report.Add($"kernel into preallocated C n={n}", flops / kernel / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"Tensor.MatMul n={n}", flops / matmul / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"F.Linear n={n}", flops / linear / 1e9, "GFLOP/s", MetricKind.Throughput);
            report.Add($"MatMul / kernel n={n}", kernel / matmul, "", MetricKind.Info);
            report.Add($"Linear / kernel n={n}", kernel / linear, "", MetricKind.Info);
        }
    }
}
