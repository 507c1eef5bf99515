using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember.NN
{
    public static partial class F
    {
        /// <summary>Cross entropy with a reduction only (see the full overload).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor CrossEntropy(Tensor input, Tensor target, Reduction reduction) =>
            CrossEntropy(input, target, null, -100, reduction);

        /// <summary>
        /// Cross entropy of logits and class indices or class probabilities; see <see cref="CrossEntropyLoss"/>. Class
        /// indices: <c>NllLoss(LogSoftmax(input, 1), target, weight)</c>, mixed with the uniform-target loss when
        /// <paramref name="labelSmoothing"/> &gt; 0 (PyTorch's formula, including its weighted mean). Probabilities:
        /// <c>-Σ_c w_c·target_c·log_softmax(input)_c</c> per element, the mean dividing by N·d1·... (not by weights).
        /// </summary>
        /// <param name="input">Logits <c>(N, C, d...)</c> or <c>(C)</c>.</param>
        /// <param name="target">Class indices <c>(N, d...)</c>/<c>()</c> (int64 or int32), or probabilities of the
        /// input's shape (float).</param>
        /// <param name="weight">Per-class weight <c>(C)</c>, or null.</param>
        /// <param name="ignoreIndex">Ignored class index.</param>
        /// <param name="reduction">Mean, sum or none.</param>
        /// <param name="labelSmoothing">ε in [0, 1].</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
            Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
        {
            const string op = "CrossEntropyLoss";
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            CheckReduction(reduction, op);
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
                throw new ArgumentException($"{op}: labelSmoothing must be between 0.0 and 1.0, got {labelSmoothing}.");
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{op}: expected floating-point scores, got {input.DType.TorchName()} " +
                    $"{Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
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
            Tensor nll = NllLossBackward.Apply(logp, target, weight, ignoreIndex, reduction);
            if (labelSmoothing <= 0) return nll;
            // PyTorch's cross_entropy_loss_label_smoothing: the uniform-target part, masked where ignored.
            Tensor smooth = weight is null
                ? -logp.Sum(classDim)
                : -(logp * WeightView(weight, input.Dim, classDim)).Sum(classDim);
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
        public static Tensor NllLoss(Tensor input, Tensor target, Reduction reduction) =>
            NllLoss(input, target, null, -100, reduction);

        /// <summary>
        /// Negative log-likelihood: <c>-w[t]·input[n, t, d...]</c> per element; the mean divides by the total weight of
        /// the counted targets. See <see cref="NLLLoss"/>. The graph shows <c>NllLossBackward0</c>
        /// (<c>NllLoss2DBackward0</c> for inputs with extra dims, as in PyTorch).
        /// </summary>
        /// <param name="input">Log-probabilities <c>(N, C, d...)</c> or <c>(C)</c>.</param>
        /// <param name="target">Class indices <c>(N, d...)</c> or <c>()</c>, int64 or int32.</param>
        /// <param name="weight">Per-class weight <c>(C)</c>, or null.</param>
        /// <param name="ignoreIndex">Ignored class index.</param>
        /// <param name="reduction">Mean, sum or none.</param>
        public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
            Reduction reduction = Reduction.Mean)
        {
            const string op = "NLLLoss";
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            CheckReduction(reduction, op);
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{op}: expected floating-point log-probabilities, got {input.DType.TorchName()} " +
                    $"{Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
            CheckClassTarget(op, input, target);
            weight = ClassWeight(weight, input.Shape[input.Dim == 1 ? 0 : 1], input.DType, op);
            return NllLossBackward.Apply(input, target, weight, ignoreIndex, reduction);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Tensor? ClassWeight(Tensor? weight, int c, DType dt, string op)
        {
            if (weight is null) return null;
            if (weight.Dim != 1 || weight.Shape[0] != c)
                throw new ArgumentException(
                    $"{op}: expected a weight with one value per class ({c}), got shape " +
                    $"{Shapes.Format(weight.Shape)}.");
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void CheckReduction(Reduction reduction, string op)
        {
            if (reduction == Reduction.BatchMean)
                throw new ArgumentException(
                    $"{op}: reduction BatchMean is only valid for KLDivLoss; use Mean, Sum or None.");
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CheckClassTarget(string loss, Tensor input, Tensor target)
        {
            if (target.DType is not (DType.Int64 or DType.Int32))
                throw new ArgumentException(
                    $"{loss}: expected class-index targets of dtype int64 or int32, got {target.DType.TorchName()} " +
                    $"{Shapes.Format(target.Shape)}. Pass the labels as long[] or int[] (e.g. Tensor.From(labels)); " +
                    "for float labels use target.To(DType.Int64)" +
                    (loss == "CrossEntropyLoss"
                        ? $"; class probabilities must have the input's shape {Shapes.Format(input.Shape)}."
                        : "."));
            bool ok = input.Dim switch
            {
                0 => false,
                1 => target.Dim == 0,
                _ => target.Dim == input.Dim - 1 && target.Shape[0] == input.Shape[0]
                    && target.Shape[1..].SequenceEqual(input.Shape[2..]),
            };
            if (!ok)
                throw new ArgumentException(
                    $"{loss}: expected input [N, C] with target [N] (one class index per row), input [N, C, d1, ...] " +
                    "with target [N, d1, ...], or input [C] with a 0-dim target; got input " +
                    $"{Shapes.Format(input.Shape)} and target {Shapes.Format(target.Shape)}.");
        }

        /// <summary>
        /// Checks a regression-style target: same shape as the floating-point input; returns it cast to the input's
        /// dtype.
        /// </summary>
        private static Tensor SameShapeTarget(Tensor input, Tensor target, Reduction reduction, string op)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            CheckReduction(reduction, op);
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{op}: expected a floating-point prediction, got {input.DType.TorchName()} " +
                    $"{Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
            if (!input.Shape.SequenceEqual(target.Shape))
                throw new ArgumentException(
                    $"{op}: expected target of the same shape as the input {Shapes.Format(input.Shape)}, got " +
                    $"{Shapes.Format(target.Shape)}. PyTorch would broadcast here, which is almost always a bug; " +
                    "reshape the target (e.g. target.View(-1, 1)) to match.");
            return target.To(input.DType);
        }

        /// <summary>Mean squared error; see <see cref="MSELoss"/>. The graph shows <c>MseLossBackward0</c>.</summary>
        public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
            PointwiseLossBackward.Apply(PointwiseLoss.Mse, input, SameShapeTarget(input, target, reduction,
                "MSELoss"), reduction, 0, null, null);

        /// <summary>
        /// Mean absolute error; see <see cref="L1Loss"/>. Composite as in PyTorch (<c>MeanBackward0</c> →
        /// <c>AbsBackward0</c>).
        /// </summary>
        public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
        {
            Tensor d = (input - SameShapeTarget(input, target, reduction, "L1Loss")).Abs();
            return reduction switch { Reduction.None => d, Reduction.Sum => d.Sum(), _ => d.Mean() };
        }

        /// <summary>
        /// Smooth L1 loss; see <see cref="SmoothL1Loss"/>. The graph shows <c>SmoothL1LossBackward0</c> (β = 0 gives
        /// the L1 values).
        /// </summary>
        public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean,
            double beta = 1.0)
        {
            if (!(beta >= 0)) throw new ArgumentException($"SmoothL1Loss: beta must be non-negative, got {beta}.");
            return PointwiseLossBackward.Apply(PointwiseLoss.SmoothL1, input, SameShapeTarget(input, target,
                reduction, "SmoothL1Loss"), reduction, beta, null, null);
        }

        /// <summary>Huber loss; see <see cref="HuberLoss"/>. The graph shows <c>HuberLossBackward0</c>.</summary>
        public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean,
            double delta = 1.0)
        {
            if (!(delta > 0)) throw new ArgumentException($"HuberLoss: delta must be positive, got {delta}.");
            return PointwiseLossBackward.Apply(PointwiseLoss.Huber, input, SameShapeTarget(input, target, reduction,
                "HuberLoss"), reduction, delta, null, null);
        }

        /// <summary>
        /// Binary cross entropy of probabilities; see <see cref="BCELoss"/>. The graph shows
        /// <c>BinaryCrossEntropyBackward0</c>.
        /// </summary>
        /// <param name="input">Probabilities in [0, 1], any shape.</param>
        /// <param name="target">Targets in [0, 1] of the input's shape.</param>
        /// <param name="weight">Element weight broadcast to the input's shape, or null.</param>
        /// <param name="reduction">Mean, sum or none.</param>
        public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null,
            Reduction reduction = Reduction.Mean)
        {
            Tensor t = SameShapeTarget(input, target, reduction, "BCELoss");
            var outside = RawOps.AnyAll(RawOps.Ne(RawOps.Clamp(input.Raw, 0, 1), input.Raw), null, false, all: false);
            if (outside.GetAsDouble(0) != 0)
                throw new ArgumentException(
                    "BCELoss: all elements of input should be between 0 and 1 (apply Sigmoid first, or use " +
                    "BCEWithLogitsLoss on logits).");
            return PointwiseLossBackward.Apply(PointwiseLoss.Bce, input, t, reduction, 0, Broadcast(weight, input,
                "BCELoss", "weight"), null);
        }

        /// <summary>
        /// Binary cross entropy on logits; see <see cref="BCEWithLogitsLoss"/>. The graph shows
        /// <c>BinaryCrossEntropyWithLogitsBackward0</c>.
        /// </summary>
        /// <param name="input">Logits, any shape.</param>
        /// <param name="target">Targets in [0, 1] of the input's shape.</param>
        /// <param name="weight">Element weight broadcast to the input's shape, or null.</param>
        /// <param name="reduction">Mean, sum or none.</param>
        /// <param name="posWeight">Positive-class weight broadcast along the last dim, or null.</param>
        public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null,
            Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
        {
            Tensor t = SameShapeTarget(input, target, reduction, "BCEWithLogitsLoss");
            return PointwiseLossBackward.Apply(PointwiseLoss.BceWithLogits, input, t, reduction, 0,
                Broadcast(weight, input, "BCEWithLogitsLoss", "weight"),
                Broadcast(posWeight, input, "BCEWithLogitsLoss", "posWeight"));
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
                throw new ArgumentException(
                    $"{op}: {what} of shape {Shapes.Format(w.Shape)} can't be broadcast to the input's shape " +
                    $"{Shapes.Format(input.Shape)}.");
            }
            return new Tensor(RawOps.Contiguous(RawOps.Expand(RawOps.Cast(w.Raw, input.DType), input.Shape.ToArray())));
        }

        /// <summary>
        /// KL divergence; see <see cref="KLDivLoss"/>. Composite as in PyTorch 1.13: <c>xlogy(t, t) - t·input</c> (or
        /// <c>exp(t)·(t - input)</c> for log targets), then the reduction.
        /// </summary>
        /// <param name="input">Log-probabilities.</param>
        /// <param name="target">Probabilities (log-probabilities when <paramref name="logTarget"/>) of the input's
        /// shape.</param>
        /// <param name="reduction">Mean (over all elements), sum, none, or batch mean (sum / N).</param>
        /// <param name="logTarget">Whether the target holds log-probabilities.</param>
        public static Tensor KLDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean,
            bool logTarget = false)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            Tensor t = SameShapeTarget(input, target, reduction == Reduction.BatchMean ? Reduction.Sum : reduction,
                "KLDivLoss");
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
}

