using System;
using Ember.Core;
using Ember.Graph;

namespace Ember.NN;

public static partial class F
{
    /// <summary>Cross entropy with a reduction only (see the full overload).</summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Reduction reduction) => CrossEntropy(input, target, null, -100, reduction);

    /// <summary>
    /// Cross entropy of logits and class indices or class probabilities; see <see cref="CrossEntropyLoss"/>. Class
    /// indices: <c>NllLoss(LogSoftmax(input, 1), target, weight)</c>, mixed with the uniform-target loss when
    /// <paramref name="labelSmoothing"/> &gt; 0 (PyTorch's formula, including its weighted mean). Probabilities:
    /// <c>-Σ_c w_c·target_c·log_softmax(input)_c</c> per element, the mean dividing by N·d1·... (not by weights).
    /// </summary>
    /// <param name="input">Logits <c>(N, C, d...)</c> or <c>(C)</c>.</param>
    /// <param name="target">Class indices <c>(N, d...)</c>/<c>()</c> (int64 or int32), or probabilities of the input's shape (float).</param>
    /// <param name="weight">Per-class weight <c>(C)</c>, or null.</param>
    /// <param name="ignoreIndex">Ignored class index.</param>
    /// <param name="reduction">Mean, sum or none.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        const string op = "CrossEntropyLoss";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction, op);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new ArgumentException($"{op}: labelSmoothing must be between 0.0 and 1.0, got {labelSmoothing}.");
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected floating-point scores, got {input.DType.TorchName()} {Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
        int classDim = input.Dim == 1 ? 0 : 1;
        int c = input.Dim == 0 ? 0 : input.Shape[classDim];
        weight = ClassWeight(weight, c, input.DType, op);
        bool probabilities = target.DType.IsFloatingPoint() && target.Shape.SequenceEqual(input.Shape);
        if (!probabilities) CheckClassTarget(op, input, target);
        Tensor logp = input.LogSoftmax(classDim);
        if (probabilities)
        {
            Tensor t = target.To(input.DType);
            if (labelSmoothing > 0) t = t * (1 - labelSmoothing) + labelSmoothing / c;
            Tensor prod = logp * t;
            if (weight is not null) prod = prod * WeightView(weight, input.Dim, classDim);
            return reduction switch
            {
                Reduction.None => -prod.Sum(classDim),
                Reduction.Sum => -prod.Sum(),
                _ => -prod.Sum() / (double)(input.NumEl / Math.Max(c, 1)),
            };
        }
        Tensor nll = NllLossNode.Apply(logp, target, weight, ignoreIndex, reduction);
        if (labelSmoothing <= 0) return nll;
        // PyTorch's cross_entropy_loss_label_smoothing: the uniform-target part, masked where ignored.
        Tensor smooth = weight is null ? -logp.Sum(classDim) : -(logp * WeightView(weight, input.Dim, classDim)).Sum(classDim);
        var keepRaw = RawOps.Ne(target.Raw, RawOps.Scalar(ignoreIndex, target.DType));
        smooth = smooth * new Tensor(RawOps.Cast(keepRaw, input.DType));
        Tensor ret = reduction switch
        {
            Reduction.None => smooth,
            Reduction.Sum => smooth.Sum(),
            _ => smooth.Sum() / CountedWeight(target, weight, ignoreIndex),
        };
        return (1 - labelSmoothing) * nll + ret * (labelSmoothing / c);
    }

    /// <summary>NLL with a reduction only (see the full overload).</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Reduction reduction) => NllLoss(input, target, null, -100, reduction);

