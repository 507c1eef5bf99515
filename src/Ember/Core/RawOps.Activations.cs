using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>
/// Activations: relu, sigmoid, tanh, gelu, silu, leaky_relu, elu, softplus, softmax and log_softmax, with the fused
/// backward kernels nodes use when the backward pass is not itself recorded (no createGraph), so that one pass
/// replaces a chain of tensor ops; the graph the user sees is unchanged.
/// </summary>
internal static partial class RawOps
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Relu(RawTensor a) => Unary<Op.Relu>(a, "relu");
    public static RawTensor Sigmoid(RawTensor a) => FloatUnary<Op.Sigmoid>(a, "sigmoid");
    public static RawTensor Tanh(RawTensor a) => FloatUnary<Op.Tanh>(a, "tanh");
    public static RawTensor Silu(RawTensor a) => FloatUnary<Op.Silu>(a, "silu");

    public static RawTensor Gelu(RawTensor a, bool tanh) =>
        tanh ? FloatUnary<Op.GeluTanh>(a, "gelu") : FloatUnary<Op.Gelu>(a, "gelu");

    public static RawTensor LeakyRelu(RawTensor a, double slope) =>
        FloatParametric<Op.LeakyRelu>(a, slope, 0, "leaky_relu");
    public static RawTensor Elu(RawTensor a, double alpha) => FloatParametric<Op.Elu>(a, alpha, 0, "elu");

    public static RawTensor Softplus(RawTensor a, double beta, double threshold) =>
        FloatParametric<Op.Softplus>(a, beta, threshold, "softplus");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Softmax(RawTensor a, int dim, bool log)
    {
        string op = log ? "log_softmax" : "softmax";
        if (IsHalfPrecision(a)) return Cast(Softmax(Cast(a, DType.Float32), dim, log), a.DType);
        dim = Shapes.WrapDim(dim, a.Rank, op);
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DTypes.DefaultFloat);
        a = Contiguous(a);
        var r = RawTensor.Empty(a.DType, a.Shape);
        return DTypeDispatch.Floating<SoftmaxFunc, RawTensor>(a.DType, new(a, null, r, Block(a.Shape, dim), log), op);
    }

    /// <summary>
    /// <c>grad</c> where <paramref name="output"/> &gt; 0, else 0; with <paramref name="inPlace"/> written into
    /// <paramref name="grad"/> when it is contiguous and of the output's dtype (the kernel reads each element before
    /// writing it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor ReluBackward(RawTensor grad, RawTensor output, bool inPlace = false)
    {
        if (IsHalfPrecision(output))
            return Cast(ReluBackward(Cast(grad, DType.Float32), Cast(output, DType.Float32)), output.DType);
        bool reuse = inPlace && grad.IsContiguous && grad.DType == output.DType
            && System.MemoryExtensions.SequenceEqual<int>(grad.Shape, output.Shape);
        grad = Contiguous(Cast(grad, output.DType));
        output = Contiguous(output);
        var r = reuse ? grad : RawTensor.Empty(output.DType, output.Shape);
        return DTypeDispatch.Floating<ReluBackwardFunc, RawTensor>(output.DType, new(grad, output, r), "relu backward");
    }

    /// <summary>Sigmoid backward from its output: <c>grad · (1 - y) · y</c> in one pass.</summary>
    public static RawTensor SigmoidBackward(RawTensor grad, RawTensor output) =>
        SaturatingBackward(grad, output, tanh: false);

    /// <summary>Tanh backward from its output: <c>grad · (1 - y²)</c> in one pass.</summary>
    public static RawTensor TanhBackward(RawTensor grad, RawTensor output) =>
        SaturatingBackward(grad, output, tanh: true);

    private static RawTensor SaturatingBackward(RawTensor grad, RawTensor output, bool tanh)
    {
        if (IsHalfPrecision(output))
            return Cast(SaturatingBackward(Cast(grad, DType.Float32), Cast(output, DType.Float32), tanh),
                output.DType);
        grad = Contiguous(Cast(grad, output.DType));
        output = Contiguous(output);
        var r = RawTensor.Empty(output.DType, output.Shape);
        return DTypeDispatch.Floating<SaturatingBackwardFunc, RawTensor>(output.DType, new(grad, output, r, tanh),
            tanh ? "tanh backward" : "sigmoid backward");
    }

    /// <summary>Backward of (log-)softmax along <paramref name="dim"/> from its output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor SoftmaxBackward(RawTensor grad, RawTensor output, int dim, bool log)
    {
        if (IsHalfPrecision(output))
            return Cast(SoftmaxBackward(Cast(grad, DType.Float32), Cast(output, DType.Float32), dim, log),
                output.DType);
        grad = Contiguous(Cast(grad, output.DType));
        output = Contiguous(output);
        var r = RawTensor.Empty(output.DType, output.Shape);
        var f = new SoftmaxFunc(output, grad, r, Block(output.Shape, dim), log);
        return DTypeDispatch.Floating<SoftmaxFunc, RawTensor>(output.DType, f, "softmax backward");
    }

    /// <summary>
    /// Softmax forward (<paramref name="dy"/> null) or backward from the output <paramref name="x"/>.
    /// </summary>
    private readonly struct SoftmaxFunc(RawTensor x, RawTensor? dy, RawTensor r, (int Outer, int N,
        int Inner) b, bool log)
        : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (dy is null && log) SoftmaxKernel.LogSoftmax(x.Span<T>(), b.Outer, b.N, b.Inner, r.Span<T>());
            else if (dy is null) SoftmaxKernel.Softmax(x.Span<T>(), b.Outer, b.N, b.Inner, r.Span<T>());
            else if (log) ActivationBackward.LogSoftmax(dy.Span<T>(), x.Span<T>(), b.Outer, b.N, b.Inner, r.Span<T>());
            else ActivationBackward.Softmax(dy.Span<T>(), x.Span<T>(), b.Outer, b.N, b.Inner, r.Span<T>());
            return r;
        }
    }

    private readonly struct SaturatingBackwardFunc(RawTensor dy, RawTensor y, RawTensor r, bool tanh)
        : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (tanh) ActivationBackward.Tanh<T>(dy.Span<T>(), y.Span<T>(), r.Span<T>());
            else ActivationBackward.Sigmoid<T>(dy.Span<T>(), y.Span<T>(), r.Span<T>());
            return r;
        }
    }

    private readonly struct ReluBackwardFunc(RawTensor dy, RawTensor y, RawTensor r) : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ActivationBackward.Relu<T>(dy.Span<T>(), y.Span<T>(), r.Span<T>());
            return r;
        }
    }
}

