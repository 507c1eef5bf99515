using System;

namespace Ember.Training.Metrics;

/// <summary>
/// A stateful metric (<c>keras.metrics.Metric</c>): <see cref="Update"/> accumulates batches, <see cref="Result"/>
/// reads the value so far, <see cref="Reset"/> starts over (Keras's <c>update_state</c>, <c>result</c>,
/// <c>reset_state</c>). <c>Fit</c> resets its metrics at the start of every epoch.
/// </summary>
public abstract class Metric
{
    /// <summary>Creates the metric.</summary>
    /// <param name="name">The name in logs and <c>History</c> (e.g. <c>accuracy</c>).</param>
    protected Metric(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The name in logs and <c>History</c>.</summary>
    public string Name { get; internal set; }

    /// <summary>
    /// Whether higher values are better (Keras's metric <c>_direction</c>, "up"): true for accuracies, AUC,
    /// precision, recall, F1; false for errors; null when unknown (<see cref="Mean"/>). Monitoring callbacks use it
    /// for <c>MonitorMode.Auto</c>.
    /// </summary>
    public virtual bool? HigherIsBetter => null;

    /// <summary>Accumulates one batch of targets and predictions.</summary>
    /// <param name="yTrue">Targets.</param>
    /// <param name="yPred">Predictions.</param>
    /// <param name="sampleWeight">Optional per-sample weights, shape <c>(N)</c>.</param>
    public abstract void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null);

    /// <summary>The value over everything accumulated since the last <see cref="Reset"/>.</summary>
    public abstract double Result();

    /// <summary>Forgets everything accumulated.</summary>
    public abstract void Reset();

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name}(name={Name})";
}

/// <summary>
/// A weighted mean of values (<c>keras.metrics.Mean</c>): <see cref="Update(Tensor, Tensor?)"/> adds values, the
/// result is <c>Σ w·v / Σ w</c> (0 before any update).
/// </summary>
/// <param name="name">The metric's name.</param>
public class Mean(string name = "mean") : Metric(name)
{
    private double _total, _count;

    /// <summary>Adds <paramref name="values"/> (any shape), each weighted by <paramref name="sampleWeight"/> (or
    /// 1).</summary>
    public void Update(Tensor values, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] v = ToDoubles(values);
        if (sampleWeight is null)
        {
            foreach (double x in v) _total += x;
            _count += v.Length;
            return;
        }
        double[] w = ToDoubles(sampleWeight);
        if (w.Length != v.Length)
            throw new ArgumentException($"{GetType().Name}: expected {v.Length} sample weights, got {w.Length}.");
        for (int i = 0; i < v.Length; i++)
        {
            _total += v[i] * w[i];
            _count += w[i];
        }
    }

    /// <summary>Adds one value with weight <paramref name="weight"/>.</summary>
    public void Update(double value, double weight = 1)
    {
        _total += value * weight;
        _count += weight;
    }

    /// <summary>Adds <paramref name="yTrue"/> as values (the predictions are ignored); for a metric list.</summary>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => Update(yTrue, sampleWeight);

    /// <inheritdoc/>
    public override double Result() => _count == 0 ? 0 : _total / _count;

    /// <inheritdoc/>
    public override void Reset() => (_total, _count) = (0, 0);

    internal static double[] ToDoubles(Tensor t)
    {
        Tensor d = t.Detach();
        if (d.DType != DType.Float64) d = d.To(DType.Float64);
        return d.Contiguous().ToArray<double>();
    }
}

/// <summary>
/// A metric that is the weighted mean of one value per sample (Keras's <c>MeanMetricWrapper</c>): subclasses give
/// <see cref="PerSample"/>.
/// </summary>
/// <param name="name">The metric's name.</param>
public abstract class MeanMetric(string name) : Metric(name)
{
    private readonly Mean _mean = new();

