using System;
using Ember.Core;
using Ember.Graph;
using Ember.Kernels;
namespace Ember.NN
{
    public static partial class F
    {
        /// <summary>2-D max pooling. The graph shows <c>MaxPool2DWithIndicesBackward0</c>.</summary>
        /// <param name="input"><c>(N, C, H, W)</c> or <c>(C, H, W)</c>.</param>
        /// <param name="kernelSize">Window size.</param>
        /// <param name="stride">Window step (the kernel size by default).</param>
        /// <param name="padding">Implicit -∞ padding on both sides (at most half the kernel).</param>
        /// <param name="dilation">Spacing between window elements.</param>
        /// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
        /// <returns><c>(N, C, H_out, W_out)</c>.</returns>
        public static Tensor MaxPool2d(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null,
            Size2? dilation = null, bool ceilMode = false)
        {
            ArgumentNullException.ThrowIfNull(input);
            return MaxPool(input, kernelSize, stride ?? kernelSize, padding ?? 0, dilation ?? 1, ceilMode,
                "max_pool2d", withIndices: false).Output;
        }

        /// <summary>
        /// 2-D max pooling that also returns, for each output, the flat index <c>h·W + w</c> of the maximum in its
        /// input plane (int64), for <c>MaxUnpool2d</c>-style uses.
        /// </summary>
        /// <param name="input"><c>(N, C, H, W)</c> or <c>(C, H, W)</c>.</param>
        /// <param name="kernelSize">Window size.</param>
        /// <param name="stride">Window step (the kernel size by default).</param>
        /// <param name="padding">Implicit -∞ padding on both sides.</param>
        /// <param name="dilation">Spacing between window elements.</param>
        /// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
        public static (Tensor Output, Tensor Indices) MaxPool2dWithIndices(Tensor input, Size2 kernelSize,
            Size2? stride = null, Size2? padding = null, Size2? dilation = null, bool ceilMode = false)
        {
            ArgumentNullException.ThrowIfNull(input);
            return MaxPool(input, kernelSize, stride ?? kernelSize, padding ?? 0, dilation ?? 1, ceilMode,
                "max_pool2d");
        }

        /// <summary>
        /// 1-D max pooling (a 2-D pooling of height 1; the graph shows <c>SqueezeBackward1</c> →
        /// <c>MaxPool2DWithIndicesBackward0</c>, as in PyTorch).
        /// </summary>
        /// <param name="input"><c>(N, C, L)</c> or <c>(C, L)</c>.</param>
        /// <param name="kernelSize">Window size.</param>
        /// <param name="stride">Window step (the kernel size by default).</param>
        /// <param name="padding">Implicit -∞ padding on both sides.</param>
        /// <param name="dilation">Spacing between window elements.</param>
        /// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
        /// <returns><c>(N, C, L_out)</c>.</returns>
        public static Tensor MaxPool1d(Tensor input, int kernelSize, int? stride = null, int padding = 0,
            int dilation = 1, bool ceilMode = false) =>
            MaxPool1dWithIndices(input, kernelSize, stride, padding, dilation, ceilMode).Output;

        /// <summary>1-D max pooling with the index of each maximum along the length (int64).</summary>
        /// <param name="input"><c>(N, C, L)</c> or <c>(C, L)</c>.</param>
        /// <param name="kernelSize">Window size.</param>
        /// <param name="stride">Window step (the kernel size by default).</param>
        /// <param name="padding">Implicit -∞ padding on both sides.</param>
        /// <param name="dilation">Spacing between window elements.</param>
        /// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
        public static (Tensor Output, Tensor Indices) MaxPool1dWithIndices(Tensor input, int kernelSize,
            int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (input.Dim is not (2 or 3))
                throw new ArgumentException(
                    $"max_pool1d: expected 2-D or 3-D input, got {Shapes.Format(input.Shape)}.");
            var (y, idx) = MaxPool(input.Unsqueeze(-2), (1, kernelSize), (1, stride ?? kernelSize), (0, padding),
                (1, dilation),
                ceilMode, "max_pool1d");
            return (y.Squeeze(-2), idx.Squeeze(-2));
        }

