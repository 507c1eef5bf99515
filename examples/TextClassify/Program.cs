// Sentiment classification of short reviews with an Embedding + LSTM (or --model transformer), against a bag-of-words
// logistic-regression baseline trained on the same split. The reviews are generated (see Reviews.cs), so the example
// runs offline with one command:
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
int epochs = 3, batchSize = 32, trainCount = 4000, testCount = 1000;
int seed = 0;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--model": model = Next(); break;
        case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--batch-size": batchSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--train": trainCount = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}\nusage: --model lstm|transformer --epochs N " +
                "[--batch-size B] [--train N] [--seed S]");
            return 2;
    }
}
if (model is not ("lstm" or "transformer"))
{
    Console.Error.WriteLine($"--model must be lstm or transformer, got '{model}'.");
    return 2;
}

Tensor.ManualSeed(seed);
// Train and test come from one stream, so they share the grammar but no draw.
var all = Reviews.Generate(trainCount + testCount, seed);
var trainSet = all.GetRange(0, trainCount);
var testSet = all.GetRange(trainCount, testCount);
var vocab = Vocabulary.Build(trainSet.ConvertAll(r => (IEnumerable<string>)SimpleTokenizer.Tokenize(r.Text)));
int[][] Encode(List<(string Text, int Label)> set) =>
    set.ConvertAll(r => vocab.Encode(SimpleTokenizer.Tokenize(r.Text))).ToArray();
int[][] trainIds = Encode(trainSet), testIds = Encode(testSet);
long[] trainLabels = trainSet.ConvertAll(r => (long)r.Label).ToArray();
long[] testLabels = testSet.ConvertAll(r => (long)r.Label).ToArray();
Console.WriteLine($"reviews: {trainCount} training, {testCount} test, vocabulary {vocab.Count}; model {model}");
Console.WriteLine($"e.g. \"{trainSet[0].Text}\" -> {(trainSet[0].Label == 1 ? "positive" : "negative")}");

// The sequence model.
var gen = new Generator(seed);
TextModel net = model == "lstm"
    ? new LstmClassifier(vocab.Count, 32, 64, gen)
    : new TransformerClassifier(vocab.Count, 32, 4, 64, maxLength: 64, gen);
var optimizer = new Adam(net.Parameters(), lr: 5e-3);
var lossFn = new CrossEntropyLoss();
var order = new int[trainCount];
for (int i = 0; i < trainCount; i++) order[i] = i;
var shuffle = new Random(seed);
int steps = (trainCount + batchSize - 1) / batchSize;
var clock = Stopwatch.StartNew();
for (int epoch = 0; epoch < epochs; epoch++)
{
    net.Train();
    shuffle.Shuffle(order);
    double lossSum = 0;
    int seen = 0;
    using var bar = new Progress(steps, $"epoch {epoch + 1}/{epochs}");
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