namespace Ember.Graph
{
    /// <summary>
    /// <c>NllLossBackward0</c> / <c>NllLoss2DBackward0</c>: z = reduce(-w[t]·x[n, t, d...]) over counted targets (t ≠
    /// ignoreIndex), the mean dividing by Σ w[t];
    /// dL/dx = -w[t]·grad·scale at each target class, 0 elsewhere (the 2D name for inputs with extra dims, as PyTorch
    /// 1.13 names them).
    /// </summary>
    internal sealed class NllLossBackward : SingleOutputNode
    {
        private RawTensor? _target, _weight;
        private Reduction _reduction;
        private long _ignoreIndex;
        private double _totalWeight;
        private int _n, _c, _s;
        private bool _nd;
        public override string Name => _nd ? "NllLoss2DBackward0" : "NllLossBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction)
        {
            bool vector = input.Dim == 1;
            int n = vector ? 1 : input.Shape[0], c = input.Shape[vector ? 0 : 1];
            int s = vector ? 1 : input.NumEl / Math.Max(n * c, 1);
            if (!vector && n * c == 0) s = target.NumEl / Math.Max(n, 1);
            var (losses, total, lossSum) = RawOps.NllLossNd(input.Raw, target.Raw, weight?.Raw, n, c, s, ignoreIndex);
            // PyTorch views 3-D and 5-D+ inputs as 4-D for nll_loss2d and views an unreduced result back
            // (ViewBackward0).
            bool viewBack = reduction == Reduction.None && input.Dim >= 3 && input.Dim != 4;
            RawTensor raw = reduction switch
            {
                Reduction.None => viewBack ? losses : RawOps.Reshape(losses, target.Raw.Shape),
                // The reductions come from the double-precision sum the kernel kept while writing the losses.
                Reduction.Sum => RawOps.Scalar(lossSum, losses.DType),
                _ => RawOps.Scalar(lossSum / total, losses.DType),
            };
            var result = Record(input, raw, (target.Raw, weight?.Raw, reduction, ignoreIndex, total, n, c, s),
                static (NllLossBackward node, Tensor input,
                    (RawTensor T, RawTensor? W, Reduction R, long Ignore, double Total, int N, int C, int S) st) =>
                {
                    (node._target, node._weight, node._reduction, node._ignoreIndex) = (st.T, st.W, st.R, st.Ignore);
                    (node._totalWeight, node._n, node._c, node._s, node._nd) = (st.Total, st.N, st.C, st.S,
                        input.Dim >= 3);
                });
            return viewBack ? result.View(target.Shape.ToArray()) : result;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            double scale = _reduction == Reduction.Mean ? 1.0 / _totalWeight : 1.0;
            if (!Autograd.IsGradEnabled && _reduction != Reduction.None)
            {
                // A scalar upstream gradient folds into the coefficients: one pass, no multiply.
                double g = RawOps.Contiguous(grad.Raw).Storage.GetDouble(grad.Raw.Offset);
                return [new Tensor(RawOps.Reshape(RawOps.NllCoefficients(_target!, _weight, _n, _c, _s, _ignoreIndex,
                    scale * g, InputDType(0)), InputShape(0)))];
            }
            var coef = RawOps.NllCoefficients(_target!, _weight, _n, _c, _s, _ignoreIndex, scale, InputDType(0));
            int[] gShape = _reduction == Reduction.None ? [_n, 1, _s] : [];
            if (Autograd.IsGradEnabled) return [(new Tensor(coef) * grad.Reshape(gShape)).Reshape(InputShape(0))];
            return [new Tensor(RawOps.Reshape(RawOps.Mul(coef, RawOps.Reshape(grad.Raw, gShape)), InputShape(0)))];
        }
    }