    /// <summary>One value per sample, shape <c>(N)</c>, computed without a graph.</summary>
    protected abstract Tensor PerSample(Tensor yTrue, Tensor yPred);

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        using var noGrad = Autograd.NoGrad();
        _mean.Update(PerSample(yTrue.Detach(), yPred.Detach()), sampleWeight);
    }

    /// <inheritdoc/>
    public override double Result() => _mean.Result();

    /// <inheritdoc/>
    public override void Reset() => _mean.Reset();

    /// <summary>The target as float64 with the prediction's shape (a trailing 1 added or dropped).</summary>
    private protected static Tensor Align(Tensor yTrue, Tensor yPred, string metric)
    {
        if (yTrue.Dim == yPred.Dim - 1 && yPred.Shape[^1] == 1) yTrue = yTrue.Unsqueeze(-1);
        else if (yTrue.Dim == yPred.Dim + 1 && yTrue.Shape[^1] == 1) yTrue = yTrue.Squeeze(-1);
        if (!yTrue.Shape.SequenceEqual(yPred.Shape))
            throw new ArgumentException($"{metric}: expected targets of the predictions' shape " +
                $"{Losses.KerasLoss.Fmt(yPred)} but got {Losses.KerasLoss.Fmt(yTrue)}.");
        return yTrue.To(DType.Float64);
    }

    /// <summary>Mean over all but the first dim (per sample), or the value itself when 1-D.</summary>
    private protected static Tensor PerRow(Tensor t) => t.Dim <= 1 ? t : t.Flatten(1).Mean(-1);
}

/// <summary>Keras's <c>Accuracy</c>: how often predictions equal targets exactly (after aligning shapes).</summary>
/// <param name="name">The metric's name.</param>
public sealed class Accuracy(string name = "accuracy") : MeanMetric(name)
{
    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    protected override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        Tensor p = yPred.To(DType.Float64);
        return PerRow(Align(yTrue, p, "Accuracy").Eq(p).To(DType.Float64));
    }
}

/// <summary>Keras's <c>BinaryAccuracy</c>: how often <c>pred &gt; threshold</c> matches a 0/1 target.</summary>
/// <param name="name">The metric's name.</param>
/// <param name="threshold">The decision threshold (0.5).</param>
public sealed class BinaryAccuracy(string name = "binary_accuracy", double threshold = 0.5) : MeanMetric(name)
{
    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    protected override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        Tensor p = yPred.To(DType.Float64);
        Tensor predicted = p.Gt(Threshold).To(DType.Float64);
        return PerRow(Align(yTrue, p, "BinaryAccuracy").Eq(predicted).To(DType.Float64));
    }
}

/// <summary>Keras's <c>CategoricalAccuracy</c>: how often the argmax of the prediction is the argmax of a one-hot
/// target.</summary>
/// <param name="name">The metric's name.</param>
public sealed class CategoricalAccuracy(string name = "categorical_accuracy") : MeanMetric(name)
{
    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    protected override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (!yTrue.Shape.SequenceEqual(yPred.Shape))
            throw new ArgumentException($"CategoricalAccuracy: expected one-hot targets of the predictions' shape " +
                $"{Losses.KerasLoss.Fmt(yPred)} but got {Losses.KerasLoss.Fmt(yTrue)}.");
        return yTrue.Argmax(-1).Eq(yPred.Argmax(-1)).To(DType.Float64);
    }
}

/// <summary>Keras's <c>SparseCategoricalAccuracy</c>: how often the argmax of the prediction is the class-id
/// target.</summary>
/// <param name="name">The metric's name.</param>
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy") : MeanMetric(name)
{
    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    protected override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.Dim == yPred.Dim && yTrue.Shape[^1] == 1) yTrue = yTrue.Squeeze(-1);
        if (yTrue.Dim != yPred.Dim - 1)
            throw new ArgumentException($"SparseCategoricalAccuracy: expected class ids of shape (N) for predictions " +
                $"{Losses.KerasLoss.Fmt(yPred)}, got {Losses.KerasLoss.Fmt(yTrue)}.");
        return yTrue.To(DType.Int64).Eq(yPred.Argmax(-1)).To(DType.Float64);
    }
}

/// <summary>Keras's <c>MeanSquaredError</c> metric: the mean of <c>(pred − target)²</c>.</summary>
/// <param name="name">The metric's name.</param>
public sealed class MeanSquaredError(string name = "mean_squared_error") : MeanMetric(name)
{
    /// <inheritdoc/>
    public override bool? HigherIsBetter => false;

    /// <inheritdoc/>
    protected override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        Tensor p = yPred.To(DType.Float64);
        return PerRow((p - Align(yTrue, p, "MeanSquaredError")).Square());
    }
}

/// <summary>Keras's <c>MeanAbsoluteError</c> metric: the mean of <c>|pred − target|</c>.</summary>
/// <param name="name">The metric's name.</param>
public sealed class MeanAbsoluteError(string name = "mean_absolute_error") : MeanMetric(name)
{
    /// <inheritdoc/>
    public override bool? HigherIsBetter => false;

    /// <inheritdoc/>
    protected override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        Tensor p = yPred.To(DType.Float64);
        return PerRow((p - Align(yTrue, p, "MeanAbsoluteError")).Abs());
    }
}
