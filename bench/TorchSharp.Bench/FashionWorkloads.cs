using System;
using Ember.Bench.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchSharpBench;

/// <summary>W2 and W4 on TorchSharp, as Ember.Bench's FashionWorkloads: same models, optimizers, data, batches.
/// Managed allocation and GC counts cover TorchSharp's wrappers only (libtorch's heap is native).</summary>
internal static class FashionWorkloads
{
    public static void RunW2(BenchReport report, bool quick)
    {
        var (images, batch) = TrainingWorkloads.W2(quick);
        manual_seed(0);
        Sequential model = nn.Sequential(("fc1", nn.Linear(784, 256)), ("r1", nn.ReLU()),
            ("fc2", nn.Linear(256, 128)), ("r2", nn.ReLU()), ("fc3", nn.Linear(128, 10)));
        optim.Optimizer optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        Run(report, quick, "W2", model, optimizer, images, batch, [784]);
    }

    public static void RunW4(BenchReport report, bool quick)
    {
        var (images, batch) = TrainingWorkloads.W4(quick);
        manual_seed(0);
        Sequential model = nn.Sequential(
            ("c1", nn.Conv2d(1, 6, 5, padding: 2)), ("r1", nn.ReLU()), ("p1", nn.MaxPool2d(2)),
            ("c2", nn.Conv2d(6, 16, 5)), ("r2", nn.ReLU()), ("p2", nn.MaxPool2d(2)),
            ("flat", nn.Flatten()), ("fc1", nn.Linear(400, 120)), ("r3", nn.ReLU()),
            ("fc2", nn.Linear(120, 84)), ("r4", nn.ReLU()), ("fc3", nn.Linear(84, 10)));
        optim.Optimizer optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        Run(report, quick, "W4", model, optimizer, images, batch, [1, 28, 28]);
    }

    private static void Run(BenchReport report, bool quick, string name, Sequential model,
        optim.Optimizer optimizer, int images, int batch, long[] sampleShape)
    {
        var (x, y) = Load(train: true, images, sampleShape);
        var (testX, testY) = Load(train: false, TrainingWorkloads.TestImages(quick), sampleShape);
        using CrossEntropyLoss lossFn = nn.CrossEntropyLoss();
        int steps = (images + batch - 1) / batch;
        model.train();
        var meter = new EpochMeter();
        meter.Start();
        float lastLoss = float.NaN;
        for (int start = 0; start < images; start += batch)
        {
            using DisposeScope scope = NewDisposeScope();
            int n = Math.Min(batch, images - start);
            Tensor loss = lossFn.forward(model.forward(x.narrow(0, start, n)), y.narrow(0, start, n));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            if (start + batch >= images) lastLoss = loss.item<float>();
        }
        meter.Stop(report, name, steps);
        report.Add($"{name} last batch loss", lastLoss, "", MetricKind.Info);
        report.Add($"{name} test accuracy", Accuracy(model, testX, testY), "", MetricKind.Info);
        report.Add($"{name} peak RSS", ProcStats.PeakRssMb(), "MB", MetricKind.Info);
    }

    private static (Tensor X, Tensor Y) Load(bool train, int count, long[] sampleShape)
    {
        var (pixels, labels) = FashionData.Load(train, count);
        long[] shape = [labels.Length, .. sampleShape];
        Tensor x = tensor(pixels, shape).to(ScalarType.Float32);
        x.div_(255);
        return (x, tensor(TrainingWorkloads.ToLong(labels), [labels.Length]));
    }

    private static double Accuracy(Sequential model, Tensor x, Tensor y)
    {
        model.eval();
        long correct = 0;
        long count = x.shape[0];
        using (no_grad())
        {
            for (long start = 0; start < count; start += 1000)
            {
                using DisposeScope scope = NewDisposeScope();
                long n = Math.Min(1000, count - start);
                correct += model.forward(x.narrow(0, start, n)).argmax(1).eq(y.narrow(0, start, n)).sum()
                    .item<long>();
            }
        }
        return (double)correct / count;
    }
}
