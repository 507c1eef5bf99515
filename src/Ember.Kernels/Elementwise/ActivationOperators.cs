using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Kernels;

/// <summary><c>-x</c>.</summary>
public readonly struct NegateOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => -x;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Negate(x, y);
}

/// <summary><c>eˣ</c>.</summary>
public readonly struct ExpOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Exp(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Exp(x, y);
}

/// <summary><c>ln x</c>.</summary>
public readonly struct LogOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Log(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);
}

/// <summary><c>√x</c>.</summary>
public readonly struct SqrtOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Sqrt(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);
}

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
    public static T Invoke(T x) => T.One / (T.One + T.Exp(-x));
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);
}

/// <summary><c>tanh x</c>.</summary>
public readonly struct TanhOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Tanh(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);
}

/// <summary>Identity copy (used to make strided data contiguous).</summary>
public readonly struct CopyOperator<T> : IUnaryOperator<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => x;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => x.CopyTo(y);
}

/// <summary>Numeric conversion with C#'s truncating semantics (PyTorch's <c>.to()</c> for float → int truncates toward zero).</summary>
public readonly struct ConvertOperator<TIn, TOut> : IMapOperator<TIn, TOut>
    where TIn : unmanaged, INumberBase<TIn> where TOut : unmanaged, INumberBase<TOut>
{
    /// <inheritdoc/>
    public static TOut Invoke(TIn x)
    {
        // Floating values reach small integer types through int64, so out-of-range values wrap as in PyTorch
        // (-1.7 → uint8 255) instead of saturating.
        bool floatIn = typeof(TIn) == typeof(float) || typeof(TIn) == typeof(double) || typeof(TIn) == typeof(Half);
        bool smallIntOut = typeof(TOut) == typeof(byte) || typeof(TOut) == typeof(sbyte) || typeof(TOut) == typeof(short);
        return floatIn && smallIntOut ? TOut.CreateTruncating(long.CreateTruncating(x)) : TOut.CreateTruncating(x);
    }
}

/// <summary>Numeric value to boolean: non-zero is true.</summary>
public readonly struct ToBoolOperator<TIn> : IMapOperator<TIn, bool> where TIn : unmanaged, INumberBase<TIn>
{
    /// <inheritdoc/>
    public static bool Invoke(TIn x) => !TIn.IsZero(x);
}

/// <summary>Boolean to numeric: true is one, false is zero.</summary>
public readonly struct FromBoolOperator<TOut> : IMapOperator<bool, TOut> where TOut : unmanaged, INumberBase<TOut>
{
    /// <inheritdoc/>
    public static TOut Invoke(bool x) => x ? TOut.One : TOut.Zero;
}

/// <summary><c>x == y</c>.</summary>
public readonly struct EqualOperator<T> : ICompareOperator<T> where T : IEqualityOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x == y;
}

/// <summary><c>x &lt; y</c>.</summary>
public readonly struct LessThanOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x < y;
}

/// <summary><c>x &gt; y</c>.</summary>
public readonly struct GreaterThanOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x > y;
}
