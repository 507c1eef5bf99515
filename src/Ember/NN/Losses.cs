using System;
using Ember.Core;
using Ember.Graph;

namespace Ember.NN
{
    /// <summary>
    /// Base of the loss modules: <c>lossFn.Call(prediction, target)</c>. A loss is a module whose input is the
    /// (prediction, target) pair, so it shares the module call entry and hooks.
    /// </summary>
    public abstract class Loss : Module<(Tensor Input, Tensor Target), Tensor>
    {
        /// <summary>Creates the loss with a reduction.</summary>
        protected Loss(Reduction reduction) => Reduction = reduction;

        /// <summary>How per-element losses are combined (mean by default).</summary>
        public Reduction Reduction { get; }

        /// <summary>Computes the loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
        public Tensor Call(Tensor input, Tensor target) => Call((input, target));

        /// <inheritdoc/>
        public sealed override Tensor Forward((Tensor Input, Tensor Target) pair) => Forward(pair.Input, pair.Target);

        /// <summary>The loss computation.</summary>
        public abstract Tensor Forward(Tensor input, Tensor target);

        /// <inheritdoc/>
        protected override string ExtraRepr() => Reduction == Reduction.Mean ? "" : $"reduction='{Reduction.ToString().ToLowerInvariant()}'";
    }