        /// <summary>2-D average pooling. The graph shows <c>AvgPool2DBackward0</c>.</summary>
        /// <param name="input"><c>(N, C, H, W)</c> or <c>(C, H, W)</c>.</param>
        /// <param name="kernelSize">Window size.</param>
        /// <param name="stride">Window step (the kernel size by default).</param>
        /// <param name="padding">Implicit zero padding on both sides.</param>
        /// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
        /// <param name="countIncludePad">Whether the padding zeros count in the divisor (PyTorch's default:
        /// true).</param>
        /// <param name="divisorOverride">Divide every window sum by this instead (0: no override).</param>
        public static Tensor AvgPool2d(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null,
            bool ceilMode = false, bool countIncludePad = true, int divisorOverride = 0)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (divisorOverride < 0)
                throw new ArgumentException(
                    $"avg_pool2d: divisorOverride must be positive (or 0 for none), got {divisorOverride}.");
            Size2 s = stride ?? kernelSize, p = padding ?? 0;
            var (x4, planes, h, w) = Planes(input, "avg_pool2d");
            CheckWindow(kernelSize, s, p, 1, "avg_pool2d");
            int oh = PoolGeometry.OutputSize(h, kernelSize.H, s.H, p.H, 1, ceilMode),
                ow = PoolGeometry.OutputSize(w, kernelSize.W, s.W, p.W, 1, ceilMode);
            CheckOutput(oh, ow, input, "avg_pool2d");
            var g = new PoolGeometry(planes, h, w, kernelSize.H, kernelSize.W, s.H, s.W, p.H, p.W, 1, 1, oh, ow);
            return AvgPool2DBackward0.Apply(input, g, countIncludePad, divisorOverride, adaptive: false,
                adjoint: false);
        }

