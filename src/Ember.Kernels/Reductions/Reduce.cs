using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Reductions (sum, max, min, prod and its backward, any/all) over the middle axis of a contiguous
/// <c>[outer, n, inner]</c> block, the shape every reduction along one dimension takes once its input is contiguous.
/// Each output element is accumulated in a fixed order, so results do not depend on the thread count.
/// </summary>
public static class Reduce
{
    /// <summary><c>dst[o, i] = Σ_k x[o, k, i]</c>; <paramref name="dst"/> has <c>outer * inner</c> elements.
    /// Floating-point sums are cascaded (<see cref="CascadeSum"/>), as PyTorch's are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sum<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> dst)
        where T : unmanaged, INumber<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = CascadeSum.Sum(x.Slice(o * n, n));
            return;
        }
        for (int o = 0; o < outer; o++)
            CascadeSum.Columns(x.Slice(o * n * inner, n * inner), n, inner, dst.Slice(o * inner, inner));
    }

    /// <summary>
    /// Maximum along the middle axis and the index of its first occurrence (NaN wins, as in PyTorch).
    /// <paramref name="indices"/> may be empty when only values are wanted.
    /// </summary>
    public static void Max<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> values, Span<long> indices)
        where T : unmanaged, INumber<T> => Extremum<T, GreaterThanOperator<T>>(x, outer, n, inner, values, indices);

    /// <summary>
    /// Minimum along the middle axis and the index of its first occurrence (NaN wins, as in PyTorch).
    /// </summary>
    public static void Min<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> values, Span<long> indices)
        where T : unmanaged, INumber<T> => Extremum<T, LessThanOperator<T>>(x, outer, n, inner, values, indices);

    /// <summary>
    /// The first element along the axis that <typeparamref name="TBetter"/> prefers to all others, or the first NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Extremum<T, TBetter>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> values,
        Span<long> indices)
        where T : unmanaged, INumber<T> where TBetter : ICompareOperator<T>
    {
        bool wantIdx = !indices.IsEmpty;
        for (int o = 0; o < outer; o++)
        {
            int b = o * n * inner;
            for (int i = 0; i < inner; i++)
            {
                T best = x[b + i];
                int bi = 0;
                if (!T.IsNaN(best))
                {
                    for (int k = 1, p = b + inner + i; k < n; k++, p += inner)
                    {
                        T v = x[p];
                        if (TBetter.Invoke(v, best) || T.IsNaN(v))
                        {
                            best = v;
                            bi = k;
                            if (T.IsNaN(v)) break;
                        }
                    }
                }
                values[o * inner + i] = best;
                if (wantIdx) indices[o * inner + i] = bi;
            }
        }
    }

    /// <summary>Product along the axis.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Prod<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y)
        where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T acc = T.One;
                for (int k = 0, p = o * n * inner + i; k < n; k++, p += inner) acc *= x[p];
                y[o * inner + i] = acc;
            }
    }

    /// <summary>Exact product backward, zeros included: <c>dx_k = dy · Π_{i≠k} x_i</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ProdBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, int outer, int n, int inner, Span<T> dx)
        where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                T g = dy[o * inner + i];
                for (int k = 0; k < n; k++)
                {
                    T others = T.One;
                    for (int j = 0; j < n; j++) if (j != k) others *= x[b + j * inner];
                    dx[b + k * inner] = g * others;
                }
            }
    }

    /// <summary>Whether any (or all) elements along the axis are true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AnyAll(ReadOnlySpan<bool> x, int outer, int n, int inner, Span<bool> y, bool all)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                bool acc = all;
                for (int k = 0, p = o * n * inner + i; k < n; k++, p += inner)
                    if (x[p] != all) { acc = !all; break; }
                y[o * inner + i] = acc;
            }
    }
}
