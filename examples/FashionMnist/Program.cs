// Fashion-MNIST classifiers written the PyTorch way: a Dataset, a DataLoader, a hand-written training loop; or,
// with --style keras, as Keras-style Sequential models trained by Fit with EarlyStopping and ModelCheckpoint
// (KerasStyle.cs).
// Run: dotnet run --project examples/FashionMnist -c Release -- --model mlp --epochs 1
// Data: Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist), --root DIR, or --download.
// --checkpoint DIR saves DIR/last.ckpt after every epoch (and DIR/model.safetensors at the end); --resume continues
// from DIR/last.ckpt with the same weights, optimizer state, data order and random state.
// --export model.onnx writes the trained model as ONNX (examples/OnnxInference runs it in ONNX Runtime).
// --distributed trains data-parallel (DistributedDataParallel + DistributedSampler) on the ranks of an MPI job, built
// first and launched as: mpirun -np 2 examples/FashionMnist/bin/Release/net10.0/FashionMnist --distributed; without
// mpirun it is a world of one. --batch-size is per rank (as in PyTorch), so the global batch is ranks × B.
// --emulate-ranks N (one process) accumulates the gradients of the N per-rank batches a DistributedSampler of N ranks
// would give, each loss scaled by 1/N: the same arithmetic as N ranks averaging in DDP, so the weights must match an
// `mpirun -np N ... --distributed` run bit for bit. --compare A B [--tolerance T] compares two weight files (exit 1
// when max |a-b| > T). --optimizer adam|sgd and --lr pick the optimizer (default Adam, 1e-3).
using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Ember;
using Ember.Data;
using Ember.Distributed;
using Ember.IO;
using Ember.NN;
using Ember.Onnx;
using Ember.Optim;

string model = "mlp", root = "", checkpointDir = "", style = "torch", exportPath = "";
int epochs = 1, batchSize = 64, maxBatches = 0;
long seed = 0;
bool download = false, resume = false, distributed = false;
string saveWeights = "";
int threads = 0, emulateRanks = 0;
string optimizerName = "adam";
double lr = 0;
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
        case "--export": exportPath = Next(); break;
        case "--distributed": distributed = true; break;
        case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--save-weights": saveWeights = Next(); break;
        case "--emulate-ranks": emulateRanks = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--optimizer": optimizerName = Next(); break;
        case "--lr": lr = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--compare":
            return CompareWeights(Next(), Next(), i + 2 < args.Length && args[i + 1] == "--tolerance"
                ? double.Parse(args[i + 2], CultureInfo.InvariantCulture) : 0);
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}\nusage: --model mlp|cnn [--style torch|keras] " +
                "--epochs N [--batch-size B] [--seed S] [--max-batches K] [--root DIR] [--download] " +
                "[--checkpoint DIR [--resume]] [--export FILE] [--distributed | --emulate-ranks N] [--threads N] " +
                "[--save-weights FILE] [--optimizer adam|sgd] [--lr LR] | --compare A B [--tolerance T]");
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
if (style == "keras" && exportPath.Length > 0)
{
    Console.Error.WriteLine("--export is for --style torch (the Keras-style model is saved by ModelCheckpoint).");
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

// Data-parallel: every rank runs this program; rank 0 prints and saves. Each rank uses cores / ranks-on-this-machine
// worker threads unless --threads says otherwise.
using ProcessGroup? group = distributed ? ProcessGroup.Init() : null;
bool main = group?.IsMain ?? true;
if (threads > 0 || group is not null)
    Ember.Kernels.WorkerPool.ThreadCount =
        threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount / group!.LocalWorldSize);
var stdout = Console.Out;
if (!main) Console.SetOut(System.IO.TextWriter.Null);

