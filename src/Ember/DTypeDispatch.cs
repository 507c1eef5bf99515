using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember;

/// <summary>A computation written once for every stored element type (copies, gathers, allocation).</summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
internal interface IStoredFunc<TResult>
{
    TResult Invoke<T>() where T : unmanaged;
}

/// <summary>A computation written once for every numeric element type (arithmetic and ordering defined).</summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
internal interface INumericFunc<TResult>
{
    TResult Invoke<T>() where T : unmanaged, INumber<T>;
}

/// <summary>A computation written once for the floating-point element types.</summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
internal interface IFloatFunc<TResult>
{
    TResult Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// The one place that turns a runtime <see cref="DType"/> into a CLR element type. A raw op packs its operands
/// into a readonly struct implementing one of the function interfaces above and hands it to an entry point here;
/// the switch calls the struct's generic <c>Invoke&lt;T&gt;</c>, which the JIT specializes per element type (no
/// boxing, delegates or allocation), so adding a dtype means adding a case here, not touching every op.
/// </summary>
/// <remarks>
/// Entry points by the element types they accept. The storage-only types (float16, bfloat16, the small integers)
/// are not compute types: ops convert them to <see cref="DTypes.ComputeType"/> first, as PyTorch's CPU kernels
/// compute reduced precision in float32.
/// </remarks>
internal static class DTypeDispatch
{
    /// <summary>Every dtype, bool and the storage-only types included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static TResult Stored<TFunc, TResult>(DType dtype, TFunc f) where TFunc : struct, IStoredFunc<TResult> =>
        dtype switch
        {
            DType.Bool => f.Invoke<bool>(),
            DType.UInt8 => f.Invoke<byte>(),
            DType.Int8 => f.Invoke<sbyte>(),
            DType.Int16 => f.Invoke<short>(),
            DType.Int32 => f.Invoke<int>(),
            DType.Int64 => f.Invoke<long>(),
            DType.Float16 => f.Invoke<Half>(),
            DType.BFloat16 => f.Invoke<BFloat16>(),
            DType.Float32 => f.Invoke<float>(),
            DType.Float64 => f.Invoke<double>(),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };

    /// <summary>Every dtype with a generic-math type: all but bool and bfloat16 (casts use it).</summary>
    public static TResult Numeric<TFunc, TResult>(DType dtype, TFunc f, string op)
        where TFunc : struct, INumericFunc<TResult> => dtype switch
        {
            DType.UInt8 => f.Invoke<byte>(),
            DType.Int8 => f.Invoke<sbyte>(),
            DType.Int16 => f.Invoke<short>(),
            DType.Float16 => f.Invoke<Half>(),
            _ => Compute<TFunc, TResult>(dtype, f, op),
        };

    /// <summary>The compute types: float32, float64, int32 and int64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static TResult Compute<TFunc, TResult>(DType dtype, TFunc f, string op)
        where TFunc : struct, INumericFunc<TResult> => dtype switch
        {
            DType.Float32 => f.Invoke<float>(),
            DType.Float64 => f.Invoke<double>(),
            DType.Int32 => f.Invoke<int>(),
            DType.Int64 => f.Invoke<long>(),
            _ => throw Unsupported(dtype, op),
        };

    /// <summary>The floating-point compute types: float32 and float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static TResult Floating<TFunc, TResult>(DType dtype, TFunc f, string op)
        where TFunc : struct, IFloatFunc<TResult> => dtype switch
        {
            DType.Float32 => f.Invoke<float>(),
            DType.Float64 => f.Invoke<double>(),
            _ => throw Unsupported(dtype, op),
        };

    private static NotSupportedException Unsupported(DType dtype, string op) =>
        new($"{op}: not supported for {dtype.TorchName()} tensors.");

    /// <summary>
    /// The float compute type for ops defined on floating point only (convolution, pooling, losses): float16 and
    /// bfloat16 compute in float32; integer and bool inputs are an error that says how to convert.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DType FloatComputeType(DType dtype, string op) =>
        dtype.IsFloatingPoint()
            ? dtype.ComputeType()
            : throw new NotSupportedException(
                $"{op}: expected a floating-point tensor, got {dtype.TorchName()}; convert with .To(DType.Float32).");
}
