using System;
using Ember.Bench.Shared;
using Ember.NN;
using Ember.Optim;

namespace Ember.Bench;

/// <summary>
/// W2 (F-MNIST MLP 784-256-128-10, Adam 1e-3, batch 128, one epoch) and W4 (LeNet-5 with 6/16 channels, SGD 0.01
/// momentum 0.9, batch 64, the first 10,000 images): the whole training set as one float32 tensor (converted from
/// uint8) divided by 255 in place, batches as views in file order, the idiomatic loop. Only the epoch is timed;
/// the test accuracy after it is the sanity check against the other engines.
/// </summary>
internal static class FashionWorkloads
{
    public static void RunW2(BenchReport report, bool quick)
    {
        var (images, batch) = TrainingWorkloads.W2(quick);
        Tensor.ManualSeed(0);
        Module model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(),
            new Linear(128, 10));
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        Run(report, quick, "W2", model, optimizer, images, batch, [784]);
    }

    public static void RunW4(BenchReport report, bool quick)
    {
        var (images, batch) = TrainingWorkloads.W4(quick);
        Tensor.ManualSeed(0);
        Module model = new Sequential(
            new Conv2d(1, 6, kernelSize: 5, padding: 2), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 16, kernelSize: 5), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(16 * 5 * 5, 120), new ReLU(), new Linear(120, 84), new ReLU(),
            new Linear(84, 10));
        var optimizer = new SGD(model.Parameters(), lr: 0.01, momentum: 0.9);
        Run(report, quick, "W4", model, optimizer, images, batch, [1, 28, 28]);
    }

    private static void Run(BenchReport report, bool quick, string name, Module model, Optimizer optimizer,
        int images, int batch, int[] sampleShape)
    {
        var (x, y) = Load(train: true, images, sampleShape);
        var (testX, testY) = Load(train: false, TrainingWorkloads.TestImages(quick), sampleShape);
        var lossFn = new CrossEntropyLoss();
        int steps = (images + batch - 1) / batch;
        model.Train();
        var meter = new EpochMeter();
        using var jitList = Environment.GetEnvironmentVariable("EMBER_JIT_LIST") is "1" or "all"
            ? new JitTimeListener() : null;
        long[]? stamps = Environment.GetEnvironmentVariable("EMBER_STEP_TIMES") == "1" ? new long[steps + 1] : null;
        meter.Start();
        Tensor loss = null!;
        int step = 0;
        if (stamps is not null) stamps[0] = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int start = 0; start < images; start += batch)
        {
            int n = Math.Min(batch, images - start);
            loss = lossFn.Call(model.Call(x.Narrow(0, start, n)), y.Narrow(0, start, n));
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            if (stamps is not null) stamps[++step] = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        meter.Stop(report, name, steps);
        if (stamps is not null) StepTimes.Print(stamps);
        jitList?.Print();
        report.Add($"{name} last batch loss", loss.Item<float>(), "", MetricKind.Info);
        report.Add($"{name} test accuracy", Accuracy(model, testX, testY), "", MetricKind.Info);
        report.Add($"{name} peak RSS", ProcStats.PeakRssMb(), "MB", MetricKind.Info);
    }

    private static (Tensor X, Tensor Y) Load(bool train, int count, int[] sampleShape)
    {
        var (pixels, labels) = FashionData.Load(train, count);
        int[] shape = [labels.Length, .. sampleShape];
        Tensor x = Tensor.From<byte>(pixels, shape).To(DType.Float32);
        x.Div_(255);
        return (x, Tensor.From<long>(TrainingWorkloads.ToLong(labels), [labels.Length]));
    }

    private static double Accuracy(Module model, Tensor x, Tensor y)
    {
        model.Eval();
        long correct = 0;
        int count = (int)x.Size(0);
        using (Autograd.NoGrad())
        {
            for (int start = 0; start < count; start += 1000)
            {
                int n = Math.Min(1000, count - start);
                correct += model.Call(x.Narrow(0, start, n)).Argmax(1).Eq(y.Narrow(0, start, n)).Sum().Item<long>();
            }
        }
        return (double)correct / count;
    }
}
