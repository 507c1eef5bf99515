using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ember.Kernels;

/// <summary>
/// Generic entry points for the transcendentals kernels share: float32 goes to <see cref="Float32Math"/> (within
/// 1 ulp, equal on the scalar and vector paths), other types to the BCL / <see cref="TensorPrimitives"/>.
/// </summary>
internal static class AccurateMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float F<T>(T x) => Unsafe.BitCast<T, float>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Back<T>(float x) => Unsafe.BitCast<float, T>(x);

    private static ReadOnlySpan<float> F<T>(ReadOnlySpan<T> x) where T : unmanaged => MemoryMarshal.Cast<T, float>(x);

    private static Span<float> F<T>(Span<T> x) where T : unmanaged => MemoryMarshal.Cast<T, float>(x);

    public static T Exp<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Exp(F(x))) : T.Exp(x);

    public static void Exp<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Exp(F(x), F(y));
        else TensorPrimitives.Exp(x, y);
    }

    public static T Log<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Log(F(x))) : T.Log(x);

    public static void Log<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Log(F(x), F(y));
        else TensorPrimitives.Log(x, y);
    }

    public static T Log1p<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Log1p(F(x))) : T.LogP1(x);

    public static void Log1p<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Log1p(F(x), F(y));
        else TensorPrimitives.LogP1(x, y);
    }

    public static T Expm1<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Expm1(F(x))) : T.ExpM1(x);

    public static void Expm1<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Expm1(F(x), F(y));
        else TensorPrimitives.ExpM1(x, y);
    }

    public static T Tanh<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Tanh(F(x))) : T.Tanh(x);

    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Tanh(F(x), F(y));
        else TensorPrimitives.Tanh(x, y);
    }

    public static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Sigmoid(F(x))) : T.One / (T.One + T.Exp(-x));

    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Sigmoid(F(x), F(y));
        else TensorPrimitives.Sigmoid(x, y);
    }

    public static T Sin<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Sin(F(x))) : T.Sin(x);

    public static void Sin<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Sin(F(x), F(y));
        else TensorPrimitives.Sin(x, y);
    }

    public static T Cos<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Cos(F(x))) : T.Cos(x);

    public static void Cos<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Cos(F(x), F(y));
        else TensorPrimitives.Cos(x, y);
    }

    public static T Pow<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Back<T>(Float32Math.Pow(F(x), F(y))) : T.Pow(x, y);

    public static void Pow<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Pow(F(x), F(y), F(z));
        else TensorPrimitives.Pow(x, y, z);
    }

    public static void Pow<T>(ReadOnlySpan<T> x, T y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Pow(F(x), F(y), F(z));
        else TensorPrimitives.Pow(x, y, z);
    }

    public static void Pow<T>(T x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Float32Math.Pow(F(x), F(y), F(z));
        else TensorPrimitives.Pow(x, y, z);
    }
}
