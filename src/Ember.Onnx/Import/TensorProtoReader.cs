using System;
using System.IO;
using System.Runtime.InteropServices;
using Ember.Onnx.Proto;
using DataType = Ember.Onnx.Proto.TensorProto.Types.DataType;

namespace Ember.Onnx.Import;

/// <summary>
/// Turns an ONNX <see cref="TensorProto"/> (an initializer or a <c>Constant</c>'s value) into an Ember tensor. Every
/// size comes from the file, so each is checked against the data actually present before anything is allocated: a
/// hostile or truncated tensor fails with <see cref="InvalidDataException"/>, never a huge allocation.
/// </summary>
internal static class TensorProtoReader
{
    /// <summary>The Ember dtype of an ONNX element type, or null when Ember has none.</summary>
    public static DType? ToDType(long onnxType) => (DataType)onnxType switch
    {
        DataType.Float => DType.Float32,
        DataType.Double => DType.Float64,
        DataType.Float16 => DType.Float16,
        DataType.Bfloat16 => DType.BFloat16,
        DataType.Int64 => DType.Int64,
        DataType.Int32 => DType.Int32,
        DataType.Int16 => DType.Int16,
        DataType.Int8 => DType.Int8,
        DataType.Uint8 => DType.UInt8,
        DataType.Bool => DType.Bool,
        _ => null,
    };

    /// <summary>The ONNX type's name for messages (<c>FLOAT</c>, <c>STRING</c>, ...).</summary>
    public static string TypeName(long onnxType) =>
        Enum.IsDefined(typeof(DataType), (int)onnxType) ? ((DataType)onnxType).ToString().ToUpperInvariant()
        : $"type {onnxType}";

    /// <summary>Reads <paramref name="p"/>; <paramref name="what"/> names it in errors (e.g. <c>initializer 'w'</c>).
    /// </summary>
    public static Tensor Read(TensorProto p, string what)
    {
        if (p.DataLocation == 1 || p.ExternalData.Count > 0)
            throw new NotSupportedException(
                $"ONNX import: {what} keeps its data in an external file, which is not supported; save the model " +
                "with its weights inside (onnx.save(model, path, save_as_external_data=False)).");
        DType dtype = ToDType(p.DataType) ?? throw new NotSupportedException(
            $"ONNX import: {what} has element type {TypeName(p.DataType)}, which Ember does not support.");
        int[] shape = new int[p.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = p.Dims[i];
            if (d < 0 || d > int.MaxValue)
                throw new InvalidDataException($"ONNX import: {what} has an invalid dim {d} (dims [{Dims(p)}]).");
            shape[i] = (int)d;
            count = Math.Min(count * d, (long)int.MaxValue + 1); // both factors <= 2^31: no overflow
        }
        if (count > int.MaxValue)
            throw new InvalidDataException($"ONNX import: {what} is too large (dims [{Dims(p)}]).");
        int n = (int)count;
        int size = dtype.ElementSize();
        if (!p.RawData.IsEmpty)
        {
            if (p.RawData.Length != (long)n * size)
                throw new InvalidDataException(
                    $"ONNX import: {what} declares dims [{Dims(p)}] ({n} {TypeName(p.DataType)} values, " +
                    $"{(long)n * size} bytes) but holds {p.RawData.Length} bytes of data.");
            return FromRaw(p.RawData.Span, dtype, shape);
        }
        return dtype switch
        {
            DType.Float32 => Typed(p.FloatData.Count, n, what, p, () => ToArray(p.FloatData), shape),
            DType.Float64 => Typed(p.DoubleData.Count, n, what, p, () => ToArray(p.DoubleData), shape),
            DType.Int64 => Typed(p.Int64Data.Count, n, what, p, () => ToArray(p.Int64Data), shape),
            _ => Typed(p.Int32Data.Count, n, what, p, () => Narrow(ToArray(p.Int32Data), dtype), shape),
        };
    }

    private static Tensor Typed(int have, int n, string what, TensorProto p, Func<Tensor> make, int[] shape)
    {
        if (have != n)
            throw new InvalidDataException(
                $"ONNX import: {what} declares dims [{Dims(p)}] ({n} values) but holds {have} values.");
        return make().Reshape(shape);
    }

    private static Tensor ToArray<T>(Google.Protobuf.Collections.RepeatedField<T> field) where T : unmanaged
    {
        var a = new T[field.Count];
        field.CopyTo(a, 0);
        return Tensor.From<T>(a, [a.Length]);
    }

    // int32_data carries int32, int16, int8, uint8 and bool as int32s, float16/bfloat16 as their 16 bits.
    private static Tensor Narrow(Tensor int32, DType dtype)
    {
        if (dtype == DType.Int32) return int32;
        int[] v = int32.ToArray<int>();
        return dtype switch
        {
            DType.Float16 => Tensor.From<Half>(Array.ConvertAll(v, b => BitConverter.UInt16BitsToHalf((ushort)b)),
                [v.Length]),
            DType.BFloat16 => FromRaw(MemoryMarshal.AsBytes(Array.ConvertAll(v, b => (ushort)b).AsSpan()), dtype,
                [v.Length]),
            DType.Bool => Tensor.From<bool>(Array.ConvertAll(v, b => b != 0), [v.Length]),
            _ => int32.To(dtype),
        };
    }

    /// <summary>A tensor from little-endian bytes of <paramref name="dtype"/>.</summary>
    public static Tensor FromRaw(ReadOnlySpan<byte> bytes, DType dtype, int[] shape) => dtype switch
    {
        DType.Float32 => Tensor.From(MemoryMarshal.Cast<byte, float>(bytes), shape),
        DType.Float64 => Tensor.From(MemoryMarshal.Cast<byte, double>(bytes), shape),
        DType.Float16 => Tensor.From(MemoryMarshal.Cast<byte, Half>(bytes), shape),
        DType.BFloat16 => Tensor.From(MemoryMarshal.Cast<byte, BFloat16>(bytes), shape),
        DType.Int64 => Tensor.From(MemoryMarshal.Cast<byte, long>(bytes), shape),
        DType.Int32 => Tensor.From(MemoryMarshal.Cast<byte, int>(bytes), shape),
        DType.Int16 => Tensor.From(MemoryMarshal.Cast<byte, short>(bytes), shape),
        DType.Int8 => Tensor.From(MemoryMarshal.Cast<byte, sbyte>(bytes), shape),
        DType.UInt8 => Tensor.From(bytes, shape),
        // Any nonzero byte is true (MemoryMarshal would make a bool from the byte's bits).
        DType.Bool => Tensor.From<byte>(bytes, shape).Ne(Tensor.Scalar(0L, DType.UInt8)),
        _ => throw new NotSupportedException($"ONNX import: dtype {dtype} is not supported."),
    };

    private static string Dims(TensorProto p) => string.Join(", ", p.Dims);
}
