using System;
using Ember.Kernels;

namespace Ember.Core;

// Graph-free convolution, pooling, embedding and NLL kernels for Ember.NN. Inputs are made contiguous; float16 and
// bfloat16 compute in float32 (as the rest of the core does). Shapes are checked by the callers in Ember.NN, which
// know the user-facing names.
internal static partial class RawOps
{
    private static RawTensor Float(RawTensor a, DType dt) => Contiguous(a.DType == dt ? a : Cast(a, dt));

    private static DType ComputeType(DType dt, string op) => dt switch
    {
        DType.Float32 or DType.Float16 or DType.BFloat16 => DType.Float32,
        DType.Float64 => DType.Float64,
        _ => throw new NotSupportedException($"{op}: expected a floating-point tensor, got {dt.TorchName()}; convert with .To(DType.Float32)."),
    };

    /// <summary>Convolution <c>y = conv(x, w) + bias</c> for 4-D contiguous-able <paramref name="x"/> (N, C, H, W).</summary>
    public static RawTensor ConvForward(RawTensor x, RawTensor w, RawTensor? bias, ConvGeometry g)
    {
        DType dt = ComputeType(x.DType, "conv"), outDt = x.DType;
        x = Float(x, dt); w = Float(w, dt);
        var b = bias is null ? null : Float(bias, dt);
        var y = RawTensor.Empty(dt, [g.Batch, g.OutChannels, g.OutH, g.OutW]);
        if (y.NumEl > 0)
        {
            if (dt == DType.Float32) Convolution.Forward(x.Data<float>(), x.Offset, w.Data<float>(), w.Offset, b?.Data<float>(), b?.Offset ?? 0, y.Data<float>(), 0, g);
            else Convolution.Forward(x.Data<double>(), x.Offset, w.Data<double>(), w.Offset, b?.Data<double>(), b?.Offset ?? 0, y.Data<double>(), 0, g);
        }
        return outDt == dt ? y : Cast(y, outDt);
    }

    /// <summary>The input gradient of a convolution (= a transposed convolution of <paramref name="dy"/>), shape (N, C, InH, InW).</summary>
    public static RawTensor ConvBackwardInput(RawTensor dy, RawTensor w, ConvGeometry g)
    {
        DType dt = ComputeType(dy.DType, "conv"), outDt = dy.DType;
        dy = Float(dy, dt); w = Float(w, dt);
        var dx = RawTensor.Empty(dt, [g.Batch, g.InChannels, g.InH, g.InW]);
        if (g.OutPlane == 0) Fill(dx, 0);
        else if (dx.NumEl > 0)
        {
            if (dt == DType.Float32) Convolution.BackwardInput(dy.Data<float>(), dy.Offset, w.Data<float>(), w.Offset, dx.Data<float>(), 0, g);
            else Convolution.BackwardInput(dy.Data<double>(), dy.Offset, w.Data<double>(), w.Offset, dx.Data<double>(), 0, g);
        }
        return outDt == dt ? dx : Cast(dx, outDt);
    }

    /// <summary>The weight gradient of a convolution, shape (O, C/groups, KH, KW).</summary>
    public static RawTensor ConvBackwardWeight(RawTensor dy, RawTensor x, ConvGeometry g)
    {
        DType dt = ComputeType(dy.DType, "conv"), outDt = dy.DType;
        dy = Float(dy, dt); x = Float(x, dt);
        var dw = RawTensor.Empty(dt, [g.OutChannels, g.GroupInChannels, g.KH, g.KW]);
        if (g.OutPlane == 0 || g.Batch == 0) Fill(dw, 0);
        else if (dt == DType.Float32) Convolution.BackwardWeight(dy.Data<float>(), dy.Offset, x.Data<float>(), x.Offset, dw.Data<float>(), 0, g);
        else Convolution.BackwardWeight(dy.Data<double>(), dy.Offset, x.Data<double>(), x.Offset, dw.Data<double>(), 0, g);
        return outDt == dt ? dw : Cast(dw, outDt);
    }

