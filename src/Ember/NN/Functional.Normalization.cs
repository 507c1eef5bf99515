using System;
using Ember.Core;
using Ember.Graph;
namespace Ember.NN
{
    public static partial class F
    {
        /// <summary>
        /// Batch normalization over dim 1: <c>y = (x - mean) / √(var + eps) · weight + bias</c>. In training the batch
        /// statistics (biased variance) normalize and the running statistics are updated in place:
        /// <c>running = (1 - momentum)·running + momentum·batch</c> with the unbiased variance (a cumulative average
        /// when <paramref name="momentum"/> is null and <paramref name="numBatchesTracked"/> is given). In evaluation
        /// the running statistics normalize. The graph shows <c>NativeBatchNormBackward0</c>.
        /// </summary>
        /// <param name="input"><c>(N, C)</c> or <c>(N, C, *)</c>.</param>
        /// <param name="runningMean"><c>(C)</c> or null.</param>
        /// <param name="runningVar"><c>(C)</c> or null.</param>
        /// <param name="weight"><c>(C)</c> or null.</param>
        /// <param name="bias"><c>(C)</c> or null.</param>
        /// <param name="training">Use (and update) batch statistics.</param>
        /// <param name="momentum">Running-average factor, or null for a cumulative average.</param>
        /// <param name="eps">Added to the variance.</param>
        /// <param name="numBatchesTracked">int64 scalar counter incremented in training (BatchNorm's buffer), or
        /// null.</param>
        public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null,
            Tensor? bias = null,
            bool training = false, double? momentum = 0.1, double eps = 1e-5, Tensor? numBatchesTracked = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (input.Dim < 2)
                throw new ArgumentException(
                    $"batch_norm: expected input (N, C) or (N, C, *), got {Shapes.Format(input.Shape)}.");
            int n = input.Shape[0], c = input.Shape[1], s = input.NumEl / Math.Max(n * c, 1);
            foreach (var (t, what) in new[]
                { (runningMean, "running_mean"), (runningVar, "running_var"), (weight, "weight"), (bias, "bias") })
                if (t is not null && (t.Dim != 1 || t.Shape[0] != c))
                    throw new ArgumentException(
                        $"batch_norm: expected {what} of shape [{c}] for input {Shapes.Format(input.Shape)}, got " +
                        $"{Shapes.Format(t.Shape)}.");
            bool useBatch = training || runningMean is null || runningVar is null;
            if (useBatch && n * s <= 1)
                throw new ArgumentException(
                    "batch_norm: expected more than 1 value per channel when training, got input size " +
                    $"{Shapes.Format(input.Shape)}.");
            var layout = new NormLayout([n, c, s], [0, 2], [n, c, s], [1, c, 1], [0, 2]);
            Tensor y = NativeNormBackward.Apply(NativeNormBackward.Kind.Batch, input, weight, bias, layout, eps,
                useBatch ? null : runningMean, useBatch ? null : runningVar, out RawTensor? mean, out RawTensor? var);
            if (training && runningMean is not null && runningVar is not null)
            {
                double factor = momentum ?? 0;
                if (numBatchesTracked is not null)
                {
                    numBatchesTracked.CopyRaw(new Tensor(RawOps.Add(numBatchesTracked.Raw,
                        RawOps.Scalar(1, numBatchesTracked.DType))));
                    if (momentum is null) factor = 1.0 / numBatchesTracked.Item<long>();
                }
                int count = n * s;
                var unbiased = RawOps.Mul(RawOps.Reshape(var!, [c]),
                    RawOps.Scalar(count / Math.Max(count - 1.0, 1), var!.DType));
                Blend(runningMean, RawOps.Reshape(mean!, [c]), factor);
                Blend(runningVar, unbiased, factor);
            }
            return y;
        }

        private static void Blend(Tensor running, RawTensor batch, double factor)
        {
            var b = RawOps.Cast(batch, running.DType);
            running.CopyRaw(new Tensor(RawOps.Add(RawOps.Mul(running.Raw, RawOps.Scalar(1 - factor, running.DType)),
                RawOps.Mul(b, RawOps.Scalar(factor, running.DType)))));
        }

