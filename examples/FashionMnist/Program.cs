// Fashion-MNIST classifiers written the PyTorch way: a Dataset, a DataLoader, a hand-written training loop; or,
// with --style keras, as Keras-style Sequential models trained by Fit with EarlyStopping and ModelCheckpoint
// (KerasStyle.cs).
// Run: dotnet run --project examples/FashionMnist -c Release -- --model mlp --epochs 1
// Data: Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist), --root DIR, or --download.
// --checkpoint DIR saves DIR/last.ckpt after every epoch (and DIR/model.safetensors at the end); --resume continues
// from DIR/last.ckpt with the same weights, optimizer state, data order and random state.
using System;
using System.Diagnostics;
using System.Globalization;
using Ember;
using Ember.Data;
using Ember.IO;
using Ember.NN;
using Ember.Optim;

string model = "mlp", root = "", checkpointDir = "", style = "torch";
int epochs = 1, batchSize = 64, maxBatches = 0;
long seed = 0;
bool download = false, resume = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--model": model = Next(); break;
        case "--style": style = Next(); break;
        case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--batch-size": batchSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--seed": seed = long.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--max-batches":
            maxBatches = int.Parse(Next(), CultureInfo.InvariantCulture); break;   // per epoch; for quick smoke runs
        case "--root": root = Next(); break;
        case "--download": download = true; break;
        case "--checkpoint": checkpointDir = Next(); break;
        case "--resume": resume = true; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}\nusage: --model mlp|cnn [--style torch|keras] " +
                "--epochs N [--batch-size B] [--seed S] [--max-batches K] [--root DIR] [--download] " +
                "[--checkpoint DIR [--resume]]");
            return 2;
    }
}

if (style is not ("torch" or "keras"))
{
    Console.Error.WriteLine($"--style must be torch or keras, got '{style}'.");
    return 2;
}
if (style == "keras" && resume)
{
    Console.Error.WriteLine("--resume is for --style torch; --style keras keeps its best checkpoint instead.");
    return 2;
}

Module net;
switch (model)
{
    case "mlp": net = new Mlp(); break;
    case "cnn": net = new LeNet(); break;
    default:
        Console.Error.WriteLine($"--model must be mlp or cnn, got '{model}'.");
        return 2;
}

Tensor.ManualSeed(seed);
var train = Datasets.FashionMnist(root.Length > 0 ? root : null, train: true, download: download);
var test = Datasets.FashionMnist(root.Length > 0 ? root : null, train: false, download: download);
Console.WriteLine($"Fashion-MNIST: {train.Count} training and {test.Count} test images " +
    $"of {train.Height}x{train.Width}; model {model}, {style} style");
if (style == "keras") return KerasStyle.Run(model, train, test, epochs, batchSize, maxBatches, seed, checkpointDir);

// ToTensor + Normalize fused per batch: uint8 images become float32 (B, 1, 28, 28) only when a batch is loaded.
var collate = Collate.Images(mean: [0.2860], std: [0.3530]);
var trainLoader =
    DataLoader.Create(train, batchSize, collate, shuffle: true, generator: new Generator(seed), prefetch: 2);
var testLoader = DataLoader.Create(test, 1000, collate);

var optimizer = new Adam(net.Parameters(), lr: 1e-3);
var lossFn = new CrossEntropyLoss();
int startEpoch = 0;
string? checkpointPath = checkpointDir.Length > 0 ? System.IO.Path.Combine(checkpointDir, "last.ckpt") : null;
var generators = new System.Collections.Generic.Dictionary<string, Generator> { ["default"] = Generator.Default };
if (resume)
{
    if (checkpointPath is null) { Console.Error.WriteLine("--resume needs --checkpoint DIR."); return 2; }
    if (System.IO.File.Exists(checkpointPath))
    {
        var ckpt = Checkpoint.Load(checkpointPath, net, optimizer, generators: generators);
        trainLoader.LoadState(ckpt.DataLoader!);
        startEpoch = ckpt.Epoch;
        Console.WriteLine($"resumed from {checkpointPath} at epoch {startEpoch + 1}");
    }
    else Console.WriteLine($"no checkpoint at {checkpointPath}; starting afresh");
}
for (int epoch = startEpoch; epoch < epochs; epoch++)
{
    net.Train();
    int steps = maxBatches > 0 ? Math.Min(maxBatches, trainLoader.Count) : trainLoader.Count;
    var clock = Stopwatch.StartNew();
    double lossSum = 0;
    int seen = 0;
    using (var bar = new Progress(steps, $"epoch {epoch + 1}/{epochs}"))
    {
        foreach (var (x, y) in trainLoader)
        {
            var loss = lossFn.Call(net.Call(x), y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            lossSum += loss.Item<float>();
            bar.Update(postfix: $"loss {lossSum / ++seen:F4}");
            if (seen == steps) break;
        }
    }
    Console.WriteLine($"epoch {epoch + 1}: train loss {lossSum / seen:F4}, {clock.Elapsed.TotalSeconds:F1} s");
    if (checkpointPath is not null)
    {
        // An epoch cut short by --max-batches still counts as finished: the next one starts a fresh order.
        var state = trainLoader.GetState();
        if (state.BatchIndex != 0) state = new DataLoaderState(state.Epoch + 1, 0, state.Seed, null);
        System.IO.Directory.CreateDirectory(checkpointDir);
        Checkpoint.Save(checkpointPath, net, optimizer, epoch: epoch + 1, dataLoader: state, generators: generators);
    }
}

net.Eval();
long correct = 0, total = 0;
using (Autograd.NoGrad())
{
    foreach (var (x, y) in testLoader)
    {
        correct += net.Call(x).Argmax(1).Eq(y).Sum().Item<long>();
        total += y.Size(0);
    }
}
Console.WriteLine($"test accuracy: {(double)correct / total:F4}");
if (checkpointDir.Length > 0) net.SaveWeights(System.IO.Path.Combine(checkpointDir, "model.safetensors"));
return 0;

/// <summary>784-256-128-10 with ReLU, on flattened pixels.</summary>
sealed class Mlp : Module
{
    private readonly Linear fc1 = new(784, 256), fc2 = new(256, 128), fc3 = new(128, 10);

    public override Tensor Forward(Tensor x) => fc3.Call(F.ReLU(fc2.Call(F.ReLU(fc1.Call(x.Flatten(1))))));
}
