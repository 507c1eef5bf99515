using System;

namespace Ember.Kernels;

/// <summary>
/// An element-wise unary operator <c>y = f(x)</c>. <see cref="Invoke(T)"/> serves strided layouts;
/// <see cref="Invoke(ReadOnlySpan{T}, Span{T})"/> is the contiguous fast path (usually <c>TensorPrimitives</c>).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IUnaryOperator<T>
{
    /// <summary>Applies the operator to one element.</summary>
    static abstract T Invoke(T x);

    /// <summary>Applies the operator to a contiguous run; <paramref name="y"/> may alias
    /// <paramref name="x"/>.</summary>
    static abstract void Invoke(ReadOnlySpan<T> x, Span<T> y);
}

/// <summary>
/// An element-wise binary operator <c>z = f(x, y)</c> with contiguous fast paths for the three layouts the
/// broadcasting driver meets in its innermost dimension: both contiguous, right operand broadcast, left operand
/// broadcast.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IBinaryOperator<T>
{
    /// <summary>Applies the operator to one pair.</summary>
    static abstract T Invoke(T x, T y);

    /// <summary>Contiguous <paramref name="x"/> and <paramref name="y"/>; <paramref name="z"/> may alias
    /// either.</summary>
    static abstract void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z);

    /// <summary>Contiguous <paramref name="x"/>, one broadcast value <paramref name="y"/>.</summary>
    static abstract void Invoke(ReadOnlySpan<T> x, T y, Span<T> z);

    /// <summary>One broadcast value <paramref name="x"/>, contiguous <paramref name="y"/>.</summary>
    static abstract void Invoke(T x, ReadOnlySpan<T> y, Span<T> z);
}

/// <summary>An element-wise conversion or predicate from <typeparamref name="TIn"/> to
/// <typeparamref name="TOut"/>.</summary>
/// <typeparam name="TIn">The input element type.</typeparam>
/// <typeparam name="TOut">The output element type.</typeparam>
public interface IMapOperator<TIn, TOut>
{
    /// <summary>Maps one element.</summary>
    static abstract TOut Invoke(TIn x);
}

/// <summary>An element-wise comparison of two values of <typeparamref name="T"/> producing a boolean.</summary>
/// <typeparam name="T">The element type.</typeparam>
public interface ICompareOperator<T>
{
    /// <summary>Compares one pair.</summary>
    static abstract bool Invoke(T x, T y);
}

/// <summary>An element-wise operator with two runtime parameters (slopes, bounds, thresholds).</summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IParametricOperator<T>
{
    /// <summary>Applies the operator to one element with parameters <paramref name="a"/> and
    /// <paramref name="b"/>.</summary>
    static abstract T Invoke(T x, T a, T b);
}
