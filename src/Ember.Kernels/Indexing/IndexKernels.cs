using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>What a scatter does with each value it places: overwrite or accumulate.</summary>
public interface IScatterAction<T>
{
    /// <summary>Combines <paramref name="value"/> into <paramref name="destination"/>.</summary>
    static abstract void Apply(ref T destination, T value);
}

/// <summary>Scatter that overwrites (<c>dst = value</c>).</summary>
public readonly struct AssignAction<T> : IScatterAction<T>
{
    /// <inheritdoc/>
    public static void Apply(ref T destination, T value) => destination = value;
}

/// <summary>Scatter that accumulates (<c>dst += value</c>).</summary>
public readonly struct AddAction<T> : IScatterAction<T> where T : INumberBase<T>
{
    /// <inheritdoc/>
    public static void Apply(ref T destination, T value) => destination += value;
}

/// <summary>
/// Gather/scatter kernels for indexing ops. They see element spans, offsets, shapes and strides only; indices
/// are int64. Kernels that read indices return the flat position of the first out-of-range index (or -1), so
/// the caller can word the error.
/// </summary>
public static class IndexKernels
{
    /// <summary>
    /// <c>dst[i] = src[srcOffset + Σ_{d≠dim} i_d·srcStrides[d] + index[i]·srcStrides[dim]]</c> for every position
    /// <c>i</c> of <paramref name="shape"/> (the index's shape); <paramref name="index"/> and <paramref name="dst"/>
    /// are contiguous over that shape. Indices must lie in <c>[0, dimSize)</c>.
    /// </summary>
    /// <returns>-1, or the flat position of the first index out of range (nothing after it is written).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int GatherAlong<T>(ReadOnlySpan<T> src, int srcOffset, ReadOnlySpan<int> srcStrides, int dim,
        int dimSize, ReadOnlySpan<long> index, ReadOnlySpan<int> shape, Span<T> dst)
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        long n = Layout.Product(shape);
        if (n == 0) return -1;
        Span<int> strides = stackalloc int[rank], idx = stackalloc int[rank];
        srcStrides.CopyTo(strides);
        int dimStride = rank == 0 ? 0 : strides[dim];
        if (rank > 0) strides[dim] = 0;
        idx.Clear();
        int p = srcOffset;
        for (int f = 0; f < n; f++)
        {
            long k = index[f];
            if ((ulong)k >= (ulong)dimSize) return f;
            dst[f] = src[p + (int)k * dimStride];
            Advance(idx, shape, strides, ref p);
        }
        return -1;
    }

    /// <summary>
    /// <c>dst[dstOffset + Σ_{d≠dim} i_d·dstStrides[d] + index[i]·dstStrides[dim]] ⊕= values[i]</c> for every
    /// position <c>i</c> of <paramref name="shape"/>; <paramref name="index"/> and <paramref name="values"/> are
    /// contiguous over that shape. Positions are visited in row-major order, so with repeated indices the last
    /// assignment wins.
    /// </summary>
    /// <returns>-1, or the flat position of the first index out of range.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ScatterAlong<T, TAction>(Span<T> dst, int dstOffset, ReadOnlySpan<int> dstStrides, int dim,
        int dimSize, ReadOnlySpan<long> index, ReadOnlySpan<int> shape, ReadOnlySpan<T> values)
        where TAction : IScatterAction<T>
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        long n = Layout.Product(shape);
        if (n == 0) return -1;
        Span<int> strides = stackalloc int[rank], idx = stackalloc int[rank];
        dstStrides.CopyTo(strides);
        int dimStride = rank == 0 ? 0 : strides[dim];
        if (rank > 0) strides[dim] = 0;
        idx.Clear();
        int p = dstOffset;
        for (int f = 0; f < n; f++)
        {
            long k = index[f];
            if ((ulong)k >= (ulong)dimSize) return f;
            TAction.Apply(ref dst[p + (int)k * dimStride], values[f]);
            Advance(idx, shape, strides, ref p);
        }
        return -1;
    }

    /// <summary>
    /// Advanced-indexing gather. The destination is contiguous over <c>[outerShape..., offsets.Length,
    /// innerShape...]</c>; element <c>(o, b, i)</c> reads
    /// <c>src[srcOffset + o·outerStrides + offsets[b] + i·innerStrides]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherOffsets<T>(ReadOnlySpan<T> src, int srcOffset, ReadOnlySpan<int> outerShape,
        ReadOnlySpan<int> outerStrides, ReadOnlySpan<int> offsets, ReadOnlySpan<int> innerShape,
        ReadOnlySpan<int> innerStrides, Span<T> dst)
    {
        long outerN = Layout.Product(outerShape), innerN = Layout.Product(innerShape);
        if (outerN == 0 || innerN == 0 || offsets.Length == 0) return;
        Layout.CheckRank(outerShape.Length);
        Span<int> idx = stackalloc int[outerShape.Length];
        idx.Clear();
        int o = srcOffset, q = 0, inner = (int)innerN;
        for (long a = 0; a < outerN; a++)
        {
            for (int b = 0; b < offsets.Length; b++, q += inner)
                ElementwiseDriver.Copy(src, o + offsets[b], innerStrides, dst.Slice(q, inner), innerShape);
            Advance(idx, outerShape, outerStrides, ref o);
        }
    }

    /// <summary>
    /// The reverse of <see cref="GatherOffsets{T}"/>: element <c>(o, b, i)</c> of contiguous <paramref name="values"/>
    /// is combined into <c>dst[dstOffset + o·outerStrides + offsets[b] + i·innerStrides]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScatterOffsets<T, TAction>(Span<T> dst, int dstOffset, ReadOnlySpan<int> outerShape,
        ReadOnlySpan<int> outerStrides, ReadOnlySpan<int> offsets, ReadOnlySpan<int> innerShape,
        ReadOnlySpan<int> innerStrides, ReadOnlySpan<T> values)
        where TAction : IScatterAction<T>
    {
        long outerN = Layout.Product(outerShape), innerN = Layout.Product(innerShape);
        if (outerN == 0 || innerN == 0 || offsets.Length == 0) return;
        Layout.CheckRank(outerShape.Length);
        Layout.CheckRank(innerShape.Length);
        Span<int> oidx = stackalloc int[outerShape.Length], iidx = stackalloc int[innerShape.Length];
        oidx.Clear();
        int o = dstOffset, q = 0;
        for (long a = 0; a < outerN; a++)
        {
            for (int b = 0; b < offsets.Length; b++)
            {
                iidx.Clear();
                int p = o + offsets[b];
                for (long i = 0; i < innerN; i++, q++)
                {
                    TAction.Apply(ref dst[p], values[q]);
                    Advance(iidx, innerShape, innerStrides, ref p);
                }
            }
            Advance(oidx, outerShape, outerStrides, ref o);
        }
    }

    /// <summary>
    /// <c>dst[i] = cond[i] ? a[i] : b[i]</c> over <paramref name="shape"/>, each operand read through its own
    /// (broadcast) strides; <paramref name="dst"/> is contiguous.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Where<T>(ReadOnlySpan<bool> cond, int cOffset, ReadOnlySpan<int> cStrides,
        ReadOnlySpan<T> a, int aOffset, ReadOnlySpan<int> aStrides, ReadOnlySpan<T> b, int bOffset,
        ReadOnlySpan<int> bStrides, Span<T> dst, ReadOnlySpan<int> shape)
    {
        int rank = shape.Length;
        Layout.CheckRank(rank);
        long n = Layout.Product(shape);
        if (n == 0) return;
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int pc = cOffset, pa = aOffset, pb = bOffset;
        for (long f = 0; f < n; f++)
        {
            dst[(int)f] = cond[pc] ? a[pa] : b[pb];
            for (int d = rank - 1; d >= 0; d--)
            {
                pc += cStrides[d]; pa += aStrides[d]; pb += bStrides[d];
                if (++idx[d] < shape[d]) break;
                pc -= cStrides[d] * shape[d]; pa -= aStrides[d] * shape[d]; pb -= bStrides[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>Row-major odometer: moves to the next position of <paramref name="shape"/> and updates the offset by
    /// the strides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Advance(Span<int> idx, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ref int offset)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            offset += strides[d];
            if (++idx[d] < shape[d]) return;
            offset -= strides[d] * shape[d];
            idx[d] = 0;
        }
    }
}
