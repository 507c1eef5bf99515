using System;
using System.Collections.Generic;
using System.Diagnostics;
using Ember.Bench.Shared;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

namespace Ember.Bench;

/// <summary>
/// Issue 12's "loading overlaps compute without stealing the second core from GEMM (measure it)": W2's epoch fed
/// three ways, alternated in this process (views, loader, prefetch, views, ...; every epoch a fresh model from the
/// same seed): <b>views</b> of the whole split as one float32 tensor (the W2 workload), <b>loader</b> an
/// <see cref="DataLoader{T, TBatch}"/> over the uint8 images with <see cref="Collate.Images"/> on the training
/// thread, and <b>prefetch</b> the same loader with <c>prefetch: 2</c> (collation on a background thread while the
/// model trains). Reported per mode: the median epoch wall time and CPU time (all threads) and the managed bytes
/// allocated per step. All three see the same batches in the same order with the same float values (b / 255f), so
/// their last-batch losses must be equal: a check that the modes compute the same thing.
/// </summary>
internal static class LoaderWorkload
{
    private const int Rounds = 3;

    public static void Run(BenchReport report, bool quick)
    {
        var (images, batch) = TrainingWorkloads.W2(quick);
        var (pixels, labels) = FashionData.Load(train: true, images);
        var dataset = new MnistDataset(pixels, labels, 28, 28, FashionClasses);
        Tensor x = Tensor.From<byte>(pixels, [labels.Length, FashionData.Pixels]).To(DType.Float32);
        x.Div_(255);
        Tensor y = Tensor.From<long>(TrainingWorkloads.ToLong(labels), [labels.Length]);

        string[] modes = ["views", "loader", "prefetch 2"];
        var wall = new List<double>[modes.Length];
        var cpu = new List<double>[modes.Length];
        var bytes = new List<double>[modes.Length];
        var loss = new float[modes.Length];
        for (int m = 0; m < modes.Length; m++) (wall[m], cpu[m], bytes[m]) = ([], [], []);
        // One short warm-up epoch per mode first: the first call of every method is JIT-compiled.
        int warm = Math.Min(images, batch * 8);
        for (int m = 0; m < modes.Length; m++) Epoch(m, warm, batch, dataset, x, y);
        for (int round = 0; round < Rounds; round++)
        {
            for (int m = 0; m < modes.Length; m++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                loss[m] = Epoch(m, images, batch, dataset, x, y);
                wall[m].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                cpu[m].Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
                int steps = (images + batch - 1) / batch;
                bytes[m].Add((GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)steps);
            }
        }
        for (int m = 0; m < modes.Length; m++)
        {
            report.Add($"W2 epoch, {modes[m]}", Median(wall[m]), "s", MetricKind.Time);
            report.Add($"W2 epoch CPU time (all threads), {modes[m]}", Median(cpu[m]), "s", MetricKind.Info);
            report.Add($"W2 allocated per step, {modes[m]}", Median(bytes[m]), "B", MetricKind.Info);
        }
        report.Add("W2 last batch loss equal in all modes", loss[1] == loss[0] && loss[2] == loss[0] ? 1 : 0, "",
            MetricKind.Info);
        report.Note("W2 loader", $"median of {Rounds} alternated epochs per mode in one process");
    }

    private static readonly string[] FashionClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>One epoch of <paramref name="images"/> images in mode <paramref name="mode"/>; the last loss.</summary>
    private static float Epoch(int mode, int images, int batch, MnistDataset dataset, Tensor x, Tensor y)
    {
        Tensor.ManualSeed(0);
        Module model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(),
            new Linear(128, 10));
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var lossFn = new CrossEntropyLoss();
        model.Train();
        Tensor loss = null!;
        if (mode == 0)
        {
            for (int start = 0; start < images; start += batch)
            {
                int n = Math.Min(batch, images - start);
                loss = Step(model, optimizer, lossFn, x.Narrow(0, start, n), y.Narrow(0, start, n));
            }
            return loss.Item<float>();
        }
        Dataset<(Image Image, long Label)> data = images == dataset.Count
            ? dataset
            : new Subset<(Image Image, long Label)>(dataset, Range(images));
        var loader = new DataLoader<(Image Image, long Label), (Tensor Input, Tensor Target)>(data, batch,
            Collate.Images(), prefetch: mode == 2 ? 2 : 0);
        foreach (var (input, target) in loader)
            loss = Step(model, optimizer, lossFn, input.Reshape(-1, FashionData.Pixels), target);
        return loss.Item<float>();
    }

    private static Tensor Step(Module model, Optimizer optimizer, CrossEntropyLoss lossFn, Tensor input,
        Tensor target)
    {
        Tensor loss = lossFn.Call(model.Call(input), target);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss;
    }

    private static int[] Range(int n)
    {
        var r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