        /// <summary>
        /// Layer normalization over the last <c>normalizedShape.Length</c> dims: each sample's trailing block is
        /// normalized by its own mean and (biased) variance, then scaled and shifted element-wise. The graph shows
        /// <c>NativeLayerNormBackward0</c>.
        /// </summary>
        /// <param name="input"><c>(*, normalizedShape...)</c>.</param>
        /// <param name="normalizedShape">The trailing shape to normalize over.</param>
        /// <param name="weight"><c>normalizedShape</c> or null.</param>
        /// <param name="bias"><c>normalizedShape</c> or null.</param>
        /// <param name="eps">Added to the variance.</param>
        public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null,
            double eps = 1e-5)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(normalizedShape);
            int k = normalizedShape.Length;
            bool ok = k > 0 && input.Dim >= k;
            for (int i = 0; ok && i < k; i++) ok = input.Shape[input.Dim - k + i] == normalizedShape[i];
            if (!ok)
                throw new ArgumentException(
                    $"layer_norm: given normalized_shape=[{string.Join(", ", normalizedShape)}], expected input with " +
                    $"shape [*, {string.Join(", ", normalizedShape)}], but got input of size " +
                    $"{Shapes.Format(input.Shape)}.");
            foreach (var (t, what) in new[] { (weight, "weight"), (bias, "bias") })
                if (t is not null && !t.Shape.SequenceEqual(normalizedShape))
                    throw new ArgumentException(
                        $"layer_norm: expected {what} of shape [{string.Join(", ", normalizedShape)}], got " +
                        $"{Shapes.Format(t.Shape)}.");
            int inner = Shapes.NumEl(normalizedShape), outer = input.NumEl / Math.Max(inner, 1);
            var layout = new NormLayout([outer, inner], [1], [outer, inner], [1, inner], [0]);
            return NativeNormBackward.Apply(NativeNormBackward.Kind.Layer, input, weight, bias, layout, eps, null,
                null, out _, out _);
        }

        /// <summary>
        /// Group normalization: the channels of each sample are split into <paramref name="numGroups"/> groups, each
        /// normalized by its own statistics, then scaled and shifted per channel. The graph shows
        /// <c>NativeGroupNormBackward0</c>.
        /// </summary>
        /// <param name="input"><c>(N, C, *)</c> with C divisible by <paramref name="numGroups"/>.</param>
        /// <param name="numGroups">Number of groups.</param>
        /// <param name="weight"><c>(C)</c> or null.</param>
        /// <param name="bias"><c>(C)</c> or null.</param>
        /// <param name="eps">Added to the variance.</param>
        public static Tensor GroupNorm(Tensor input, int numGroups, Tensor? weight = null, Tensor? bias = null,
            double eps = 1e-5)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (input.Dim < 2)
                throw new ArgumentException($"group_norm: expected input (N, C, *), got {Shapes.Format(input.Shape)}.");
            int n = input.Shape[0], c = input.Shape[1], s = input.NumEl / Math.Max(n * c, 1);
            if (numGroups <= 0 || c % numGroups != 0)
                throw new ArgumentException(
                    $"group_norm: expected number of channels in input ({c}) to be divisible by num_groups " +
                    $"({numGroups}), input {Shapes.Format(input.Shape)}.");
            foreach (var (t, what) in new[] { (weight, "weight"), (bias, "bias") })
                if (t is not null && (t.Dim != 1 || t.Shape[0] != c))
                    throw new ArgumentException(
                        $"group_norm: expected {what} of shape [{c}], got {Shapes.Format(t.Shape)}.");
            var layout = new NormLayout([n, numGroups, c / numGroups * s], [2], [n, c, s], [1, c, 1], [0, 2]);
            return NativeNormBackward.Apply(NativeNormBackward.Kind.Group, input, weight, bias, layout, eps, null,
                null, out _, out _);
        }
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// How a normalization sees its input: reshaped to <paramref name="StatsShape"/> the statistics are taken over
    /// <paramref name="StatsDims"/>; reshaped to <paramref name="AffineShape"/> the weight (viewed as
    /// <paramref name="GammaView"/>) multiplies and its gradient sums over <paramref name="AffineDims"/>.
    /// </summary>
    internal sealed record NormLayout(int[] StatsShape, int[] StatsDims, int[] AffineShape, int[] GammaView,
        int[] AffineDims);

    /// <summary>
    /// <c>NativeBatchNormBackward0</c> / <c>NativeLayerNormBackward0</c> / <c>NativeGroupNormBackward0</c> (batch,
    /// layer and group norm share it): y = x̂·γ + β with x̂ = (x - μ)·σ⁻¹ over the layout's groups.
    /// dL/dβ = Σ grad, dL/dγ = Σ grad·x̂, and with g = grad·γ:
    /// dL/dx = σ⁻¹·(g - mean(g) - x̂·mean(g·x̂)) for batch statistics, g·σ⁻¹ for fixed (running) statistics.
    /// With createGraph μ and σ are recomputed from x as recorded ops, so the formula is differentiable again.
    /// </summary>
    internal sealed class NativeNormBackward : SingleOutputNode
    {
        /// <summary>Which normalization this is (it names the node).</summary>
        internal enum Kind { Batch, Layer, Group }

        private Kind _kind;
        private NormLayout _layout = null!;
        private double _eps;
        private SavedTensor? _x, _gamma;
        private RawTensor? _mean, _invstd;
        private bool _fixedStats;
        public override string Name => _kind switch
        {
            Kind.Batch => "NativeBatchNormBackward0",
            Kind.Layer => "NativeLayerNormBackward0",
            _ => "NativeGroupNormBackward0",
        };

        public static Tensor Apply(Kind kind, Tensor input, Tensor? weight, Tensor? bias, NormLayout layout, double eps,
            Tensor? fixedMean, Tensor? fixedVar, out RawTensor? batchMean, out RawTensor? batchVar)
        {
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{OpName(kind)}: expected floating-point input, got {input.DType.TorchName()}; " +
                    "convert with .To(DType.Float32).");
            DType dt = input.DType;
            RawTensor x = RawOps.Reshape(input.Raw, layout.StatsShape);
            RawTensor mean, invstd, xhat;
            batchMean = batchVar = null;
            if (fixedMean is not null && fixedVar is not null)
            {
                int[] view = [1, fixedMean.NumEl, 1];
                mean = RawOps.Reshape(RawOps.Clone(RawOps.Cast(fixedMean.Raw, dt)), view);
                invstd = RawOps.Rsqrt(RawOps.Add(RawOps.Reshape(RawOps.Cast(fixedVar.Raw, dt), view),
                    RawOps.Scalar(eps, dt)));
                xhat = RawOps.Mul(RawOps.Sub(x, mean), invstd);
            }
            else
            {
                int count = 1;
                foreach (int d in layout.StatsDims) count *= layout.StatsShape[d];
                var scale = RawOps.Scalar(1.0 / Math.Max(count, 1), dt);
                mean = RawOps.Mul(RawOps.SumDims(x, layout.StatsDims, keepDim: true), scale);
                var diff = RawOps.Sub(x, mean);
                var var = RawOps.Mul(RawOps.SumDims(RawOps.Mul(diff, diff), layout.StatsDims, keepDim: true), scale);
                invstd = RawOps.Rsqrt(RawOps.Add(var, RawOps.Scalar(eps, dt)));
                xhat = RawOps.Mul(diff, invstd);
                (batchMean, batchVar) = (mean, var);
            }
            RawTensor y = RawOps.Reshape(xhat, layout.AffineShape);
            if (weight is not null) y = RawOps.Mul(y, RawOps.Reshape(Same(weight, dt), layout.GammaView));
            if (bias is not null) y = RawOps.Add(y, RawOps.Reshape(Same(bias, dt), layout.GammaView));
            y = RawOps.Reshape(RawOps.Contiguous(y), input.Raw.Shape);
            return Record(input, weight, bias, y, (kind, layout, eps, mean, invstd, fixedMean is not null),
                static (NativeNormBackward n, Tensor input, Tensor? weight, Tensor? _,
                    (Kind Kind, NormLayout Layout, double Eps, RawTensor Mean, RawTensor Invstd, bool Fixed) s) =>
                {
                    (n._kind, n._layout, n._eps, n._mean, n._invstd, n._fixedStats) = s;
                    n._x = n.Save(input);
                    if (weight is not null) n._gamma = n.Save(weight);
                });
        }

        private static string OpName(Kind kind) => kind switch
        {
            Kind.Batch => "NativeBatchNorm",
            Kind.Layer => "NativeLayerNorm",
            _ => "NativeGroupNorm",
        };

        private static RawTensor Same(Tensor t, DType dt) => t.DType == dt ? t.Raw : RawOps.Cast(t.Raw, dt);

        internal override Tensor?[] Backward(Tensor grad)
        {
            var l = _layout;
            Tensor x = Unpack(_x!).Reshape(l.StatsShape);
            Tensor mean, invstd;
            if (Autograd.IsGradEnabled && !_fixedStats)
            {
                mean = x.Mean(l.StatsDims, keepDim: true);
                invstd = ((x - mean).Square().Mean(l.StatsDims, keepDim: true) + _eps).Rsqrt();
            }
            else (mean, invstd) = (new Tensor(_mean!), new Tensor(_invstd!));
            Tensor xhat = (x - mean) * invstd;
            Tensor dyAffine = grad.Reshape(l.AffineShape);
            Tensor? dGamma = null, dBeta = null, dx = null;
            if (NeedsInputGrad(1))
                dGamma = (dyAffine * xhat.Reshape(l.AffineShape)).Sum(l.AffineDims).Reshape(InputShape(1));
            if (NeedsInputGrad(2)) dBeta = dyAffine.Sum(l.AffineDims).Reshape(InputShape(2));
            if (NeedsInputGrad(0))
            {
                Tensor g = _gamma is null ? dyAffine : dyAffine * Unpack(_gamma).Reshape(l.GammaView);
                g = g.Reshape(l.StatsShape);
                dx = _fixedStats ? g * invstd
                    : invstd * (g - g.Mean(l.StatsDims, keepDim: true)
                        - xhat * (g * xhat).Mean(l.StatsDims, keepDim: true));
                dx = dx.Reshape(InputShape(0));
            }
            return [dx, dGamma, dBeta];
        }
    }
}