    /// <summary>
    /// Negative log-likelihood: <c>-w[t]·input[n, t, d...]</c> per element; the mean divides by the total weight of the
    /// counted targets. See <see cref="NLLLoss"/>. The graph shows <c>NllLossBackward0</c> (<c>NllLoss2DBackward0</c>
    /// for inputs with extra dims, as in PyTorch).
    /// </summary>
    /// <param name="input">Log-probabilities <c>(N, C, d...)</c> or <c>(C)</c>.</param>
    /// <param name="target">Class indices <c>(N, d...)</c> or <c>()</c>, int64 or int32.</param>
    /// <param name="weight">Per-class weight <c>(C)</c>, or null.</param>
    /// <param name="ignoreIndex">Ignored class index.</param>
    /// <param name="reduction">Mean, sum or none.</param>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        const string op = "NLLLoss";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction, op);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected floating-point log-probabilities, got {input.DType.TorchName()} {Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
        CheckClassTarget(op, input, target);
        weight = ClassWeight(weight, input.Shape[input.Dim == 1 ? 0 : 1], input.DType, op);
        return NllLossNode.Apply(input, target, weight, ignoreIndex, reduction);
    }

    private static Tensor? ClassWeight(Tensor? weight, int c, DType dt, string op)
    {
        if (weight is null) return null;
        if (weight.Dim != 1 || weight.Shape[0] != c)
            throw new ArgumentException($"{op}: expected a weight with one value per class ({c}), got shape {Shapes.Format(weight.Shape)}.");
        return weight.Detach().To(dt);
    }

    private static Tensor WeightView(Tensor weight, int rank, int classDim)
    {
        var shape = new int[rank];
        Array.Fill(shape, 1);
        shape[classDim] = weight.NumEl;
        return weight.Reshape(shape);
    }

    private static double CountedWeight(Tensor target, Tensor? weight, long ignoreIndex)
    {
        double total = 0;
        double[]? w = weight?.ToArray<double>();
        foreach (long k in target.ToArray<long>())
            if (k != ignoreIndex) total += w is null ? 1 : w[k];
        return total;
    }

    internal static void CheckReduction(Reduction reduction, string op)
    {
        if (reduction == Reduction.BatchMean)
            throw new ArgumentException($"{op}: reduction BatchMean is only valid for KLDivLoss; use Mean, Sum or None.");
    }

    private static void CheckClassTarget(string loss, Tensor input, Tensor target)
    {
        if (target.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException(
                $"{loss}: expected class-index targets of dtype int64 or int32, got {target.DType.TorchName()} {Shapes.Format(target.Shape)}. " +
                "Pass the labels as long[] or int[] (e.g. Tensor.From(labels)); for float labels use target.To(DType.Int64)" +
                (loss == "CrossEntropyLoss" ? $"; class probabilities must have the input's shape {Shapes.Format(input.Shape)}." : "."));
        bool ok = input.Dim switch
        {
            0 => false,
            1 => target.Dim == 0,
            _ => target.Dim == input.Dim - 1 && target.Shape[0] == input.Shape[0] && target.Shape[1..].SequenceEqual(input.Shape[2..]),
        };
        if (!ok)
            throw new ArgumentException(
                $"{loss}: expected input [N, C] with target [N] (one class index per row), input [N, C, d1, ...] with target [N, d1, ...], or input [C] with a 0-dim target; " +
                $"got input {Shapes.Format(input.Shape)} and target {Shapes.Format(target.Shape)}.");
    }

    /// <summary>Checks a regression-style target: same shape as the floating-point input; returns it cast to the input's dtype.</summary>
    private static Tensor SameShapeTarget(Tensor input, Tensor target, Reduction reduction, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction, op);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point prediction, got {input.DType.TorchName()} {Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
        if (!input.Shape.SequenceEqual(target.Shape))
            throw new ArgumentException(
                $"{op}: expected target of the same shape as the input {Shapes.Format(input.Shape)}, got {Shapes.Format(target.Shape)}. " +
                "PyTorch would broadcast here, which is almost always a bug; reshape the target (e.g. target.View(-1, 1)) to match.");
        return target.To(input.DType);
    }

    /// <summary>Mean squared error; see <see cref="MSELoss"/>. The graph shows <c>MseLossBackward0</c>.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        PointwiseLossNode.Apply(PointwiseLoss.Mse, input, SameShapeTarget(input, target, reduction, "MSELoss"), reduction, 0, null, null);

    /// <summary>Mean absolute error; see <see cref="L1Loss"/>. Composite as in PyTorch (<c>MeanBackward0</c> → <c>AbsBackward0</c>).</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Tensor d = (input - SameShapeTarget(input, target, reduction, "L1Loss")).Abs();
        return reduction switch { Reduction.None => d, Reduction.Sum => d.Sum(), _ => d.Mean() };
    }

    /// <summary>Smooth L1 loss; see <see cref="SmoothL1Loss"/>. The graph shows <c>SmoothL1LossBackward0</c> (β = 0 gives the L1 values).</summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        if (!(beta >= 0)) throw new ArgumentException($"SmoothL1Loss: beta must be non-negative, got {beta}.");
        return PointwiseLossNode.Apply(PointwiseLoss.SmoothL1, input, SameShapeTarget(input, target, reduction, "SmoothL1Loss"), reduction, beta, null, null);
    }

    /// <summary>Huber loss; see <see cref="HuberLoss"/>. The graph shows <c>HuberLossBackward0</c>.</summary>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        if (!(delta > 0)) throw new ArgumentException($"HuberLoss: delta must be positive, got {delta}.");
        return PointwiseLossNode.Apply(PointwiseLoss.Huber, input, SameShapeTarget(input, target, reduction, "HuberLoss"), reduction, delta, null, null);
    }

    /// <summary>Binary cross entropy of probabilities; see <see cref="BCELoss"/>. The graph shows <c>BinaryCrossEntropyBackward0</c>.</summary>
    /// <param name="input">Probabilities in [0, 1], any shape.</param>
    /// <param name="target">Targets in [0, 1] of the input's shape.</param>
    /// <param name="weight">Element weight broadcast to the input's shape, or null.</param>
    /// <param name="reduction">Mean, sum or none.</param>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        Tensor t = SameShapeTarget(input, target, reduction, "BCELoss");
        var outside = RawOps.AnyAll(RawOps.Ne(RawOps.Clamp(input.Raw, 0, 1), input.Raw), null, false, all: false);
        if (outside.GetAsDouble(0) != 0)
            throw new ArgumentException("BCELoss: all elements of input should be between 0 and 1 (apply Sigmoid first, or use BCEWithLogitsLoss on logits).");
        return PointwiseLossNode.Apply(PointwiseLoss.Bce, input, t, reduction, 0, Broadcast(weight, input, "BCELoss", "weight"), null);
    }

    /// <summary>Binary cross entropy on logits; see <see cref="BCEWithLogitsLoss"/>. The graph shows <c>BinaryCrossEntropyWithLogitsBackward0</c>.</summary>
    /// <param name="input">Logits, any shape.</param>
    /// <param name="target">Targets in [0, 1] of the input's shape.</param>
    /// <param name="weight">Element weight broadcast to the input's shape, or null.</param>
    /// <param name="reduction">Mean, sum or none.</param>
    /// <param name="posWeight">Positive-class weight broadcast along the last dim, or null.</param>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
    {
        Tensor t = SameShapeTarget(input, target, reduction, "BCEWithLogitsLoss");
        return PointwiseLossNode.Apply(PointwiseLoss.BceWithLogits, input, t, reduction, 0,
            Broadcast(weight, input, "BCEWithLogitsLoss", "weight"), Broadcast(posWeight, input, "BCEWithLogitsLoss", "posWeight"));
    }

    private static Tensor? Broadcast(Tensor? w, Tensor input, string op, string what)
    {
        if (w is null) return null;
        try
        {
            Shapes.Broadcast(w.Shape, input.Shape, op);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{op}: {what} of shape {Shapes.Format(w.Shape)} can't be broadcast to the input's shape {Shapes.Format(input.Shape)}.");
        }
        return new Tensor(RawOps.Contiguous(RawOps.Expand(RawOps.Cast(w.Raw, input.DType), input.Shape.ToArray())));
    }

    /// <summary>
    /// KL divergence; see <see cref="KLDivLoss"/>. Composite as in PyTorch 1.13: <c>xlogy(t, t) - t·input</c> (or
    /// <c>exp(t)·(t - input)</c> for log targets), then the reduction.
    /// </summary>
    /// <param name="input">Log-probabilities.</param>
    /// <param name="target">Probabilities (log-probabilities when <paramref name="logTarget"/>) of the input's shape.</param>
    /// <param name="reduction">Mean (over all elements), sum, none, or batch mean (sum / N).</param>
    /// <param name="logTarget">Whether the target holds log-probabilities.</param>
    public static Tensor KLDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        Tensor t = SameShapeTarget(input, target, reduction == Reduction.BatchMean ? Reduction.Sum : reduction, "KLDivLoss");
        Tensor loss;
        if (logTarget) loss = t.Exp() * (t - input);
        else
        {
            // xlogy(t, t): t·log t with 0 where t == 0.
            var zero = RawOps.Cast(RawOps.Eq(t.Raw, RawOps.Scalar(0, t.DType)), t.DType);
            loss = t * (t + new Tensor(zero)).Log() - t * input;
        }
        return reduction switch
        {
            Reduction.None => loss,
            Reduction.Sum => loss.Sum(),
            Reduction.BatchMean => input.Dim == 0 ? loss.Sum() : loss.Sum() / (double)input.Shape[0],
            _ => loss.Mean(),
        };
    }
}