        /// <summary>
        /// 2-D adaptive average pooling to a fixed output size: output cell <c>i</c> averages input rows
        /// <c>[⌊i·H/H_out⌋, ⌈(i+1)·H/H_out⌉)</c>. An output of 1×1 is a mean over H and W (<c>MeanBackward1</c>, as in
        /// PyTorch).
        /// </summary>
        /// <param name="input"><c>(N, C, H, W)</c> or <c>(C, H, W)</c>.</param>
        /// <param name="outputSize"><c>(H_out, W_out)</c> or one int for both.</param>
        public static Tensor AdaptiveAvgPool2d(Tensor input, Size2 outputSize)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (outputSize.H <= 0 || outputSize.W <= 0)
                throw new ArgumentException($"adaptive_avg_pool2d: output size must be positive, got {outputSize}.");
            var (_, planes, h, w) = Planes(input, "adaptive_avg_pool2d");
            if (outputSize.H == 1 && outputSize.W == 1 && h > 0 && w > 0) return input.Mean([-2, -1], keepDim: true);
            var g = new PoolGeometry(planes, h, w, 1, 1, 1, 1, 0, 0, 1, 1, outputSize.H, outputSize.W);
            return AvgPool2DBackward0.Apply(input, g, false, 0, adaptive: true, adjoint: false);
        }

        /// <summary>
        /// <see cref="AdaptiveAvgPool2d(Tensor, Size2)"/> where a null size keeps the input's size along that dim
        /// (PyTorch's <c>output_size=(None, 7)</c>).
        /// </summary>
        /// <param name="input"><c>(N, C, H, W)</c> or <c>(C, H, W)</c>.</param>
        /// <param name="outputH"><c>H_out</c>, or null for the input's H.</param>
        /// <param name="outputW"><c>W_out</c>, or null for the input's W.</param>
        public static Tensor AdaptiveAvgPool2d(Tensor input, int? outputH, int? outputW)
        {
            ArgumentNullException.ThrowIfNull(input);
            var (_, _, h, w) = Planes(input, "adaptive_avg_pool2d");
            return AdaptiveAvgPool2d(input, new Size2(outputH ?? h, outputW ?? w));
        }

        private static (Tensor Output, Tensor Indices) MaxPool(Tensor input, Size2 kernel, Size2 stride, Size2 padding,
            Size2 dilation, bool ceilMode, string op) =>
            MaxPool(input, kernel, stride, padding, dilation, ceilMode, op, withIndices: true)!;

        private static (Tensor Output, Tensor? Indices) MaxPool(Tensor input, Size2 kernel, Size2 stride,
            Size2 padding, Size2 dilation, bool ceilMode, string op, bool withIndices)
        {
            var (_, planes, h, w) = Planes(input, op);
            CheckWindow(kernel, stride, padding, dilation, op);
            int oh = PoolGeometry.OutputSize(h, kernel.H, stride.H, padding.H, dilation.H, ceilMode);
            int ow = PoolGeometry.OutputSize(w, kernel.W, stride.W, padding.W, dilation.W, ceilMode);
            CheckOutput(oh, ow, input, op);
            var g = new PoolGeometry(planes, h, w, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W,
                dilation.H, dilation.W, oh, ow);
            return withIndices ? MaxPool2DWithIndicesBackward0.Apply(input, g)
                : (MaxPool2DWithIndicesBackward0.ApplyValues(input, g), null);
        }

        internal static (RawTensor X, int Planes, int H, int W) Planes(Tensor input, string op)
        {
            if (input.Dim is not (3 or 4))
                throw new ArgumentException(
                    $"{op}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input, got {Shapes.Format(input.Shape)}.");
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{op}: expected floating-point input, got {input.DType.TorchName()}; convert with " +
                    ".To(DType.Float32).");
            int h = input.Shape[^2], w = input.Shape[^1];
            int planes = h * w == 0 ? 0 : input.NumEl / (h * w);
            if (h * w == 0) { planes = 1; for (int i = 0; i < input.Dim - 2; i++) planes *= input.Shape[i]; }
            return (input.Raw, planes, h, w);
        }

        internal static void CheckWindow(Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, string op)
        {
            if (kernel.H <= 0 || kernel.W <= 0 || stride.H <= 0 || stride.W <= 0 || dilation.H <= 0 || dilation.W <= 0)
                throw new ArgumentException(
                    $"{op}: kernel size, stride and dilation must be positive, got kernel={kernel}, stride={stride}, " +
                    $"dilation={dilation}.");
            if (padding.H < 0 || padding.W < 0 || padding.H * 2 > kernel.H || padding.W * 2 > kernel.W)
                throw new ArgumentException(
                    $"{op}: pad should be at most half of the kernel size, but got pad={padding} and " +
                    $"kernel_size={kernel}.");
        }

        internal static void CheckOutput(int oh, int ow, Tensor input, string op)
        {
            if (oh <= 0 || ow <= 0)
                throw new ArgumentException(
                    $"{op}: given input size {Shapes.Format(input.Shape)}, the calculated output size ({oh}x{ow}) is " +
                    "too small.");
        }
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// y[p, o] = max over the window of x[p, ·], i = its flat index; dL/dx = zeros.scatter_add(indices, grad) (indices
    /// kept, or recomputed from the saved input when no index tensor was asked for).
    /// </summary>
    internal sealed class MaxPool2DWithIndicesBackward0 : SingleOutputNode
    {
        private RawTensor? _indices;
        private SavedTensor? _input;
        private PoolGeometry _g;
        public override string Name => "MaxPool2DWithIndicesBackward0";

        /// <summary>Pools <paramref name="input"/> (checked by the caller against <paramref name="g"/>).</summary>
        public static (Tensor Output, Tensor Indices) Apply(Tensor input, PoolGeometry g)
        {
            var (y, idx) = RawOps.MaxPool(input.Raw, g, PoolShape.Output(input, g.OutH, g.OutW));
            Tensor output = Record(input, y, (idx, g), static (MaxPool2DWithIndicesBackward0 n, Tensor _,
                (RawTensor Indices, PoolGeometry G) s) => (n._indices, n._g) = s);
            return (output, new Tensor(idx));
        }

        /// <summary>
        /// Pools <paramref name="input"/> without an index tensor (<c>F.MaxPool2d</c>): the node saves the input, as
        /// PyTorch's does, and its backward recomputes the indices, so a training step allocates no int64 indices.
        /// </summary>
        public static Tensor ApplyValues(Tensor input, PoolGeometry g)
        {
            RawTensor y = RawOps.MaxPoolValues(input.Raw, g, PoolShape.Output(input, g.OutH, g.OutW));
            return Record(input, y, g, static (MaxPool2DWithIndicesBackward0 n, Tensor input, PoolGeometry g) =>
            {
                n._g = g;
                n._input = n.Save(input);
            });
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = InputShape(0);
            if (_input is not null && !Autograd.IsGradEnabled)
                return [new Tensor(RawOps.MaxPoolBackwardFromInput(grad.Raw, Unpack(_input).Raw, _g, shape))];
            RawTensor indices = _indices ?? RawOps.MaxPool(Unpack(_input!).Raw, _g, [_g.Planes, _g.OutPlane]).Indices;
            if (!Autograd.IsGradEnabled) return [new Tensor(RawOps.MaxPoolBackward(grad.Raw, indices, _g, shape))];
            var index = new Tensor(RawOps.Reshape(indices, [_g.Planes, _g.OutPlane]));
            Tensor zeros = Tensor.Zeros([_g.Planes, _g.InPlane], grad.DType);
            return [zeros.ScatterAdd(1, index, grad.Reshape(_g.Planes, _g.OutPlane)).Reshape(shape)];
        }
    }

    /// <summary>
    /// <c>AvgPool2DBackward0</c> / <c>AdaptiveAvgPool2DBackward0</c> and their adjoints
    /// <c>AvgPool2DBackwardBackward0</c> / <c>AdaptiveAvgPool2DBackwardBackward0</c>: average pooling (fixed or
    /// adaptive windows) is a linear map A, y = A·x with dL/dx = Aᵀ·grad, recorded as the adjoint node whose own
    /// backward is A again, so gradients of any order work.
    /// </summary>
    internal sealed class AvgPool2DBackward0 : SingleOutputNode
    {
        private PoolGeometry _g;
        private bool _countIncludePad, _adaptive, _adjoint;
        private int _divisor;
        private int[] _otherShape = [];

        public override string Name => (_adaptive, _adjoint) switch
        {
            (false, false) => "AvgPool2DBackward0",
            (false, true) => "AvgPool2DBackwardBackward0",
            (true, false) => "AdaptiveAvgPool2DBackward0",
            _ => "AdaptiveAvgPool2DBackwardBackward0",
        };

        public static Tensor Apply(Tensor input, PoolGeometry g, bool countIncludePad, int divisor, bool adaptive,
            bool adjoint, int[]? adjointShape = null)
        {
            int[] outShape = adjoint ? adjointShape! : PoolShape.Output(input, g.OutH, g.OutW);
            var y = RawOps.AvgPool(input.Raw, g, outShape, countIncludePad, divisor, adaptive, adjoint);
            return Record(input, y, (g, countIncludePad, adaptive, adjoint, divisor),
                static (AvgPool2DBackward0 n, Tensor input,
                    (PoolGeometry G, bool Pad, bool Adaptive, bool Adjoint, int Div) s) =>
                    (n._g, n._countIncludePad, n._adaptive, n._adjoint, n._divisor, n._otherShape) =
                        (s.G, s.Pad, s.Adaptive, s.Adjoint, s.Div, input.Shape.ToArray()));
        }

        internal override Tensor?[] Backward(Tensor grad) =>
            [Apply(grad, _g, _countIncludePad, _divisor, _adaptive, !_adjoint, _otherShape)];
    }

    /// <summary>Pooling output shapes.</summary>
    internal static class PoolShape
    {
        /// <summary>
        /// <paramref name="input"/>'s shape with the last two dims replaced by <paramref name="oh"/>,
        /// <paramref name="ow"/>.
        /// </summary>
        public static int[] Output(Tensor input, int oh, int ow)
        {
            int[] s = input.Shape.ToArray();
            s[^2] = oh; s[^1] = ow;
            return s;
        }
    }
}
