using System;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember;

/// <summary>Element types of a tensor. <see cref="Float32"/> is the default, as in PyTorch.</summary>
public enum DType
{
    /// <summary>Boolean (<c>torch.bool</c>), stored as <see cref="bool"/>.</summary>
    Bool,
    /// <summary>8-bit unsigned integer (<c>torch.uint8</c>, images), stored as <see cref="byte"/>.</summary>
    UInt8,
    /// <summary>8-bit signed integer (<c>torch.int8</c>), stored as <see cref="sbyte"/>.</summary>
    Int8,
    /// <summary>16-bit signed integer (<c>torch.int16</c>), stored as <see cref="short"/>.</summary>
    Int16,
    /// <summary>32-bit signed integer (<c>torch.int32</c>).</summary>
    Int32,
    /// <summary>64-bit signed integer (<c>torch.int64</c>, PyTorch's default integer type).</summary>
    Int64,
    /// <summary>
    /// 16-bit IEEE floating point (<c>torch.float16</c>), stored as <see cref="Half"/>; computed in float32.
    /// </summary>
    Float16,
    /// <summary>
    /// bfloat16 (<c>torch.bfloat16</c>), stored as <see cref="Ember.BFloat16"/>; computed in float32.
    /// </summary>
    BFloat16,
    /// <summary>32-bit floating point (<c>torch.float32</c>), the default.</summary>
    Float32,
    /// <summary>64-bit floating point (<c>torch.float64</c>).</summary>
    Float64,
}

/// <summary>Facts about <see cref="DType"/> values and PyTorch's type-promotion rules.</summary>
public static class DTypes
{
    /// <summary>The default floating-point type (<see cref="DType.Float32"/>).</summary>
    public const DType DefaultFloat = DType.Float32;

    /// <summary>Whether the type is floating point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float16 or DType.BFloat16 or DType.Float32 or DType.Float64;

    /// <summary>Whether the type is a signed or unsigned integer type (not <see cref="DType.Bool"/>).</summary>
    public static bool IsInteger(this DType dtype) =>
        dtype is DType.UInt8 or DType.Int8 or DType.Int16 or DType.Int32 or DType.Int64;

    /// <summary>
    /// The type the kernels compute in: float16/bfloat16 are stored compactly but computed in float32, and the
    /// small integer types in int32 (results are converted back, wrapping as C's casts do).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DType ComputeType(this DType dtype) => dtype switch
    {
        DType.Float16 or DType.BFloat16 => DType.Float32,
        DType.UInt8 or DType.Int8 or DType.Int16 => DType.Int32,
        _ => dtype,
    };

    // A name table, not a computation: the one dtype switch outside DTypeDispatch (which uses it for its errors).
    /// <summary>PyTorch's name for the type, e.g. <c>torch.float32</c>.</summary>
    public static string TorchName(this DType dtype) => dtype switch
    {
        DType.Bool => "torch.bool",
        DType.UInt8 => "torch.uint8",
        DType.Int8 => "torch.int8",
        DType.Int16 => "torch.int16",
        DType.Float16 => "torch.float16",
        DType.BFloat16 => "torch.bfloat16",
        DType.Int32 => "torch.int32",
        DType.Int64 => "torch.int64",
        DType.Float32 => "torch.float32",
        DType.Float64 => "torch.float64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => DTypeDispatch.Stored<ElementSizeFunc, int>(dtype, default);

    /// <summary>The CLR element type that stores values of this dtype.</summary>
    public static Type ClrType(this DType dtype) => DTypeDispatch.Stored<ClrTypeFunc, Type>(dtype, default);

    private readonly struct ElementSizeFunc : IStoredFunc<int>
    {
        public int Invoke<T>() where T : unmanaged => Unsafe.SizeOf<T>();
    }

    private readonly struct ClrTypeFunc : IStoredFunc<Type>
    {
        public Type Invoke<T>() where T : unmanaged => typeof(T);
    }

    /// <summary>The dtype stored as CLR type <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DType Of<T>() =>
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(long) ? DType.Int64 :
        typeof(T) == typeof(int) ? DType.Int32 :
        typeof(T) == typeof(bool) ? DType.Bool :
        typeof(T) == typeof(byte) ? DType.UInt8 :
        typeof(T) == typeof(sbyte) ? DType.Int8 :
        typeof(T) == typeof(short) ? DType.Int16 :
        typeof(T) == typeof(Half) ? DType.Float16 :
        typeof(T) == typeof(BFloat16) ? DType.BFloat16 :
        throw new NotSupportedException($"No Ember dtype stores elements of type {typeof(T).Name}.");

    private static int Category(DType d) => d == DType.Bool ? 0 : d.IsInteger() ? 1 : 2;

    /// <summary>
    /// The smallest type both convert to (<c>torch.promote_types</c>): bool &lt; uint8, int8 &lt; int16 &lt; int32 &lt;
    /// int64 &lt; float16, bfloat16 &lt; float32 &lt; float64, with PyTorch's two special cases: uint8 with int8 gives
    /// int16, and float16 with bfloat16 gives float32.
    /// </summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        if ((a, b) is (DType.UInt8, DType.Int8) or (DType.Int8, DType.UInt8)) return DType.Int16;
        if ((a, b) is (DType.Float16, DType.BFloat16) or (DType.BFloat16, DType.Float16)) return DType.Float32;
        return (DType)Math.Max((int)a, (int)b);
    }

    /// <summary>
    /// PyTorch's result type for a binary op. Operands with dimensions outrank zero-dimensional tensors, which
    /// outrank plain C# numbers; a lower-ranked operand only decides the type when it is of a higher category
    /// (bool &lt; integer &lt; floating). A floating C# number turns an integer tensor into the default float type.
    /// </summary>
    internal static DType ResultType(DType a, bool aIsZeroDim, DType b, bool bIsZeroDim)
    {
        if (aIsZeroDim == bIsZeroDim) return Promote(a, b);
        (DType hi, DType lo) = aIsZeroDim ? (b, a) : (a, b);
        return Category(lo) > Category(hi) ? lo : hi;
    }

    /// <summary>Result type of a tensor combined with a C# number (a "wrapped number" in PyTorch's terms).</summary>
    internal static DType ResultTypeWithScalar(DType tensor, bool scalarIsFloating)
    {
        if (scalarIsFloating && !tensor.IsFloatingPoint()) return DefaultFloat;
        if (!scalarIsFloating && tensor == DType.Bool) return DType.Int64;
        return tensor;
    }
}
