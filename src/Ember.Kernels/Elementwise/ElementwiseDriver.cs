using System;

namespace Ember.Kernels;

/// <summary>
/// Drivers that run an operator over strided, broadcast operands and write a contiguous destination.
/// A broadcast operand has stride 0 in the broadcast dimensions. After coalescing, the innermost run is
/// dispatched to the operator's contiguous fast path (both contiguous, or one side a single broadcast value);
/// anything else falls back to the scalar <c>Invoke</c>.
/// </summary>
public static class ElementwiseDriver
{
    /// <summary><c>dst[i] = TOp(x[i])</c> over <paramref name="shape"/>; <paramref name="dst"/> is contiguous.</summary>
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides,
        Span<T> dst, ReadOnlySpan<int> shape) where TOp : IUnaryOperator<T>
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        if (Layout.Product(shape) == 0) return;
        Span<int> sh = stackalloc int[rank + 1], sx = stackalloc int[rank + 1], sd = stackalloc int[rank + 1];
        FillContiguous(shape, sh, sd);
        xStrides.CopyTo(sx);
        rank = Layout.Coalesce(sh, sx, sd, rank);
        if (rank == 0) { dst[0] = TOp.Invoke(x[xOffset]); return; }
        int n = sh[rank - 1], ix = sx[rank - 1];
        int outer = (int)Layout.Product(sh[..(rank - 1)]);
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int ox = xOffset, od = 0;
        for (int o = 0; o < outer; o++)
        {
            if (ix == 1) TOp.Invoke(x.Slice(ox, n), dst.Slice(od, n));
            else for (int i = 0, p = ox; i < n; i++, p += ix) dst[od + i] = TOp.Invoke(x[p]);
            od += n;
            Advance(idx, sh, sx, rank - 1, ref ox);
        }
    }

    /// <summary><c>dst[i] = TOp(x[i], y[i])</c> over <paramref name="shape"/> with broadcast strides; <paramref name="dst"/> is contiguous.</summary>
    public static void Binary<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<T> y, int yOffset, ReadOnlySpan<int> yStrides, Span<T> dst, ReadOnlySpan<int> shape)
        where TOp : IBinaryOperator<T>
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
        if (rank == 0) { dst[0] = TOp.Invoke(x[xOffset], y[yOffset]); return; }
        int n = sh[rank - 1], ix = sx[rank - 1], iy = sy[rank - 1];
        int outer = (int)Layout.Product(sh[..(rank - 1)]);
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int ox = xOffset, oy = yOffset, od = 0;
        for (int o = 0; o < outer; o++)
        {
            Span<T> d = dst.Slice(od, n);
            if (ix == 1 && iy == 1) TOp.Invoke(x.Slice(ox, n), y.Slice(oy, n), d);
            else if (ix == 1 && iy == 0) TOp.Invoke(x.Slice(ox, n), y[oy], d);
            else if (ix == 0 && iy == 1) TOp.Invoke(x[ox], y.Slice(oy, n), d);
            else for (int i = 0, px = ox, py = oy; i < n; i++, px += ix, py += iy) d[i] = TOp.Invoke(x[px], y[py]);
            od += n;
            Advance2(idx, sh, sx, sy, rank - 1, ref ox, ref oy);
        }
    }

    /// <summary><c>dst[i] = TOp(x[i])</c> where input and output element types differ (casts, predicates).</summary>
    public static void Map<TIn, TOut, TOp>(ReadOnlySpan<TIn> x, int xOffset, ReadOnlySpan<int> xStrides,
        Span<TOut> dst, ReadOnlySpan<int> shape) where TOp : IMapOperator<TIn, TOut>
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        if (Layout.Product(shape) == 0) return;
        Span<int> sh = stackalloc int[rank + 1], sx = stackalloc int[rank + 1], sd = stackalloc int[rank + 1];
        FillContiguous(shape, sh, sd);
        xStrides.CopyTo(sx);
        rank = Layout.Coalesce(sh, sx, sd, rank);
        if (rank == 0) { dst[0] = TOp.Invoke(x[xOffset]); return; }
        int n = sh[rank - 1], ix = sx[rank - 1];
        int outer = (int)Layout.Product(sh[..(rank - 1)]);
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int ox = xOffset, od = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0, p = ox; i < n; i++, p += ix) dst[od + i] = TOp.Invoke(x[p]);
            od += n;
            Advance(idx, sh, sx, rank - 1, ref ox);
        }
    }

    /// <summary><c>dst[i] = TOp(x[i], y[i])</c> for comparisons producing booleans, with broadcast strides.</summary>
    public static void Compare<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<T> y, int yOffset, ReadOnlySpan<int> yStrides, Span<bool> dst, ReadOnlySpan<int> shape)
        where TOp : ICompareOperator<T>
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        if (Layout.Product(shape) == 0) return;
        Span<int> sh = stackalloc int[rank + 1], sx = stackalloc int[rank + 1], sy = stackalloc int[rank + 1];
        shape.CopyTo(sh);
        xStrides.CopyTo(sx);
        yStrides.CopyTo(sy);
        rank = Layout.Coalesce(sh, sx, sy, rank);
        if (rank == 0) { dst[0] = TOp.Invoke(x[xOffset], y[yOffset]); return; }
        int n = sh[rank - 1], ix = sx[rank - 1], iy = sy[rank - 1];
        int outer = (int)Layout.Product(sh[..(rank - 1)]);
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int ox = xOffset, oy = yOffset, od = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0, px = ox, py = oy; i < n; i++, px += ix, py += iy) dst[od + i] = TOp.Invoke(x[px], y[py]);
            od += n;
            Advance2(idx, sh, sx, sy, rank - 1, ref ox, ref oy);
        }
    }

    /// <summary>Copies a strided view into a contiguous destination.</summary>
    public static void Copy<T>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides, Span<T> dst, ReadOnlySpan<int> shape)
        => Unary<T, CopyOperator<T>>(x, xOffset, xStrides, dst, shape);

    /// <summary>Writes contiguous <paramref name="src"/> into a strided destination view (the reverse of <see cref="Copy{T}"/>).</summary>
    public static void Scatter<T>(ReadOnlySpan<T> src, Span<T> dst, int dstOffset, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
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

    private static void FillContiguous(ReadOnlySpan<int> shape, Span<int> sh, Span<int> strides)
    {
        shape.CopyTo(sh);
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
    }

    // Odometer over the outer dims [0, outerRank): increments the index and moves the offset by the strides.
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
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides, Span<T> dst, ReadOnlySpan<int> shape, T a, T b)
        where TOp : IParametricOperator<T>
    {
        int n = (int)Layout.Product(shape);
        if (n == 0) return;
        if (Layout.IsContiguous(shape, xStrides))
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
