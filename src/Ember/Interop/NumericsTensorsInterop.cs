using System;
using System.Numerics.Tensors;
using Ember.Core;

namespace Ember.Interop;

/// <summary>
/// Conversions between Ember tensors and <c>System.Numerics.Tensors</c>' <see cref="Tensor{T}"/>,
/// <see cref="TensorSpan{T}"/> and <see cref="ReadOnlyTensorSpan{T}"/>. This is the only Ember namespace that names
/// those types, so <c>using Ember;</c> never makes <c>Tensor</c> ambiguous; a file that imports both namespaces
/// resolves it with an alias (<c>using Tensor = Ember.Tensor;</c>).
/// </summary>
/// <remarks>
/// Ember → BCL conversions share the tensor's storage (no copy) for any layout Ember makes, strided views included:
/// writes through the BCL object change the Ember tensor. The writable ones follow
/// <see cref="Ember.Tensor.AsSpan{T}"/>'s rules (the version counter is bumped; tensors that require grad or are
/// saved by a graph refuse). BCL → Ember conversions copy, as a <see cref="Tensor{T}"/> does not expose its array.
/// </remarks>
public static class NumericsTensorsInterop
{
    /// <summary>
    /// A <see cref="Tensor{T}"/> over the same memory as <paramref name="tensor"/> (same shape and strides, no copy).
    /// <typeparamref name="T"/> must be the element type of the tensor's dtype.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor requires grad or is saved by a graph.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of the dtype.</exception>
    public static Tensor<T> ToNumericsTensor<T>(this Ember.Tensor tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        MarkWritable<T>(tensor, nameof(ToNumericsTensor));
        RawTensor raw = tensor.Raw;
        return System.Numerics.Tensors.Tensor.Create(Data<T>(raw), raw.Offset, Lengths(raw.Shape),
            Lengths(raw.Strides));
    }

    /// <summary>A writable <see cref="TensorSpan{T}"/> over the tensor's memory (no copy; rules as above).</summary>
    /// <exception cref="InvalidOperationException">The tensor requires grad or is saved by a graph.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of the dtype.</exception>
    public static TensorSpan<T> AsTensorSpan<T>(this Ember.Tensor tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        MarkWritable<T>(tensor, nameof(AsTensorSpan));
        RawTensor raw = tensor.Raw;
        return new TensorSpan<T>(Data<T>(raw), raw.Offset, Lengths(raw.Shape), Lengths(raw.Strides));
    }

    /// <summary>A <see cref="ReadOnlyTensorSpan{T}"/> over the tensor's memory (no copy, any layout).</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of the dtype.</exception>
    public static ReadOnlyTensorSpan<T> AsReadOnlyTensorSpan<T>(this Ember.Tensor tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        RawTensor raw = tensor.Raw;
        CheckElementType<T>(tensor, nameof(AsReadOnlyTensorSpan));
        return new ReadOnlyTensorSpan<T>(Data<T>(raw), raw.Offset, Lengths(raw.Shape), Lengths(raw.Strides));
    }

    /// <summary>A new Ember tensor with a copy of <paramref name="tensor"/>'s elements, in its shape.</summary>
    public static Ember.Tensor ToEmberTensor<T>(this Tensor<T> tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.AsReadOnlyTensorSpan().ToEmberTensor();
    }

    /// <summary>
    /// A new Ember tensor with a copy of the span's elements, in its shape (strided spans are gathered).
    /// </summary>
    /// <exception cref="ArgumentException">A dimension does not fit an <see cref="int"/>.</exception>
    public static Ember.Tensor ToEmberTensor<T>(this ReadOnlyTensorSpan<T> span) where T : unmanaged
    {
        ReadOnlySpan<nint> lengths = span.Lengths;
        var shape = new int[lengths.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (lengths[i] > int.MaxValue)
                throw new ArgumentException(
                    $"ToEmberTensor: dimension {i} has {lengths[i]} elements; Ember tensors hold at most " +
                    $"{int.MaxValue} per dimension.", nameof(span));
            shape[i] = (int)lengths[i];
        }
        var data = new T[checked((int)span.FlattenedLength)];
        span.FlattenTo(data);
        return Ember.Tensor.From<T>(data, shape);
    }

    /// <inheritdoc cref="ToEmberTensor{T}(ReadOnlyTensorSpan{T})"/>
    public static Ember.Tensor ToEmberTensor<T>(this TensorSpan<T> span) where T : unmanaged =>
        ((ReadOnlyTensorSpan<T>)span).ToEmberTensor();

    private static void MarkWritable<T>(Ember.Tensor tensor, string op) where T : unmanaged
    {
        CheckElementType<T>(tensor, op);
        tensor.CheckWritable(op);
        tensor.Raw.Storage.Version++;
    }

    private static void CheckElementType<T>(Ember.Tensor tensor, string op) where T : unmanaged
    {
        if (tensor.Raw.Storage is not Storage<T>)
            throw new ArgumentException(
                $"{op}<{typeof(T).Name}>: the tensor is {tensor.DType.TorchName()}, whose elements are not " +
                $"{typeof(T).Name}.");
    }

    private static T[] Data<T>(RawTensor raw) => ((Storage<T>)raw.Storage).Data;

    private static nint[] Lengths(int[] values)
    {
        var result = new nint[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }
}
