using System;
using Ember.NN;

namespace Ember.Training.Losses;

/// <summary>
/// A Keras-style loss (<c>keras.losses</c>): an Ember <see cref="Loss"/> (so it also works in a hand-written loop)
/// whose per-sample values are available, which <c>Fit</c> weights with <c>classWeight</c>. The reduction is Keras's
/// <c>sum_over_batch_size</c>: the mean of the per-sample values. Arguments follow Ember's order,
/// <c>Call(prediction, target)</c> (Keras's is <c>(y_true, y_pred)</c>).
/// </summary>
public abstract class KerasLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    protected KerasLoss() : base(Reduction.Mean) { }

    /// <summary>The Keras name (<c>mean_squared_error</c>, ...).</summary>
    public abstract string Name { get; }

    /// <summary>The loss of each sample, shape <c>(N)</c> (Keras averages over the last axis first).</summary>
    /// <param name="prediction">The model's output.</param>
    /// <param name="target">The target.</param>
    public abstract Tensor PerSample(Tensor prediction, Tensor target);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => PerSample(input, target).Mean();

    /// <summary>Casts a floating-point target to the prediction's dtype and checks the shapes match.</summary>
    private protected Tensor MatchTarget(Tensor prediction, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Dim == prediction.Dim - 1 && prediction.Dim >= 2 && prediction.Shape[^1] == 1)
            target = target.Unsqueeze(-1);
        if (!target.Shape.SequenceEqual(prediction.Shape))
            throw new ArgumentException($"{GetType().Name}: expected a target of the prediction's shape " +
                $"{Fmt(prediction)} but got {Fmt(target)}.");
        return target.DType == prediction.DType ? target : target.To(prediction.DType);
    }

    /// <summary>Mean over the last axis (per sample), or the value itself for 1-D inputs.</summary>
    private protected static Tensor MeanLast(Tensor t) =>
        t.Dim <= 1 ? t : t.Dim == 2 ? t.Mean(-1) : t.Flatten(1).Mean(-1);

    internal static string Fmt(Tensor t) => "[" + string.Join(", ", t.Shape.ToArray()) + "]";

    /// <inheritdoc/>
    protected override string ExtraRepr() => Name;
}

/// <summary>Keras's <c>MeanSquaredError</c> loss (<c>"mse"</c>): the mean of <c>(pred − target)²</c>.</summary>
public sealed class MeanSquaredError : KerasLoss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor prediction, Tensor target) =>
        MeanLast((prediction - MatchTarget(prediction, target)).Square());
}

/// <summary>Keras's <c>MeanAbsoluteError</c> loss (<c>"mae"</c>): the mean of <c>|pred − target|</c>.</summary>
public sealed class MeanAbsoluteError : KerasLoss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor prediction, Tensor target) =>
        MeanLast((prediction - MatchTarget(prediction, target)).Abs());
}

/// <summary>
/// Keras's <c>BinaryCrossentropy</c> (<c>"binary_crossentropy"</c>): predictions are probabilities (clipped to
/// [1e-7, 1 − 1e-7] as Keras does) unless <see cref="FromLogits"/>.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits (false by default, as in Keras).</param>
public sealed class BinaryCrossentropy(bool fromLogits = false) : KerasLoss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor prediction, Tensor target)
    {
        Tensor y = MatchTarget(prediction, target);
        if (FromLogits)
            return MeanLast(F.BinaryCrossEntropyWithLogits(prediction, y, reduction: Reduction.None));
        Tensor p = prediction.Clamp(Epsilon, 1 - Epsilon);
        return MeanLast(-(y * p.Log() + (1 - y) * (1 - p).Log()));
    }

    internal const double Epsilon = 1e-7;
}

/// <summary>
/// Keras's <c>CategoricalCrossentropy</c> (<c>"categorical_crossentropy"</c>): one-hot (or soft) targets; predictions
/// are probabilities (renormalized and clipped as Keras does) unless <see cref="FromLogits"/>.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits (false by default, as in Keras).</param>
public sealed class CategoricalCrossentropy(bool fromLogits = false) : KerasLoss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor prediction, Tensor target)
    {
        Tensor y = MatchTarget(prediction, target);
        Tensor logP = FromLogits
            ? prediction.LogSoftmax(-1)
            : (prediction / prediction.Sum(-1, keepDim: true)).Clamp(BinaryCrossentropy.Epsilon,
                1 - BinaryCrossentropy.Epsilon).Log();
        return -(y * logP).Sum(-1);
    }
}

/// <summary>
/// Keras's <c>SparseCategoricalCrossentropy</c> (<c>"sparse_categorical_crossentropy"</c>): integer class targets
/// <c>(N)</c> (int32 or int64; floating-point class ids are accepted as Keras does); predictions are probabilities
/// unless <see cref="FromLogits"/>. With logits it is Ember's <c>CrossEntropyLoss</c>.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits (false by default, as in Keras).</param>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : KerasLoss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor prediction, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Dim == prediction.Dim && target.Dim >= 1 && target.Shape[^1] == 1) target = target.Squeeze(-1);
        if (target.DType.IsFloatingPoint()) target = target.To(DType.Int64);
        if (FromLogits) return F.CrossEntropy(prediction, target, Reduction.None);
        Tensor logP = (prediction / prediction.Sum(-1, keepDim: true)).Clamp(BinaryCrossentropy.Epsilon,
            1 - BinaryCrossentropy.Epsilon).Log();
        return F.NllLoss(logP, target, Reduction.None);
    }
}
