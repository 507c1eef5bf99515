using System;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Drivers that run an operator over strided, broadcast operands and write a contiguous destination.
/// A broadcast operand has stride 0 in the broadcast dimensions. After coalescing, the innermost run is
/// dispatched to the operator's contiguous fast path (both contiguous, or one side a single broadcast value);
/// anything else falls back to the scalar <c>Invoke</c>.
/// </summary>
public static class ElementwiseDriver
{
    /// <summary><c>dst[i] = TOp(x[i])</c> over <paramref name="shape"/>; <paramref name="dst"/> is
    /// contiguous.</summary>
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides,
        Span<T> dst, ReadOnlySpan<int> shape) where TOp : IUnaryOperator<T>
        => Walk<T, T, UnaryRow<T, TOp>>(x, xOffset, xStrides, dst, shape);

    /// <summary><c>dst[i] = TOp(x[i], y[i])</c> over <paramref name="shape"/> with broadcast strides;
    /// <paramref name="dst"/> is contiguous.</summary>
    public static void Binary<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<T> y, int yOffset, ReadOnlySpan<int> yStrides, Span<T> dst, ReadOnlySpan<int> shape)
        where TOp : IBinaryOperator<T>
        => Walk2<T, T, BinaryRow<T, TOp>>(x, xOffset, xStrides, y, yOffset, yStrides, dst, shape);

    /// <summary><c>dst[i] = TOp(x[i])</c> where input and output element types differ (casts, predicates).</summary>
    public static void Map<TIn, TOut, TOp>(ReadOnlySpan<TIn> x, int xOffset, ReadOnlySpan<int> xStrides,
        Span<TOut> dst, ReadOnlySpan<int> shape) where TOp : IMapOperator<TIn, TOut>
        => Walk<TIn, TOut, MapRow<TIn, TOut, TOp>>(x, xOffset, xStrides, dst, shape);

    /// <summary><c>dst[i] = TOp(x[i], y[i])</c> for comparisons producing booleans, with broadcast strides.</summary>
    public static void Compare<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<T> y, int yOffset, ReadOnlySpan<int> yStrides, Span<bool> dst, ReadOnlySpan<int> shape)
        where TOp : ICompareOperator<T>
        => Walk2<T, bool, CompareRow<T, TOp>>(x, xOffset, xStrides, y, yOffset, yStrides, dst, shape);

    // ---- the two walks: coalesce the layout, then hand each innermost run to a row kernel ----

    /// <summary>One innermost run of a one-input operation: n elements of x from an offset with a stride.</summary>
    private interface IRow<TIn, TOut>
    {
        static abstract void Run(ReadOnlySpan<TIn> x, int offset, int stride, int n, Span<TOut> dst);
    }

    /// <summary>One innermost run of a two-input operation (strides 0 mark a broadcast value).</summary>
    private interface IRow2<TIn, TOut>
    {
        static abstract void Run(ReadOnlySpan<TIn> x, int ox, int ix, ReadOnlySpan<TIn> y, int oy, int iy, int n,
            Span<TOut> dst);
    }

    private readonly struct UnaryRow<T, TOp> : IRow<T, T> where TOp : IUnaryOperator<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(ReadOnlySpan<T> x, int offset, int stride, int n, Span<T> dst)
        {
            if (stride == 1) TOp.Invoke(x.Slice(offset, n), dst);
            else for (int i = 0, p = offset; i < n; i++, p += stride) dst[i] = TOp.Invoke(x[p]);
        }
    }

    private readonly struct MapRow<TIn, TOut, TOp> : IRow<TIn, TOut> where TOp : IMapOperator<TIn, TOut>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(ReadOnlySpan<TIn> x, int offset, int stride, int n, Span<TOut> dst)
        {
            for (int i = 0, p = offset; i < n; i++, p += stride) dst[i] = TOp.Invoke(x[p]);
        }
    }

    private readonly struct BinaryRow<T, TOp> : IRow2<T, T> where TOp : IBinaryOperator<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(ReadOnlySpan<T> x, int ox, int ix, ReadOnlySpan<T> y, int oy, int iy, int n, Span<T> d)
        {
            if (ix == 1 && iy == 1) TOp.Invoke(x.Slice(ox, n), y.Slice(oy, n), d);
            else if (ix == 1 && iy == 0) TOp.Invoke(x.Slice(ox, n), y[oy], d);
            else if (ix == 0 && iy == 1) TOp.Invoke(x[ox], y.Slice(oy, n), d);
            else for (int i = 0, px = ox, py = oy; i < n; i++, px += ix, py += iy) d[i] = TOp.Invoke(x[px], y[py]);
        }
    }

    private readonly struct CompareRow<T, TOp> : IRow2<T, bool> where TOp : ICompareOperator<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(ReadOnlySpan<T> x, int ox, int ix, ReadOnlySpan<T> y, int oy, int iy, int n,
            Span<bool> d)
        {
            for (int i = 0, px = ox, py = oy; i < n; i++, px += ix, py += iy) d[i] = TOp.Invoke(x[px], y[py]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Walk<TIn, TOut, TRow>(ReadOnlySpan<TIn> x, int xOffset, ReadOnlySpan<int> xStrides,
        Span<TOut> dst, ReadOnlySpan<int> shape) where TRow : IRow<TIn, TOut>
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        if (Layout.Product(shape) == 0) return;
        Span<int> sh = stackalloc int[rank + 1], sx = stackalloc int[rank + 1], sd = stackalloc int[rank + 1];
        FillContiguous(shape, sh, sd);
        xStrides.CopyTo(sx);
        rank = Layout.Coalesce(sh, sx, sd, rank);
        if (rank == 0) { TRow.Run(x, xOffset, 1, 1, dst); return; }
        int n = sh[rank - 1], ix = sx[rank - 1];
        int outer = (int)Layout.Product(sh[..(rank - 1)]);
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int ox = xOffset, od = 0;
        for (int o = 0; o < outer; o++)
        {
            TRow.Run(x, ox, ix, n, dst.Slice(od, n));
            od += n;
            Advance(idx, sh, sx, rank - 1, ref ox);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Walk2<TIn, TOut, TRow>(ReadOnlySpan<TIn> x, int xOffset, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<TIn> y, int yOffset, ReadOnlySpan<int> yStrides, Span<TOut> dst, ReadOnlySpan<int> shape)
        where TRow : IRow2<TIn, TOut>
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        if (Layout.Product(shape) == 0) return;
        Span<int> sh = stackalloc int[rank + 1], sx = stackalloc int[rank + 1], sy = stackalloc int[rank + 1];
        shape.CopyTo(sh);
        xStrides.CopyTo(sx);
        yStrides.CopyTo(sy);
        // The destination is contiguous, so coalescing x and y alone keeps it walkable as one flat run.
        rank = Layout.Coalesce(sh, sx, sy, rank);
        if (rank == 0) { TRow.Run(x, xOffset, 1, y, yOffset, 1, 1, dst); return; }
        int n = sh[rank - 1], ix = sx[rank - 1], iy = sy[rank - 1];
        int outer = (int)Layout.Product(sh[..(rank - 1)]);
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int ox = xOffset, oy = yOffset, od = 0;
        for (int o = 0; o < outer; o++)
        {
            TRow.Run(x, ox, ix, y, oy, iy, n, dst.Slice(od, n));
            od += n;
            Advance2(idx, sh, sx, sy, rank - 1, ref ox, ref oy);
        }
    }

    /// <summary>Copies a strided view into a contiguous destination.</summary>
    public static void Copy<T>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides, Span<T> dst,
        ReadOnlySpan<int> shape)
        => Unary<T, CopyOperator<T>>(x, xOffset, xStrides, dst, shape);

    /// <summary>Writes contiguous <paramref name="src"/> into a strided destination view (the reverse of
    /// <see cref="Copy{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter<T>(ReadOnlySpan<T> src, Span<T> dst, int dstOffset, ReadOnlySpan<int> dstStrides,
        ReadOnlySpan<int> shape)
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        if (Layout.Product(shape) == 0) return;
        Span<int> sh = stackalloc int[rank + 1], sd = stackalloc int[rank + 1], ss = stackalloc int[rank + 1];
        FillContiguous(shape, sh, ss);
        dstStrides.CopyTo(sd);
        rank = Layout.Coalesce(sh, sd, ss, rank);
        if (rank == 0) { dst[dstOffset] = src[0]; return; }
        int n = sh[rank - 1], id = sd[rank - 1];
        int outer = (int)Layout.Product(sh[..(rank - 1)]);
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int od = dstOffset, os = 0;
        for (int o = 0; o < outer; o++)
        {
            if (id == 1) src.Slice(os, n).CopyTo(dst.Slice(od, n));
            else for (int i = 0, p = od; i < n; i++, p += id) dst[p] = src[os + i];
            os += n;
            Advance(idx, sh, sd, rank - 1, ref od);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillContiguous(ReadOnlySpan<int> shape, Span<int> sh, Span<int> strides)
    {
        shape.CopyTo(sh);
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
    }

    // Odometer over the outer dims [0, outerRank): increments the index and moves the offset by the strides.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Advance(Span<int> idx, ReadOnlySpan<int> shape, ReadOnlySpan<int> s0, int outerRank, ref int o0)
    {
        for (int d = outerRank - 1; d >= 0; d--)
        {
            o0 += s0[d];
            if (++idx[d] < shape[d]) return;
            o0 -= s0[d] * shape[d];
            idx[d] = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Advance2(Span<int> idx, ReadOnlySpan<int> shape, ReadOnlySpan<int> s0, ReadOnlySpan<int> s1,
        int outerRank, ref int o0, ref int o1)
    {
        for (int d = outerRank - 1; d >= 0; d--)
        {
            o0 += s0[d];
            o1 += s1[d];
            if (++idx[d] < shape[d]) return;
            o0 -= s0[d] * shape[d];
            o1 -= s1[d] * shape[d];
            idx[d] = 0;
        }
    }
}

/// <summary>The driver for operators with runtime parameters.</summary>
public static class ParametricDriver
{
    /// <summary><c>dst[i] = TOp(x[i], a, b)</c> over a strided input; <paramref name="dst"/> is contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides, Span<T> dst,
        ReadOnlySpan<int> shape, T a, T b)
        where TOp : IParametricOperator<T>
    {
        int n = (int)Layout.Product(shape);
        if (n == 0) return;
        if (StridedLayout.IsContiguous(shape, xStrides))
        {
            ReadOnlySpan<T> src = x.Slice(xOffset, n);
            for (int i = 0; i < n; i++) dst[i] = TOp.Invoke(src[i], a, b);
            return;
        }
        // Gather into dst first, then transform in place.
        ElementwiseDriver.Copy(x, xOffset, xStrides, dst, shape);
        for (int i = 0; i < n; i++) dst[i] = TOp.Invoke(dst[i], a, b);
    }
}
