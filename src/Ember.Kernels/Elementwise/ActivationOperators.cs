using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

// Element-wise activation operators: relu, sigmoid, tanh, gelu, silu, leaky_relu, elu, softplus.

/// <summary><c>max(x, 0)</c>; NaN stays NaN as in PyTorch.</summary>
public readonly struct ReluOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => x > T.Zero ? x : (T.IsNaN(x) ? x : T.Zero);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);
}

/// <summary><c>1 / (1 + e⁻ˣ)</c>.</summary>
public readonly struct SigmoidOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Sigmoid(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Sigmoid(x, y);
}

/// <summary><c>tanh x</c>.</summary>
public readonly struct TanhOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Tanh(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Tanh(x, y);
}

/// <summary>GELU, exact: x·Φ(x) = x/2 · (1 + erf(x/√2)).</summary>
public readonly struct GeluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
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
    public static T Invoke(T x) => x / (T.One + T.Exp(-x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>LeakyReLU with negative slope a: x ≥ 0 ? x : a·x.</summary>
public readonly struct LeakyReluOperator<T> : IParametricOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T a, T b) => x > T.Zero ? x : a * x;
}

/// <summary>ELU with α = a: x &gt; 0 ? x : α·(eˣ - 1).</summary>
public readonly struct EluOperator<T> : IParametricOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T a, T b) => x > T.Zero ? x : a * T.ExpM1(x);
}

/// <summary>Softplus with β = a and threshold b: β·x &gt; b ? x : ln(1 + e^(βx))/β.</summary>
public readonly struct SoftplusOperator<T> : IParametricOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T a, T b) => a * x > b ? x : T.LogP1(T.Exp(a * x)) / a;
}
