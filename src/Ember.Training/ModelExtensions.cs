using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using Ember.Data;
using Ember.NN;
using Ember.Training.Callbacks;

namespace Ember.Training;

/// <summary>
/// Keras's model methods as extension methods on any <see cref="Module"/> — a Keras-style <c>Sequential</c> or a
/// hand-written PyTorch-style module alike, one module tree: <see cref="Compile"/> attaches an optimizer, a loss and
/// metrics to the module (kept alongside it, see <see cref="GetCompiled"/>); <c>Fit</c>,
/// <c>Evaluate</c>, <see cref="Predict"/> and the <c>*OnBatch</c> methods use them. Extension methods rather
/// than a <c>Model</c> wrapper, so the object you train is the module you built and save.
/// </summary>
public static class ModelExtensions
{
    private static readonly ConditionalWeakTable<Module, CompiledModel> s_compiled = new();

    /// <summary>
    /// Attaches <paramref name="optimizer"/>, <paramref name="loss"/> and <paramref name="metrics"/> to the module
    /// (Keras's <c>model.compile</c>). Strings take Keras's defaults (<see cref="KerasNames"/>): <c>"adam"</c> is Adam
    /// with lr 1e-3 and eps 1e-7; <c>"accuracy"</c> resolves at the first batch from the shapes (and is printed).
    /// An optimizer given by name is created once the model is built (here when it already is, otherwise at the first
    /// batch). Compiling again replaces the previous settings.
    /// </summary>
    /// <param name="model">Any module.</param>
    /// <param name="optimizer">An <c>Ember.Optim</c> optimizer, a Keras name, or a factory over the parameters.</param>
    /// <param name="loss">An Ember loss (<c>CrossEntropyLoss</c>, <c>Ember.Training.Losses.*</c>) or a Keras
    /// name.</param>
    /// <param name="metrics">Metric objects or Keras names.</param>
    /// <param name="gradientSynchronizer">Called after every <c>Backward</c> (data-parallel backends), or null.</param>
    /// <returns>The compiled state.</returns>
    public static CompiledModel Compile(this Module model, OptimizerSpec optimizer, LossSpec loss,
        MetricSpec[]? metrics = null, IGradientSynchronizer? gradientSynchronizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        var compiled = new CompiledModel(model, optimizer, loss.Loss, metrics ?? [], gradientSynchronizer);
        s_compiled.AddOrUpdate(model, compiled);
        return compiled;
    }

