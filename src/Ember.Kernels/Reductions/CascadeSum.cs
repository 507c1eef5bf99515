using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

/// <summary>
/// PyTorch's cascade summation (<c>aten/src/ATen/native/cpu/SumKernel.cpp</c>) for floating-point sums. Values are
/// added serially in groups of <c>2^p</c> (p = max(4, ⌈log₂ n⌉ / 4)); each full group's sum moves up into the next of
/// four levels, and a level empties into the one above it every <c>2^p</c> of its own additions. The rounding error
/// grows like O(2^p · log n) rather than O(n), and the order depends only on the sizes, never on threads. A
/// contiguous run is summed as PyTorch's AVX2 kernel does: eight float (four double) lanes, four vectors
/// interleaved, then the scalar tail and the lanes in order; a sum down a column cascades each column on its own.
/// Both match PyTorch 1.13's single-threaded results bit for bit for those shapes. Integer types are summed in
/// order (their sums are exact).
/// </summary>
public static class CascadeSum
{
    private const int Levels = 4;

    /// <summary>Column sums keep column groups in registers while matrix rows are at most this far apart.</summary>
    private const int RegisterRowBytes = 2048;

    private static int LevelPower(int n) =>
        Math.Max(4, (n <= 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)(n - 1))) / Levels);

    private static bool IsFloat<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    /// <summary>Σ x, cascaded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, INumber<T>
    {
        if (!IsFloat<T>() || !Vector256<T>.IsSupported)
        {
            T s = T.Zero;
            foreach (T v in x) s += v;
            return s;
        }
        int w = Vector256<T>.Count, nv = x.Length / w;
        ref T xr = ref MemoryMarshal.GetReference(x);
        // The whole vectors as rows of four interleaved vectors (PyTorch's row_sum with ILP 4).
        int steps = nv / 4;
        Cascade4(ref xr, 4 * w, steps, out var a0, out var a1, out var a2, out var a3);
        for (int v = steps * 4; v < nv; v++) a0 += Vector256.LoadUnsafe(ref xr, (nuint)(v * w));
        a0 = a0 + a1 + a2 + a3;
        T total = T.Zero;
        for (int k = nv * w; k < x.Length; k++) total += x[k];
        for (int k = 0; k < w; k++) total += a0[k];
        return total;
    }

    /// <summary>
    /// PyTorch's cascade over <paramref name="steps"/> rows of four vectors (row k at <c>x + k·stride</c>), lane by
    /// lane: level 0 adds <c>2^p</c> rows, then empties into level 1, which empties into level 2 every <c>2^p</c> of
    /// its own additions, and so on; the result is the levels folded in order (0 + 1 + 2 + 3). The sixteen
    /// accumulators are locals (registers), so no add waits on a store. The all-elements sum's cascade (a row is four
    /// consecutive vectors); the column sums share its level 0 (<see cref="RowSums{T}"/>). The explicit levels a-d
    /// are <see cref="Levels"/> = 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Cascade4<T>(ref T x, nint stride, int steps, out Vector256<T> r0, out Vector256<T> r1,
        out Vector256<T> r2, out Vector256<T> r3) where T : unmanaged, INumber<T>
    {
        int lp = LevelPower(steps), step = 1 << lp, mask = step - 1;
        Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<T> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector256<T> d0 = default, d1 = default, d2 = default, d3 = default;
        int i = 0;
        while (i + step <= steps)
        {
            RowSums(ref Unsafe.Add(ref x, i * stride), stride, step, ref a0, ref a1, ref a2, ref a3);
            i += step;
            (b0, b1, b2, b3) = (b0 + a0, b1 + a1, b2 + a2, b3 + a3);
            (a0, a1, a2, a3) = (default, default, default, default);
            if ((i & (mask << lp)) != 0) continue;
            (c0, c1, c2, c3) = (c0 + b0, c1 + b1, c2 + b2, c3 + b3);
            (b0, b1, b2, b3) = (default, default, default, default);
            if ((i & (mask << (2 * lp))) != 0) continue;
            (d0, d1, d2, d3) = (d0 + c0, d1 + c1, d2 + c2, d3 + c3);
            (c0, c1, c2, c3) = (default, default, default, default);
        }
        RowSums(ref Unsafe.Add(ref x, i * stride), stride, steps - i, ref a0, ref a1, ref a2, ref a3);
        r0 = a0 + b0 + c0 + d0;
        r1 = a1 + b1 + c1 + d1;
        r2 = a2 + b2 + c2 + d2;
        r3 = a3 + b3 + c3 + d3;
    }

    /// <summary>
    /// <paramref name="count"/> rows of four vectors (row k at <c>x + k·stride</c>) added into four accumulators,
    /// each vector into its own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSums<T>(ref T x, nint stride, int count, ref Vector256<T> acc0, ref Vector256<T> acc1,
        ref Vector256<T> acc2, ref Vector256<T> acc3) where T : unmanaged, INumber<T>
    {
        Vector256<T> s0 = acc0, s1 = acc1, s2 = acc2, s3 = acc3;
        nuint w = (nuint)Vector256<T>.Count;
        for (int j = 0; j < count; j++)
        {
            s0 += Vector256.LoadUnsafe(ref x);
            s1 += Vector256.LoadUnsafe(ref x, w);
            s2 += Vector256.LoadUnsafe(ref x, 2 * w);
            s3 += Vector256.LoadUnsafe(ref x, 3 * w);
            x = ref Unsafe.Add(ref x, stride);
        }
        (acc0, acc1, acc2, acc3) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// Column sums of a row-major <c>[n, inner]</c> block: <c>dst[i] = Σ_k x[k·inner + i]</c>, each column cascaded
    /// on its own and vectorized across columns. As in PyTorch's outer sums, the columns of whole groups of four
    /// (four vectors once a row holds a vector) cascade straight down (multi_row_sum); the others first split the
    /// rows into four interleaved streams (row_sum).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Columns<T>(ReadOnlySpan<T> x, int n, int inner, Span<T> dst) where T : unmanaged, INumber<T> =>
        ColumnRange(x, n, inner, 0, inner, dst);

    /// <summary>
    /// Columns <c>[col, col + width)</c> of <see cref="Columns{T}"/>'s result, each bit for bit (every column sums in
    /// its own order, independent of the others): for callers that split one column sum over the chunks of a
    /// parallel phase.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="x">The row-major <c>[n, inner]</c> block.</param>
    /// <param name="n">Rows.</param>
    /// <param name="inner">Columns of the whole block.</param>
    /// <param name="col">The first column summed.</param>
    /// <param name="width">How many columns are summed.</param>
    /// <param name="dst">The sums, <paramref name="width"/> of them.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnRange<T>(ReadOnlySpan<T> x, int n, int inner, int col, int width, Span<T> dst)
        where T : unmanaged, INumber<T>
    {
        if (col < 0 || width < 0 || col + width > inner)
            throw new ArgumentOutOfRangeException(nameof(col),
                $"CascadeSum.ColumnRange: columns [{col}, {col + width}) are not within [0, {inner}).");
        dst = dst[..width];
        dst.Clear();
        if (n == 0 || width == 0) return;
        int end = col + width;
        if (!IsFloat<T>())
        {
            for (int k = 0; k < n; k++) AddRow(dst, x.Slice(k * inner + col, width));
            return;
        }
        int group = inner >= Vector256<T>.Count ? 4 * Vector256<T>.Count : 4;
        int direct = inner / group * group;
        T[] rented = ArrayPool<T>.Shared.Rent(4 * Levels * width);
        Span<T> scratch = rented.AsSpan(0, 4 * Levels * width);
        scratch.Clear();
        if (col < direct)
        {
            int w = Math.Min(end, direct) - col;
            Cascade(x, inner, col, w, 0, 1, n, dst[..w], scratch);
        }
        if (end > direct)
        {
            // As Columns' row_sum part, restricted to these columns.
            int c0 = Math.Max(col, direct), w = end - c0, steps = n / 4;
            scratch.Clear();
            Span<T> streams = scratch[..(4 * w)];
            Span<T> levels = scratch.Slice(4 * w, (Levels - 1) * w);
            for (int s = 0; s < 4; s++)
            {
                levels.Clear();
                Cascade(x, inner, c0, w, s, 4, steps, streams.Slice(s * w, w), levels);
            }
            Span<T> s0 = streams[..w];
            for (int r = steps * 4; r < n; r++) AddRow(s0, x.Slice(r * inner + c0, w));
            for (int s = 1; s < 4; s++) AddRow(s0, streams.Slice(s * w, w));
            s0.CopyTo(dst[(c0 - col)..]);
        }
        ArrayPool<T>.Shared.Return(rented);
    }

    /// <summary>
    /// multi_row_sum down columns <c>[col, col + width)</c> over rows <c>first, first + stride, ...</c>
    /// (<paramref name="steps"/> of them) into <paramref name="acc"/>, with <paramref name="upper"/> (zeroed,
    /// <c>(Levels - 1) · width</c>) for the upper levels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Cascade<T>(ReadOnlySpan<T> x, int inner, int col, int width, int first, int stride,
        int steps, Span<T> acc, Span<T> upper) where T : unmanaged, INumber<T>
    {
        int lp = LevelPower(steps), step = 1 << lp, mask = step - 1, i = 0;
        while (i + step <= steps)
        {
            SumRows(x, inner, col, width, first + i * stride, stride, step, acc);
            i += step;
            for (int l = 1; l < Levels; l++)
            {
                Span<T> below = l == 1 ? acc : upper.Slice((l - 2) * width, width);
                AddRow(upper.Slice((l - 1) * width, width), below);
                below.Clear();
                if ((i & (mask << (l * lp))) != 0) break;
            }
        }
        SumRows(x, inner, col, width, first + i * stride, stride, steps - i, acc);
        for (int l = 1; l < Levels; l++) AddRow(acc, upper.Slice((l - 1) * width, width));
    }

    /// <summary>
    /// <c>acc = Σ_j x[(first + j·stride)·inner + col + c]</c> for <c>j &lt; count</c>, each column summed from zero in
    /// row order (level 0 of <see cref="Cascade{T}"/>): four vectors of columns at a time in registers, so the rows
    /// stream through once and no add waits on a store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows<T>(ReadOnlySpan<T> x, int inner, int col, int width, int first, int stride,
        int count, Span<T> acc) where T : unmanaged, INumber<T>
    {
        acc = acc[..width];
        if (count == 0)
        {
            acc.Clear();
            return;
        }
        // The last element read, checked once (the loops below read through refs).
        _ = x[(first + (count - 1) * stride) * inner + col + width - 1];
        ref T row0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), (nint)first * inner + col);
        ref T ar = ref MemoryMarshal.GetReference(acc);
        nint rowStride = (nint)stride * inner;
        int c = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            int w = Vector256<T>.Count;
            // Rows a page or more apart fall into the same cache sets: reading down such columns would evict its own
            // lines, so wide rows are added one after another instead (acc += row, streaming).
            if (rowStride * Unsafe.SizeOf<T>() > RegisterRowBytes)
            {
                acc.Clear();
                for (int j = 0; j < count; j++)
                    AddRow(acc, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref row0, j * rowStride), width));
                return;
            }
            for (; c + 4 * w <= width; c += 4 * w)
            {
                Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
                RowSums(ref Unsafe.Add(ref row0, c), rowStride, count, ref a0, ref a1, ref a2, ref a3);
                a0.StoreUnsafe(ref ar, (nuint)c);
                a1.StoreUnsafe(ref ar, (nuint)(c + w));
                a2.StoreUnsafe(ref ar, (nuint)(c + 2 * w));
                a3.StoreUnsafe(ref ar, (nuint)(c + 3 * w));
            }
            for (; c + w <= width; c += w)
            {
                Vector256<T> a = default;
                ref T p = ref Unsafe.Add(ref row0, c);
                for (int j = 0; j < count; j++) a += Vector256.LoadUnsafe(ref p, (nuint)(j * rowStride));
                a.StoreUnsafe(ref ar, (nuint)c);
            }
        }
        for (; c < width; c++)
        {
            T s = T.Zero;
            for (int j = 0; j < count; j++) s += Unsafe.Add(ref row0, j * rowStride + c);
            acc[c] = s;
        }
    }

    /// <summary><c>acc += row</c>, element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            int w = Vector256<T>.Count;
            ref T a = ref MemoryMarshal.GetReference(acc);
            ref T r = ref MemoryMarshal.GetReference(row);
            for (; i + w <= acc.Length; i += w)
                (Vector256.LoadUnsafe(ref a, (nuint)i) + Vector256.LoadUnsafe(ref r, (nuint)i))
                    .StoreUnsafe(ref a, (nuint)i);
        }
        for (; i < acc.Length; i++) acc[i] += row[i];
    }
}
