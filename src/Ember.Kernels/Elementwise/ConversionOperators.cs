using System;
using System.Numerics;

namespace Ember.Kernels;

// Element copies and dtype conversions (the kernels behind contiguous() and to()).

/// <summary>Identity copy (used to make strided data contiguous).</summary>
public readonly struct CopyOperator<T> : IUnaryOperator<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => x;
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => x.CopyTo(y);
}

/// <summary>
/// Numeric conversion with C#'s truncating semantics (PyTorch's <c>.to()</c> for float → int truncates toward zero).
/// </summary>
public readonly struct ConvertOperator<TIn, TOut> : IMapOperator<TIn, TOut>
    where TIn : unmanaged, INumberBase<TIn> where TOut : unmanaged, INumberBase<TOut>
{
    /// <inheritdoc/>
    public static TOut Invoke(TIn x)
    {
        // Floating values reach small integer types through int64, so out-of-range values wrap as in PyTorch
        // (-1.7 → uint8 255) instead of saturating.
        bool floatIn = typeof(TIn) == typeof(float) || typeof(TIn) == typeof(double) || typeof(TIn) == typeof(Half);
        bool smallIntOut = typeof(TOut) == typeof(byte) || typeof(TOut) == typeof(sbyte)
            || typeof(TOut) == typeof(short);
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
