using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

// Rounding division and remainders (PyTorch's div with rounding_mode, floor_divide, remainder, fmod) and the
// rounding functions trunc and frac. Floating-point and integer types get separate operators: the floating ones
// follow PyTorch 1.13's CPU formulas (c10/util/generic_math.h), the integer ones wrap on MinValue / -1 as PyTorch
// does instead of throwing; division of integers by zero is rejected by the caller before the kernel runs.

/// <summary>Span loops for the operators below that have no TensorPrimitives counterpart.</summary>
internal static class BinaryLoops
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where TOp : IBinaryOperator<T>
    {
        for (int i = 0; i < z.Length; i++) z[i] = TOp.Invoke(x[i], y[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TOp>(ReadOnlySpan<T> x, T y, Span<T> z) where TOp : IBinaryOperator<T>
    {
        for (int i = 0; i < z.Length; i++) z[i] = TOp.Invoke(x[i], y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TOp>(T x, ReadOnlySpan<T> y, Span<T> z) where TOp : IBinaryOperator<T>
    {
        for (int i = 0; i < z.Length; i++) z[i] = TOp.Invoke(x, y[i]);
    }
}

/// <summary>
/// ⌊x / y⌋ for floating point, as PyTorch computes it: from <c>fmod</c> so that the quotient is exact
/// (<c>div_floor_floating</c>); y = 0 gives the IEEE quotient (±∞ or NaN).
/// </summary>
public readonly struct FloorDivideFloatOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y)
    {
        if (y == T.Zero) return x / y;
        T mod = x % y;
        T div = (x - mod) / y;
        if (mod != T.Zero && (y < T.Zero) != (mod < T.Zero)) div -= T.One;
        if (div == T.Zero) return T.CopySign(T.Zero, x / y);
        T floor = T.Floor(div);
        if (div - floor > T.CreateTruncating(0.5)) floor += T.One;
        return floor;
    }
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, FloorDivideFloatOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) =>
        BinaryLoops.Run<T, FloorDivideFloatOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, FloorDivideFloatOperator<T>>(x, y, z);
}

/// <summary>⌊x / y⌋ for integers (rounds toward −∞; MinValue / −1 wraps).</summary>
public readonly struct FloorDivideIntegerOperator<T> : IBinaryOperator<T> where T : unmanaged, IBinaryInteger<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y)
    {
        if (y == -T.One) return T.Zero - x;
        T q = x / y;
        return (x < T.Zero) != (y < T.Zero) && q * y != x ? q - T.One : q;
    }
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, FloorDivideIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) =>
        BinaryLoops.Run<T, FloorDivideIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, FloorDivideIntegerOperator<T>>(x, y, z);
}

/// <summary>trunc(x / y) for floating point (the quotient rounded toward zero).</summary>
public readonly struct TruncDivideFloatOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => T.Truncate(x / y);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
    {
        TensorPrimitives.Divide(x, y, z);
        TensorPrimitives.Truncate(z, z);
    }
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z)
    {
        TensorPrimitives.Divide(x, y, z);
        TensorPrimitives.Truncate(z, z);
    }
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z)
    {
        TensorPrimitives.Divide(x, y, z);
        TensorPrimitives.Truncate(z, z);
    }
}

/// <summary>x / y for integers, rounded toward zero (C#'s integer division; MinValue / −1 wraps).</summary>
public readonly struct TruncDivideIntegerOperator<T> : IBinaryOperator<T> where T : unmanaged, IBinaryInteger<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => y == -T.One ? T.Zero - x : x / y;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, TruncDivideIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) =>
        BinaryLoops.Run<T, TruncDivideIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, TruncDivideIntegerOperator<T>>(x, y, z);
}

/// <summary>
/// Python's modulo for floating point: <c>x - ⌊x / y⌋·y</c>, with the sign of y (PyTorch's <c>remainder</c>:
/// <c>fmod</c>, then + y when the signs differ).
/// </summary>
public readonly struct RemainderFloatOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y)
    {
        T mod = x % y;
        return mod != T.Zero && (y < T.Zero) != (mod < T.Zero) ? mod + y : mod;
    }
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, RemainderFloatOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) =>
        BinaryLoops.Run<T, RemainderFloatOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, RemainderFloatOperator<T>>(x, y, z);
}

/// <summary>Python's modulo for integers: the result has the sign of y.</summary>
public readonly struct RemainderIntegerOperator<T> : IBinaryOperator<T> where T : unmanaged, IBinaryInteger<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y)
    {
        if (y == -T.One) return T.Zero;
        T mod = x % y;
        return mod != T.Zero && (y < T.Zero) != (mod < T.Zero) ? mod + y : mod;
    }
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, RemainderIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) =>
        BinaryLoops.Run<T, RemainderIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, RemainderIntegerOperator<T>>(x, y, z);
}

/// <summary>
/// C's <c>fmod</c> for floating point: <c>x - trunc(x / y)·y</c>, with the sign of x (C#'s <c>%</c>).
/// </summary>
public readonly struct FmodFloatOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => x % y;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, FmodFloatOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => BinaryLoops.Run<T, FmodFloatOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => BinaryLoops.Run<T, FmodFloatOperator<T>>(x, y, z);
}

/// <summary>C's <c>%</c> for integers: the result has the sign of x (MinValue % −1 is 0, not an overflow).</summary>
public readonly struct FmodIntegerOperator<T> : IBinaryOperator<T> where T : unmanaged, IBinaryInteger<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => y == -T.One ? T.Zero : x % y;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, FmodIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) =>
        BinaryLoops.Run<T, FmodIntegerOperator<T>>(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) =>
        BinaryLoops.Run<T, FmodIntegerOperator<T>>(x, y, z);
}

/// <summary>trunc(x): x rounded toward zero.</summary>
public readonly struct TruncOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Truncate(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Truncate(x, y);
}

/// <summary>frac(x) = x − trunc(x), with the sign of x.</summary>
public readonly struct FracOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => x - T.Truncate(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] - T.Truncate(x[i]);
    }
}