Tensor.ManualSeed(seed);
// Says so if a tensor kept across steps grows the graph (total = total + loss); see docs/memory.md.
Ember.Graph.GraphGrowth.Detected += (_, e) => Console.Error.WriteLine(e.Message);
var train = Datasets.FashionMnist(root.Length > 0 ? root : null, train: true, download: download);
var test = Datasets.FashionMnist(root.Length > 0 ? root : null, train: false, download: download);
Console.WriteLine($"Fashion-MNIST: {train.Count} training and {test.Count} test images " +
    $"of {train.Height}x{train.Width}; model {model}, {style} style");
if (group is not null)
    Console.WriteLine($"distributed: {group.WorldSize} rank(s) ({(group.Communicator is MpiCommunicator mpi ?
        $"{mpi.Implementation}, {mpi.LibraryName}" : "no MPI launcher")}), {Ember.Kernels.WorkerPool.ThreadCount} " +
        $"worker thread(s) per rank, batch {batchSize} per rank = {batchSize * group.WorldSize} global");
if (style == "keras") return KerasStyle.Run(model, train, test, epochs, batchSize, maxBatches, seed, checkpointDir);

// ToTensor + Normalize fused per batch: uint8 images become float32 (B, 1, 28, 28) only when a batch is loaded.
var collate = Collate.Images(mean: [0.2860], std: [0.3530]);
var sampler = group is null ? null : new DistributedSampler<(Image, long)>(train, group, shuffle: true, seed: seed);
var trainLoader = sampler is null
    ? DataLoader.Create(train, batchSize, collate, shuffle: true, generator: new Generator(seed), prefetch: 2)
    : DataLoader.Create(sampler, batchSize, collate, shuffle: false, prefetch: 2);
// The wrapper averages gradients over the ranks during Backward(); state dicts keep net's names.
using var ddp = group is null ? null : new DistributedDataParallel(net, group);
Module trained = ddp ?? (Module)net;
if (ddp is not null)
    Console.WriteLine($"DDP: {ddp.Buckets.Count} gradient bucket(s), {ddp.GradientBytesPerStep} bytes all-reduced " +
        $"per step by each rank, overlapped with backward: {ddp.OverlapsCommunication}");
var testLoader = DataLoader.Create(test, 1000, collate);

