using System;
using System.Numerics;

namespace Ember.Kernels;

/// <summary>
/// Scans, products, minima and sorting along the middle axis of a contiguous
/// <c>[outer, n, inner]</c> block.
/// </summary>
public static class AxisKernels
{
    /// <summary>Running sum along the axis; <paramref name="reverse"/> accumulates from the end (the cumsum backward).</summary>
    public static void Cumsum<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y, bool reverse) where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                T acc = T.Zero;
                for (int k = 0; k < n; k++)
                {
                    int p = b + (reverse ? n - 1 - k : k) * inner;
                    acc += x[p];
                    y[p] = acc;
                }
            }
    }

    /// <summary>Running product along the axis.</summary>
    public static void Cumprod<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y) where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                T acc = T.One;
                for (int k = 0; k < n; k++) { int p = b + k * inner; acc *= x[p]; y[p] = acc; }
            }
    }

    /// <summary>
    /// Exact cumprod backward, zeros included: <c>dx_k = Σ_{j≥k} dy_j · Π_{i≤j, i≠k} x_i</c> (O(n²) per slice).
    /// </summary>
    public static void CumprodBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, int outer, int n, int inner, Span<T> dx) where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                for (int k = 0; k < n; k++)
                {
                    T prefix = T.One;
                    for (int j = 0; j < k; j++) prefix *= x[b + j * inner];
                    T sum = T.Zero, run = prefix;
                    for (int j = k; j < n; j++)
                    {
                        if (j > k) run *= x[b + j * inner];
                        sum += dy[b + j * inner] * run;
                    }
                    dx[b + k * inner] = sum;
                }
            }
    }

    /// <summary>Product along the axis.</summary>
    public static void Prod<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y) where T : unmanaged, INumber<T>
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
    public static void ProdBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, int outer, int n, int inner, Span<T> dx) where T : unmanaged, INumber<T>
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

    /// <summary>Minimum along the axis and the index of its first occurrence (NaN wins, as in PyTorch).</summary>
    public static void Min<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> values, Span<long> indices) where T : unmanaged, INumber<T>
    {
        bool wantIdx = !indices.IsEmpty;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                T best = x[b];
                int bi = 0;
                if (!T.IsNaN(best))
                    for (int k = 1, p = b + inner; k < n; k++, p += inner)
                    {
                        T v = x[p];
                        if (v < best || T.IsNaN(v)) { best = v; bi = k; if (T.IsNaN(v)) break; }
                    }
                values[o * inner + i] = best;
                if (wantIdx) indices[o * inner + i] = bi;
            }
    }

    /// <summary>
    /// Sorts each slice along the axis (stable; NaN sorts as the largest value, as in PyTorch) and keeps the first
    /// <paramref name="k"/> values and their original indices (<paramref name="k"/> = n for a full sort).
    /// </summary>
    public static void Sort<T>(ReadOnlySpan<T> x, int outer, int n, int inner, int k, bool descending, Span<T> values, Span<long> indices)
        where T : unmanaged, INumber<T>
    {
        var keys = new T[n];
        var order = new int[n];
        var comparer = new SortComparer<T>(keys, descending);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                for (int j = 0; j < n; j++) { keys[j] = x[b + j * inner]; order[j] = j; }
                // Array.Sort is not stable; sorting the indices with ties broken by position makes it so.
                Array.Sort(order, comparer);
                int ob = o * k * inner + i;
                for (int j = 0; j < k; j++)
                {
                    values[ob + j * inner] = keys[order[j]];
                    indices[ob + j * inner] = order[j];
                }
            }
    }

    private sealed class SortComparer<T>(T[] keys, bool descending) : System.Collections.Generic.IComparer<int> where T : INumber<T>
    {
        public int Compare(int a, int b)
        {
            T x = keys[a], y = keys[b];
            int c;
            bool xn = T.IsNaN(x), yn = T.IsNaN(y);
            if (xn || yn) c = xn == yn ? 0 : xn ? 1 : -1;
            else c = x < y ? -1 : x > y ? 1 : 0;
            if (descending) c = -c;
            return c != 0 ? c : a.CompareTo(b);
        }
    }

    /// <summary>Whether any (or all) elements along the axis are true.</summary>
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
