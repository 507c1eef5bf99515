using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Softmax and log-softmax along the middle axis of a contiguous <c>[outer, n, inner]</c> block, computed
/// stably (the maximum is subtracted first).
/// </summary>
public static class SoftmaxKernel
{
    /// <summary><c>y = exp(x - max) / Σ exp(x - max)</c> along the middle axis.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(x, outer, n, inner, y, log: false);

    /// <summary><c>y = x - max - log Σ exp(x - max)</c> along the middle axis.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(x, outer, n, inner, y, log: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        if (inner == 1 && n <= 16)
        {
            // Few classes per row (Iris has 3): per-row vector calls would dominate, so shift each row by its max
            // in a scalar loop, then take every exponential (and every row's log) in one vectorized call.
            int total = outer * n;
            x = x[..total];
            y = y[..total];
            T[] rented = System.Buffers.ArrayPool<T>.Shared.Rent(total + outer);
            Span<T> e = rented.AsSpan(0, total), sums = rented.AsSpan(total, outer);
            for (int o = 0, b = 0; o < outer; o++, b += n)
            {
                T max = x[b];
                for (int k = 1; k < n; k++) { T v = x[b + k]; if (v > max || T.IsNaN(v)) max = v; }
                for (int k = 0; k < n; k++) y[b + k] = x[b + k] - max;
            }
            AccurateMath.Exp<T>(y, e);
            for (int o = 0, b = 0; o < outer; o++, b += n)
            {
                T sum = e[b];
                for (int k = 1; k < n; k++) sum += e[b + k];
                sums[o] = sum;
            }
            if (log)
            {
                AccurateMath.Log<T>(sums, sums);
                for (int o = 0, b = 0; o < outer; o++, b += n)
                {
                    T lse = sums[o];
                    for (int k = 0; k < n; k++) y[b + k] -= lse;
                }
            }
            else
            {
                TensorPrimitives.Reciprocal(sums, sums);
                for (int o = 0, b = 0; o < outer; o++, b += n)
                {
                    T inv = sums[o];
                    for (int k = 0; k < n; k++) y[b + k] = e[b + k] * inv;
                }
            }
            System.Buffers.ArrayPool<T>.Shared.Return(rented);
            return;
        }
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<T> xr = x.Slice(o * n, n);
                Span<T> yr = y.Slice(o * n, n);
                T max = TensorPrimitives.Max(xr);
                TensorPrimitives.Subtract(xr, max, yr);
                if (log)
                {
                    T lse = T.Zero;
                    for (int k = 0; k < n; k++) lse += AccurateMath.Exp(yr[k]);
                    TensorPrimitives.Subtract(yr, AccurateMath.Log(lse), yr);
                }
                else
                {
                    AccurateMath.Exp<T>(yr, yr);
                    T sum = TensorPrimitives.Sum(yr);
                    TensorPrimitives.Divide(yr, sum, yr);
                }
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            int b = o * n * inner;
            for (int i = 0; i < inner; i++)
            {
                T max = x[b + i];
                for (int k = 1; k < n; k++) max = T.Max(max, x[b + k * inner + i]);
                T sum = T.Zero;
                for (int k = 0; k < n; k++)
                {
                    int p = b + k * inner + i;
                    T e = AccurateMath.Exp(x[p] - max);
                    sum += e;
                    if (!log) y[p] = e;
                }
                if (log)
                {
                    T lse = AccurateMath.Log(sum);
                    for (int k = 0; k < n; k++) { int p = b + k * inner + i; y[p] = x[p] - max - lse; }
                }
                else
                {
                    for (int k = 0; k < n; k++) y[b + k * inner + i] /= sum;
                }
            }
        }
    }
}
