using System;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>W3: float32 SGEMM through <see cref="Gemm.Sgemm"/>; transposed operands go through the flags.</summary>
internal static class GemmWorkload
{
    public static void Run(BenchReport report, bool quick) =>
        Timing.RunGemmShapes(report, quick, shape => Measure(shape, Workloads.GemmBudgetSeconds(quick)));

    private static double Measure(GemmShape shape, double budgetSeconds)
    {
        int n = shape.N;
        var random = new Random(42);
        float[] a = Filled(n * n, random), b = Filled(n * n, random);
        float[] c = new float[n * n];
        bool transA = shape.TransA, transB = shape.TransB;
        // Square shapes: the stored matrices are n×n whether or not they are transposed, so every ld is n.
        return Timing.MedianSeconds(() => Gemm.Sgemm(transA, transB, n, n, n, 1f, a, n, b, n, 0f, c, n), budgetSeconds);
    }

    private static float[] Filled(int length, Random random)
    {
        float[] data = GC.AllocateUninitializedArray<float>(length);
        for (int i = 0; i < data.Length; i++) data[i] = random.NextSingle();
        return data;
    }
}