    /// <summary>The element-wise losses that PyTorch computes in one node.</summary>
    internal enum PointwiseLoss { Mse, SmoothL1, Huber, Bce, BceWithLogits }

    /// <summary>
    /// <c>MseLossBackward0</c> / <c>SmoothL1LossBackward0</c> / <c>HuberLossBackward0</c> /
    /// <c>BinaryCrossEntropyBackward0</c> / <c>BinaryCrossEntropyWithLogitsBackward0</c>:
    /// z = reduce(ℓ(x, t)) for an element-wise loss ℓ, with g = grad (none/sum) or grad / numel (mean):
    /// MSE ℓ = d², dℓ/dx = 2d; smooth L1 ℓ = 0.5d²/β (|d| &lt; β) else |d| - 0.5β, dℓ/dx = d/β or sign(d);
    /// Huber ℓ = 0.5d² (|d| ≤ δ) else δ(|d| - 0.5δ), dℓ/dx = d or δ·sign(d) (all with dℓ/dt = -dℓ/dx, d = x - t);
    /// BCE ℓ = -w(t·log x + (1-t)·log(1-x)) (logs ≥ -100), dℓ/dx = w(x - t)/max(x(1-x), 1e-12), dℓ/dt = -w·logit(x);
    /// BCE with logits ℓ = w((1-t)x + (1 + (p-1)t)·softplus(-x)), dℓ/dx = w((pt + 1 - t)σ(x) - pt),
    /// dℓ/dt = w(log σ(-x) - p·log σ(x)). The formulas are tensor ops, so they differentiate again.
    /// </summary>
    internal sealed class PointwiseLossBackward : SingleOutputNode
    {
        private PointwiseLoss _kind;
        private Reduction _reduction;
        private double _param;
        private SavedTensor? _x, _t;
        private Tensor? _weight, _posWeight;