Optimizer optimizer = optimizerName == "sgd"
    ? new SGD(net.Parameters(), lr: lr > 0 ? lr : 0.05, momentum: 0.9)
    : new Adam(net.Parameters(), lr: lr > 0 ? lr : 1e-3);
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
    sampler?.SetEpoch(epoch);
    trained.Train();
    int batches = emulateRanks > 0
        ? ((train.Count + emulateRanks - 1) / emulateRanks + batchSize - 1) / batchSize
        : trainLoader.Count;
    int steps = maxBatches > 0 ? Math.Min(maxBatches, batches) : batches;
    var clock = Stopwatch.StartNew();
    double lossSum = 0;
    int seen = 0;
    using (var bar = new Progress(steps, $"epoch {epoch + 1}/{epochs}"))
    {
        if (emulateRanks > 0)
        {
            seen = EmulateRanks(net, optimizer, lossFn, train, collate, emulateRanks, batchSize, seed, epoch, steps,
                bar, ref lossSum);
        }
        else foreach (var (x, y) in trainLoader)
        {
            var loss = lossFn.Call(trained.Call(x), y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            lossSum += loss.Item<float>();
            bar.Update(postfix: $"loss {lossSum / ++seen:F4}");
            if (seen == steps) break;
        }
    }
    double meanLoss = lossSum / seen;
    if (group is not null)
    {
        double[] reduced = [meanLoss];
        group.AllReduce(reduced, ReduceOp.Mean);
        meanLoss = reduced[0];
    }
    Console.WriteLine($"epoch {epoch + 1}: train loss {meanLoss:F4}, {clock.Elapsed.TotalSeconds:F1} s " +
        $"({seen} steps, {seen * batchSize * (group?.WorldSize ?? 1) / clock.Elapsed.TotalSeconds:F0} images/s)");
    if (checkpointPath is not null && main)
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
if (checkpointDir.Length > 0 && main) net.SaveWeights(System.IO.Path.Combine(checkpointDir, "model.safetensors"));
if (saveWeights.Length > 0 && main) net.SaveWeights(saveWeights);
if (exportPath.Length > 0 && main)
{
    // Traced on two test images; the batch dim stays symbolic, so the file classifies batches of any size.
    var (example, _) = DataLoader.Create(test, 2, collate).First();
    OnnxExporter.Export(net, example, exportPath);
    Console.WriteLine($"exported {exportPath}");
}
group?.Barrier();
Console.SetOut(stdout);
return 0;

// One epoch (of at most `steps` steps) as N data-parallel ranks would run it, in one process: per step, each virtual
// rank's batch from its DistributedSampler, its mean loss scaled by 1/N and backpropagated (the gradients accumulate),
// then one optimizer step. Returns the steps run.
static int EmulateRanks(Module net, Optimizer optimizer, CrossEntropyLoss lossFn, MnistDataset train,
    Func<System.Collections.Generic.IReadOnlyList<(Image Image, long Label)>, (Tensor, Tensor)> collate, int ranks,
    int batchSize, long seed, int epoch, int steps, Progress bar, ref double lossSum)
{
    var loaders = new System.Collections.Generic.IEnumerator<(Tensor, Tensor)>[ranks];
    for (int r = 0; r < ranks; r++)
    {
        var sampler = new DistributedSampler<(Image, long)>(train, ranks, r, shuffle: true, seed: seed);
        sampler.SetEpoch(epoch);
        loaders[r] = DataLoader.Create(sampler, batchSize, collate).GetEnumerator();
    }
    int seen = 0;
    while (seen < steps && Array.TrueForAll(loaders, l => l.MoveNext()))
    {
        optimizer.ZeroGrad();
        double stepLoss = 0;
        foreach (var loader in loaders)
        {
            var (x, y) = loader.Current;
            var loss = lossFn.Call(net.Call(x), y);
            (loss * (1f / ranks)).Backward();
            stepLoss += loss.Item<float>();
        }
        optimizer.Step();
        lossSum += stepLoss / ranks;
        bar.Update(postfix: $"loss {lossSum / ++seen:F4}");
    }
    return seen;
}

// The largest |a - b| over every tensor of two weight files with the same keys and shapes.
static int CompareWeights(string a, string b, double tolerance)
{
    var wa = Safetensors.Load(a);
    var wb = Safetensors.Load(b);
    double worst = 0;
    string worstKey = "";
    foreach (var (key, ta) in wa)
    {
        if (!wb.TryGetValue(key, out var tb) || !ta.Shape.SequenceEqual(tb.Shape))
        {
            Console.WriteLine($"compare: {key} is missing from {b} or has another shape");
            return 1;
        }
        double d = (ta.To(DType.Float64) - tb.To(DType.Float64)).Abs().Max().Item<double>();
        if (d > worst) (worst, worstKey) = (d, key);
    }
    if (wa.Count != wb.Count) { Console.WriteLine($"compare: {b} has {wb.Count} tensors, {a} {wa.Count}"); return 1; }
    Console.WriteLine($"compare: {wa.Count} tensors, max |a - b| = {worst:G3}" +
        (worst > 0 ? $" (in {worstKey})" : " (bit-for-bit equal)") + $", tolerance {tolerance:G3}");
    return worst <= tolerance ? 0 : 1;
}

/// <summary>784-256-128-10 with ReLU, on flattened pixels.</summary>
sealed class Mlp : Module
{
    private readonly Linear fc1 = new(784, 256), fc2 = new(256, 128), fc3 = new(128, 10);

    public override Tensor Forward(Tensor x) => fc3.Call(F.ReLU(fc2.Call(F.ReLU(fc1.Call(x.Flatten(1))))));
}
