using System;
using System.Collections.Generic;
using Ember.NN;
using Ember.Optim;
using Ember.Training.Metrics;

namespace Ember.Training;

/// <summary>
/// The optimizer argument of <c>Compile</c>: an optimizer object, a Keras name (<c>"adam"</c>, created with Keras's
/// defaults once the model is built), or a factory over the model's parameters (for a model that is not built yet).
/// </summary>
public sealed class OptimizerSpec
{
    private OptimizerSpec(Optimizer? optimizer, string? name, Func<IEnumerable<Parameter>, Optimizer>? factory) =>
        (Optimizer, KerasName, Factory) = (optimizer, name, factory);

    /// <summary>The optimizer given as an object, or null.</summary>
    public Optimizer? Optimizer { get; }

    /// <summary>The Keras name given, or null.</summary>
    public string? KerasName { get; }

    /// <summary>The factory given, or null.</summary>
    public Func<IEnumerable<Parameter>, Optimizer>? Factory { get; }

    /// <summary>An optimizer object (created on a built model's parameters).</summary>
    public static OptimizerSpec FromOptimizer(Optimizer optimizer) =>
        new(optimizer ?? throw new ArgumentNullException(nameof(optimizer)), null, null);

    /// <summary>A Keras optimizer name (see <see cref="KerasNames.Optimizer"/>).</summary>
    public static OptimizerSpec FromString(string name) =>
        new(null, name ?? throw new ArgumentNullException(nameof(name)), null);

    /// <summary>A factory called with the model's parameters once it is built.</summary>
    public static OptimizerSpec FromFactory(Func<IEnumerable<Parameter>, Optimizer> factory) =>
        new(null, null, factory ?? throw new ArgumentNullException(nameof(factory)));

    /// <summary>An optimizer object.</summary>
    public static implicit operator OptimizerSpec(Optimizer optimizer) => FromOptimizer(optimizer);

    /// <summary>A Keras optimizer name.</summary>
    public static implicit operator OptimizerSpec(string name) => FromString(name);

    /// <summary>A factory over the built model's parameters.</summary>
    public static implicit operator OptimizerSpec(Func<IEnumerable<Parameter>, Optimizer> factory) =>
        FromFactory(factory);

    internal Optimizer Create(IEnumerable<Parameter> parameters) =>
        Optimizer ?? (KerasName is not null ? KerasNames.Optimizer(KerasName, parameters) : Factory!(parameters));
}

/// <summary>The loss argument of <c>Compile</c>: any Ember <see cref="Loss"/>, or a Keras name (<c>"mse"</c>,
/// ...).</summary>
public sealed class LossSpec
{
    private LossSpec(Loss loss) => Loss = loss;

    /// <summary>The loss.</summary>
    public Loss Loss { get; }

    /// <summary>A loss object (Ember's or one of <c>Ember.Training.Losses</c>).</summary>
    public static LossSpec FromLoss(Loss loss) => new(loss ?? throw new ArgumentNullException(nameof(loss)));

    /// <summary>A Keras loss name (see <see cref="KerasNames.Loss"/>).</summary>
    public static LossSpec FromString(string name) => new(KerasNames.Loss(name));

    /// <summary>A loss object.</summary>
    public static implicit operator LossSpec(Loss loss) => FromLoss(loss);

    /// <summary>A Keras loss name.</summary>
    public static implicit operator LossSpec(string name) => FromString(name);
}

/// <summary>
/// A metric argument of <c>Compile</c>: a <see cref="Metric"/> object or a Keras name. <c>"accuracy"</c> (or
/// <c>"acc"</c>) is resolved at the first batch from the shapes of targets and predictions, as Keras 3 does.
/// </summary>
public sealed class MetricSpec
{
    private MetricSpec(Metric? metric, string? name) => (Metric, KerasName) = (metric, name);

    /// <summary>The metric object given, or null.</summary>
    public Metric? Metric { get; }

    /// <summary>The Keras name given, or null.</summary>
    public string? KerasName { get; }

    /// <summary>A metric object.</summary>
    public static MetricSpec FromMetric(Metric metric) =>
        new(metric ?? throw new ArgumentNullException(nameof(metric)), null);

    /// <summary>A Keras metric name (see <see cref="KerasNames.Metric"/>).</summary>
    public static MetricSpec FromString(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!KerasNames.IsAccuracy(name)) _ = KerasNames.Metric(name); // unknown names fail at Compile
        return new(null, name);
    }

    /// <summary>A metric object.</summary>
    public static implicit operator MetricSpec(Metric metric) => FromMetric(metric);

    /// <summary>A Keras metric name.</summary>
    public static implicit operator MetricSpec(string name) => FromString(name);
}

/// <summary>
/// Data for <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c>: a <see cref="Tensor"/> or a plain C# array
/// (<c>double[,]</c>, <c>float[,]</c>, <c>double[]</c>, <c>float[]</c>, <c>int[]</c>, <c>long[]</c>), converted
/// without copying twice. Floating-point features are cast by the model's layers to their own dtype.
/// </summary>
public readonly struct TensorData : IEquatable<TensorData>
{
    private TensorData(Tensor tensor) => Tensor = tensor ?? throw new ArgumentNullException(nameof(tensor));

    /// <summary>The data as a tensor (rows along dim 0).</summary>
    public Tensor Tensor { get; }

    /// <summary>Wraps a tensor.</summary>
    public static TensorData FromTensor(Tensor tensor) => new(tensor);

    /// <summary>Wraps a tensor.</summary>
    public static implicit operator TensorData(Tensor tensor) => new(tensor);

    /// <summary>Rows of float64 features.</summary>
    public static implicit operator TensorData(double[,] data) => new(Tensor.From(data));

    /// <summary>Rows of float32 features.</summary>
    public static implicit operator TensorData(float[,] data) => new(Tensor.From(data));

    /// <summary>One float64 value per row.</summary>
    public static implicit operator TensorData(double[] data) => new(Tensor.From(data));

    /// <summary>One float32 value per row.</summary>
    public static implicit operator TensorData(float[] data) => new(Tensor.From(data));

    /// <summary>Class ids (int32).</summary>
    public static implicit operator TensorData(int[] data) => new(Tensor.From(data));

    /// <summary>Class ids (int64).</summary>
    public static implicit operator TensorData(long[] data) => new(Tensor.From(data));

    /// <summary>Converts a float64 matrix (the named alternative to the implicit conversion).</summary>
    public static TensorData FromArray(double[,] data) => data;

    /// <inheritdoc/>
    public bool Equals(TensorData other) => ReferenceEquals(Tensor, other.Tensor);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorData d && Equals(d);

    /// <inheritdoc/>
    public override int GetHashCode() => Tensor is null ? 0 : Tensor.GetHashCode();

    /// <summary>Whether both wrap the same tensor.</summary>
    public static bool operator ==(TensorData left, TensorData right) => left.Equals(right);

    /// <summary>Whether they wrap different tensors.</summary>
    public static bool operator !=(TensorData left, TensorData right) => !left.Equals(right);
}
