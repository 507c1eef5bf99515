using System.Buffers;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Max and average pooling (plain and adaptive) over (P, H, W) planes, forward and backward.</summary>
internal static partial class RawOps
{
    /// <summary>
    /// Max pooling over (P, H, W) planes of <paramref name="x"/>; returns values (x's dtype) and int64 indices, both
    /// (P, OutH, OutW) in <paramref name="outShape"/>.
    /// </summary>
    public static (RawTensor Values, RawTensor Indices) MaxPool(RawTensor x, PoolGeometry g, int[] outShape)
    {
        DType dt = DTypeDispatch.FloatComputeType(x.DType, "max_pool");
        var y = RawTensor.Empty(dt, outShape);
        var idx = RawTensor.Empty(DType.Int64, outShape);
        if (y.NumEl > 0)
            DTypeDispatch.Floating<MaxPoolFunc, RawTensor>(dt, new(Float(x, dt), idx, y, g, backward: false),
                "max_pool");
        return (Cast(y, x.DType), idx);
    }

    /// <summary>
    /// Max pooling values only (<see cref="MaxPool"/> without the int64 index tensor): the kernel's indices go to
    /// a pooled buffer, so a plain <c>MaxPool2d</c> allocates just its output.
    /// </summary>
    public static RawTensor MaxPoolValues(RawTensor x, PoolGeometry g, int[] outShape)
    {
        DType dt = DTypeDispatch.FloatComputeType(x.DType, "max_pool");
        var y = RawTensor.Empty(dt, outShape);
        if (y.NumEl > 0)
            DTypeDispatch.Floating<MaxPoolScratchFunc, RawTensor>(dt, new(Float(x, dt), null, y, g), "max_pool");
        return Cast(y, x.DType);
    }

    /// <summary>
    /// The input gradient of max pooling from the saved input <paramref name="x"/>: the window maxima's indices are
    /// recomputed by the forward kernel (the same rule, so the same indices) into a pooled buffer, then
    /// <paramref name="dy"/> is scattered to them in zero planes of <paramref name="inShape"/>.
    /// </summary>
    public static RawTensor MaxPoolBackwardFromInput(RawTensor dy, RawTensor x, PoolGeometry g, int[] inShape)
    {
        DType dt = DTypeDispatch.FloatComputeType(dy.DType, "max_pool");
        var dx = RawTensor.Empty(dt, inShape);
        if (dy.NumEl == 0) Fill(dx, 0);
        else DTypeDispatch.Floating<MaxPoolScratchFunc, RawTensor>(dt,
            new(Float(x, dt), Float(dy, dt), dx, g), "max_pool");
        return Cast(dx, dy.DType);
    }

    /// <summary>
    /// Scatters <paramref name="dy"/> to <paramref name="indices"/> in zero planes of <paramref name="inShape"/>.
    /// </summary>
    public static RawTensor MaxPoolBackward(RawTensor dy, RawTensor indices, PoolGeometry g, int[] inShape)
    {
        DType dt = DTypeDispatch.FloatComputeType(dy.DType, "max_pool");
        var dx = RawTensor.Empty(dt, inShape);
        if (dy.NumEl == 0) Fill(dx, 0);
        else DTypeDispatch.Floating<MaxPoolFunc, RawTensor>(dt,
            new(Float(dy, dt), Contiguous(indices), dx, g, backward: true), "max_pool");
        return Cast(dx, dy.DType);
    }

    /// <summary>
    /// Average pooling (or its adjoint when <paramref name="backward"/>) over planes: <paramref name="x"/> is the
    /// input (forward) or the output gradient (backward); the result has <paramref name="outShape"/>.
    /// <paramref name="adaptive"/> selects adaptive windows.
    /// </summary>
    public static RawTensor AvgPool(RawTensor x, PoolGeometry g, int[] outShape, bool countIncludePad,
        int divisorOverride,
        bool adaptive, bool backward)
    {
        DType dt = DTypeDispatch.FloatComputeType(x.DType, "avg_pool");
        var y = RawTensor.Empty(dt, outShape);
        if (y.NumEl > 0 && x.NumEl == 0) Fill(y, 0);
        else if (y.NumEl > 0)
        {
            var f = new AvgPoolFunc(Float(x, dt), y, g, countIncludePad, divisorOverride, adaptive, backward);
            DTypeDispatch.Floating<AvgPoolFunc, RawTensor>(dt, f, "avg_pool");
        }
        return Cast(y, x.DType);
    }

    /// <summary>
    /// Max pooling forward (<paramref name="x"/> the input) or backward (<paramref name="x"/> the output gradient).
    /// </summary>
    private readonly struct MaxPoolFunc(RawTensor x, RawTensor idx, RawTensor r, PoolGeometry g, bool backward)
        : IFloatFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (backward) Kernels.MaxPool.Backward(x.Data<T>(), x.Offset, idx.Data<long>(), idx.Offset,
                r.Data<T>(), 0, g);
            else Kernels.MaxPool.Forward(x.Data<T>(), x.Offset, r.Data<T>(), 0, idx.Data<long>(), 0, g);
            return r;
        }
    }

    /// <summary>
    /// Max pooling with its indices in a pooled buffer: the forward of <paramref name="x"/> into
    /// <paramref name="r"/> when <paramref name="dy"/> is null, else the backward of <paramref name="dy"/> into
    /// <paramref name="r"/> (values into a second pooled buffer first).
    /// </summary>
    private readonly struct MaxPoolScratchFunc(RawTensor x, RawTensor? dy, RawTensor r, PoolGeometry g)
        : IFloatFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outSize = g.Planes * g.OutPlane;
            long[] idx = ArrayPool<long>.Shared.Rent(outSize);
            T[]? values = dy is null ? null : ArrayPool<T>.Shared.Rent(outSize);
            try
            {
                if (dy is null)
                {
                    Kernels.MaxPool.Forward(x.Data<T>(), x.Offset, r.Data<T>(), 0, idx, 0, g);
                    return r;
                }
                Kernels.MaxPool.Forward(x.Data<T>(), x.Offset, values!, 0, idx, 0, g);
                Kernels.MaxPool.Backward(dy.Data<T>(), dy.Offset, idx, 0, r.Data<T>(), 0, g);
                return r;
            }
            finally
            {
                ArrayPool<long>.Shared.Return(idx);
                if (values is not null) ArrayPool<T>.Shared.Return(values);
            }
        }
    }

    private readonly struct AvgPoolFunc(RawTensor x, RawTensor y, PoolGeometry g, bool countIncludePad,
        int divisorOverride,
        bool adaptive, bool backward) : IFloatFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] src = x.Data<T>(), dst = y.Data<T>();
            if (adaptive && backward) Kernels.AvgPool.AdaptiveBackward(src, x.Offset, dst, 0, g);
            else if (adaptive) Kernels.AvgPool.AdaptiveForward(src, x.Offset, dst, 0, g);
            else if (backward) Kernels.AvgPool.Backward(src, x.Offset, dst, 0, g, countIncludePad, divisorOverride);
            else Kernels.AvgPool.Forward(src, x.Offset, dst, 0, g, countIncludePad, divisorOverride);
            return y;
        }
    }
}
