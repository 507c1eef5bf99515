using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Ember.Bench.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchSharpBench;

/// <summary>W1 on TorchSharp, as Ember.Bench's IrisWorkload: same model, loss, optimizer, data and step
/// counts.</summary>
internal static class IrisWorkload
{
    public static void Run(BenchReport report, bool quick)
    {
        int steps = Workloads.IrisSteps(quick);
        manual_seed(0);
        (float[] features, long[] target) = LoadIris();
        using Tensor x = tensor(features, [150, 4]);
        using Tensor y = tensor(target);
        using Sequential model =
            nn.Sequential(("fc1", nn.Linear(4, 10)), ("relu", nn.ReLU()), ("fc2", nn.Linear(10, 3)));
        using optim.Optimizer optimizer = optim.Adam(model.parameters(), lr: 0.01);
        using CrossEntropyLoss lossFn = nn.CrossEntropyLoss();

        double coldMs = TrainMs(model, optimizer, lossFn, x, y, steps, out _);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        TimeSpan pause = GC.GetTotalPauseDuration();
        double warmMs = TrainMs(model, optimizer, lossFn, x, y, steps, out float loss);
        double bytesPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)steps;
        double pauseMs = (GC.GetTotalPauseDuration() - pause).TotalMilliseconds;

        // Same names as Ember.Bench; the managed numbers cover TorchSharp's wrappers only, not libtorch's heap.
        report.Add($"Iris {steps} steps, cold", coldMs, "ms", MetricKind.Time);
        report.Add($"Iris {steps} steps, warm", warmMs, "ms", MetricKind.Time);
        report.Add("Iris warm: allocated per step", bytesPerStep, "B", MetricKind.Info);
        report.Add("Iris warm: gen0 GCs", GC.CollectionCount(0) - gen0, "gen0", MetricKind.Info);
        report.Add("Iris warm: gen1 GCs", GC.CollectionCount(1) - gen1, "gen1", MetricKind.Info);
        report.Add("Iris warm: gen2 GCs", GC.CollectionCount(2) - gen2, "gen2", MetricKind.Info);
        report.Add("Iris warm: GC pause total", pauseMs, "ms", MetricKind.Info);
        report.Add($"Iris loss after {2 * steps} steps", loss, "", MetricKind.Info);
    }

    private static double TrainMs(Sequential model, optim.Optimizer optimizer, CrossEntropyLoss lossFn, Tensor x,
        Tensor y, int steps, out float lastLoss)
    {
        lastLoss = float.NaN;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            // The idiomatic TorchSharp loop: a dispose scope frees each step's native tensors deterministically.
            using DisposeScope scope = NewDisposeScope();
            Tensor yPred = model.forward(x);
            Tensor loss = lossFn.forward(yPred, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            if (i == steps - 1) lastLoss = loss.item<float>();
        }
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>Ember's embedded Iris CSV (scikit-learn's copy), linked into this assembly: header, then 150
    /// rows.</summary>
    private static (float[] Features, long[] Target) LoadIris()
    {
        using Stream stream = typeof(IrisWorkload).Assembly.GetManifestResourceStream("iris.csv")
            ?? throw new InvalidOperationException("iris.csv is not embedded in TorchSharp.Bench.");
        using var reader = new StreamReader(stream);
        reader.ReadLine(); // header
        var features = new float[150 * 4];
        var target = new long[150];
        int row = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.Length == 0) continue;
            string[] fields = line.Split(',');
            // Parse as double and round once, as Ember's float64 → float32 conversion does.
            for (int j = 0; j < 4; j++)
                features[row * 4 + j] = (float)double.Parse(fields[j], CultureInfo.InvariantCulture);
            target[row++] = long.Parse(fields[4], CultureInfo.InvariantCulture);
        }
        if (row != 150) throw new InvalidDataException($"iris.csv: expected 150 rows, found {row}.");
        return (features, target);
    }
}
