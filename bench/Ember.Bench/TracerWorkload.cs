using System;
using System.Diagnostics;
using Ember.Bench.Shared;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

namespace Ember.Bench;

/// <summary>
/// The ONNX tracer's off-cost (issue 19): every op checks whether a tracer is active (one volatile read and a branch)
/// and every module call does too. The runner runs this workload on the normal build and on one built with
/// <c>-p:EmberNoTracerSeam=true</c>, where the check is compiled out, in alternating fresh processes. Measured: the W1
/// Iris step (4-10-3 MLP, cross-entropy, Adam, the full batch of 150) and 1-element ops, where the check is the
/// largest share of the work. Each is timed in blocks and the fastest block is reported, which on a shared machine
/// is the estimate least disturbed by other processes (medians of blocks are reported too).
/// </summary>
internal static class TracerWorkload
{
    public static void Run(BenchReport report, bool quick)
    {
#if NO_TRACER_SEAM
        report.Note("tracer seam", "compiled out (-p:EmberNoTracerSeam=true)");
#else
        report.Note("tracer seam", "compiled in (default build)");
#endif
        int blocks = quick ? 3 : 20, steps = quick ? 20 : 200, ops = quick ? 2_000 : 200_000;
        // EMBER_TRACER_SCALE=k multiplies the work: instruction counts (valgrind --tool=callgrind) of k = 1 and k = 5
        // differ by the cost of 4x the work alone, start-up and JIT cancelling out (bench/README.md, tracer).
        if (int.TryParse(Environment.GetEnvironmentVariable("EMBER_TRACER_SCALE"), out int scale) && scale > 1)
            (steps, ops) = (steps * scale, ops * scale);
        Tensor.ManualSeed(0);
        IrisDataset iris = Datasets.Iris();
        Tensor x = Tensor.From(iris.Data).To(DType.Float32), y = Tensor.From(iris.Target);
        var model = new Sequential(new Linear(4, 10), new ReLU(), new Linear(10, 3));
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var lossFn = new CrossEntropyLoss();
        Tensor loss = null!;
        double[] step = Blocks(blocks + 2, steps, () =>
        {
            loss = lossFn.Call(model.Call(x), y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        });
        Tensor a = Tensor.Ones([1]), b = Tensor.Ones([1]), g = Tensor.Ones([1], requiresGrad: true);
        double[] plain = Blocks(blocks + 2, ops, () => _ = a * b);
        double[] recorded = Blocks(blocks + 2, ops, () => _ = g * b);
        Report(report, "Iris step", step, 1e-3, "µs");
        Report(report, "1-element Mul, no grad", plain, 1, "ns");
        Report(report, "1-element Mul, recorded", recorded, 1, "ns");
        report.Add("Iris loss at the end", loss.Item<float>(), "", MetricKind.Info);
    }

    // Per-call nanoseconds of each block; the first two blocks warm up and are dropped.
    private static double[] Blocks(int blocks, int calls, Action body)
    {
        var ns = new double[blocks - 2];
        for (int k = 0; k < blocks; k++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) body();
            if (k >= 2) ns[k - 2] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
        }
        Array.Sort(ns);
        return ns;
    }

    private static void Report(BenchReport report, string what, double[] sorted, double scale, string unit)
    {
        report.Add($"{what}, fastest block", sorted[0] * scale, unit, MetricKind.Time);
        report.Add($"{what}, median block", sorted[sorted.Length / 2] * scale, unit, MetricKind.Time);
    }
}
