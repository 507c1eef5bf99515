using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

/// <summary>
/// Fused backward passes of activations: one pass over the elements instead of a chain of tensor ops.
/// </summary>
public static class ActivationBackward
{
    /// <summary>
    /// <c>dx = y &gt; 0 ? dy : 0</c> (PyTorch's <c>threshold_backward</c> on the ReLU output <paramref name="y"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated
            && System.Runtime.Intrinsics.Vector256<T>.IsSupported)
        {
            int w = System.Runtime.Intrinsics.Vector256<T>.Count;
            for (; i + w <= dx.Length; i += w)
            {
                var yv = System.Runtime.Intrinsics.Vector256.Create(y.Slice(i, w));
                var mask = System.Runtime.Intrinsics.Vector256.GreaterThan(yv,
                    System.Runtime.Intrinsics.Vector256<T>.Zero);
                System.Runtime.Intrinsics.Vector256.CopyTo(
                    System.Runtime.Intrinsics.Vector256.Create(dy.Slice(i, w)) & mask, dx.Slice(i, w));
            }
        }
        for (; i < dx.Length; i++) dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
    }

    /// <summary>
    /// <c>dx = dy · (1 - y) · y</c> from the sigmoid output <paramref name="y"/> (PyTorch's <c>sigmoid_backward</c>,
    /// same operation order).
    /// </summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, INumber<T> =>
        FromOutput<T, SigmoidRule<T>>(dy, y, dx);

    /// <summary>
    /// <c>dx = dy · (1 - y²)</c> from the tanh output <paramref name="y"/> (PyTorch's <c>tanh_backward</c>).
    /// </summary>
    public static void Tanh<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, INumber<T> =>
        FromOutput<T, TanhRule<T>>(dy, y, dx);

    /// <summary>A backward rule written in terms of the forward's output: <c>dx = rule(dy, y)</c>.</summary>
    private interface IOutputRule<T> where T : unmanaged, INumber<T>
    {
        static abstract T Invoke(T dy, T y);

        static abstract Vector256<T> Invoke(Vector256<T> dy, Vector256<T> y);
    }

    private readonly struct SigmoidRule<T> : IOutputRule<T> where T : unmanaged, INumber<T>
    {
        public static T Invoke(T dy, T y) => dy * (T.One - y) * y;

        public static Vector256<T> Invoke(Vector256<T> dy, Vector256<T> y) => dy * (Vector256<T>.One - y) * y;
    }

    private readonly struct TanhRule<T> : IOutputRule<T> where T : unmanaged, INumber<T>
    {
        public static T Invoke(T dy, T y) => dy * (T.One - (y * y));

        public static Vector256<T> Invoke(Vector256<T> dy, Vector256<T> y) => dy * (Vector256<T>.One - (y * y));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FromOutput<T, TRule>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx)
        where T : unmanaged, INumber<T>
        where TRule : IOutputRule<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            int w = Vector256<T>.Count;
            for (; i + w <= dx.Length; i += w)
                TRule.Invoke(Vector256.Create(dy.Slice(i, w)), Vector256.Create(y.Slice(i, w))).CopyTo(dx.Slice(i, w));
        }
        for (; i < dx.Length; i++) dx[i] = TRule.Invoke(dy[i], y[i]);
    }

    /// <summary>
    /// Log-softmax backward along the middle axis of <c>[outer, n, inner]</c>: <c>dx = dy - exp(y) · Σ dy</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSoftmax<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, int outer, int n, int inner, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            // exp(y) for the whole block in one vectorized call, then dx = dy - exp(y)·Σdy per row.
            AccurateMath.Exp<T>(y[..(outer * n)], dx);
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
                for (int k = 0; k < n; k++) { int p = b + k * inner; dx[p] = dy[p] - AccurateMath.Exp(y[p]) * sum; }
            }
    }

    /// <summary>
    /// Softmax backward along the middle axis of <c>[outer, n, inner]</c>: <c>dx = y · (dy - Σ dy·y)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
