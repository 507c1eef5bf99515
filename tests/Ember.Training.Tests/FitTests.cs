using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Ember.Data;
using Ember.Keras;
using Ember.NN;
using Ember.Optim;

namespace Ember.Training.Tests;

public sealed class FitTests
{
    private static Keras.Sequential IrisModel(Generator g) => new(
        new Input(4),
        new Dense(16, activation: "relu", generator: g),
        new Dense(3, activation: "softmax", generator: g));

    [Fact]
    public void FitOnIrisReachesTestAccuracy95()
    {
        Tensor.ManualSeed(0);
        var (xTrain, xTest, yTrain, yTest) = TestModels.Iris();
        var model = IrisModel(new Generator(0));
        model.Compile(new Adam(model.Parameters(), lr: 0.01), "sparse_categorical_crossentropy", ["accuracy"]);
        var history = model.Fit(xTrain, yTrain, epochs: 60, batchSize: 16, validationSplit: 0.2, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);
        var result = model.Evaluate(xTest, yTest, verbose: 0);
        Assert.True(result["accuracy"] >= 0.95, $"test accuracy {result["accuracy"]}");
        Assert.True(history["loss"][^1] < history["loss"][0]);
        // Evaluate's accuracy is the argmax of Predict against the labels.
        Tensor predicted = model.Predict(xTest).Argmax(1);
        double acc = predicted.Eq(Tensor.From(yTest)).To(DType.Float64).Mean().Item<double>();
        Assert.Equal(acc, result["accuracy"], 12);
    }

