using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Ember.Bench.Shared;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

namespace Ember.Bench;

/// <summary>
/// W1, the seed program: a 4-10-3 MLP with ReLU, cross-entropy and Adam (lr 0.01) on the full Iris batch (150 rows,
/// float32). The first <c>steps</c> steps are timed cold (JIT included), the next <c>steps</c> warm, with the
/// warm run's allocation and GC counts; then, after untimed steps up to step <c>9·steps</c>, <c>steps</c> more as
/// "late", where a tiered-JIT process has finished its background recompiles (the runner's tiered column).
/// </summary>
internal static class IrisWorkload
{
    public static void Run(BenchReport report, bool quick)
    {
        int steps = Workloads.IrisSteps(quick);
        Tensor.ManualSeed(0);
        IrisDataset iris = Datasets.Iris();
        // The data is converted to float32 once, as the PyTorch seed does; the C# seed passes float64 and lets
        // Linear cast it on every call, which would time an extra conversion per step.
        Tensor x = Tensor.From(iris.Data).To(DType.Float32);
        Tensor y = Tensor.From(iris.Target);
        var model = new Clf();
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var lossFn = new CrossEntropyLoss();

        double coldMs = TrainMs(model, optimizer, lossFn, x, y, steps, out _);
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        TimeSpan pause = GC.GetTotalPauseDuration();
        double warmMs = TrainMs(model, optimizer, lossFn, x, y, steps, out Tensor loss);
        double bytesPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)steps;
        double pauseMs = (GC.GetTotalPauseDuration() - pause).TotalMilliseconds;
        TrainMs(model, optimizer, lossFn, x, y, 7 * steps, out _);
        double lateMs = TrainMs(model, optimizer, lossFn, x, y, steps, out _);

        report.Add($"Iris {steps} steps, cold", coldMs, "ms", MetricKind.Time);
        report.Add($"Iris {steps} steps, warm", warmMs, "ms", MetricKind.Time);
        report.Add($"Iris {steps} steps from step {9 * steps}, late", lateMs, "ms", MetricKind.Time);
        // A few with tiered compilation off (first calls of this code); with it on, the background tier-1 (and PGO)
        // recompiles after the cold steps.
        long recompiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        report.Add("Iris: methods JIT-compiled after the cold steps", recompiled, "methods", MetricKind.Info);
        report.Add("Iris warm: allocated per step", bytesPerStep, "B", MetricKind.Info);
        report.Add("Iris warm: gen0 GCs", GC.CollectionCount(0) - gen0, "gen0", MetricKind.Info);
        report.Add("Iris warm: gen1 GCs", GC.CollectionCount(1) - gen1, "gen1", MetricKind.Info);
        report.Add("Iris warm: gen2 GCs", GC.CollectionCount(2) - gen2, "gen2", MetricKind.Info);
        report.Add("Iris warm: GC pause total", pauseMs, "ms", MetricKind.Info);
        report.Add($"Iris loss after {2 * steps} steps", loss.Item<float>(), "", MetricKind.Info);
    }

    // Compiled optimized on its first call in both columns: under the tiered JIT this harness loop would otherwise
    // run as tier-0 code and get its on-stack-replacement compile (15-20 ms on the main thread) after about 10,000
    // iterations, i.e. inside the "late" window, timing the harness rather than Ember.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double TrainMs(Clf model, Adam optimizer, CrossEntropyLoss lossFn, Tensor x, Tensor y, int steps,
        out Tensor loss)
    {
        loss = null!;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            Tensor yPred = model.Call(x);
            loss = lossFn.Call(yPred, y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>The seed's classifier: 4 → 10 → ReLU → 3.</summary>
    private sealed class Clf : Module
    {
        private readonly Linear fc1 = new(4, 10), fc2 = new(10, 3);

        public override Tensor Forward(Tensor x) => fc2.Call(F.ReLU(fc1.Call(x)));
    }
}