    /// <summary>The state <see cref="Compile"/> attached to <paramref name="model"/>.</summary>
    /// <exception cref="InvalidOperationException">The module was not compiled.</exception>
    public static CompiledModel GetCompiled(this Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return s_compiled.TryGetValue(model, out var c) ? c : throw new InvalidOperationException(
            $"{model.GetType().Name} is not compiled: call model.Compile(optimizer, loss, metrics) before Fit, " +
            "Evaluate or TrainOnBatch (Predict needs no compile).");
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over <paramref name="x"/>/<paramref name="y"/> (Keras's
    /// <c>model.fit</c>). <paramref name="validationSplit"/> holds out the LAST fraction of the rows, taken before
    /// shuffling as Keras does (shuffle the data yourself first if it is ordered, e.g. by class). Each epoch shuffles
    /// the
    /// training rows (default generator, <c>Tensor.ManualSeed</c> makes it reproducible) unless
    /// <paramref name="shuffle"/> is false. Cancellation is checked between batches: the batch in flight completes,
    /// the model stays usable, and a <see cref="TrainingCanceledException"/> carries the history so far.
    /// </summary>
    /// <param name="model">A compiled module.</param>
    /// <param name="x">Inputs: a tensor or a C# array.</param>
    /// <param name="y">Targets.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Rows per step (the last batch may be smaller).</param>
    /// <param name="validationSplit">Fraction in [0, 1) of the rows held out for validation (the last rows).</param>
    /// <param name="validationData">Separate validation data (takes precedence over the split).</param>
    /// <param name="shuffle">Reshuffle the training rows every epoch.</param>
    /// <param name="classWeight">Per-class loss weights (integer or one-hot targets; needs a Keras-style loss).</param>
    /// <param name="verbose">0 silent, 1 progress bar (one line per epoch when redirected), 2 one line per
    /// epoch.</param>
    /// <param name="output">Where progress goes (the console by default).</param>
    /// <param name="interactive">Redraw the bar in place; defaults to whether the console is not redirected.</param>
    /// <param name="callbacks">Hooks called during training (<c>Ember.Training.Callbacks</c>: early stopping,
    /// checkpoints, learning-rate schedules, CSV logs, ...), in order.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    /// <returns>The per-epoch <see cref="History"/>.</returns>
    public static History Fit(this Module model, TensorData x, TensorData y, int epochs = 1, int batchSize = 32,
        double validationSplit = 0, (TensorData X, TensorData Y)? validationData = null, bool shuffle = true,
        IReadOnlyDictionary<int, double>? classWeight = null, int verbose = 1, TextWriter? output = null,
        bool? interactive = null, IReadOnlyList<Callback>? callbacks = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        Tensor xs = x.Tensor ?? throw new ArgumentNullException(nameof(x));
        Tensor ys = y.Tensor ?? throw new ArgumentNullException(nameof(y));
        BatchSource.CheckPair(xs, ys, "Fit");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit),
                $"Fit: validationSplit must be in [0, 1), got {validationSplit}.");
        BatchSource? validation = null;
        if (validationData is { } vd)
        {
            BatchSource.CheckPair(vd.X.Tensor, vd.Y.Tensor, "Fit (validationData)");
            validation = new TensorBatches(vd.X.Tensor, vd.Y.Tensor, batchSize, shuffle: false);
        }
        else if (validationSplit > 0)
        {
            int n = xs.Shape[0];
            int splitAt = (int)Math.Ceiling(n * (1 - validationSplit));
            if (splitAt <= 0 || splitAt >= n)
                throw new ArgumentException($"Fit: validationSplit {validationSplit} of {n} rows leaves an empty " +
                    "training or validation set.");
            validation = new TensorBatches(xs.Narrow(0, splitAt, n - splitAt), ys.Narrow(0, splitAt, n - splitAt),
                batchSize, shuffle: false);
            xs = xs.Narrow(0, 0, splitAt);
            ys = ys.Narrow(0, 0, splitAt);
        }
        Tensor? weights = classWeight is null ? null : SampleWeights(ys, classWeight);
        var train = new TensorBatches(xs, ys, batchSize, shuffle, weights);
        return Run(model, train, validation, epochs, verbose, output, interactive, callbacks, cancellationToken);
    }

