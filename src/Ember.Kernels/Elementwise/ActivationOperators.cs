using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

// Element-wise activation operators: relu, sigmoid, tanh, gelu, silu, leaky_relu, elu, softplus.

/// <summary><c>max(x, 0)</c>; NaN stays NaN as in PyTorch.</summary>
public readonly struct ReluOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x) => x > T.Zero ? x : (T.IsNaN(x) ? x : T.Zero);
    /// <inheritdoc/>
    /// <remarks>
    /// A loop of its own rather than <c>TensorPrimitives.Max(x, 0, y)</c>: System.Numerics.Tensors is not
    /// precompiled (ReadyToRun), so under the default tiered JIT its generic vector paths ran as tier-0 code for
    /// thousands of steps; this method is compiled fully optimized on its first call (docs/design-notes.md, issue 18).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"relu: the destination holds {y.Length} elements, expected at least " +
                $"{x.Length}.", nameof(y));
        int n = x.Length, i = 0;
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                Vector512<T> v = Vector512.LoadUnsafe(ref xs, (nuint)i);
                // Keep positive lanes and NaN (v != v); the rest, -0 included, become +0 as in max(x, 0).
                Vector512<T> keep = Vector512.GreaterThan(v, Vector512<T>.Zero) | ~Vector512.Equals(v, v);
                (v & keep).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> v = Vector256.LoadUnsafe(ref xs, (nuint)i);
                Vector256<T> keep = Vector256.GreaterThan(v, Vector256<T>.Zero) | ~Vector256.Equals(v, v);
                (v & keep).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref ys, i) = Invoke(Unsafe.Add(ref xs, i));
    }
}

/// <summary><c>1 / (1 + e⁻ˣ)</c>.</summary>
public readonly struct SigmoidOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x) => AccurateMath.Sigmoid(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Sigmoid(x, y);
}

/// <summary><c>tanh x</c>.</summary>
public readonly struct TanhOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x) => AccurateMath.Tanh(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Tanh(x, y);
}

/// <summary>GELU, exact: x·Φ(x) = x/2 · (1 + erf(x/√2)).</summary>
public readonly struct GeluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x)
    {
        double v = double.CreateTruncating(x);
        return T.CreateTruncating(0.5 * v * (1 + SpecialFunctions.Erf(v * 0.70710678118654752)));
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>GELU, tanh approximation: x/2 · (1 + tanh(√(2/π)·(x + 0.044715x³))).</summary>
public readonly struct GeluTanhOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x)
    {
        T k = T.CreateTruncating(0.79788456080286536), c = T.CreateTruncating(0.044715), half = T.CreateTruncating(0.5);
        return half * x * (T.One + T.Tanh(k * (x + c * x * x * x)));
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>SiLU (swish): x·σ(x).</summary>
public readonly struct SiluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x) => x / (T.One + T.Exp(-x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>LeakyReLU with negative slope a: x ≥ 0 ? x : a·x.</summary>
public readonly struct LeakyReluOperator<T> : IParametricOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x, T a, T b) => x > T.Zero ? x : a * x;
}

/// <summary>ELU with α = a: x &gt; 0 ? x : α·(eˣ - 1).</summary>
public readonly struct EluOperator<T> : IParametricOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x, T a, T b) => x > T.Zero ? x : a * T.ExpM1(x);
}

/// <summary>Softplus with β = a and threshold b: β·x &gt; b ? x : ln(1 + e^(βx))/β.</summary>
public readonly struct SoftplusOperator<T> : IParametricOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Invoke(T x, T a, T b) => a * x > b ? x : T.LogP1(T.Exp(a * x)) / a;
}
