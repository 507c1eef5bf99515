using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Kernels;

/// <summary>|x|.</summary>
public readonly struct AbsOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Abs(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Abs(x, y);
}

/// <summary>sign(x): -1, 0 or 1 (NaN stays NaN).</summary>
public readonly struct SignOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.IsNaN(x) ? x : T.CreateTruncating(T.Sign(x));
    /// <inheritdoc/>
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
    public static T Invoke(T x) => T.LogP1(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.LogP1(x, y);
}

/// <summary>eˣ - 1.</summary>
public readonly struct Expm1Operator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.ExpM1(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.ExpM1(x, y);
}

/// <summary>sin x.</summary>
public readonly struct SinOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Sin(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sin(x, y);
}

/// <summary>cos x.</summary>
public readonly struct CosOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Cos(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Cos(x, y);
}

/// <summary>1/√x.</summary>
public readonly struct RsqrtOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.One / T.Sqrt(x);
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = T.One / T.Sqrt(x[i]); }
}

/// <summary>Round half to even (PyTorch's <c>round</c>).</summary>
public readonly struct RoundOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.Round(x, MidpointRounding.ToEven);
    /// <inheritdoc/>
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

/// <summary>erf x.</summary>
public readonly struct ErfOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x)));
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
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
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>SiLU (swish): x·σ(x).</summary>
public readonly struct SiluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x) => x / (T.One + T.Exp(-x));
    /// <inheritdoc/>
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < y.Length; i++) y[i] = Invoke(x[i]); }
}

/// <summary>An element-wise operator with two runtime parameters (slopes, bounds, thresholds).</summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IParametricOperator<T>
{
    /// <summary>Applies the operator to one element with parameters <paramref name="a"/> and <paramref name="b"/>.</summary>
    static abstract T Invoke(T x, T a, T b);
}

/// <summary>Clamp to [a, b] (NaN propagates).</summary>
public readonly struct ClampOperator<T> : IParametricOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Invoke(T x, T a, T b) => T.IsNaN(x) ? x : x < a ? a : x > b ? b : x;
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

/// <summary><c>x &lt;= y</c>.</summary>
public readonly struct LessOrEqualOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x <= y;
}

/// <summary><c>x &gt;= y</c>.</summary>
public readonly struct GreaterOrEqualOperator<T> : ICompareOperator<T> where T : IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x >= y;
}

/// <summary><c>x != y</c>.</summary>
public readonly struct NotEqualOperator<T> : ICompareOperator<T> where T : IEqualityOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Invoke(T x, T y) => x != y;
}