    /// <summary>Trains on a data set of <c>(x, y)</c> tensor pairs, batched by a <see cref="DataLoader"/>.</summary>
    /// <param name="model">A compiled module.</param>
    /// <param name="dataset">Items of <c>[x, y]</c>.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <param name="shuffle">Reshuffle every epoch.</param>
    /// <param name="validationData">Validation items, or null.</param>
    /// <param name="verbose">0, 1 or 2 (see the tensor overload).</param>
    /// <param name="output">Where progress goes.</param>
    /// <param name="interactive">Redraw the bar in place.</param>
    /// <param name="callbacks">Hooks called during training (<c>Ember.Training.Callbacks</c>: early stopping,
    /// checkpoints, learning-rate schedules, CSV logs, ...), in order.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    public static History Fit(this Module model, Dataset<Tensor[]> dataset, int epochs = 1, int batchSize = 32,
        bool shuffle = true, Dataset<Tensor[]>? validationData = null, int verbose = 1,
        TextWriter? output = null, bool? interactive = null, IReadOnlyList<Callback>? callbacks = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var train = DataLoader.Create(dataset, batchSize, shuffle);
        var val = validationData is null ? null : DataLoader.Create(validationData, batchSize);
        return model.Fit(train, epochs, val, verbose, output, interactive, callbacks, cancellationToken);
    }

    /// <summary>Trains on batches of <c>[x, y]</c> from <paramref name="loader"/> (its batch size and
    /// shuffling).</summary>
    /// <param name="model">A compiled module.</param>
    /// <param name="loader">Batches of <c>[x, y]</c>.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="validationData">Validation batches, or null.</param>
    /// <param name="verbose">0, 1 or 2.</param>
    /// <param name="output">Where progress goes.</param>
    /// <param name="interactive">Redraw the bar in place.</param>
    /// <param name="callbacks">Hooks called during training (<c>Ember.Training.Callbacks</c>: early stopping,
    /// checkpoints, learning-rate schedules, CSV logs, ...), in order.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    public static History Fit<T>(this Module model, DataLoader<T, Tensor[]> loader, int epochs = 1,
        DataLoader<T, Tensor[]>? validationData = null, int verbose = 1,
        TextWriter? output = null, bool? interactive = null, IReadOnlyList<Callback>? callbacks = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var train = new LoaderBatches<T, Tensor[]>(loader, LoaderBatches<T, Tensor[]>.FromArray);
        BatchSource? val = validationData is null ? null
            : new LoaderBatches<T, Tensor[]>(validationData, LoaderBatches<T, Tensor[]>.FromArray);
        return Run(model, train, val, epochs, verbose, output, interactive, callbacks, cancellationToken);
    }

    /// <summary>Trains on <c>(Input, Target)</c> batches, e.g. an image data set's loader.</summary>
    /// <param name="model">A compiled module.</param>
    /// <param name="loader">Batches of <c>(Input, Target)</c>.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="validationData">Validation batches, or null.</param>
    /// <param name="verbose">0, 1 or 2.</param>
    /// <param name="output">Where progress goes.</param>
    /// <param name="interactive">Redraw the bar in place.</param>
    /// <param name="callbacks">Hooks called during training (<c>Ember.Training.Callbacks</c>: early stopping,
    /// checkpoints, learning-rate schedules, CSV logs, ...), in order.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    public static History Fit<T>(this Module model, DataLoader<T, (Tensor Input, Tensor Target)> loader,
        int epochs = 1, DataLoader<T, (Tensor Input, Tensor Target)>? validationData = null, int verbose = 1,
        TextWriter? output = null, bool? interactive = null, IReadOnlyList<Callback>? callbacks = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var train = new LoaderBatches<T, (Tensor, Tensor)>(loader, static b => b);
        BatchSource? val = validationData is null ? null
            : new LoaderBatches<T, (Tensor, Tensor)>(validationData, static b => b);
        return Run(model, train, val, epochs, verbose, output, interactive, callbacks, cancellationToken);
    }

    private static History Run(Module model, BatchSource train, BatchSource? validation, int epochs, int verbose,
        TextWriter? output, bool? interactive, IReadOnlyList<Callback>? callbacks,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var compiled = model.GetCompiled();
        if (epochs < 0)
            throw new ArgumentOutOfRangeException(nameof(epochs), $"Fit: epochs must be non-negative, got {epochs}.");
        var display = new ProgressDisplay(output, verbose, interactive);
        TextWriter? log = verbose > 0 ? output ?? Console.Out : null;
        var history = new History();
        var weighted = train as TensorBatches;
        var hooks = new CallbackList(callbacks, compiled, epochs, train.Steps, output);
        compiled.StopTraining = false;
        hooks.TrainBegin();
        Dictionary<string, double> lastLogs = new(StringComparer.Ordinal);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.Train();
            compiled.ResetMetrics();
            hooks.EpochBegin(epoch);
            display.BeginEpoch(epoch, epochs, train.Steps);
            int step = 0;
            foreach (var (xb, yb) in train.Batches())
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    if (display.Interactive) (output ?? Console.Out).WriteLine();
                    throw new TrainingCanceledException(history, epoch, step, cancellationToken);
                }
                hooks.BatchBegin(step);
                compiled.TrainStep(xb, yb, weighted?.CurrentWeights, log);
                var batchLogs = compiled.Logs();
                display.Update(++step, batchLogs);
                hooks.BatchEnd(step - 1, batchLogs);
                if (compiled.StopTraining) break;
            }
            var logs = compiled.Logs();
            if (validation is not null) logs.AddRange(EvaluateSource(compiled, validation, null, "val_"));
            if (compiled.Optimizer is { } opt) logs.Add(new("learning_rate", opt.ParamGroups[0].Options.Lr));
            display.EndEpoch(logs.FindAll(l => l.Key != "learning_rate"));
            history.Add(epoch, logs);
            lastLogs = CallbackList.ToDictionary(logs);
            hooks.EpochEnd(epoch, lastLogs);
            if (compiled.StopTraining) break;
        }
        hooks.TrainEnd(lastLogs);
        return history;
    }

    private static List<KeyValuePair<string, double>> EvaluateSource(CompiledModel compiled, BatchSource data,
        TextWriter? log, string prefix)
    {
        var modes = SaveModes(compiled.Model);
        compiled.Model.Eval();
        try
        {
            compiled.ResetMetrics();
            foreach (var (xb, yb) in data.Batches()) compiled.TestStep(xb, yb, log);
            return compiled.Logs(prefix);
        }
        finally
        {
            RestoreModes(modes);
        }
    }

    /// <summary>
    /// The loss and metrics over <paramref name="x"/>/<paramref name="y"/> in evaluation mode, without a graph
    /// (Keras's <c>model.evaluate(..., return_dict=True)</c>): keys <c>loss</c> and the metric names.
    /// </summary>
    /// <param name="model">A compiled module.</param>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Targets.</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <param name="verbose">0 silent, 1 or 2 one summary line.</param>
    /// <param name="output">Where the line goes (the console by default).</param>
    public static IReadOnlyDictionary<string, double> Evaluate(this Module model, TensorData x, TensorData y,
        int batchSize = 32, int verbose = 1, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        BatchSource.CheckPair(x.Tensor, y.Tensor, "Evaluate");
        return EvaluateWith(model, new TensorBatches(x.Tensor, y.Tensor, batchSize, shuffle: false), verbose, output);
    }

    /// <summary>The loss and metrics over <c>[x, y]</c> batches from <paramref name="loader"/>.</summary>
    /// <param name="model">A compiled module.</param>
    /// <param name="loader">Batches of <c>[x, y]</c>.</param>
    /// <param name="verbose">0 silent, 1 or 2 one summary line.</param>
    /// <param name="output">Where the line goes.</param>
    public static IReadOnlyDictionary<string, double> Evaluate<T>(this Module model, DataLoader<T, Tensor[]> loader,
        int verbose = 1, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return EvaluateWith(model, new LoaderBatches<T, Tensor[]>(loader, LoaderBatches<T, Tensor[]>.FromArray),
            verbose, output);
    }

    /// <summary>The loss and metrics over <c>(Input, Target)</c> batches, e.g. an image data set's loader.</summary>
    /// <param name="model">A compiled module.</param>
    /// <param name="loader">Batches of <c>(Input, Target)</c>.</param>
    /// <param name="verbose">0 silent, 1 or 2 one summary line.</param>
    /// <param name="output">Where the line goes.</param>
    public static IReadOnlyDictionary<string, double> Evaluate<T>(this Module model,
        DataLoader<T, (Tensor Input, Tensor Target)> loader, int verbose = 1, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return EvaluateWith(model, new LoaderBatches<T, (Tensor, Tensor)>(loader, static b => b), verbose, output);
    }

    private static Dictionary<string, double> EvaluateWith(Module model, BatchSource data, int verbose,
        TextWriter? output)
    {
        var compiled = model.GetCompiled();
        var display = new ProgressDisplay(output, verbose, interactive: false);
        var clock = Stopwatch.StartNew();
        var logs = EvaluateSource(compiled, data, verbose > 0 ? output ?? Console.Out : null, "");
        display.Summary(data.Steps, logs, clock.Elapsed);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in logs) result[k] = v;
        return result;
    }

    /// <summary>
    /// The model's outputs for <paramref name="x"/>, batched, in evaluation mode, without a graph (Keras's
    /// <c>model.predict</c>); training flags are restored after. Needs no <see cref="Compile"/>.
    /// </summary>
    /// <param name="model">Any module.</param>
    /// <param name="x">Inputs.</param>
    /// <param name="batchSize">Rows per forward pass.</param>
    public static Tensor Predict(this Module model, TensorData x, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        Tensor xs = x.Tensor ?? throw new ArgumentNullException(nameof(x));
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize),
                $"Predict: batchSize must be positive, got {batchSize}.");
        var modes = SaveModes(model);
        model.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            int n = xs.Shape[0];
            var parts = new List<Tensor>();
            for (int start = 0; start < n; start += batchSize)
                parts.Add(model.Call(xs.Narrow(0, start, Math.Min(batchSize, n - start))));
            return parts.Count == 1 ? parts[0] : Tensor.Cat([.. parts], 0);
        }
        finally
        {
            RestoreModes(modes);
        }
    }

    /// <summary>
    /// One training step on one batch (Keras's <c>train_on_batch</c>): returns the batch's loss and metrics (metrics
    /// are reset first, so they describe this batch only).
    /// </summary>
    public static IReadOnlyDictionary<string, double> TrainOnBatch(this Module model, TensorData x, TensorData y)
    {
        ArgumentNullException.ThrowIfNull(model);
        BatchSource.CheckPair(x.Tensor, y.Tensor, "TrainOnBatch");
        var compiled = model.GetCompiled();
        model.Train();
        compiled.ResetMetrics();
        compiled.TrainStep(x.Tensor, y.Tensor, null, null);
        return ToDictionary(compiled.Logs());
    }

    /// <summary>The loss and metrics of one batch in evaluation mode, without a graph (Keras's
    /// <c>test_on_batch</c>).</summary>
    public static IReadOnlyDictionary<string, double> TestOnBatch(this Module model, TensorData x, TensorData y)
    {
        ArgumentNullException.ThrowIfNull(model);
        BatchSource.CheckPair(x.Tensor, y.Tensor, "TestOnBatch");
        var compiled = model.GetCompiled();
        return ToDictionary(EvaluateSource(compiled, new TensorBatches(x.Tensor, y.Tensor, x.Tensor.Shape[0],
            shuffle: false), null, ""));
    }

    /// <summary>The outputs for one batch in evaluation mode, without a graph (Keras's
    /// <c>predict_on_batch</c>).</summary>
    public static Tensor PredictOnBatch(this Module model, TensorData x)
    {
        ArgumentNullException.ThrowIfNull(x.Tensor);
        return model.Predict(x, Math.Max(x.Tensor.Shape[0], 1));
    }

    private static Dictionary<string, double> ToDictionary(List<KeyValuePair<string, double>> logs)
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in logs) d[k] = v;
        return d;
    }

    private static List<(ModuleBase Module, bool Training)> SaveModes(Module model)
    {
        var modes = new List<(ModuleBase, bool)>();
        foreach (var (_, m) in model.NamedModules()) modes.Add((m, m.Training));
        return modes;
    }

    private static void RestoreModes(List<(ModuleBase Module, bool Training)> modes)
    {
        // Preorder: a parent's Train recurses, then each descendant restores its own flag.
        foreach (var (m, training) in modes) m.Train(training);
    }

    /// <summary>Per-row weights from integer class ids, one-hot rows, or 0/1 values.</summary>
    private static Tensor SampleWeights(Tensor y, IReadOnlyDictionary<int, double> classWeight)
    {
        long[] classes;
        using (Autograd.NoGrad())
        {
            Tensor ids = y.Dim >= 2 && y.Shape[^1] > 1 ? y.Argmax(-1)
                : y.Dim >= 2 ? y.Flatten(0) : y;
            classes = (ids.DType.IsFloatingPoint() ? ids.Round() : ids).To(DType.Int64).Contiguous().ToArray<long>();
        }
        var w = new double[classes.Length];
        for (int i = 0; i < w.Length; i++)
            w[i] = classWeight.TryGetValue((int)classes[i], out double cw) ? cw : 1.0;
        return Tensor.From(w);
    }
}

/// <summary>
/// Thrown by <c>Fit</c> when its cancellation token fires: training stopped between two batches, the model holds the
/// weights of the last completed step, and <see cref="History"/> has every completed epoch.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public TrainingCanceledException(History history, int epoch, int completedSteps, CancellationToken token)
        : base($"Fit was canceled in epoch {epoch + 1} after {completedSteps} batch(es) of it.", token)
    {
        History = history;
        Epoch = epoch;
        CompletedSteps = completedSteps;
    }

    /// <summary>The completed epochs.</summary>
    public History History { get; }

    /// <summary>The epoch (0-based) that was interrupted.</summary>
    public int Epoch { get; }

    /// <summary>The batches of that epoch that completed.</summary>
    public int CompletedSteps { get; }
}
