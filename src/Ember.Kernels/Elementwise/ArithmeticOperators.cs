using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Kernels;

// Element-wise arithmetic operators: add, subtract, multiply, divide, negate, power.

/// <summary><c>x + y</c>.</summary>
public readonly struct AddOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => x + y;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Add(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => TensorPrimitives.Add(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Add(y, x, z);
}

/// <summary><c>x - y</c>.</summary>
public readonly struct SubtractOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => x - y;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Subtract(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => TensorPrimitives.Subtract(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Subtract(x, y, z);
}

/// <summary><c>x * y</c>.</summary>
public readonly struct MultiplyOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => x * y;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Multiply(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => TensorPrimitives.Multiply(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Multiply(y, x, z);
}

/// <summary>
/// <c>x / y</c> (integer division truncates; the tensor layer promotes true division to floating point).
/// </summary>
public readonly struct DivideOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => x / y;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Divide(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => TensorPrimitives.Divide(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Divide(x, y, z);
}

/// <summary><c>-x</c>.</summary>
public readonly struct NegateOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => -x;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Negate(x, y);
}

/// <summary><c>x ^ y</c> for floating-point types.</summary>
public readonly struct PowOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => AccurateMath.Pow(x, y);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => AccurateMath.Pow(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z)
    {
        // Squares and cubes are common (losses, norms); multiplication is exact where Pow is not always.
        // Float32Math.Pow treats squares exactly itself, on every path.
        if (typeof(T) == typeof(float)) AccurateMath.Pow(x, y, z);
        else if (y == T.CreateTruncating(2)) TensorPrimitives.Multiply(x, x, z);
        else if (y == T.One) x.CopyTo(z);
        else TensorPrimitives.Pow(x, y, z);
    }
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => AccurateMath.Pow(x, y, z);
}