    /// <summary>Adds <paramref name="bias"/> (C) to every plane of <paramref name="y"/> (N, C, *) in place; <paramref name="y"/> is fresh and contiguous.</summary>
    public static void AddChannelBias(RawTensor y, RawTensor bias)
    {
        var b = Float(bias, y.DType);
        int n = y.Shape[0], c = y.Shape[1], plane = c == 0 || n == 0 ? 0 : y.NumEl / (n * c);
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                int start = (i * c + ch) * plane;
                if (y.DType == DType.Float32)
                {
                    var s = y.Span<float>().Slice(start, plane);
                    float v = b.Span<float>()[ch];
                    for (int k = 0; k < s.Length; k++) s[k] += v;
                }
                else
                {
                    var s = y.Span<double>().Slice(start, plane);
                    double v = b.Span<double>()[ch];
                    for (int k = 0; k < s.Length; k++) s[k] += v;
                }
            }
    }

    /// <summary>Σ over every dim but 1 of (N, C, *): the bias gradient.</summary>
    public static RawTensor ChannelSum(RawTensor dy)
    {
        DType dt = ComputeType(dy.DType, "conv"), outDt = dy.DType;
        dy = Float(dy, dt);
        int n = dy.Shape[0], c = dy.Shape[1], plane = c == 0 || n == 0 ? 0 : dy.NumEl / (n * c);
        var db = RawTensor.Empty(dt, [c]);
        if (dt == DType.Float32) Convolution.BackwardBias<float>(dy.Span<float>(), n, c, plane, db.Span<float>());
        else Convolution.BackwardBias<double>(dy.Span<double>(), n, c, plane, db.Span<double>());
        return outDt == dt ? db : Cast(db, outDt);
    }

    /// <summary>Max pooling over (P, H, W) planes of <paramref name="x"/>; returns values (x's dtype) and int64 indices, both (P, OutH, OutW) in <paramref name="outShape"/>.</summary>
    public static (RawTensor Values, RawTensor Indices) MaxPool(RawTensor x, PoolGeometry g, int[] outShape)
    {
        DType dt = ComputeType(x.DType, "max_pool"), outDt = x.DType;
        x = Float(x, dt);
        var y = RawTensor.Empty(dt, outShape);
        var idx = RawTensor.Empty(DType.Int64, outShape);
        if (y.NumEl > 0)
        {
            if (dt == DType.Float32) Kernels.MaxPool.Forward(x.Data<float>(), x.Offset, y.Data<float>(), 0, idx.Data<long>(), 0, g);
            else Kernels.MaxPool.Forward(x.Data<double>(), x.Offset, y.Data<double>(), 0, idx.Data<long>(), 0, g);
        }
        return (outDt == dt ? y : Cast(y, outDt), idx);
    }

    /// <summary>Scatters <paramref name="dy"/> to <paramref name="indices"/> in zero planes of <paramref name="inShape"/>.</summary>
    public static RawTensor MaxPoolBackward(RawTensor dy, RawTensor indices, PoolGeometry g, int[] inShape)
    {
        DType dt = ComputeType(dy.DType, "max_pool"), outDt = dy.DType;
        dy = Float(dy, dt);
        indices = Contiguous(indices);
        var dx = RawTensor.Empty(dt, inShape);
        if (dy.NumEl == 0) Fill(dx, 0);
        else if (dt == DType.Float32) Kernels.MaxPool.Backward(dy.Data<float>(), dy.Offset, indices.Data<long>(), indices.Offset, dx.Data<float>(), 0, g);
        else Kernels.MaxPool.Backward(dy.Data<double>(), dy.Offset, indices.Data<long>(), indices.Offset, dx.Data<double>(), 0, g);
        return outDt == dt ? dx : Cast(dx, outDt);
    }

    /// <summary>
    /// Average pooling (or its adjoint when <paramref name="backward"/>) over planes: <paramref name="x"/> is the
    /// input (forward) or the output gradient (backward); the result has <paramref name="outShape"/>.
    /// <paramref name="adaptive"/> selects adaptive windows.
    /// </summary>
    public static RawTensor AvgPool(RawTensor x, PoolGeometry g, int[] outShape, bool countIncludePad, int divisorOverride, bool adaptive, bool backward)
    {
        DType dt = ComputeType(x.DType, "avg_pool"), outDt = x.DType;
        x = Float(x, dt);
        var y = RawTensor.Empty(dt, outShape);
        if (y.NumEl > 0 && x.NumEl == 0) Fill(y, 0);
        else if (y.NumEl > 0)
        {
            if (dt == DType.Float32) Pool(x.Data<float>(), x.Offset, y.Data<float>(), g, countIncludePad, divisorOverride, adaptive, backward);
            else Pool(x.Data<double>(), x.Offset, y.Data<double>(), g, countIncludePad, divisorOverride, adaptive, backward);
        }
        return outDt == dt ? y : Cast(y, outDt);
    }

    private static void Pool<T>(T[] x, int offset, T[] y, PoolGeometry g, bool countIncludePad, int divisorOverride, bool adaptive, bool backward)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (adaptive && backward) Kernels.AvgPool.AdaptiveBackward(x, offset, y, 0, g);
        else if (adaptive) Kernels.AvgPool.AdaptiveForward(x, offset, y, 0, g);
        else if (backward) Kernels.AvgPool.Backward(x, offset, y, 0, g, countIncludePad, divisorOverride);
        else Kernels.AvgPool.Forward(x, offset, y, 0, g, countIncludePad, divisorOverride);
    }

    /// <summary>
    /// Weighted NLL on <paramref name="input"/> viewed as (N, C, S) and <paramref name="target"/> as (N, S): per-element
    /// losses <c>-w[t]·x[n, t, s]</c> (0 where <c>t == ignoreIndex</c>), shape (N, S), and the total weight of the
    /// counted targets (the mean's divisor). Out-of-range targets throw.
    /// </summary>
    public static (RawTensor Losses, double TotalWeight, double LossSum) NllLossNd(RawTensor input, RawTensor target, RawTensor? weight, int n, int c, int s, long ignoreIndex)
    {
        DType dt = ComputeType(input.DType, "nll_loss");
        var x = Float(input, dt);
        var t = Contiguous(Cast(target, DType.Int64)).Span<long>();
        double[]? w = weight is null ? null : Contiguous(Cast(weight, DType.Float64)).Span<double>().ToArray();
        var r = RawTensor.Empty(dt, [n, s]);
        var (total, sum) = dt == DType.Float32
            ? NllLosses(x.Data<float>(), x.Offset, t, w, n, c, s, ignoreIndex, r.Span<float>())
            : NllLosses(x.Data<double>(), x.Offset, t, w, n, c, s, ignoreIndex, r.Span<double>());
        return (input.DType == dt ? r : Cast(r, input.DType), total, sum);
    }

    /// <returns>The total weight of the counted targets and the sum of the losses.</returns>
    private static (double Total, double Sum) NllLosses<T>(T[] x, int offset, ReadOnlySpan<long> t, double[]? w, int n, int c, int s, long ignoreIndex, Span<T> losses)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        double total = 0, sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                long k = t[i * s + j];
                T v = T.Zero;
                if (k != ignoreIndex)
                {
                    if (k < 0 || k >= c)
                        throw new ArgumentOutOfRangeException(nameof(t), $"nll_loss: target {k} at position {i * s + j} is out of bounds for {c} classes (expected 0 <= target < {c}).");
                    double wk = w is null ? 1 : w[k];
                    double loss = -wk * double.CreateTruncating(x[offset + (i * c + (int)k) * s + j]);
                    v = T.CreateTruncating(loss);
                    total += wk;
                    sum += loss;
                }
                losses[i * s + j] = v;
            }
        return (total, sum);
    }

    /// <summary>The NLL gradient coefficients (N, C, S): <c>-w[t]·scale</c> at each counted target class, 0 elsewhere.</summary>
    public static RawTensor NllCoefficients(RawTensor target, RawTensor? weight, int n, int c, int s, long ignoreIndex, double scale, DType dt)
    {
        var t = Contiguous(Cast(target, DType.Int64)).Span<long>();
        double[]? w = weight is null ? null : Contiguous(Cast(weight, DType.Float64)).Span<double>().ToArray();
        if (dt is not (DType.Float32 or DType.Float64))
            return Cast(NllCoefficients(target, weight, n, c, s, ignoreIndex, scale, DType.Float32), dt);
        var r = Full([n, c, s], 0, dt);
        if (dt == DType.Float32) FillNllCoefficients(r.Span<float>(), t, w, n, c, s, ignoreIndex, scale);
        else FillNllCoefficients(r.Span<double>(), t, w, n, c, s, ignoreIndex, scale);
        return r;
    }

    private static void FillNllCoefficients<T>(Span<T> r, ReadOnlySpan<long> t, double[]? w, int n, int c, int s, long ignoreIndex, double scale)
        where T : System.Numerics.INumberBase<T>
    {
        T unweighted = T.CreateTruncating(-scale);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                long k = t[i * s + j];
                if (k == ignoreIndex) continue;
                r[(i * c + (int)k) * s + j] = w is null ? unweighted : T.CreateTruncating(-w[k] * scale);
            }
    }
}