    [Fact]
    public void HistoryHoldsEveryRequestedKeyForEveryEpoch()
    {
        Tensor.ManualSeed(1);
        var (xTrain, xTest, yTrain, yTest) = TestModels.Iris();
        var model = IrisModel(new Generator(1));
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy", new Metrics.SparseCategoricalAccuracy()]);
        var history = model.Fit(xTrain, yTrain, epochs: 4, batchSize: 32, validationData: (xTest, yTest),
            verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);
        string[] keys = ["loss", "accuracy", "sparse_categorical_accuracy", "val_loss", "val_accuracy",
            "val_sparse_categorical_accuracy", "learning_rate"];
        Assert.Equal(keys.Order(), history.Keys.Order());
        Assert.All(keys, k => Assert.Equal(4, history[k].Count));
        Assert.Equal([0, 1, 2, 3], history.Epochs);
        Assert.All(history["learning_rate"], lr => Assert.Equal(1e-3, lr));
        Assert.Equal(history["accuracy"], history["sparse_categorical_accuracy"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ClfTrainedByFitMatchesTheHandWrittenLoopBitForBit(bool shuffle)
    {
        var iris = Datasets.Iris();
        var x = Tensor.From(iris.Data);
        var y = Tensor.From(iris.Target);
        var a = new Clf();
        var b = new Clf();
        foreach (var (p, q) in a.Parameters().Zip(b.Parameters())) q.CopyFrom(p);

        Tensor.ManualSeed(42);
        a.Compile(new Adam(a.Parameters(), lr: 0.01), new CrossEntropyLoss());
        a.Fit(x, y, epochs: 15, batchSize: 32, shuffle: shuffle, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);

        Tensor.ManualSeed(42);
        var optimizer = new Adam(b.Parameters(), lr: 0.01);
        var lossFn = new CrossEntropyLoss();
        for (int epoch = 0; epoch < 15; epoch++)
        {
            long[] order = Enumerable.Range(0, 150).Select(i => (long)i).ToArray();
            if (shuffle)
                for (int i = order.Length - 1; i > 0; i--)
                {
                    int j = (int)Generator.Default.NextInt64(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
            for (int start = 0; start < 150; start += 32)
            {
                var idx = Tensor.From(order.Skip(start).Take(32).ToArray());
                var loss = lossFn.Call(b.Call(x.IndexSelect(0, idx)), y.IndexSelect(0, idx));
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
            }
        }
        foreach (var ((name, p), (_, q)) in a.NamedParameters().Zip(b.NamedParameters()))
            Assert.True(p.ToArray<float>().SequenceEqual(q.ToArray<float>()), $"{name} differs");
    }

    [Fact]
    public void CancellationStopsBetweenBatchesAndLeavesTheModelUsable()
    {
        var (xTrain, xTest, yTrain, yTest) = TestModels.Iris();
        var model = IrisModel(new Generator(3));
        using var cts = new CancellationTokenSource();
        var sync = new CountingSynchronizer(after: 3, cts);
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"], gradientSynchronizer: sync);
        var e = Assert.Throws<TrainingCanceledException>(() =>
            model.Fit(xTrain, yTrain, epochs: 5, batchSize: 16, verbose: 0, cancellationToken: cts.Token));
        Assert.Equal(0, e.Epoch);
        Assert.Equal(3, e.CompletedSteps);
        Assert.Equal(3, sync.Calls);
        Assert.Empty(e.History.Epochs);
        Assert.True(sync.SawGradients);
        // Still usable: predicts, evaluates and trains on.
        Assert.Equal([yTest.Length, 3], model.Predict(xTest).Shape.ToArray());
        var h = model.Fit(xTrain, yTrain, epochs: 2, batchSize: 16, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, h["loss"].Count);
        Assert.Equal(3 + 2 * 8, sync.Calls); // 120 rows in batches of 16: 8 steps per epoch
    }

    private sealed class CountingSynchronizer(int after, CancellationTokenSource cts) : IGradientSynchronizer
    {
        public int Calls { get; private set; }

        public bool SawGradients { get; private set; } = true;

        public void Synchronize(IReadOnlyList<Parameter> parameters)
        {
            Calls++;
            SawGradients &= parameters.Count == 4 && parameters.All(p => p.Grad is not null);
            if (Calls == after) cts.Cancel();
        }
    }

    [Fact]
    public void UnbuiltModelOptimizerErrorNamesTheFix()
    {
        var model = new Keras.Sequential(new Dense(8, activation: "relu"), new Dense(3));
        var e = Assert.Throws<InvalidOperationException>(() => new Adam(model.Parameters(), lr: 0.01));
        Assert.Contains("not built", e.Message);
        Assert.Contains("new Input(shape)", e.Message);
        Assert.Contains("Compile", e.Message);
        // Compiling with a name defers the optimizer to the first batch, which builds the model.
        var compiled = model.Compile("adam", "sparse_categorical_crossentropy");
        Assert.Null(compiled.Optimizer);
        var (xTrain, _, yTrain, _) = TestModels.Iris();
        model.Fit(xTrain, yTrain, epochs: 1, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotNull(compiled.Optimizer);
        Assert.Equal(8 * 4 + 8 + 3 * 8 + 3, model.ParameterCount());
    }

    [Fact]
    public void OnBatchMethodsAndPredict()
    {
        var (xTrain, xTest, yTrain, yTest) = TestModels.Iris();
        var model = IrisModel(new Generator(4));
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        var before = model.TestOnBatch(xTest, yTest);
        var train = model.TrainOnBatch(xTrain, yTrain);
        Assert.Equal(["accuracy", "loss"], train.Keys.Order());
        Assert.True(model.Training);
        var after = model.TestOnBatch(xTest, yTest);
        Assert.NotEqual(before["loss"], after["loss"]);
        Tensor p = model.Predict(xTest, batchSize: 7);
        Assert.False(p.RequiresGrad);
        Assert.Null(p.GradFn);
        Assert.True(model.Training);
        Assert.True(p.ToArray<float>().SequenceEqual(model.PredictOnBatch(xTest).ToArray<float>()));
        var eval = model.Evaluate(xTest, yTest, verbose: 0);
        Assert.Equal(after["loss"], eval["loss"], 6);
    }

    [Fact]
    public void FitAcceptsPlainArraysAndDataLoaders()
    {
        var (xTrain, xTest, yTrain, yTest) = TestModels.Iris();
        int[] yInt = yTrain.Select(v => (int)v).ToArray();
        var model = IrisModel(new Generator(5));
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        Assert.Single(model.Fit(xTrain, yInt, epochs: 1, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken).Epochs);
        var data = new TensorDataset(Tensor.From(xTrain), Tensor.From(yTrain));
        var h = model.Fit(data, epochs: 2, batchSize: 20, validationData: new TensorDataset(Tensor.From(xTest),
            Tensor.From(yTest)), verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, h["val_accuracy"].Count);
        var loader = DataLoader.Create(data, 40);
        Assert.Contains("loss", model.Evaluate(loader, verbose: 0).Keys);
    }

    [Fact]
    public void ClassWeightScalesTheLoss()
    {
        var x = Tensor.From(new double[,] { { 1, 0 }, { 0, 1 } });
        var y = Tensor.From(new long[] { 0, 1 });
        var model = new Keras.Sequential(new Input(2),
            new Dense(2, activation: "softmax", generator: new Generator(6)));
        model.Compile(OptimizerSpec.FromFactory(p => new SGD(p, lr: 0)), "sparse_categorical_crossentropy");
        var plain = model.Fit(x, y, epochs: 1, shuffle: false, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);
        var weighted = model.Fit(x, y, epochs: 1, shuffle: false, verbose: 0,
            classWeight: new Dictionary<int, double> { [0] = 3, [1] = 0 },
            cancellationToken: TestContext.Current.CancellationToken);
        var loss = new Losses.SparseCategoricalCrossentropy().PerSample(model.Predict(x), y).ToArray<float>();
        Assert.Equal((loss[0] + loss[1]) / 2, plain["loss"][0], 5);
        Assert.Equal(3 * loss[0] / 2, weighted["loss"][0], 5);
    }

    [Fact]
    public void FitWithoutCompileSaysSo()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            new Clf().Fit(new double[,] { { 1, 2, 3, 4 } }, new long[] { 0 }, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("Compile", e.Message);
    }

    [Fact]
    public void ValidationSplitTakesTheLastRowsBeforeShuffling()
    {
        // 10 rows, split 0.3: Keras trains on the first ceil(7) rows and validates on the last 3.
        var x = Tensor.Arange(0, 10, 1, DType.Float32).Reshape(10, 1);
        var model = new Keras.Sequential(new Input(1), new Dense(1, kernelInitializer: "ones", generator: null));
        model.Compile(OptimizerSpec.FromFactory(p => new SGD(p, lr: 0)), "mae");
        var h = model.Fit(x, Tensor.Zeros(10, 1), epochs: 1, batchSize: 4, validationSplit: 0.3, verbose: 0,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((7 + 8 + 9) / 3.0, h["val_loss"][0], 5);
        Assert.Equal((0 + 1 + 2 + 3 + 4 + 5 + 6) / 7.0, h["loss"][0], 5);
    }
}
