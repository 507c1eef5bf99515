using System;
using System.Numerics;

namespace Ember.Kernels;

/// <summary>
/// Max pooling with indices, PyTorch's CPU semantics: each window's maximum (NaN wins) and its flat index
/// <c>h·InW + w</c> within the input plane; padding never wins. Backward scatters each output gradient to its
/// index. Planes are independent, so the split over threads does not change the result.
/// </summary>
public static class MaxPool
{
    /// <summary>
    /// <paramref name="y"/> and <paramref name="indices"/> <c>(Planes, OutH, OutW)</c> from <paramref name="x"/>
    /// <c>(Planes, InH, InW)</c>
    /// (contiguous, at the given offsets).
    /// </summary>
    public static void Forward<T>(T[] x, int xOffset, T[] y, int yOffset, long[] indices, int indicesOffset,
        PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var task = new ForwardTask<T>(x, xOffset, y, yOffset, indices, indicesOffset, g,
            PlaneParallel.Chunks(g.Planes, (long)g.Planes * g.OutPlane * g.KH * g.KW));
        WorkerPool.For(task.Chunks, ref task);
    }

    /// <summary>
    /// <paramref name="dx"/> <c>(Planes, InH, InW)</c> (overwritten) receives each element of <paramref name="dy"/> at
    /// its plane's <paramref name="indices"/> entry, summed where windows overlap.
    /// </summary>
    public static void Backward<T>(T[] dy, int dyOffset, long[] indices, int indicesOffset, T[] dx, int dxOffset,
        PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var task = new BackwardTask<T>(dy, dyOffset, indices, indicesOffset, dx, dxOffset, g,
            PlaneParallel.Chunks(g.Planes, (long)g.Planes * (g.OutPlane + g.InPlane)));
        WorkerPool.For(task.Chunks, ref task);
    }

    private readonly struct ForwardTask<T>(T[] x, int xOffset, T[] y, int yOffset, long[] indices, int indicesOffset,
        PoolGeometry g, int chunks)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Chunks => chunks;

        public void Execute(int chunk)
        {
            var (begin, end) = PlaneParallel.Range(g.Planes, chunk, chunks);
            int inPlane = g.InPlane, outPlane = g.OutPlane;
            for (int p = begin; p < end; p++)
            {
                ReadOnlySpan<T> src = x.AsSpan(xOffset + p * inPlane, inPlane);
                Span<T> dst = y.AsSpan(yOffset + p * outPlane, outPlane);
                Span<long> idx = indices.AsSpan(indicesOffset + p * outPlane, outPlane);
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    int hStart = oh * g.StrideH - g.PadH;
                    int hEnd = Math.Min(hStart + (g.KH - 1) * g.DilH + 1, g.InH);
                    while (hStart < 0) hStart += g.DilH;
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        int wStart = ow * g.StrideW - g.PadW;
                        int wEnd = Math.Min(wStart + (g.KW - 1) * g.DilW + 1, g.InW);
                        while (wStart < 0) wStart += g.DilW;
                        int best = hStart * g.InW + wStart;
                        T max = T.NegativeInfinity;
                        for (int h = hStart; h < hEnd; h += g.DilH)
                        {
                            int row = h * g.InW;
                            for (int w = wStart; w < wEnd; w += g.DilW)
                            {
                                T v = src[row + w];
                                if (v > max || T.IsNaN(v))
                                {
                                    max = v;
                                    best = row + w;
                                }
                            }
                        }
                        dst[oh * g.OutW + ow] = max;
                        idx[oh * g.OutW + ow] = best;
                    }
                }
            }
        }
    }

    private readonly struct BackwardTask<T>(T[] dy, int dyOffset, long[] indices, int indicesOffset, T[] dx,
        int dxOffset, PoolGeometry g, int chunks)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Chunks => chunks;

        public void Execute(int chunk)
        {
            var (begin, end) = PlaneParallel.Range(g.Planes, chunk, chunks);
            int inPlane = g.InPlane, outPlane = g.OutPlane;
            for (int p = begin; p < end; p++)
            {
                Span<T> dst = dx.AsSpan(dxOffset + p * inPlane, inPlane);
                dst.Clear();
                ReadOnlySpan<T> src = dy.AsSpan(dyOffset + p * outPlane, outPlane);
                ReadOnlySpan<long> idx = indices.AsSpan(indicesOffset + p * outPlane, outPlane);
                for (int i = 0; i < src.Length; i++) dst[(int)idx[i]] += src[i];
            }
        }
    }
}
