using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

// Element-wise math functions: exp, log, roots, abs/sign/square, trigonometry, erf, rounding, clamp.

/// <summary><c>eˣ</c>.</summary>
public readonly struct ExpOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Exp(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Exp(x, y);
}

/// <summary><c>ln x</c>.</summary>
public readonly struct LogOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Log(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Log(x, y);
}

/// <summary><c>√x</c>.</summary>
public readonly struct SqrtOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Sqrt(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);
}

/// <summary>1/√x.</summary>
public readonly struct RsqrtOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.One / T.Sqrt(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = T.One / T.Sqrt(x[i]);
    }
}

/// <summary>|x|. For signed integers the most negative value maps to itself (two's-complement wrap-around, as
/// PyTorch's <c>abs</c> does) instead of throwing <see cref="OverflowException"/> as <c>Math.Abs</c> would.</summary>
public readonly struct AbsOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => IsSignedInteger ? (T.IsNegative(x) ? unchecked(T.Zero - x) : x) : T.Abs(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        if (!IsSignedInteger) { TensorPrimitives.Abs(x, y); return; }
        for (int i = 0; i < y.Length; i++) y[i] = T.IsNegative(x[i]) ? unchecked(T.Zero - x[i]) : x[i];
    }

    // A JIT-time constant per T: TensorPrimitives.Abs throws on the minimum value of a signed integer type.
    private static bool IsSignedInteger =>
        typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(short)
        || typeof(T) == typeof(sbyte);
}

/// <summary>sign(x): -1, 0 or 1 (NaN stays NaN).</summary>
public readonly struct SignOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.IsNaN(x) ? x : T.CreateTruncating(T.Sign(x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>x².</summary>
public readonly struct SquareOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => x * x;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Multiply(x, x, y);
}

/// <summary>ln(1 + x).</summary>
public readonly struct Log1pOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Log1p(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Log1p(x, y);
}

/// <summary>eˣ - 1.</summary>
public readonly struct Expm1Operator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Expm1(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Expm1(x, y);
}

/// <summary>sin x.</summary>
public readonly struct SinOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Sin(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Sin(x, y);
}

/// <summary>cos x.</summary>
public readonly struct CosOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => AccurateMath.Cos(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => AccurateMath.Cos(x, y);
}

/// <summary>atan2(y, x) with the first operand as y.</summary>
public readonly struct Atan2Operator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => T.Atan2(x, y);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Atan2(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => TensorPrimitives.Atan2(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Atan2(x, y, z);
}

/// <summary>erf x.</summary>
public readonly struct ErfOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x)));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>Round half to even (PyTorch's <c>round</c>).</summary>
public readonly struct RoundOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Round(x, MidpointRounding.ToEven);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>⌊x⌋.</summary>
public readonly struct FloorOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Floor(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Floor(x, y);
}

/// <summary>⌈x⌉.</summary>
public readonly struct CeilOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Ceiling(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Ceiling(x, y);
}

/// <summary>Clamp to [a, b] (NaN propagates).</summary>
public readonly struct ClampOperator<T> : IParametricOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T a, T b) => T.IsNaN(x) ? x : x < a ? a : x > b ? b : x;
}
