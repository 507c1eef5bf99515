// Which era a sentence of a U.S. State of the Union address comes from (before 1900 or after), with an Embedding + LSTM
// (or --model transformer), against a bag-of-words logistic-regression baseline trained on the same split. The
// sentences ship with the example (data/sotu-sentences.tsv, public domain; see docs/example-text-classify.md), so
// it runs offline with one command:
//   dotnet run --project examples/TextClassify -c Release [-- --model lstm|transformer --epochs N --seed S]
// It prints "test accuracy: 0.xx" for the sequence model and "baseline accuracy: 0.xx" for the baseline.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Ember;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

string model = "lstm";
int? epochs = null, embed = null, hidden = null;
int batchSize = 32, trainLimit = int.MaxValue, seed = 0;
double lr = 5e-3;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--model": model = Next(); break;
        case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--batch-size": batchSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--train": trainLimit = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--embed": embed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--hidden": hidden = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--lr": lr = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}\nusage: [--model lstm|transformer] [--epochs N] " +
                "[--embed E] [--hidden H] [--lr R] [--batch-size B] [--train N] [--seed S]");
            return 2;
    }
}
if (model is not ("lstm" or "transformer"))
{
    Console.Error.WriteLine($"--model must be lstm or transformer, got '{model}'.");
    return 2;
}
// Per-model defaults, picked on seeds 0-2 for accuracy in about half a minute on 2 cores
// (see docs/example-text-classify.md).
bool lstm = model == "lstm";
int epochCount = epochs ?? (lstm ? 3 : 5), embedDim = embed ?? (lstm ? 64 : 32), hiddenSize = hidden ?? 128;

Tensor.ManualSeed(seed);
var sentences = Sotu.Load();
var examples = Sotu.Era(sentences);
// A fixed random split: sentences of every address on both sides.
var split = new Random(seed + 1);
split.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(examples));
int testCount = examples.Count / 5, trainCount = Math.Min(examples.Count - testCount, trainLimit);
var trainSet = examples.GetRange(0, trainCount);
var testSet = examples.GetRange(examples.Count - testCount, testCount);
var vocab = Vocabulary.Build(trainSet.ConvertAll(r => (IEnumerable<string>)r.Tokens), minFreq: 2);
int[][] Encode(List<(List<string> Tokens, int Label)> set) => set.ConvertAll(r => vocab.Encode(r.Tokens)).ToArray();
int[][] trainIds = Encode(trainSet), testIds = Encode(testSet);
long[] trainLabels = trainSet.ConvertAll(r => (long)r.Label).ToArray();
long[] testLabels = testSet.ConvertAll(r => (long)r.Label).ToArray();
Console.WriteLine($"sentences: {trainCount} training, {testCount} test, vocabulary {vocab.Count}; " +
    $"label 1: address from {Sotu.ModernFrom} on");
Console.WriteLine($"e.g. \"{string.Join(' ', trainSet[0].Tokens)}\" -> {trainSet[0].Label}");

int longest = 0;
foreach (var e in examples) longest = Math.Max(longest, e.Tokens.Count);
// The sequence model.
var gen = new Generator(seed);
TextModel net = lstm
    ? new LstmClassifier(vocab.Count, embedDim, hiddenSize, gen)
    : new TransformerClassifier(vocab.Count, embedDim, 4, hidden ?? 2 * embedDim, maxLength: longest, gen);
var optimizer = new Adam(net.Parameters(), lr: lr);
var lossFn = new CrossEntropyLoss();
var order = new int[trainCount];
for (int i = 0; i < trainCount; i++) order[i] = i;
var shuffle = new Random(seed);
int steps = (trainCount + batchSize - 1) / batchSize;
var clock = Stopwatch.StartNew();
for (int epoch = 0; epoch < epochCount; epoch++)
{
    net.Train();
    shuffle.Shuffle(order);
    double lossSum = 0;
    int seen = 0;
    using var bar = new Progress(steps, $"epoch {epoch + 1}/{epochCount}");
    for (int start = 0; start < trainCount; start += batchSize)
    {
        var (x, lengths, y) = Batch(trainIds, trainLabels, order, start, Math.Min(batchSize, trainCount - start));
        var loss = lossFn.Call(net.Call((x, lengths)), y);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        lossSum += loss.Item<float>();
        bar.Update(postfix: $"loss {lossSum / ++seen:F4}");
    }
}
Console.WriteLine($"trained {model} in {clock.Elapsed.TotalSeconds:F1} s");
net.Eval();
double accuracy = Evaluate(x => net.Call(x));

// The baseline: logistic regression on bag-of-words counts (every word that the training split has), full batch.
var bow = new Linear(vocab.Count, 2, generator: gen);
var bowOptimizer = new Adam(bow.Parameters(), lr: 0.05);
Tensor trainBow = BagOfWords(trainIds), testBow = BagOfWords(testIds);
Tensor trainY = Tensor.From(trainLabels, [trainCount]);
for (int step = 0; step < 300; step++)
{
    var loss = lossFn.Call(bow.Call(trainBow), trainY);
    bowOptimizer.ZeroGrad();
    loss.Backward();
    bowOptimizer.Step();
}
double baseline;
using (Autograd.NoGrad())
    baseline = Accuracy(bow.Call(testBow), Tensor.From(testLabels, [testCount]));

Console.WriteLine($"test accuracy: {accuracy:F2}");
Console.WriteLine($"baseline accuracy: {baseline:F2}");
return 0;

(Tensor X, int[] Lengths, Tensor Y) Batch(int[][] ids, long[] labels, int[] idx, int start, int count)
{
    var seqs = new int[count][];
    var y = new long[count];
    for (int b = 0; b < count; b++)
    {
        seqs[b] = ids[idx[start + b]];
        y[b] = labels[idx[start + b]];
    }
    var (x, lengths) = TextCollate.Pad(seqs, vocab.PadIndex, batchFirst: true);
    return (x, lengths, Tensor.From(y, [count]));
}

double Evaluate(Func<(Tensor, int[]), Tensor> forward)
{
    var idx = new int[testCount];
    for (int i = 0; i < testCount; i++) idx[i] = i;
    long correct = 0;
    using (Autograd.NoGrad())
    {
        for (int start = 0; start < testCount; start += 250)
        {
            var (x, lengths, y) = Batch(testIds, testLabels, idx, start, Math.Min(250, testCount - start));
            correct += forward((x, lengths)).Argmax(1).Eq(y).Sum().Item<long>();
        }
    }
    return (double)correct / testCount;
}

static double Accuracy(Tensor logits, Tensor y) => logits.Argmax(1).Eq(y).Sum().Item<long>() / (double)y.Size(0);

Tensor BagOfWords(int[][] ids)
{
    var counts = new float[ids.Length * vocab.Count];
    for (int i = 0; i < ids.Length; i++)
        foreach (int id in ids[i])
            counts[i * vocab.Count + id] += 1;
    return Tensor.From(counts, [ids.Length, vocab.Count]);
}
