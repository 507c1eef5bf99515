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
        int lp = LevelPower(steps), step = 1 << lp, mask = step - 1;
        Span<Vector256<T>> acc = stackalloc Vector256<T>[Levels * 4];
        acc.Clear();
        int i = 0;
        while (i + step <= steps)
        {
            for (int j = 0; j < step; j++, i++)
            {
                nuint b = (nuint)(i * 4 * w);
                acc[0] += Vector256.LoadUnsafe(ref xr, b);
                acc[1] += Vector256.LoadUnsafe(ref xr, b + (nuint)w);
                acc[2] += Vector256.LoadUnsafe(ref xr, b + (nuint)(2 * w));
                acc[3] += Vector256.LoadUnsafe(ref xr, b + (nuint)(3 * w));
            }
            for (int l = 1; l < Levels; l++)
            {
                for (int k = 0; k < 4; k++)
                {
                    acc[l * 4 + k] += acc[(l - 1) * 4 + k];
                    acc[(l - 1) * 4 + k] = Vector256<T>.Zero;
                }
                if ((i & (mask << (l * lp))) != 0) break;
            }
        }
        for (; i < steps; i++)
        {
            nuint b = (nuint)(i * 4 * w);
            for (int k = 0; k < 4; k++) acc[k] += Vector256.LoadUnsafe(ref xr, b + (nuint)(k * w));
        }
        for (int l = 1; l < Levels; l++)
            for (int k = 0; k < 4; k++) acc[k] += acc[l * 4 + k];
        for (int v = steps * 4; v < nv; v++) acc[0] += Vector256.LoadUnsafe(ref xr, (nuint)(v * w));
        for (int k = 1; k < 4; k++) acc[0] += acc[k];
        T total = T.Zero;
        for (int k = nv * w; k < x.Length; k++) total += x[k];
        for (int k = 0; k < w; k++) total += acc[0][k];
        return total;
    }

    /// <summary>
    /// Column sums of a row-major <c>[n, inner]</c> block: <c>dst[i] = Σ_k x[k·inner + i]</c>, each column cascaded
    /// on its own and vectorized across columns. As in PyTorch's outer sums, the columns of whole groups of four
    /// (four vectors once a row holds a vector) cascade straight down (multi_row_sum); the others first split the
    /// rows into four interleaved streams (row_sum).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Columns<T>(ReadOnlySpan<T> x, int n, int inner, Span<T> dst) where T : unmanaged, INumber<T>
    {
        dst = dst[..inner];
        dst.Clear();
        if (n == 0 || inner == 0) return;
        if (!IsFloat<T>())
        {
            for (int k = 0; k < n; k++) AddRow(dst, x.Slice(k * inner, inner));
            return;
        }
        int group = inner >= Vector256<T>.Count ? 4 * Vector256<T>.Count : 4;
        int direct = inner / group * group;
        T[] rented = ArrayPool<T>.Shared.Rent(4 * Levels * inner);
        Span<T> scratch = rented.AsSpan(0, 4 * Levels * inner);
        scratch.Clear();
        if (direct > 0) Cascade(x, inner, 0, direct, 0, 1, n, dst[..direct], scratch);
        if (direct < inner)
        {
            // row_sum: stream s sums rows s, s + 4, s + 8, ...; leftover rows go to stream 0; then streams 1-3.
            int width = inner - direct, steps = n / 4;
            Span<T> streams = scratch[..(4 * width)];
            Span<T> levels = scratch.Slice(4 * width, (Levels - 1) * width);
            for (int s = 0; s < 4; s++)
            {
                levels.Clear();
                Cascade(x, inner, direct, width, s, 4, steps, streams.Slice(s * width, width), levels);
            }
            Span<T> s0 = streams[..width];
            for (int r = steps * 4; r < n; r++) AddRow(s0, x.Slice(r * inner + direct, width));
            for (int s = 1; s < 4; s++) AddRow(s0, streams.Slice(s * width, width));
            s0.CopyTo(dst[direct..]);
        }
        ArrayPool<T>.Shared.Return(rented);
    }

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
        acc.Clear();
        int lp = LevelPower(steps), step = 1 << lp, mask = step - 1, i = 0;
        while (i + step <= steps)
        {
            for (int j = 0; j < step; j++, i++) AddRow(acc, x.Slice((first + i * stride) * inner + col, width));
            for (int l = 1; l < Levels; l++)
            {
                Span<T> below = l == 1 ? acc : upper.Slice((l - 2) * width, width);
                AddRow(upper.Slice((l - 1) * width, width), below);
                below.Clear();
                if ((i & (mask << (l * lp))) != 0) break;
            }
        }
        for (; i < steps; i++) AddRow(acc, x.Slice((first + i * stride) * inner + col, width));
        for (int l = 1; l < Levels; l++) AddRow(acc, upper.Slice((l - 1) * width, width));
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