        public override string Name => _kind switch
        {
            PointwiseLoss.Mse => "MseLossBackward0",
            PointwiseLoss.SmoothL1 => "SmoothL1LossBackward0",
            PointwiseLoss.Huber => "HuberLossBackward0",
            PointwiseLoss.Bce => "BinaryCrossEntropyBackward0",
            _ => "BinaryCrossEntropyWithLogitsBackward0",
        };

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(PointwiseLoss kind, Tensor input, Tensor target, Reduction reduction, double param,
            Tensor? weight, Tensor? posWeight)
        {
            Tensor loss;
            using (Autograd.NoGrad())
            {
                Tensor x = input.Detach(), t = target.Detach();
                loss = Elementwise(kind, x, t, param, weight, posWeight);
                loss = reduction switch { Reduction.None => loss, Reduction.Sum => loss.Sum(), _ => loss.Mean() };
            }
            return Record(input, target, loss.Raw, (kind, reduction, param, weight, posWeight),
                static (PointwiseLossBackward n, Tensor input, Tensor target,
                    (PointwiseLoss Kind, Reduction R, double P, Tensor? W, Tensor? Pw) s) =>
                {
                    (n._kind, n._reduction, n._param, n._weight, n._posWeight) = s;
                    (n._x, n._t) = (n.Save(input), n.Save(target));
                });
        }

