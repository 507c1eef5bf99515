using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Scans and sorting along the middle axis of a contiguous <c>[outer, n, inner]</c> block; this file holds the
/// scans (cumsum, cumprod and its backward), Sorting.cs the sort.
/// </summary>
public static partial class AxisKernels
{
    /// <summary>
    /// Running sum along the axis; <paramref name="reverse"/> accumulates from the end (the cumsum backward).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Cumsum<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y, bool reverse)
        where T : unmanaged, INumber<T>
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Cumprod<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y)
        where T : unmanaged, INumber<T>
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CumprodBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, int outer, int n, int inner,
        Span<T> dx)
        where T : unmanaged, INumber<T>
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
}
