using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Ember.IO;
using Ember.Keras;
using Ember.Optim;
using Ember.Training.Callbacks;
using Ember.Training.Metrics;

namespace Ember.Training.Tests;

/// <summary>A metric whose value after its n-th update is <c>values[n - 1]</c>: with one batch per epoch and no
/// validation data, the value of epoch e is <c>values[e]</c>.</summary>
internal sealed class ScriptedMetric(double[] values, bool? higherIsBetter = false, string name = "scripted")
    : Metric(name)
{
    private int _updates;

    public override bool? HigherIsBetter => higherIsBetter;

    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => _updates++;

    public override double Result() => values[Math.Max(_updates - 1, 0)];

    public override void Reset() { }
}

public sealed class CallbacksTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"ember-callbacks-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (Tensor X, Tensor Y) Data(int rows = 16)
    {
        var g = new Generator(3);
        Tensor x = Tensor.Randn([rows, 4], generator: g);
        Tensor y = x.Sum(1, keepDim: true) * 0.5;
        return (x, y);
    }

    /// <summary>A tiny regression model trained by SGD with one batch per epoch (weights change every
    /// epoch).</summary>
    private static Keras.Sequential Model(Metric? metric = null, double lr = 0.05)
    {
        var model = new Keras.Sequential(new Input(4), new Dense(3, activation: "relu", generator: new Generator(1)),
            new Dense(1, generator: new Generator(2)));
        model.Compile(new SGD(model.Parameters(), lr: lr), "mse", metric is null ? [] : [metric]);
        return model;
    }

    private static Dictionary<string, Tensor> Weights(Ember.NN.Module m) =>
        m.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Clone());

    private static void AssertSameWeights(Dictionary<string, Tensor> expected, Ember.NN.Module m)
    {
        foreach (var (k, v) in m.StateDict())
            Assert.Equal(expected[k].ToArray<float>(), v.ToArray<float>());
    }

    private static (History History, List<Dictionary<string, Tensor>> PerEpoch) FitScripted(
        Keras.Sequential model, int epochs, params Callback[] callbacks)
    {
        var (x, y) = Data();
        var perEpoch = new List<Dictionary<string, Tensor>>();
        var record = new LambdaCallback(onEpochEnd: (_, _) => perEpoch.Add(Weights(model)));
        var history = model.Fit(x, y, epochs: epochs, batchSize: 16, shuffle: false, verbose: 0,
            callbacks: [record, .. callbacks], cancellationToken: TestContext.Current.CancellationToken);
        return (history, perEpoch);
    }

    [Fact]
    public void EarlyStoppingStopsAfterPatienceAndRestoresTheBestEpoch()
    {
        var model = Model(new ScriptedMetric([5, 4, 3, 3.5, 3.2, 3.1, 1, 1]));
        var stop = new EarlyStopping("scripted", patience: 3, restoreBestWeights: true);
        var (history, perEpoch) = FitScripted(model, 8, stop);
        // Best at epoch 2; epochs 3, 4, 5 do not improve: the wait reaches 3 at epoch 5.
        Assert.Equal(6, history.Epochs.Count);
        Assert.Equal(5, stop.StoppedEpoch);
        Assert.Equal(2, stop.BestEpoch);
        Assert.Equal(3, stop.Best);
        AssertSameWeights(perEpoch[2], model);
        string first = perEpoch[2].Keys.First();
        Assert.NotEqual(perEpoch[2][first].ToArray<float>(), perEpoch[5][first].ToArray<float>());
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(-0.5)] // Keras uses |minDelta|
    public void EarlyStoppingMinDeltaIgnoresSmallImprovementsWhateverItsSign(double minDelta)
    {
        var model = Model(new ScriptedMetric([5, 4.8, 4.7, 4.6, 4.5]));
        var stop = new EarlyStopping("scripted", minDelta: minDelta, patience: 2);
        var (history, _) = FitScripted(model, 5, stop);
        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(2, stop.StoppedEpoch);
        Assert.Equal(5, stop.Best);
    }

    [Fact]
    public void EarlyStoppingInMaxModeFromTheMetricsDirection()
    {
        var model = Model(new ScriptedMetric([0.5, 0.7, 0.6, 0.65, 0.9], higherIsBetter: true));
        var stop = new EarlyStopping("scripted", patience: 2);
        var (history, _) = FitScripted(model, 5, stop);
        Assert.Equal(4, history.Epochs.Count);
        Assert.Equal(0.7, stop.Best);
    }

    [Fact]
    public void EarlyStoppingRestoresAtTheEndEvenWithoutStoppingAsKeras3()
    {
        var model = Model(new ScriptedMetric([3, 1, 2, 2.5]));
        var stop = new EarlyStopping("scripted", patience: 10, restoreBestWeights: true);
        var (history, perEpoch) = FitScripted(model, 4, stop);
        Assert.Equal(4, history.Epochs.Count);
        Assert.Null(stop.StoppedEpoch);
        AssertSameWeights(perEpoch[1], model);
    }

    [Fact]
    public void EarlyStoppingBaselineMustBeBeatenToResetTheWait()
    {
        double[] values = [5, 4, 4.5, 4.2, 3, 2];
        var withBaseline = new EarlyStopping("scripted", patience: 2, baseline: 1);
        var (history, _) = FitScripted(Model(new ScriptedMetric(values)), 6, withBaseline);
        // Improvements that miss the baseline do not reset the wait (but, as in Keras, never stop by themselves).
        Assert.Equal(2, withBaseline.StoppedEpoch);
        Assert.Equal(3, history.Epochs.Count);
        var without = new EarlyStopping("scripted", patience: 2);
        (history, _) = FitScripted(Model(new ScriptedMetric(values)), 6, without);
        Assert.Equal(3, without.StoppedEpoch);
        Assert.Equal(4, history.Epochs.Count);
    }

    [Fact]
    public void MonitoringNeedsAKnownKeyAndDirection()
    {
        var model = Model();
        var e = Assert.Throws<InvalidOperationException>(() => FitScripted(model, 1, new EarlyStopping()));
        Assert.Contains("val_loss", e.Message);
        Assert.Contains("validation", e.Message);
        model = Model(new ScriptedMetric([1], higherIsBetter: null));
        e = Assert.Throws<InvalidOperationException>(() => FitScripted(model, 1, new EarlyStopping("scripted")));
        Assert.Contains("MonitorMode.Min", e.Message);
    }

    [Fact]
    public void ModelCheckpointWritesOnlyImprovementsAndTheFilesLoad()
    {
        var model = Model(new ScriptedMetric([3, 2, 2.5, 1, 1.5]));
        string template = Path.Combine(_dir, "ckpt", "w-{epoch:02d}-{scripted:.2f}.safetensors");
        var checkpoint = new ModelCheckpoint(template, monitor: "scripted", saveBestOnly: true);
        var (_, perEpoch) = FitScripted(model, 5, checkpoint);
        string[] expected = ["w-01-3.00.safetensors", "w-02-2.00.safetensors", "w-04-1.00.safetensors"];
        Assert.Equal(expected, Directory.GetFiles(Path.Combine(_dir, "ckpt")).Select(Path.GetFileName).Order());
        Assert.Equal(expected, checkpoint.SavedPaths.Select(Path.GetFileName));
        var fresh = Model();
        fresh.LoadWeights(Path.Combine(_dir, "ckpt", expected[^1]));
        AssertSameWeights(perEpoch[3], fresh);
    }

    [Fact]
    public void ModelCheckpointSavesEveryEpochWithoutSaveBestOnly()
    {
        var model = Model();
        var checkpoint = new ModelCheckpoint(Path.Combine(_dir, "e{epoch}-{loss:.3e}.safetensors"));
        var (history, perEpoch) = FitScripted(model, 3, checkpoint);
        Assert.Equal(3, checkpoint.SavedPaths.Count);
        for (int e = 0; e < 3; e++)
        {
            string name = Path.GetFileName(checkpoint.SavedPaths[e]);
            Assert.StartsWith($"e{e + 1}-", name);
            string loss = name[(name.IndexOf('-') + 1)..name.LastIndexOf('.')];
            Assert.Matches(@"^\d\.\d{3}e[+-]\d\d$", loss); // Python's {:.3e}
            Assert.Equal(history["loss"][e], double.Parse(loss, CultureInfo.InvariantCulture), 3);
            var fresh = Model();
            fresh.LoadWeights(checkpoint.SavedPaths[e]);
            AssertSameWeights(perEpoch[e], fresh);
        }
    }

    [Theory]
    [InlineData("{epoch}", "7")]
    [InlineData("{epoch:03d}", "007")]
    [InlineData("{v}", "0.25")]
    [InlineData("{v:.2f}", "0.25")]
    [InlineData("{v:.1%}", "25.0%")]
    [InlineData("{v:08.3f}", "0000.250")]
    [InlineData("{v:.2e}", "2.50e-01")]
    [InlineData("{v:g}", "0.25")]
    [InlineData("{small}", "1e-05")]
    [InlineData("{small:g}", "1e-05")]
    [InlineData("{big}", "1e+16")]
    [InlineData("{one}", "1.0")]
    [InlineData("{{x}}-{epoch}", "{x}-7")]
    public void PathsUsePythonFormatting(string template, string expected)
    {
        var logs = new Dictionary<string, double> { ["v"] = 0.25, ["small"] = 1e-5, ["big"] = 1e16, ["one"] = 1 };
        Assert.Equal(expected, PyFormat.Format(template, 7, logs, "test"));
    }

    [Fact]
    public void PathFieldsMustExist()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            PyFormat.Format("{val_loss:.2f}", 1, new Dictionary<string, double> { ["loss"] = 1 }, "ModelCheckpoint"));
        Assert.Contains("val_loss", e.Message);
        Assert.Contains("loss", e.Message);
    }

    [Fact]
    public void TerminateOnNaNStopsAtTheFirstNaNBatch()
    {
        var (x, y) = Data(32);
        x[20, 1] = Tensor.From(float.NaN); // row 20 is in batch 2 (batches of 8, no shuffle)
        var model = Model();
        var nan = new TerminateOnNaN();
        var batches = new List<(int, int)>();
        int epoch = -1;
        var count = new LambdaCallback(onEpochBegin: e => epoch = e, onBatchEnd: (b, _) => batches.Add((epoch, b)));
        var output = new StringWriter();
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, shuffle: false, verbose: 0, output: output,
            callbacks: [nan, count], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, nan.StoppedEpoch);
        Assert.Equal(2, nan.StoppedBatch);
        Assert.Equal([(0, 0), (0, 1), (0, 2)], batches);
        Assert.Single(history.Epochs);
        Assert.True(double.IsNaN(history["loss"][0]));
        Assert.Contains("Batch 2: Invalid loss, terminating training", output.ToString());
    }

    [Fact]
    public void LambdaCallbackSeesKerasOrderOfCalls()
    {
        var (x, y) = Data(8);
        var model = Model();
        var calls = new List<string>();
        var cb = new LambdaCallback(
            onTrainBegin: () => calls.Add("train_begin"),
            onEpochBegin: e => calls.Add($"epoch_begin {e}"),
            onBatchBegin: b => calls.Add($"batch_begin {b}"),
            onBatchEnd: (b, logs) => calls.Add($"batch_end {b} {string.Join(",", logs.Keys)}"),
            onEpochEnd: (e, logs) => calls.Add($"epoch_end {e} {string.Join(",", logs.Keys)}"),
            onTrainEnd: logs => calls.Add($"train_end {logs.Count}"));
        model.Fit(x, y, epochs: 2, batchSize: 4, shuffle: false, verbose: 0, validationData: (x, y),
            callbacks: [cb], cancellationToken: TestContext.Current.CancellationToken);
        string[] expected =
        [
            "train_begin",
            "epoch_begin 0", "batch_begin 0", "batch_end 0 loss", "batch_begin 1", "batch_end 1 loss",
            "epoch_end 0 loss,val_loss,learning_rate",
            "epoch_begin 1", "batch_begin 0", "batch_end 0 loss", "batch_begin 1", "batch_end 1 loss",
            "epoch_end 1 loss,val_loss,learning_rate",
            "train_end 3",
        ];
        Assert.Equal(expected, calls);
    }

    [Fact]
    public void StopTrainingInABatchEndsTheEpochThenStops()
    {
        var (x, y) = Data(16);
        var model = Model();
        var calls = new List<string>();
        var cb = new LambdaCallback(
            onBatchEnd: (b, _) =>
            {
                calls.Add($"batch {b}");
                if (b == 1) model.GetCompiled().StopTraining = true;
            },
            onEpochEnd: (e, _) => calls.Add($"epoch_end {e}"),
            onTrainEnd: _ => calls.Add("train_end"));
        var history = model.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0, callbacks: [cb],
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["batch 0", "batch 1", "epoch_end 0", "train_end"], calls);
        Assert.Single(history.Epochs);
    }

    [Fact]
    public void CsvLoggerWritesKerasColumnsAndPythonNumbers()
    {
        var (x, y) = Data(8);
        var model = Model(lr: 1e-5);
        string path = Path.Combine(_dir, "log.csv");
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, validationData: (x, y),
            callbacks: [new CSVLogger(path)], cancellationToken: TestContext.Current.CancellationToken);
        string text = File.ReadAllText(path);
        string[] lines = text.Split("\r\n");
        Assert.Equal(5, lines.Length); // header, 3 rows, and the empty string after the last \r\n
        Assert.Equal("", lines[^1]);
        Assert.Equal("epoch,learning_rate,loss,val_loss", lines[0]);
        for (int e = 0; e < 3; e++)
        {
            string[] f = lines[e + 1].Split(',');
            Assert.Equal(e.ToString(CultureInfo.InvariantCulture), f[0]);
            Assert.Equal("1e-05", f[1]);
            Assert.Equal(history["loss"][e], double.Parse(f[2], CultureInfo.InvariantCulture));
            Assert.Equal(history["val_loss"][e], double.Parse(f[3], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void CsvLoggerAddsNaValColumnsWithoutValidationAndAppends()
    {
        var (x, y) = Data(8);
        var model = Model();
        string path = Path.Combine(_dir, "log.csv");
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, callbacks: [new CSVLogger(path, separator: ';')],
            cancellationToken: TestContext.Current.CancellationToken);
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0,
            callbacks: [new CSVLogger(path, separator: ';', append: true)],
            cancellationToken: TestContext.Current.CancellationToken);
        string[] lines = File.ReadAllText(path).Split("\r\n");
        Assert.Equal("epoch;learning_rate;loss;val_learning_rate;val_loss", lines[0]);
        Assert.Equal(5, lines.Length); // one header, 2 + 1 rows
        Assert.All(lines[1..4], l => Assert.EndsWith(";NA;NA", l));
        Assert.StartsWith("0;0.05;", lines[3]);
    }

    /// <summary>Keras 3's ReduceLROnPlateau.on_epoch_end, literally, as the reference for the driven Ember
    /// scheduler.</summary>
    private static List<double> KerasReduceLr(double[] values, double lr, double factor, int patience, int cooldown,
        double minDelta, double minLr)
    {
        var lrs = new List<double>();
        double best = double.PositiveInfinity;
        int wait = 0, cooldownCounter = 0;
        foreach (double current in values)
        {
            lrs.Add(lr);
            if (cooldownCounter > 0)
            {
                cooldownCounter--;
                wait = 0;
            }
            if (current < best - minDelta)
            {
                best = current;
                wait = 0;
            }
            else if (cooldownCounter == 0)
            {
                wait++;
                if (wait >= patience && lr > minLr)
                {
                    lr = Math.Max(lr * factor, minLr);
                    cooldownCounter = cooldown;
                    wait = 0;
                }
            }
        }
        return lrs;
    }

    [Theory]
    [InlineData(0, 0, 0.0, 0.0)]
    [InlineData(1, 0, 0.0, 0.0)]
    [InlineData(2, 0, 0.1, 0.0)]
    [InlineData(3, 1, 0.0, 0.0)]
    [InlineData(2, 2, 0.05, 0.01)]
    [InlineData(1, 3, 0.0, 0.02)]
    public void ReduceLROnPlateauMatchesKerasRatesExactly(int patience, int cooldown, double minDelta, double minLr)
    {
        var rng = new Random(patience * 31 + cooldown);
        // A noisy, slowly improving quantity: plateaus of various lengths.
        double[] values = Enumerable.Range(0, 30).Select(i => 3.0 - 0.02 * i + rng.NextDouble() * 0.3).ToArray();
        var model = Model(new ScriptedMetric(values), lr: 0.5);
        var reduce = new Callbacks.ReduceLROnPlateau("scripted", factor: 0.5, patience: patience, minDelta: minDelta,
            cooldown: cooldown, minLr: minLr);
        var (history, _) = FitScripted(model, values.Length, reduce);
        var expected = KerasReduceLr(values, 0.5, 0.5, patience, cooldown, minDelta, minLr);
        Assert.Equal(expected, history["learning_rate"]);
        Assert.Contains(expected, lr => lr < 0.5); // the case does reduce
        Assert.NotNull(reduce.Scheduler);
    }

    [Fact]
    public void LearningRateSchedulerFunctionsAndEmberSchedulers()
    {
        var model = Model(lr: 0.1);
        var (history, _) = FitScripted(model, 4, new LearningRateScheduler(e => 0.1 * Math.Pow(0.5, e)));
        Assert.Equal([0.1, 0.05, 0.025, 0.0125], history["learning_rate"]);

        model = Model(lr: 0.1);
        (history, _) = FitScripted(model, 3, new LearningRateScheduler((e, lr) => e == 0 ? lr : lr * 0.1));
        Assert.Equal(new[] { 0.1, 0.01, 0.001 }, history["learning_rate"], (a, b) => Math.Abs(a - b) < 1e-15);

        model = Model(lr: 1);
        var step = new StepLR(model.GetCompiled().Optimizer!, stepSize: 2, gamma: 0.1);
        (history, _) = FitScripted(model, 5, new LearningRateScheduler(step));
        Assert.Equal(new[] { 1, 1, 0.1, 0.1, 0.01 }, history["learning_rate"], (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void LearningRateSchedulerReachesAnOptimizerCreatedAtTheFirstBatch()
    {
        var (x, y) = Data(8);
        var model = new Keras.Sequential(new Dense(1, generator: new Generator(4)));  // no Input: built lazily
        model.Compile("sgd", "mse");
        Assert.Null(model.GetCompiled().Optimizer);
        var factory = new LearningRateScheduler(o => new StepLR(o, stepSize: 1, gamma: 0.5));
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks: [factory],
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([0.01, 0.005, 0.0025], history["learning_rate"]);

        model = new Keras.Sequential(new Dense(1, generator: new Generator(4)));
        model.Compile("sgd", "mse");
        history = model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0,
            callbacks: [new LearningRateScheduler(e => 0.3 + e)],
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([0.3, 1.3], history["learning_rate"]);
    }

    [Fact]
    public void LearningRateSchedulerRefusesAnotherOptimizersScheduler()
    {
        var model = Model();
        var other = new SGD(Model().Parameters(), lr: 1);
        var e = Assert.Throws<InvalidOperationException>(() =>
            FitScripted(model, 1, new LearningRateScheduler(new StepLR(other, stepSize: 1))));
        Assert.Contains("different optimizer", e.Message);
    }

    [Fact]
    public void CallbacksWorkWithTheLoaderOverloads()
    {
        var (x, y) = Data(16);
        var data = new Ember.Data.TensorDataset(x, y);
        var model = Model();
        int epochs = 0;
        var history = model.Fit(data, epochs: 5, batchSize: 8, verbose: 0,
            callbacks: [new LambdaCallback(onEpochEnd: (e, _) =>
            {
                epochs++;
                if (e == 1) model.GetCompiled().StopTraining = true;
            })],
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, epochs);
        Assert.Equal(2, history.Epochs.Count);
    }
}
