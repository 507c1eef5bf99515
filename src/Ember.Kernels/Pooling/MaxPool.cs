using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            var (begin, end) = PlaneParallel.Range(g.Planes, chunk, chunks);
            int inPlane = g.InPlane, outPlane = g.OutPlane;
            bool twoByTwo = IsTwoByTwo(g);
            for (int p = begin; p < end; p++)
            {
                ReadOnlySpan<T> src = x.AsSpan(xOffset + p * inPlane, inPlane);
                Span<T> dst = y.AsSpan(yOffset + p * outPlane, outPlane);
                Span<long> idx = indices.AsSpan(indicesOffset + p * outPlane, outPlane);
                if (twoByTwo)
                {
                    // The rest of the array, not just the plane: the vector path's shifted loads may read (and
                    // discard) a few elements past the plane's last row.
                    TwoByTwo(x.AsSpan(xOffset + p * inPlane), dst, idx, g);
                    continue;
                }
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

    /// <summary>The common CNN case: 2x2 windows, stride 2, no padding or dilation, every window inside the
    /// plane.</summary>
    private static bool IsTwoByTwo(in PoolGeometry g) =>
        g is { KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0, DilH: 1, DilW: 1 }
        && 2 * g.OutH <= g.InH && 2 * g.OutW <= g.InW;

    /// <summary>
    /// One plane of 2x2 pooling: the general loop unrolled, visiting the four elements in the same order with the same
    /// test, so values and indices are exactly the general loop's (NaN wins; among NaNs, the last).
    /// <paramref name="src"/> starts at the plane and may run on past it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoByTwo<T>(ReadOnlySpan<T> src, Span<T> dst, Span<long> idx, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inW = g.InW, outW = g.OutW;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && outW >= 4)
        {
            TwoByTwoFloat(MemoryMarshal.Cast<T, float>(src), MemoryMarshal.Cast<T, float>(dst), idx, g);
            return;
        }
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int row0 = 2 * oh * inW, row1 = row0 + inW;
            ReadOnlySpan<T> r0 = src.Slice(row0, 2 * outW), r1 = src.Slice(row1, 2 * outW);
            Span<T> d = dst.Slice(oh * outW, outW);
            Span<long> ix = idx.Slice(oh * outW, outW);
            for (int ow = 0; ow < d.Length; ow++)
            {
                int c = 2 * ow;
                T max = r0[c]; // wins against the initial -inf unless it is -inf itself: the same either way
                int best = row0 + c;
                T v = r0[c + 1];
                if (v > max || T.IsNaN(v))
                {
                    max = v;
                    best = row0 + c + 1;
                }
                v = r1[c];
                if (v > max || T.IsNaN(v))
                {
                    max = v;
                    best = row1 + c;
                }
                v = r1[c + 1];
                if (v > max || T.IsNaN(v))
                {
                    max = v;
                    best = row1 + c + 1;
                }
                d[ow] = max;
                ix[ow] = best;
            }
        }
    }

    /// <summary>
    /// <see cref="TwoByTwo{T}"/> for float, four windows per step: lane <c>2i</c> of a load at column <c>c</c> and
    /// of one at <c>c + 1</c> hold window <c>i</c>'s left and right elements; the same four tests run lane-wise in
    /// the same order (so values, indices, NaN and tie rules are the scalar loop's), then the even lanes are kept.
    /// The last step of a row overlaps the previous one instead of a scalar tail; a step whose shifted load would
    /// read past the plane runs the scalar loop.
    /// </summary>
    private static void TwoByTwoFloat(ReadOnlySpan<float> src, Span<float> dst, Span<long> idx, in PoolGeometry g)
    {
        int inW = g.InW, outW = g.OutW;
        Vector256<int> offB = Vector256.Create(1), offC = Vector256.Create(inW), offD = Vector256.Create(inW + 1);
        Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        Vector256<long> lane = Vector256.Create(0L, 2, 4, 6);
        ref float s0 = ref MemoryMarshal.GetReference(src);
        ref float d0 = ref MemoryMarshal.GetReference(dst);
        ref long i0 = ref MemoryMarshal.GetReference(idx);
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int row0 = 2 * oh * inW, row1 = row0 + inW;
            for (int ow = 0; ow < outW; ow += 4)
            {
                if (ow > outW - 4) ow = outW - 4;
                int c = 2 * ow;
                if (row1 + c + 9 > src.Length)
                {
                    TwoByTwoScalar(src, dst, idx, row0, row1, oh * outW, ow, outW);
                    break;
                }
                Vector256<float> m = Vector256.LoadUnsafe(ref s0, (nuint)(row0 + c));
                Vector256<int> off = Vector256<int>.Zero;
                Pick(ref m, ref off, Vector256.LoadUnsafe(ref s0, (nuint)(row0 + c + 1)), offB);
                Pick(ref m, ref off, Vector256.LoadUnsafe(ref s0, (nuint)(row1 + c)), offC);
                Pick(ref m, ref off, Vector256.LoadUnsafe(ref s0, (nuint)(row1 + c + 1)), offD);
                int o = oh * outW + ow;
                Vector256.Shuffle(m, evens).GetLower().StoreUnsafe(ref d0, (nuint)o);
                Vector256<long> best = Vector256.WidenLower(Vector256.Shuffle(off, evens)) + lane
                    + Vector256.Create((long)(row0 + c));
                best.StoreUnsafe(ref i0, (nuint)o);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pick(ref Vector256<float> max, ref Vector256<int> off, Vector256<float> v, Vector256<int> at)
    {
        Vector256<float> take = Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v);
        max = Vector256.ConditionalSelect(take, v, max);
        off = Vector256.ConditionalSelect(take.AsInt32(), at, off);
    }

    /// <summary>Windows <c>[from, outW)</c> of one output row, the scalar way.</summary>
    private static void TwoByTwoScalar(ReadOnlySpan<float> src, Span<float> dst, Span<long> idx, int row0, int row1,
        int o, int from, int outW)
    {
        for (int ow = from; ow < outW; ow++)
        {
            int c = 2 * ow;
            float max = src[row0 + c];
            int best = row0 + c;
            Take(src, row0 + c + 1, ref max, ref best);
            Take(src, row1 + c, ref max, ref best);
            Take(src, row1 + c + 1, ref max, ref best);
            dst[o + ow] = max;
            idx[o + ow] = best;
        }
    }

    private static void Take(ReadOnlySpan<float> src, int at, ref float max, ref int best)
    {
        float v = src[at];
        if (v > max || float.IsNaN(v))
        {
            max = v;
            best = at;
        }
    }

    private readonly struct BackwardTask<T>(T[] dy, int dyOffset, long[] indices, int indicesOffset, T[] dx,
        int dxOffset, PoolGeometry g, int chunks)
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
                Span<T> dst = dx.AsSpan(dxOffset + p * inPlane, inPlane);
                dst.Clear();
                ReadOnlySpan<T> src = dy.AsSpan(dyOffset + p * outPlane, outPlane);
                ReadOnlySpan<long> idx = indices.AsSpan(indicesOffset + p * outPlane, outPlane);
                for (int i = 0; i < src.Length; i++) dst[(int)idx[i]] += src[i];
            }
        }
    }
}
