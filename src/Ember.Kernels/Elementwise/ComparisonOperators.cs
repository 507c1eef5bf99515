using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Kernels;

// Comparison operators (results are booleans), NaN/infinity tests, and element-wise maximum/minimum.

/// <summary><c>x == y</c>.</summary>
public readonly struct EqualOperator<T> : ICompareOperator<T> where T : IEqualityOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x == y;
}

/// <summary><c>x != y</c>.</summary>
public readonly struct NotEqualOperator<T> : ICompareOperator<T> where T : IEqualityOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x != y;
}

/// <summary><c>x &lt; y</c>.</summary>
public readonly struct LessThanOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x < y;
}

/// <summary><c>x &lt;= y</c>.</summary>
public readonly struct LessOrEqualOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x <= y;
}

/// <summary><c>x &gt; y</c>.</summary>
public readonly struct GreaterThanOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x > y;
}

/// <summary><c>x &gt;= y</c>.</summary>
public readonly struct GreaterOrEqualOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x >= y;
}

/// <summary>isnan(x).</summary>
public readonly struct IsNaNOperator<T> : IMapOperator<T, bool> where T : unmanaged, INumberBase<T>
{
    /// <inheritdoc/>
    public static bool Invoke(T x) => T.IsNaN(x);
}

/// <summary>isinf(x).</summary>
public readonly struct IsInfOperator<T> : IMapOperator<T, bool> where T : unmanaged, INumberBase<T>
{
    /// <inheritdoc/>
    public static bool Invoke(T x) => T.IsInfinity(x);
}

/// <summary><c>max(x, y)</c>, propagating NaN as PyTorch's <c>maximum</c> does.</summary>
public readonly struct MaximumOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => T.Max(x, y);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Max(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => TensorPrimitives.Max(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Max(y, x, z);
}

/// <summary>min(x, y) propagating NaN.</summary>
public readonly struct MinimumOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T y) => T.Min(x, y);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Min(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> z) => TensorPrimitives.Min(x, y, z);
    /// <inheritdoc/>
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> z) => TensorPrimitives.Min(y, x, z);
}