        private static Tensor Mask(RawTensor condition, DType dt) => new(RawOps.Cast(condition, dt));

        private static Tensor Elementwise(PointwiseLoss kind, Tensor x, Tensor t, double p, Tensor? w, Tensor? pw)
        {
            Tensor d = x - t;
            switch (kind)
            {
                case PointwiseLoss.Mse: return d * d;
                case PointwiseLoss.SmoothL1:
                    {
                        Tensor z = d.Abs(), m = Mask(RawOps.Lt(z.Raw, RawOps.Scalar(p, z.DType)), z.DType);
                        return p == 0 ? z : m * (0.5 * z * z / p) + (1.0 - m) * (z - 0.5 * p);
                    }
                case PointwiseLoss.Huber:
                    {
                        Tensor z = d.Abs(), m = Mask(RawOps.Lt(z.Raw, RawOps.Scalar(p, z.DType)), z.DType);
                        return m * (0.5 * z * z) + (1.0 - m) * (p * (z - 0.5 * p));
                    }
                case PointwiseLoss.Bce:
                    {
                        Tensor l = -(t * x.Log().Clamp(min: -100) + (1.0 - t) * (1.0 - x).Log().Clamp(min: -100));
                        return w is null ? l : l * w;
                    }
                default:
                    {
                        Tensor sp = SoftplusNeg(x);
                        Tensor l = pw is null ? (1.0 - t) * x + sp : (1.0 - t) * x + (1.0 + (pw - 1.0) * t) * sp;
                        return w is null ? l : l * w;
                    }
            }
        }

        /// <summary>softplus(-x) = log(1 + e^-|x|) + max(-x, 0), stable for any x.</summary>
        private static Tensor SoftplusNeg(Tensor x) => (-x.Abs()).Exp().Log1p() + (-x).ReLU();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor x = Unpack(_x!), t = Unpack(_t!);
            Tensor g = _reduction == Reduction.Mean ? grad / (double)Math.Max(x.NumEl, 1) : grad;
            Tensor? dx = null, dt = null;
            double p = _param;
            switch (_kind)
            {
                case PointwiseLoss.Mse:
                case PointwiseLoss.SmoothL1:
                case PointwiseLoss.Huber:
                    {
                        Tensor d = x - t, z = d.Abs();
                        Tensor deriv;
                        if (_kind == PointwiseLoss.Mse) deriv = 2.0 * d;
                        else
                        {
                            var inside = _kind == PointwiseLoss.SmoothL1
                                ? RawOps.Lt(z.Raw, RawOps.Scalar(p, z.DType))
                                : RawOps.Le(z.Raw, RawOps.Scalar(p, z.DType));
                            Tensor m = Mask(inside, z.DType);
                            deriv = _kind == PointwiseLoss.SmoothL1
                                ? (p == 0 ? d.Sign() : m * (d / p) + (1.0 - m) * d.Sign())
                                : m * d + (1.0 - m) * (p * d.Sign());
                        }
                        Tensor gi = deriv * g;
                        dx = gi;
                        dt = NeedsInputGrad(1) ? -gi : null;
                        break;
                    }
                case PointwiseLoss.Bce:
                    {
                        Tensor denom = ((1.0 - x) * x).Clamp(min: 1e-12);
                        dx = (x - t) / denom * g;
                        if (NeedsInputGrad(1)) dt = ((1.0 - x).Log() - x.Log()) * g;
                        break;
                    }
                default:
                    {
                        Tensor s = x.Sigmoid();
                        if (_posWeight is null) dx = (s - t) * g;
                        else
                        {
                            Tensor pt = _posWeight * t;
                            dx = ((pt + 1.0 - t) * s - pt) * g;
                        }
                        if (NeedsInputGrad(1))
                            dt = _posWeight is null ? -x * g : (-SoftplusNeg(-x) + _posWeight * SoftplusNeg(x)) * g;
                        break;
                    }
            }
            if (_weight is not null && _kind is PointwiseLoss.Bce or PointwiseLoss.BceWithLogits)
            {
                dx = dx * _weight;
                dt = dt is null ? null : dt * _weight;
            }
            return [NeedsInputGrad(0) ? dx : null, dt];
        }
    }
}
