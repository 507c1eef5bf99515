using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Average pooling (PyTorch's CPU semantics): a window is clipped to the padded input for the default divisor
/// and to the real input for the sum; <c>countIncludePad</c> picks which size divides, and a divisor override
/// replaces both. Also adaptive average pooling, whose window for output <c>i</c> is
/// <c>[⌊i·In/Out⌋, ⌈(i+1)·In/Out⌉)</c>.
/// </summary>
public static class AvgPool
{
    /// <summary><paramref name="y"/> <c>(Planes, OutH, OutW)</c> from <paramref name="x"/>
    /// <c>(Planes, InH, InW)</c>.</summary>
    public static void Forward<T>(T[] x, int xOffset, T[] y, int yOffset, PoolGeometry g, bool countIncludePad,
        int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var task = new Task<T>(x, xOffset, y, yOffset, g, countIncludePad, divisorOverride, false, false,
            PlaneParallel.Chunks(g.Planes, (long)g.Planes * g.OutPlane * g.KH * g.KW));
        WorkerPool.For(task.Chunks, ref task);
    }

    /// <summary><paramref name="dx"/> <c>(Planes, InH, InW)</c> (overwritten) from <paramref name="dy"/>
    /// <c>(Planes, OutH, OutW)</c>.</summary>
    public static void Backward<T>(T[] dy, int dyOffset, T[] dx, int dxOffset, PoolGeometry g, bool countIncludePad,
        int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var task = new Task<T>(dy, dyOffset, dx, dxOffset, g, countIncludePad, divisorOverride, true, false,
            PlaneParallel.Chunks(g.Planes, (long)g.Planes * g.OutPlane * g.KH * g.KW));
        WorkerPool.For(task.Chunks, ref task);
    }

    /// <summary>Adaptive average pooling: <paramref name="y"/> <c>(Planes, OutH, OutW)</c> from <paramref name="x"/>
    /// <c>(Planes, InH, InW)</c>; kernel/stride fields of <paramref name="g"/> are ignored.</summary>
    public static void AdaptiveForward<T>(T[] x, int xOffset, T[] y, int yOffset, PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var task = new Task<T>(x, xOffset, y, yOffset, g, false, 0, false, true,
            PlaneParallel.Chunks(g.Planes, (long)g.Planes * g.InPlane));
        WorkerPool.For(task.Chunks, ref task);
    }

    /// <summary>Backward of <see cref="AdaptiveForward{T}"/>: <paramref name="dx"/> overwritten.</summary>
    public static void AdaptiveBackward<T>(T[] dy, int dyOffset, T[] dx, int dxOffset, PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var task = new Task<T>(dy, dyOffset, dx, dxOffset, g, false, 0, true, true,
            PlaneParallel.Chunks(g.Planes, (long)g.Planes * g.InPlane));
        WorkerPool.For(task.Chunks, ref task);
    }

    /// <summary>The window of output <paramref name="o"/> along one dim: its start, end (exclusive, clipped to the
    /// input) and divisor.</summary>
    private static (int Start, int End, int PaddedSize) Window(int o, int stride, int pad, int kernel, int input)
    {
        int start = o * stride - pad;
        int end = Math.Min(start + kernel, input + pad);
        int padded = end - start;
        return (Math.Max(start, 0), Math.Min(end, input), padded);
    }

    private readonly struct Task<T>(T[] src, int srcOffset, T[] dst, int dstOffset, PoolGeometry g,
        bool countIncludePad, int divisorOverride, bool backward, bool adaptive, int chunks)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Chunks => chunks;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            var (begin, end) = PlaneParallel.Range(g.Planes, chunk, chunks);
            int inPlane = g.InPlane, outPlane = g.OutPlane;
            for (int p = begin; p < end; p++)
            {
                // Forward: src is x (InPlane), dst is y (OutPlane). Backward: src is dy (OutPlane), dst is dx
                // (InPlane).
                ReadOnlySpan<T> s = src.AsSpan(srcOffset + p * (backward ? outPlane : inPlane),
                    backward ? outPlane : inPlane);
                Span<T> d = dst.AsSpan(dstOffset + p * (backward ? inPlane : outPlane), backward ? inPlane : outPlane);
                if (backward) d.Clear();
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    int h0, h1, ph;
                    if (adaptive) (h0, h1, ph) = (oh * g.InH / g.OutH, ((oh + 1) * g.InH + g.OutH - 1) / g.OutH, 0);
                    else (h0, h1, ph) = Window(oh, g.StrideH, g.PadH, g.KH, g.InH);
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        int w0, w1, pw;
                        if (adaptive) (w0, w1, pw) = (ow * g.InW / g.OutW, ((ow + 1) * g.InW + g.OutW - 1) / g.OutW, 0);
                        else (w0, w1, pw) = Window(ow, g.StrideW, g.PadW, g.KW, g.InW);
                        int o = oh * g.OutW + ow;
                        if (h0 >= h1 || w0 >= w1)
                        {
                            if (!backward) d[o] = T.Zero;
                            continue;
                        }
                        int divisor = adaptive ? (h1 - h0) * (w1 - w0)
                            : divisorOverride != 0 ? divisorOverride
                            : countIncludePad ? ph * pw : (h1 - h0) * (w1 - w0);
                        T div = T.CreateTruncating(divisor);
                        if (backward)
                        {
                            T gv = s[o] / div;
                            for (int h = h0; h < h1; h++)
                                for (int w = w0; w < w1; w++) d[h * g.InW + w] += gv;
                        }
                        else
                        {
                            T sum = T.Zero;
                            for (int h = h0; h < h1; h++)
                                for (int w = w0; w < w1; w++) sum += s[h * g.InW + w];
                            d[o] = sum / div;
                        }
                    }
                }
            }
        }
    }
}
