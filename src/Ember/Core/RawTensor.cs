// Shape arrays are immutable once a RawTensor owns them, so tensors of equal shape may share one array.
using System;
using System.Runtime.CompilerServices;

namespace Ember.Core;

/// <summary>
/// The graph-free core of a tensor: storage, shape, strides (in elements) and offset. Views share storage
/// (and so its version counter). Immutable apart from the storage contents.
/// </summary>
internal sealed class RawTensor
{
    public readonly Storage Storage;
    public readonly int[] Shape;
    public readonly int[] Strides;
    public readonly int Offset;
    public readonly int NumEl;
    public readonly bool IsContiguous;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RawTensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        Shape = shape;
        Strides = strides;
        Offset = offset;
        NumEl = Shapes.NumEl(shape);
        IsContiguous = Shapes.IsContiguous(shape, strides);
    }

    public RawTensor(Storage storage, int[] shape) : this(storage, shape, Shapes.ContiguousStrides(shape), 0) { }

    public DType DType
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Storage.DType;
    }
    public int Rank
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Shape.Length;
    }

    public T[] Data<T>() => ((Storage<T>)Storage).Data;

    /// <summary>The contiguous elements of this tensor; only valid when <see cref="IsContiguous"/>.</summary>
    public Span<T> Span<T>() => new(Data<T>(), Offset, NumEl);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Empty(DType dtype, int[] shape) => new(Storage.Create(dtype, Shapes.NumEl(shape)), shape);

    public static RawTensor FromArray<T>(T[] data, int[] shape) => new(new Storage<T>(data), shape);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RawTensor WithLayout(int[] shape, int[] strides, int offset) => new(Storage, shape, strides, offset);

    /// <summary>Reads element <paramref name="flat"/> (row-major logical index) as a double; for printing and
    /// tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double GetAsDouble(int flat)
    {
        int p = Offset;
        for (int d = Rank - 1; d >= 0; d--)
        {
            int i = flat % Shape[d];
            flat /= Shape[d];
            p += i * Strides[d];
        }
        return Storage.GetDouble(p);
    }
}
