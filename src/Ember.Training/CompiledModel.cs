using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ember.NN;
using Ember.Optim;
using Ember.Training.Metrics;

namespace Ember.Training;

/// <summary>
/// What <c>Compile</c> attaches to a module: its optimizer (created once the model is built when given by name or
/// factory), loss, metrics (resolved at the first batch) and gradient synchronizer. Read it with
/// <see cref="ModelExtensions.GetCompiled"/>.
/// </summary>
public sealed class CompiledModel
{
    private readonly OptimizerSpec _optimizerSpec;
    private readonly MetricSpec[] _metricSpecs;
    private List<Metric>? _metrics;
    private readonly List<string> _resolutions = [];

    internal CompiledModel(Module model, OptimizerSpec optimizer, Loss loss, MetricSpec[] metrics,
        IGradientSynchronizer? synchronizer)
    {
        Model = model;
        _optimizerSpec = optimizer;
        Loss = loss;
        _metricSpecs = metrics;
        GradientSynchronizer = synchronizer;
        if (optimizer.Optimizer is not null || IsBuilt(model)) EnsureOptimizer();
    }

    /// <summary>The compiled module.</summary>
    public Module Model { get; }

    /// <summary>The optimizer, or null until the model is built (first batch) when it was given by name or
    /// factory.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss.</summary>
    public Loss Loss { get; }

    /// <summary>The gradient synchronizer called after every <c>Backward</c>, or null.</summary>
    public IGradientSynchronizer? GradientSynchronizer { get; set; }

    /// <summary>The metrics, or null until the first batch resolves <c>"accuracy"</c> and friends.</summary>
    public IReadOnlyList<Metric>? Metrics => _metrics;

    /// <summary>What each metric string resolved to, e.g. <c>accuracy → SparseCategoricalAccuracy</c>.</summary>
    public IReadOnlyList<string> Resolutions => _resolutions;

    /// <summary>
    /// Set to stop <c>Fit</c> (Keras's <c>model.stop_training</c>): a callback sets it, <c>Fit</c> checks it after
    /// every batch and every epoch, and clears it when it starts.
    /// </summary>
    public bool StopTraining { get; set; }

    /// <summary>Actions run once when the optimizer is created (a callback that needs it before the first step of a
    /// model built at its first batch).</summary>
    internal List<Action<Optimizer>> OnOptimizerCreated { get; } = [];

    /// <summary>The running mean of the batch losses (weighted by batch size), as Keras's loss tracker.</summary>
    internal Mean LossTracker { get; } = new("loss");

    internal static bool IsBuilt(Module model) => !model.Parameters().Any(p => p.IsUninitialized);

    internal void EnsureOptimizer()
    {
        if (Optimizer is not null) return;
        if (_optimizerSpec.Optimizer is null && !IsBuilt(Model))
            throw new InvalidOperationException($"{Model.GetType().Name}: the model is not built yet; run a batch " +
                "through it (Fit does) or build it from its input shape first.");
        Optimizer = _optimizerSpec.Create(Model.Parameters());
        foreach (var action in OnOptimizerCreated) action(Optimizer);
        OnOptimizerCreated.Clear();
    }

    /// <summary>Resolves the metric names once the first batch's shapes are known; returns the new
    /// resolutions.</summary>
    internal IReadOnlyList<string> EnsureMetrics(Tensor yTrue, Tensor yPred)
    {
        if (_metrics is not null) return [];
        _metrics = [];
        int before = _resolutions.Count;
        foreach (var spec in _metricSpecs)
        {
            if (spec.Metric is not null)
            {
                _metrics.Add(spec.Metric);
                continue;
            }
            string name = spec.KerasName!;
            Metric m = KerasNames.IsAccuracy(name)
                ? KerasNames.ResolveAccuracy(name, yTrue.Shape, yPred.Shape)
                : KerasNames.Metric(name);
            if (KerasNames.IsAccuracy(name))
                _resolutions.Add($"metric '{name}' resolved to {m.GetType().Name} (targets " +
                    $"{Losses.KerasLoss.Fmt(yTrue)}, predictions {Losses.KerasLoss.Fmt(yPred)})");
            _metrics.Add(m);
        }
        return _resolutions.Skip(before).ToList();
    }

    internal void ResetMetrics()
    {
        LossTracker.Reset();
        if (_metrics is not null)
            foreach (var m in _metrics) m.Reset();
    }

    /// <summary>The mean loss of a batch, weighted per sample when <paramref name="sampleWeight"/> is given.</summary>
    internal Tensor ComputeLoss(Tensor prediction, Tensor target, Tensor? sampleWeight)
    {
        if (sampleWeight is null) return Loss.Call(prediction, target);
        if (Loss is not Losses.KerasLoss keras)
            throw new NotSupportedException($"Fit: classWeight needs a loss with per-sample values (one of " +
                $"Ember.Training.Losses or a Keras loss name), got {Loss.GetType().Name}.");
        Tensor perSample = keras.PerSample(prediction, target);
        return (perSample * sampleWeight.To(perSample.DType)).Sum() / perSample.NumEl;
    }

    internal void UpdateMetrics(Tensor yTrue, Tensor yPred, TextWriter? log)
    {
        foreach (var line in EnsureMetrics(yTrue, yPred)) log?.WriteLine("Ember: " + line);
        foreach (var m in _metrics!) m.Update(yTrue, yPred);
    }

    /// <summary><c>loss</c>, then each metric, with their current values.</summary>
    internal List<KeyValuePair<string, double>> Logs(string prefix = "")
    {
        var logs = new List<KeyValuePair<string, double>> { new(prefix + "loss", LossTracker.Result()) };
        if (_metrics is not null)
            foreach (var m in _metrics) logs.Add(new(prefix + m.Name, m.Result()));
        return logs;
    }

    /// <summary>One training step: forward, loss, zero grads, backward, synchronize, step, metrics.</summary>
    internal void TrainStep(Tensor x, Tensor y, Tensor? sampleWeight, TextWriter? log)
    {
        Tensor prediction = Model.Call(x);
        EnsureOptimizer();
        Tensor loss = ComputeLoss(prediction, y, sampleWeight);
        Optimizer!.ZeroGrad();
        loss.Backward();
        GradientSynchronizer?.Synchronize(Trainable());
        Optimizer.Step();
        using var noGrad = Autograd.NoGrad();
        LossTracker.Update(Scalar(loss), x.Shape[0]);
        UpdateMetrics(y, prediction.Detach(), log);
    }

    /// <summary>One evaluation step (no graph; the caller sets evaluation mode).</summary>
    internal void TestStep(Tensor x, Tensor y, TextWriter? log)
    {
        using var noGrad = Autograd.NoGrad();
        Tensor prediction = Model.Call(x);
        LossTracker.Update(Scalar(Loss.Call(prediction, y)), x.Shape[0]);
        UpdateMetrics(y, prediction, log);
    }

    private List<Parameter> Trainable() => Model.Parameters().Where(p => p.RequiresGrad).ToList();

    internal static double Scalar(Tensor t) =>
        (t.DType == DType.Float64 ? t.Detach() : t.Detach().To(DType.Float64)).Item<double>();
}
