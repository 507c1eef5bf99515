using System;
using Ember.Core;
using Ember.Graph;
using Ember.Kernels;
namespace Ember.NN
{
    public static partial class F
    {
        /// <summary>
        /// 2-D convolution (cross-correlation, as in PyTorch). The graph shows one <c>ConvolutionBackward0</c> node.
        /// </summary>
        /// <param name="input"><c>(N, C_in, H, W)</c> or unbatched <c>(C_in, H, W)</c>.</param>
        /// <param name="weight"><c>(C_out, C_in / groups, kH, kW)</c>.</param>
        /// <param name="bias"><c>(C_out)</c> or null.</param>
        /// <param name="stride">Step of the window (1 by default).</param>
        /// <param name="padding">Zero padding: an int, <c>(padH, padW)</c>, <c>"valid"</c> or <c>"same"</c> (0 by
        /// default).</param>
        /// <param name="dilation">Spacing between kernel taps (1 by default).</param>
        /// <param name="groups">Split channels into this many independent groups.</param>
        /// <returns><c>(N, C_out, H_out, W_out)</c> with
        /// <c>H_out = ⌊(H + 2·padH - dH·(kH-1) - 1)/sH⌋ + 1</c>.</returns>
        public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null,
            Padding? padding = null, Size2? dilation = null, int groups = 1)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(weight);
            if (weight.Dim != 4)
                throw new ArgumentException(
                    $"conv2d: expected a 4-D weight (C_out, C_in/groups, kH, kW), got {Shapes.Format(weight.Shape)}.");
            return Convolve(input, weight, bias, stride ?? 1, padding ?? 0, dilation ?? 1, groups, oneD: false,
                "conv2d");
        }

        /// <summary>1-D convolution. The graph shows one <c>ConvolutionBackward0</c> node.</summary>
        /// <param name="input"><c>(N, C_in, L)</c> or unbatched <c>(C_in, L)</c>.</param>
        /// <param name="weight"><c>(C_out, C_in / groups, k)</c>.</param>
        /// <param name="bias"><c>(C_out)</c> or null.</param>
        /// <param name="stride">Step of the window.</param>
        /// <param name="padding">Zero padding: an int, <c>"valid"</c> or <c>"same"</c>.</param>
        /// <param name="dilation">Spacing between kernel taps.</param>
        /// <param name="groups">Split channels into this many independent groups.</param>
        /// <returns><c>(N, C_out, L_out)</c>.</returns>
        public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1,
            Padding? padding = null, int dilation = 1, int groups = 1)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(weight);
            if (weight.Dim != 3)
                throw new ArgumentException(
                    $"conv1d: expected a 3-D weight (C_out, C_in/groups, k), got {Shapes.Format(weight.Shape)}.");
            Padding p = padding ?? 0;
            if (p.Mode is null && p.H != p.W) throw new ArgumentException($"conv1d: padding must be one int, got {p}.");
            return Convolve(input, weight, bias, (1, stride), p.Mode is null ? (0, p.W) : p, (1, dilation), groups,
                oneD: true, "conv1d");
        }

        /// <summary>
        /// 2-D transposed convolution (the gradient of <see cref="Conv2d"/> with respect to its input;
        /// "deconvolution").
        /// </summary>
        /// <param name="input"><c>(N, C_in, H, W)</c> or unbatched <c>(C_in, H, W)</c>.</param>
        /// <param name="weight"><c>(C_in, C_out / groups, kH, kW)</c>.</param>
        /// <param name="bias"><c>(C_out)</c> or null.</param>
        /// <param name="stride">Step of the window.</param>
        /// <param name="padding">Implicit zero padding <c>dilation·(k-1) - padding</c> of the input, i.e. rows cropped
        /// from the output.</param>
        /// <param name="outputPadding">Extra rows/columns on one side of the output (less than the stride or the
        /// dilation).</param>
        /// <param name="groups">Split channels into this many independent groups.</param>
        /// <param name="dilation">Spacing between kernel taps.</param>
        /// <returns><c>(N, C_out, H_out, W_out)</c>,
        /// <c>H_out = (H-1)·sH - 2·padH + dH·(kH-1) + outPadH + 1</c>.</returns>
        public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null,
            Size2? padding = null, Size2? outputPadding = null, int groups = 1, Size2? dilation = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(weight);
            if (weight.Dim != 4)
                throw new ArgumentException(
                    "conv_transpose2d: expected a 4-D weight (C_in, C_out/groups, kH, kW), got " +
                    $"{Shapes.Format(weight.Shape)}.");
            return ConvolveTransposed(input, weight, bias, stride ?? 1, padding ?? 0, outputPadding ?? 0,
                dilation ?? 1, groups);
        }

        private static Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, Size2 stride, Padding padding,
            Size2 dilation, int groups, bool oneD, string op)
        {
            bool unbatched = input.Dim == weight.Dim - 1;
            if (unbatched) input = input.Unsqueeze(0);
            if (input.Dim != weight.Dim)
                throw new ArgumentException(
                    $"{op}: expected {weight.Dim - 1}-D (unbatched) or {weight.Dim}-D (batched) input, got " +
                    $"{Shapes.Format(input.Shape)}.");
            CheckConvTypes(input, weight, bias, op);
            if (groups <= 0) throw new ArgumentException($"{op}: groups must be positive, got {groups}.");
            if (stride.H <= 0 || stride.W <= 0 || dilation.H <= 0 || dilation.W <= 0)
                throw new ArgumentException(
                    $"{op}: stride and dilation must be positive, got stride={stride}, dilation={dilation}.");
            int n = input.Shape[0], c = input.Shape[1], o = weight.Shape[0];
            int h = oneD ? 1 : input.Shape[2], w = input.Shape[^1];
            int kh = oneD ? 1 : weight.Shape[2], kw = weight.Shape[^1];
            if (kh <= 0 || kw <= 0)
                throw new ArgumentException(
                    $"{op}: the kernel must be non-empty, got weight of shape {Shapes.Format(weight.Shape)}.");
            if (o % groups != 0)
                throw new ArgumentException($"{op}: out_channels ({o}) must be divisible by groups ({groups}).");
            if (weight.Shape[1] * groups != c)
                throw new ArgumentException(
                    $"{op}: given groups={groups}, weight of size {Shapes.Format(weight.Shape)}, expected " +
                    $"input{Shapes.Format(input.Shape)} to have {weight.Shape[1] * groups} channels, but got {c} " +
                    "channels instead.");
            if (bias is not null && (bias.Dim != 1 || bias.Shape[0] != o))
                throw new ArgumentException($"{op}: expected bias of shape [{o}], got {Shapes.Format(bias.Shape)}.");
            int padTop, padLeft, padH, padW;   // before, and total
            if (padding.Mode == "same")
            {
                if (stride.H != 1 || stride.W != 1)
                    throw new ArgumentException(
                        $"{op}: padding='same' is not supported for strided convolutions (stride={stride}).");
                padH = dilation.H * (kh - 1); padW = dilation.W * (kw - 1);
                padTop = padH / 2; padLeft = padW / 2;
            }
            else
            {
                padTop = padding.H; padLeft = padding.W; padH = 2 * padding.H; padW = 2 * padding.W;
            }
            int oh = ConvGeometry.OutputSize(h, kh, stride.H, padH, dilation.H),
                ow = ConvGeometry.OutputSize(w, kw, stride.W, padW, dilation.W);
            if (oh <= 0 || ow <= 0 || h + padH < dilation.H * (kh - 1) + 1 || w + padW < dilation.W * (kw - 1) + 1)
                throw new ArgumentException(
                    $"{op}: kernel size {(oneD ? kw.ToString() : $"({kh}, {kw})")} (dilated) can't be greater than " +
                    "the padded input size per channel " +
                    $"{(oneD ? (w + padW).ToString() : $"({h + padH} x {w + padW})")}; calculated output size per " +
                    $"channel would be {(oneD ? ow.ToString() : $"({oh} x {ow})")}.");
            var g = new ConvGeometry(n, c, h, w, o, kh, kw, stride.H, stride.W, padTop, padLeft, dilation.H, dilation.W,
                groups, oh, ow);
            Tensor y = ConvolutionBackward0.Apply(input, weight, bias, g, transposed: false, oneD);
            return unbatched ? y.Squeeze(0) : y;
        }

        private static Tensor ConvolveTransposed(Tensor input, Tensor weight, Tensor? bias, Size2 stride,
            Size2 padding, Size2 outputPadding, Size2 dilation, int groups)
        {
            const string op = "conv_transpose2d";
            bool unbatched = input.Dim == 3;
            if (unbatched) input = input.Unsqueeze(0);
            if (input.Dim != 4)
                throw new ArgumentException(
                    $"{op}: expected 3-D (unbatched) or 4-D (batched) input, got {Shapes.Format(input.Shape)}.");
            CheckConvTypes(input, weight, bias, op);
            if (groups <= 0 || stride.H <= 0 || stride.W <= 0 || dilation.H <= 0 || dilation.W <= 0
                || padding.H < 0 || padding.W < 0)
                throw new ArgumentException(
                    $"{op}: groups, stride and dilation must be positive and padding non-negative.");
            if (outputPadding.H < 0 || outputPadding.W < 0
                || (outputPadding.H >= stride.H && outputPadding.H >= dilation.H)
                || (outputPadding.W >= stride.W && outputPadding.W >= dilation.W))
                throw new ArgumentException(
                    $"{op}: output padding must be smaller than either stride or dilation, got " +
                    $"outputPadding={outputPadding}, stride={stride}, dilation={dilation}.");
            int n = input.Shape[0], cin = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
            if (weight.Shape[0] != cin)
                throw new ArgumentException(
                    $"{op}: given transposed=1, weight of size {Shapes.Format(weight.Shape)}, expected " +
                    $"input{Shapes.Format(input.Shape)} to have {weight.Shape[0]} channels, but got {cin} channels " +
                    "instead.");
            if (cin % groups != 0)
                throw new ArgumentException($"{op}: in_channels ({cin}) must be divisible by groups ({groups}).");
            int cout = weight.Shape[1] * groups, kh = weight.Shape[2], kw = weight.Shape[3];
            if (kh <= 0 || kw <= 0)
                throw new ArgumentException(
                    $"{op}: the kernel must be non-empty, got weight of shape {Shapes.Format(weight.Shape)}.");
            if (bias is not null && (bias.Dim != 1 || bias.Shape[0] != cout))
                throw new ArgumentException($"{op}: expected bias of shape [{cout}], got {Shapes.Format(bias.Shape)}.");
            int oh = (h - 1) * stride.H - 2 * padding.H + dilation.H * (kh - 1) + outputPadding.H + 1;
            int ow = (w - 1) * stride.W - 2 * padding.W + dilation.W * (kw - 1) + outputPadding.W + 1;
            if (oh <= 0 || ow <= 0)
                throw new ArgumentException(
                    $"{op}: calculated output size ({oh} x {ow}) is too small for input {Shapes.Format(input.Shape)}.");
            // The geometry of the convolution whose input gradient this is: it maps (N, C_out, oh, ow) to
            // (N, C_in, h, w).
            var g = new ConvGeometry(n, cout, oh, ow, cin, kh, kw, stride.H, stride.W, padding.H, padding.W, dilation.H,
                dilation.W, groups, h, w);
            Tensor y = ConvolutionBackward0.Apply(input, weight, bias, g, transposed: true, oneD: false);
            return unbatched ? y.Squeeze(0) : y;
        }

        private static void CheckConvTypes(Tensor input, Tensor weight, Tensor? bias, string op)
        {
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{op}: expected floating-point input, got {input.DType.TorchName()} " +
                    $"{Shapes.Format(input.Shape)}; convert with .To(DType.Float32).");
            if (input.DType != weight.DType || (bias is not null && bias.DType != weight.DType))
                throw new ArgumentException(
                    $"{op}: input type ({input.DType.TorchName()}) and weight type ({weight.DType.TorchName()}) " +
                    $"should be the same; convert the input with .To(DType.{weight.DType}).");
        }
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// y = conv(x, w) + b (or its transpose, y = convᵀ(x, w) + b); dL/dx = convᵀ(grad, w) (conv(grad, w) for the
    /// transpose), dL/dw = Σₙ grad ⊗ im2col(x) (roles of grad and x swapped for the transpose), dL/db = Σ grad over all
    /// dims but 1. With createGraph the input gradient is recorded as the opposite convolution (so it is differentiable
    /// again); a recorded weight gradient is not supported yet and says so.
    /// </summary>
    internal sealed class ConvolutionBackward0 : SingleOutputNode
    {
        private SavedTensor? _x, _w;
        private ConvGeometry _g;
        private bool _transposed, _oneD;
        public override string Name => "ConvolutionBackward0";

        /// <summary>
        /// The op on checked shapes. <paramref name="transposed"/>: x is (N, O, OutH, OutW) of <paramref name="g"/> and
        /// y is (N, C, InH, InW).
        /// </summary>
        internal static Tensor Apply(Tensor x, Tensor w, Tensor? b, ConvGeometry g, bool transposed, bool oneD)
        {
            RawTensor x4 = To4D(x.Raw, oneD), w4 = To4D(w.Raw, oneD);
            RawTensor y;
            if (!transposed) y = RawOps.ConvForward(x4, w4, b?.Raw, g);
            else
            {
                y = RawOps.ConvBackwardInput(x4, w4, g);
                if (b is not null) RawOps.AddChannelBias(y, b.Raw);
            }
            if (oneD) y = RawOps.Reshape(y, [y.Shape[0], y.Shape[1], y.Shape[3]]);
            return Record(x, w, b, y, (g, transposed, oneD),
                static (ConvolutionBackward0 n, Tensor x, Tensor? w, Tensor? _,
                    (ConvGeometry G, bool Transposed, bool OneD) s) =>
                {
                    (n._g, n._transposed, n._oneD) = s;
                    if (w!.RequiresGrad) n._x = n.Save(x);
                    n._w = n.Save(w);
                });
        }

        private static RawTensor To4D(RawTensor t, bool oneD) =>
            oneD ? RawOps.Reshape(t, [t.Shape[0], t.Shape[1], 1, t.Shape[2]]) : t;

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor w = Unpack(_w!);
            int[] sumDims = _oneD ? [0, 2] : [0, 2, 3];
            if (Autograd.IsGradEnabled)
            {
                if (NeedsInputGrad(1))
                    throw new NotSupportedException(
                        "double backward of ConvolutionBackward0 with respect to the weight is not supported yet; " +
                        "freeze the weight (RequiresGrad_(false)) or compute first-order gradients only " +
                        "(createGraph: false).");
                Tensor? gx = NeedsInputGrad(0) ? Apply(grad, w, null, _g, !_transposed, _oneD) : null;
                return [gx, null, NeedsInputGrad(2) ? grad.Sum(sumDims) : null];
            }
            RawTensor g4 = To4D(grad.Raw, _oneD);
            RawTensor? dx = null, dw = null, db = null;
            if (NeedsInputGrad(0))
                dx = _transposed
                    ? RawOps.ConvForward(g4, To4D(w.Raw, _oneD), null, _g)
                    : RawOps.ConvBackwardInput(g4, To4D(w.Raw, _oneD), _g);
            if (NeedsInputGrad(1))
            {
                RawTensor x4 = To4D(Unpack(_x!).Raw, _oneD);
                dw = _transposed ? RawOps.ConvBackwardWeight(x4, g4, _g) : RawOps.ConvBackwardWeight(g4, x4, _g);
            }
            if (NeedsInputGrad(2)) db = RawOps.ChannelSum(g4);
            return [dx is null ? null : new Tensor(RawOps.Reshape(dx, InputShape(0))),
                    dw is null ? null : new Tensor(RawOps.Reshape(dw, InputShape(1))),
                    db is null ? null : new Tensor(db)];
        }
    }
}
