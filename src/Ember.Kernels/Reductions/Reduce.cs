using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Kernels;

/// <summary>
/// Reductions over the middle axis of a contiguous <c>[outer, n, inner]</c> block, the shape every
/// reduction along one dimension takes once its input is contiguous. Each output element is accumulated
/// in a fixed order, so results do not depend on the thread count.
/// </summary>
public static class Reduce
{
    /// <summary><c>dst[o, i] = Σ_k x[o, k, i]</c>; <paramref name="dst"/> has <c>outer * inner</c> elements.</summary>
    public static void Sum<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> dst) where T : unmanaged, INumber<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = TensorPrimitives.Sum(x.Slice(o * n, n));
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            Span<T> d = dst.Slice(o * inner, inner);
            ReadOnlySpan<T> block = x.Slice(o * n * inner, n * inner);
            if (n == 0) { d.Clear(); continue; }
            block[..inner].CopyTo(d);
            if (inner < 32)
            {
                // Short rows (a Linear layer's bias gradient): a library call per row costs more than the additions.
                int w = System.Runtime.Intrinsics.Vector256<T>.Count;
                int full = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.Vector256<T>.IsSupported
                    ? inner - inner % w : 0;
                for (int k = 1; k < n; k++)
                {
                    ReadOnlySpan<T> row = block.Slice(k * inner, inner);
                    for (int i = 0; i < full; i += w)
                        System.Runtime.Intrinsics.Vector256.CopyTo(
                            System.Runtime.Intrinsics.Vector256.Create<T>(d.Slice(i, w)) + System.Runtime.Intrinsics.Vector256.Create<T>(row.Slice(i, w)),
                            d.Slice(i, w));
                    for (int i = full; i < inner; i++) d[i] += row[i];
                }
            }
            else
            {
                for (int k = 1; k < n; k++) TensorPrimitives.Add(d, block.Slice(k * inner, inner), d);
            }
        }
    }

    /// <summary>
    /// Maximum along the middle axis and the index of its first occurrence (NaN wins, as in PyTorch).
    /// <paramref name="indices"/> may be empty when only values are wanted.
    /// </summary>
    public static void Max<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> values, Span<long> indices)
        where T : unmanaged, INumber<T>
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
                        if (v > best || T.IsNaN(v))
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
}

/// <summary>
/// Softmax and log-softmax along the middle axis of a contiguous <c>[outer, n, inner]</c> block, computed
/// stably (the maximum is subtracted first).
/// </summary>
public static class SoftmaxKernel
{
    /// <summary><c>y = exp(x - max) / Σ exp(x - max)</c> along the middle axis.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        => Run(x, outer, n, inner, y, log: false);

    /// <summary><c>y = x - max - log Σ exp(x - max)</c> along the middle axis.</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        => Run(x, outer, n, inner, y, log: true);

    private static void Run<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<T> y, bool log) where T : unmanaged, IFloatingPointIeee754<T>
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
            TensorPrimitives.Exp(y, e);
            for (int o = 0, b = 0; o < outer; o++, b += n)
            {
                T sum = e[b];
                for (int k = 1; k < n; k++) sum += e[b + k];
                sums[o] = sum;
            }
            if (log)
            {
                TensorPrimitives.Log(sums, sums);
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
                    for (int k = 0; k < n; k++) lse += T.Exp(yr[k]);
                    TensorPrimitives.Subtract(yr, T.Log(lse), yr);
                }
                else
                {
                    TensorPrimitives.Exp(yr, yr);
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
                    T e = T.Exp(x[p] - max);
                    sum += e;
                    if (!log) y[p] = e;
                }
                if (log)
                {
                    T lse = T.Log(sum);
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

/// <summary>Fused backward passes of activations: one pass over the elements instead of a chain of tensor ops.</summary>
public static class ActivationBackward
{
    /// <summary><c>dx = y &gt; 0 ? dy : 0</c> (PyTorch's <c>threshold_backward</c> on the ReLU output <paramref name="y"/>).</summary>
    public static void Relu<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.Vector256<T>.IsSupported)
        {
            int w = System.Runtime.Intrinsics.Vector256<T>.Count;
            for (; i + w <= dx.Length; i += w)
            {
                var yv = System.Runtime.Intrinsics.Vector256.Create(y.Slice(i, w));
                var mask = System.Runtime.Intrinsics.Vector256.GreaterThan(yv, System.Runtime.Intrinsics.Vector256<T>.Zero);
                System.Runtime.Intrinsics.Vector256.CopyTo(System.Runtime.Intrinsics.Vector256.Create(dy.Slice(i, w)) & mask, dx.Slice(i, w));
            }
        }
        for (; i < dx.Length; i++) dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
    }

    /// <summary>Log-softmax backward along the middle axis of <c>[outer, n, inner]</c>: <c>dx = dy - exp(y) · Σ dy</c>.</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, int outer, int n, int inner, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            // exp(y) for the whole block in one vectorized call, then dx = dy - exp(y)·Σdy per row.
            TensorPrimitives.Exp(y[..(outer * n)], dx);
            for (int o = 0; o < outer; o++)
            {
                int b = o * n;
                T sum = T.Zero;
                for (int k = 0; k < n; k++) sum += dy[b + k];
                for (int k = 0; k < n; k++) dx[b + k] = dy[b + k] - dx[b + k] * sum;
            }
            return;
        }
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                T sum = T.Zero;
                for (int k = 0; k < n; k++) sum += dy[b + k * inner];
                for (int k = 0; k < n; k++) { int p = b + k * inner; dx[p] = dy[p] - T.Exp(y[p]) * sum; }
            }
    }

    /// <summary>Softmax backward along the middle axis of <c>[outer, n, inner]</c>: <c>dx = y · (dy - Σ dy·y)</c>.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, int outer, int n, int inner, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                T dot = T.Zero;
                for (int k = 0; k < n; k++) { int p = b + k * inner; dot += dy[p] * y[p]; }
                for (int k = 0; k < n; k++) { int p = b + k * inner; dx[p] = y[p] * (dy[p] - dot); }
            }
    }
}