internal static partial class Op
{
    /// <summary>max(a, 0).</summary>
    internal readonly struct Relu : IUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunUnary<T, ReluOperator<T>>(a, r);
    }

    /// <summary>1 / (1 + e⁻ᵃ).</summary>
    internal readonly struct Sigmoid : IFloatUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, SigmoidOperator<T>>(a, r);
    }

    /// <summary>tanh a.</summary>
    internal readonly struct Tanh : IFloatUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, TanhOperator<T>>(a, r);
    }

    /// <summary>a·σ(a).</summary>
    internal readonly struct Silu : IFloatUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, SiluOperator<T>>(a, r);
    }

    /// <summary>Exact GELU.</summary>
    internal readonly struct Gelu : IFloatUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, GeluOperator<T>>(a, r);
    }

    /// <summary>GELU, tanh approximation.</summary>
    internal readonly struct GeluTanh : IFloatUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, GeluTanhOperator<T>>(a, r);
    }

    /// <summary>a ≥ 0 ? a : slope·a.</summary>
    internal readonly struct LeakyRelu : IFloatParametricFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r, T p0, T p1)
            where T : unmanaged, IFloatingPointIeee754<T> =>
                RawOps.RunParametric<T, LeakyReluOperator<T>>(a, r, p0, p1);
    }

    /// <summary>a &gt; 0 ? a : α·(eᵃ - 1).</summary>
    internal readonly struct Elu : IFloatParametricFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r, T p0, T p1)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunParametric<T, EluOperator<T>>(a, r, p0, p1);
    }

    /// <summary>ln(1 + e^(βa))/β below the threshold.</summary>
    internal readonly struct Softplus : IFloatParametricFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RawTensor Run<T>(RawTensor a, RawTensor r, T p0, T p1)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunParametric<T, SoftplusOperator<T>>(a, r, p0, p1);
    }
}
