using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

// Graph-free convolution kernels for Ember.NN. Inputs are made contiguous; float16 and bfloat16 compute in float32
// (as the rest of the core does). Shapes are checked by the callers in Ember.NN, which know the user-facing names.
internal static partial class RawOps
{
    /// <summary><paramref name="a"/> in dtype <paramref name="dt"/>, contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RawTensor Float(RawTensor a, DType dt) => Contiguous(a.DType == dt ? a : Cast(a, dt));

    /// <summary>
    /// Convolution <c>y = conv(x, w) + bias</c> for 4-D contiguous-able <paramref name="x"/> (N, C, H, W).
    /// </summary>
    public static RawTensor ConvForward(RawTensor x, RawTensor w, RawTensor? bias, ConvGeometry g)
    {
        DType dt = DTypeDispatch.FloatComputeType(x.DType, "conv");
        var y = RawTensor.Empty(dt, [g.Batch, g.OutChannels, g.OutH, g.OutW]);
        if (y.NumEl > 0)
        {
            var f = new ConvFunc(ConvPass.Forward, Float(x, dt), Float(w, dt),
                bias is null ? null : Float(bias, dt), y, g);
            DTypeDispatch.Floating<ConvFunc, RawTensor>(dt, f, "conv");
        }
        return Cast(y, x.DType);
    }

    /// <summary>
    /// The input gradient of a convolution (= a transposed convolution of <paramref name="dy"/>), shape (N, C, InH,
    /// InW).
    /// </summary>
    public static RawTensor ConvBackwardInput(RawTensor dy, RawTensor w, ConvGeometry g)
    {
        DType dt = DTypeDispatch.FloatComputeType(dy.DType, "conv");
        var dx = RawTensor.Empty(dt, [g.Batch, g.InChannels, g.InH, g.InW]);
        if (g.OutPlane == 0) Fill(dx, 0);
        else if (dx.NumEl > 0)
            DTypeDispatch.Floating<ConvFunc, RawTensor>(dt,
                new(ConvPass.Input, Float(dy, dt), Float(w, dt), null, dx, g), "conv");
        return Cast(dx, dy.DType);
    }

    /// <summary>The weight gradient of a convolution, shape (O, C/groups, KH, KW).</summary>
    public static RawTensor ConvBackwardWeight(RawTensor dy, RawTensor x, ConvGeometry g)
    {
        DType dt = DTypeDispatch.FloatComputeType(dy.DType, "conv");
        var dw = RawTensor.Empty(dt, [g.OutChannels, g.GroupInChannels, g.KH, g.KW]);
        if (g.OutPlane == 0 || g.Batch == 0) Fill(dw, 0);
        else DTypeDispatch.Floating<ConvFunc, RawTensor>(dt,
            new(ConvPass.Weight, Float(dy, dt), Float(x, dt), null, dw, g), "conv");
        return Cast(dw, dy.DType);
    }

    /// <summary>
    /// Adds <paramref name="bias"/> (C) to every plane of <paramref name="y"/> (N, C, *) in place; <paramref
    /// name="y"/> is fresh and contiguous.
    /// </summary>
    public static void AddChannelBias(RawTensor y, RawTensor bias) =>
        DTypeDispatch.Floating<ChannelBiasFunc, RawTensor>(y.DType, new(y, Float(bias, y.DType), null), "conv");

    /// <summary>Σ over every dim but 1 of (N, C, *): the bias gradient.</summary>
    public static RawTensor ChannelSum(RawTensor dy)
    {
        DType dt = DTypeDispatch.FloatComputeType(dy.DType, "conv");
        var db = RawTensor.Empty(dt, [dy.Shape[1]]);
        DTypeDispatch.Floating<ChannelBiasFunc, RawTensor>(dt, new(Float(dy, dt), null, db), "conv");
        return Cast(db, dy.DType);
    }

    private enum ConvPass { Forward, Input, Weight }

    /// <summary>
    /// One convolution pass; <paramref name="p"/> and <paramref name="q"/> are its two inputs in kernel order.
    /// </summary>
    private readonly struct ConvFunc(ConvPass pass, RawTensor p, RawTensor q, RawTensor? bias, RawTensor r,
        ConvGeometry g)
        : IFloatFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (pass == ConvPass.Forward)
                Convolution.Forward(p.Data<T>(), p.Offset, q.Data<T>(), q.Offset, bias?.Data<T>(),
                    bias?.Offset ?? 0, r.Data<T>(), 0, g);
            else if (pass == ConvPass.Input) Convolution.BackwardInput(p.Data<T>(), p.Offset, q.Data<T>(),
                q.Offset, r.Data<T>(), 0, g);
            else Convolution.BackwardWeight(p.Data<T>(), p.Offset, q.Data<T>(), q.Offset, r.Data<T>(), 0, g);
            return r;
        }
    }

    /// <summary>
    /// Adds a per-channel bias to <paramref name="y"/> (when <paramref name="bias"/> is given), or sums <paramref
    /// name="y"/> per channel into <paramref name="sum"/>.
    /// </summary>
    private readonly struct ChannelBiasFunc(RawTensor y, RawTensor? bias, RawTensor? sum) : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = y.Shape[0], c = y.Shape[1], plane = c == 0 || n == 0 ? 0 : y.NumEl / (n * c);
            if (sum is not null)
            {
                Convolution.BackwardBias<T>(y.Span<T>(), n, c, plane, sum.Span<T>());
                return sum;
            }
            ReadOnlySpan<T> b = bias!.Span<T>();
            Span<T> all = y.Span<T>();
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                {
                    Span<T> s = all.Slice((i * c + ch) * plane, plane);
                    T v = b[ch];
                    for (int k = 0; k < s.Length; k++) s[k] += v;
                }
            return y;
        }
    }
}
