using System;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// Base of the loss modules: <c>lossFn.Call(prediction, target)</c>. A loss is a module whose input is the
/// (prediction, target) pair, so it shares the module call entry and hooks.
/// </summary>
public abstract class Loss : Module<(Tensor Input, Tensor Target), Tensor>
{
    /// <summary>Creates the loss with a reduction.</summary>
    protected Loss(Reduction reduction)
    {
        if (reduction == Reduction.BatchMean && this is not KLDivLoss)
            throw new ArgumentException(
                $"{GetType().Name}: reduction BatchMean is only valid for KLDivLoss; use Mean, Sum or None.");
        Reduction = reduction;
    }

    /// <summary>How per-element losses are combined (mean by default).</summary>
    public Reduction Reduction { get; }

    /// <summary>Computes the loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Tensor Call(Tensor input, Tensor target) => Call((input, target));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public sealed override Tensor Forward((Tensor Input, Tensor Target) pair) => Forward(pair.Input, pair.Target);

    /// <summary>The loss computation.</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        Reduction == Reduction.Mean
            ? ""
            : $"reduction='{(Reduction == Reduction.BatchMean
                ? "batchmean"
                : Reduction.ToString().ToLowerInvariant())}'";
}

/// <summary>
/// Cross entropy of logits <c>(N, C)</c>, <c>(C)</c> or <c>(N, C, d1, ...)</c> against class indices <c>(N)</c>,
/// <c>()</c> or <c>(N, d1, ...)</c> (int64 or int32), or against class probabilities of the input's shape (float):
/// <c>NllLoss(LogSoftmax(input, 1), target)</c>. The graph shows <c>NllLossBackward0</c> → <c>LogSoftmaxBackward0</c>.
/// </summary>
/// <param name="weight">Per-class weight <c>(C)</c>, or null.</param>
/// <param name="ignoreIndex">Target value that contributes nothing (and is not counted by the mean); class indices
/// only.</param>
/// <param name="reduction">Mean (weighted by the targets' class weights), sum or none.</param>
/// <param name="labelSmoothing">Mixes the target with the uniform distribution: <c>(1-ε)·target + ε/C</c>.</param>
public sealed class CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100,
    Reduction reduction = Reduction.Mean, double labelSmoothing = 0) : Loss(reduction)
{
    /// <summary>Creates the loss with a reduction (the seed program's form).</summary>
    public CrossEntropyLoss(Reduction reduction) : this(null, -100, reduction) { }

    /// <summary>Per-class weight, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>Target value whose rows are skipped (and not counted by the mean).</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <summary>Label smoothing ε in [0, 1].</summary>
    public double LabelSmoothing { get; } = labelSmoothing;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) =>
        F.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
}

/// <summary>
/// Negative log-likelihood of log-probabilities <c>(N, C)</c> or <c>(N, C, d...)</c> and class indices <c>(N)</c> or
/// <c>(N, d...)</c>.
/// </summary>
/// <param name="weight">Per-class weight <c>(C)</c>, or null.</param>
/// <param name="ignoreIndex">Target value that contributes nothing.</param>
/// <param name="reduction">Mean (weighted), sum or none.</param>
public sealed class NLLLoss(Tensor? weight = null, long ignoreIndex = -100,
    Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>Creates the loss with a reduction.</summary>
    public NLLLoss(Reduction reduction) : this(null, -100, reduction) { }

    /// <summary>Per-class weight, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>Target value whose rows are skipped (and not counted by the mean).</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) =>
        F.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}

/// <summary>
/// Mean squared error <c>(input - target)²</c>; the target must have the input's shape and is cast to its dtype.
/// </summary>
/// <param name="reduction">Mean, sum or none.</param>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) => F.MseLoss(input, target, Reduction);
}

/// <summary>Mean absolute error <c>|input - target|</c>.</summary>
/// <param name="reduction">Mean, sum or none.</param>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) => F.L1Loss(input, target, Reduction);
}

/// <summary>
/// Smooth L1: <c>0.5·d²/β</c> where <c>|d| &lt; β</c>, <c>|d| - 0.5·β</c> elsewhere (<c>d = input - target</c>); β = 0
/// is L1.
/// </summary>
/// <param name="reduction">Mean, sum or none.</param>
/// <param name="beta">Where the loss turns from quadratic to linear (≥ 0).</param>
public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : Loss(reduction)
{
    /// <summary>Threshold β.</summary>
    public double Beta { get; } = beta;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) => F.SmoothL1Loss(input, target, Reduction, Beta);
}

/// <summary>
/// Huber: <c>0.5·d²</c> where <c>|d| ≤ δ</c>, <c>δ·(|d| - 0.5·δ)</c> elsewhere (<c>d = input - target</c>).
/// </summary>
/// <param name="reduction">Mean, sum or none.</param>
/// <param name="delta">Where the loss turns from quadratic to linear (&gt; 0).</param>
public sealed class HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : Loss(reduction)
{
    /// <summary>Threshold δ.</summary>
    public double Delta { get; } = delta;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) => F.HuberLoss(input, target, Reduction, Delta);
}

/// <summary>
/// Binary cross entropy of probabilities in [0, 1] against targets of the same shape (logs clamped at -100, as in
/// PyTorch).
/// </summary>
/// <param name="weight">Rescales each element's loss; broadcast to the input's shape. Null for none.</param>
/// <param name="reduction">Mean, sum or none.</param>
public sealed class BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>Creates the loss with a reduction.</summary>
    public BCELoss(Reduction reduction) : this(null, reduction) { }

    /// <summary>Element weight, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) =>
        F.BinaryCrossEntropy(input, target, Weight, Reduction);
}

/// <summary>
/// Sigmoid + binary cross entropy in one numerically stable step, on logits. <c>posWeight</c> (broadcast along the last
/// dim, one per class) multiplies the positive term, trading recall for precision.
/// </summary>
/// <param name="weight">Rescales each element's loss; broadcast to the input's shape. Null for none.</param>
/// <param name="reduction">Mean, sum or none.</param>
/// <param name="posWeight">Weight of positive examples per class, or null.</param>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean,
    Tensor? posWeight = null) : Loss(reduction)
{
    /// <summary>Creates the loss with a reduction.</summary>
    public BCEWithLogitsLoss(Reduction reduction) : this(null, reduction) { }

    /// <summary>Element weight, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>Positive-class weight, or null.</summary>
    public Tensor? PosWeight { get; } = posWeight;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) =>
        F.BinaryCrossEntropyWithLogits(input, target, Weight, Reduction, PosWeight);
}

/// <summary>
/// Kullback-Leibler divergence <c>target·(log target - input)</c> for log-probabilities <c>input</c> and probabilities
/// <c>target</c> (log-probabilities when <c>logTarget</c>). <see cref="Reduction.BatchMean"/> (sum / batch size) is the
/// mathematically correct KL; <see cref="Reduction.Mean"/> divides by every element, as PyTorch does.
/// </summary>
/// <param name="reduction">Mean, sum, none or batch mean.</param>
/// <param name="logTarget">Whether the target is given as log-probabilities.</param>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false) : Loss(reduction)
{
    /// <summary>Whether the target holds log-probabilities.</summary>
    public bool LogTarget { get; } = logTarget;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, Tensor target) => F.KLDiv(input, target, Reduction, LogTarget);
}