    /// <summary>
    /// Cross entropy between logits <c>[N, C]</c> (or <c>[C]</c>) and class indices <c>[N]</c> (int64 or int32):
    /// <c>NllLoss(LogSoftmax(input, 1), target)</c>. The graph shows <c>NllLossBackward0</c> → <c>LogSoftmaxBackward0</c>.
    /// </summary>
    public sealed class CrossEntropyLoss(Reduction reduction = Reduction.Mean, long ignoreIndex = -100) : Loss(reduction)
    {
        /// <summary>Target value whose rows are skipped (and not counted by the mean).</summary>
        public long IgnoreIndex { get; } = ignoreIndex;

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input, Tensor target) => F.CrossEntropy(input, target, Reduction, IgnoreIndex);
    }

    /// <summary>Negative log-likelihood of log-probabilities <c>[N, C]</c> and class indices <c>[N]</c>.</summary>
    public sealed class NLLLoss(Reduction reduction = Reduction.Mean, long ignoreIndex = -100) : Loss(reduction)
    {
        /// <summary>Target value whose rows are skipped (and not counted by the mean).</summary>
        public long IgnoreIndex { get; } = ignoreIndex;

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input, Tensor target) => F.NllLoss(input, target, Reduction, IgnoreIndex);
    }

    /// <summary>Mean squared error <c>(input - target)²</c>; the target is cast to the input's dtype and must have its shape.</summary>
    public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
    {
        /// <inheritdoc/>
        public override Tensor Forward(Tensor input, Tensor target) => F.MseLoss(input, target, Reduction);
    }

    public static partial class F
    {
        /// <summary>Cross entropy of logits and class indices; see <see cref="CrossEntropyLoss"/>.</summary>
        public static Tensor CrossEntropy(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, long ignoreIndex = -100)
        {
            CheckClassTarget("CrossEntropyLoss", input, target);
            return NllLossBackward0.Apply(input.LogSoftmax(input.Dim == 1 ? 0 : 1), target, reduction, ignoreIndex);
        }

        /// <summary>Negative log-likelihood of log-probabilities and class indices; see <see cref="NLLLoss"/>.</summary>
        public static Tensor NllLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, long ignoreIndex = -100)
        {
            CheckClassTarget("NLLLoss", input, target);
            return NllLossBackward0.Apply(input, target, reduction, ignoreIndex);
        }

        /// <summary>Mean squared error; see <see cref="MSELoss"/>.</summary>
        public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException($"MSELoss: expected a floating-point prediction, got {input.DType.TorchName()} {Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
            if (!input.Shape.SequenceEqual(target.Shape))
                throw new ArgumentException(
                    $"MSELoss: expected target of the same shape as the input {Shapes.Format(input.Shape)}, got {Shapes.Format(target.Shape)}. " +
                    "PyTorch would broadcast here, which is almost always a bug; reshape the target (e.g. target.View(-1, 1)) to match.");
            return MseLossBackward0.Apply(input, target.To(input.DType), reduction);
        }

        private static void CheckClassTarget(string loss, Tensor input, Tensor target)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException($"{loss}: expected floating-point scores, got {input.DType.TorchName()} {Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
            if (target.DType is not (DType.Int64 or DType.Int32))
                throw new ArgumentException(
                    $"{loss}: expected class-index targets of dtype int64 or int32, got {target.DType.TorchName()} {Shapes.Format(target.Shape)}. " +
                    "Pass the labels as long[] or int[] (e.g. Tensor.From(labels)); for float labels use target.To(DType.Int64).");
            bool ok = input.Dim == 2 ? target.Dim == 1 && target.Shape[0] == input.Shape[0] : input.Dim == 1 && target.Dim == 0;
            if (!ok)
                throw new ArgumentException(
                    $"{loss}: expected input [N, C] with target [N] (one class index per row), or input [C] with a 0-dim target; " +
                    $"got input {Shapes.Format(input.Shape)} and target {Shapes.Format(target.Shape)}.");
        }
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// z = -Σ input[i, target[i]] (reduced); dL/dinput = -grad · onehot(target) · scale, where scale is 1/count for the mean.
    /// </summary>
    internal sealed class NllLossBackward0 : UnaryOutputNode
    {
        private RawTensor? _target;
        private Reduction _reduction;
        private long _ignoreIndex;
        private int _count;
        public override string Name => "NllLossBackward0";

        public static Tensor Apply(Tensor input, Tensor target, Reduction reduction, long ignoreIndex)
        {
            bool vector = input.Dim == 1;
            RawTensor x = vector ? RawOps.Unsqueeze(input.Raw, 0) : input.Raw;
            RawTensor t = vector ? RawOps.Unsqueeze(target.Raw, 0) : target.Raw;
            var raw = RawOps.NllLoss(x, t, reduction, ignoreIndex);
            if (vector && reduction == Reduction.None) raw = RawOps.Squeeze(raw, 0);
            if (!Autograd.ShouldRecord(input)) return new Tensor(raw);
            int count = 0;
            var tl = RawOps.Cast(RawOps.Contiguous(t), DType.Int64).Span<long>();
            foreach (long k in tl) if (k != ignoreIndex) count++;
            var node = new NllLossBackward0 { _target = t, _reduction = reduction, _ignoreIndex = ignoreIndex, _count = count };
            node.SetInputs(input);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = InputShape(0);
            int[] shape2 = shape.Length == 1 ? [1, shape[0]] : shape;
            if (!Autograd.IsGradEnabled)
            {
                double scale = _reduction == Reduction.Mean ? 1.0 / Math.Max(_count, 1) : 1.0;
                var gi = RawOps.NllLossBackward(grad.Raw, _target!, shape2, InputDType(0), scale, _ignoreIndex);
                return [new Tensor(shape.Length == 1 ? RawOps.Reshape(gi, shape) : gi)];
            }
            var mask = new Tensor(RawOps.OneHotAlong(RawOps.Unsqueeze(_target!, 1), shape2, 1, grad.DType, _ignoreIndex));
            Tensor g = _reduction switch
            {
                Reduction.None => grad.Dim == 0 ? grad : grad.Unsqueeze(1),
                Reduction.Sum => grad,
                _ => grad / (double)Math.Max(_count, 1),
            };
            Tensor recorded = -(mask * g);
            return [shape.Length == 1 ? recorded.Reshape(shape) : recorded];
        }
    }

    /// <summary>z = reduce((input - target)²); dL/dinput = 2·(input - target)·grad·scale, dL/dtarget = -dL/dinput.</summary>
    internal sealed class MseLossBackward0 : UnaryOutputNode
    {
        private SavedTensor? _input, _target;
        private Reduction _reduction;
        public override string Name => "MseLossBackward0";

        public static Tensor Apply(Tensor input, Tensor target, Reduction reduction)
        {
            var diff = RawOps.Sub(input.Raw, target.Raw);
            var sq = RawOps.Mul(diff, diff);
            var raw = reduction switch
            {
                Reduction.None => sq,
                Reduction.Sum => RawOps.SumAll(sq),
                _ => RawOps.Div(RawOps.SumAll(sq), RawOps.Scalar(Math.Max(sq.NumEl, 1), sq.DType)),
            };
            if (!Autograd.ShouldRecord(input, target)) return new Tensor(raw);
            var node = new MseLossBackward0 { _reduction = reduction };
            node.SetInputs(input, target);
            node._input = node.Save(input);
            node._target = node.Save(target);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor diff = Unpack(_input!) - Unpack(_target!);
            double scale = _reduction == Reduction.Mean ? 2.0 / Math.Max(diff.NumEl, 1) : 2.0;
            Tensor gi = diff * scale * grad;
            return [NeedsInputGrad(0) ? gi : null, NeedsInputGrad(1) ? -gi : null];
        }
    }
}
