using System;
using Ember.Core;

namespace Ember;

// Zero-copy access to a tensor's elements as spans, and tensors from spans. Lifetime rules: a span is a view of the
// tensor's storage (an ordinary managed array), valid as long as you hold it; it sees later in-place writes to the
// tensor and its views, and writes through a writable span are seen by every view of the storage.
public partial class Tensor
{
    /// <summary>
    /// The elements of this contiguous CPU tensor, in row-major order, without a copy. <typeparamref name="T"/> must
    /// be the element type of <see cref="DType"/> (float for float32, long for int64, <see cref="Half"/> for
    /// float16, ...). Call <c>Contiguous()</c> first for a strided view.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is not contiguous.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of the dtype.</exception>
    public ReadOnlySpan<T> AsReadOnlySpan<T>() where T : unmanaged => ContiguousSpan<T>(nameof(AsReadOnlySpan));

    /// <summary>
    /// The elements of this contiguous CPU tensor as a writable span, without a copy; writes change the tensor and
    /// every view of its storage. Taking the span bumps the storage's version counter (as an in-place op does), so
    /// a graph that saved the tensor earlier reports the change at <c>Backward()</c>. Refused for tensors that
    /// require grad and for tensors (or views of a storage) currently saved by a graph for its backward pass; such
    /// tensors are freed for writing once <c>Backward()</c> ran without <c>retainGraph</c>, or use
    /// <c>Detach().Clone()</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The tensor is not contiguous, requires grad, or is saved by a graph.
    /// </exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of the dtype.</exception>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        const string op = nameof(AsSpan);
        CheckWritable(op);
        Span<T> span = ContiguousSpan<T>(op);
        Raw.Storage.Version++;
        return span;
    }

    /// <summary>
    /// Throws unless the tensor's memory may be written outside autograd (see <see cref="AsSpan{T}"/>).
    /// </summary>
    internal void CheckWritable(string op)
    {
        if (RequiresGrad)
            throw new InvalidOperationException(
                $"{op}: a tensor that requires grad cannot be written through a span (autograd would not see the " +
                "writes); use Detach() for the values, or write under Autograd.NoGrad() with an in-place op.");
        if (Raw.Storage.SavedByGraphs > 0)
            throw new InvalidOperationException(
                $"{op}: this tensor's storage is saved by {Raw.Storage.SavedByGraphs} graph node(s) for their " +
                "backward pass; writing it would corrupt the gradients. Call Backward() first, or write a Clone().");
    }

    /// <summary>
    /// A new tensor of the given <paramref name="shape"/> holding a copy of <paramref name="data"/> (row-major; one
    /// copy, no intermediate array). The dtype follows <typeparamref name="T"/> (float → float32, long → int64,
    /// ...).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The shape's element count differs from the span's length, a dimension is negative, or
    /// <typeparamref name="T"/> has no Ember dtype.
    /// </exception>
    public static Tensor From<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> shape, bool requiresGrad = false)
        where T : unmanaged
    {
        ElementTypeOrThrow<T>("Tensor.From");
        CheckShape(shape, "Tensor.From");
        int n = Shapes.NumEl(shape);
        if (n != data.Length)
            throw new ArgumentException(
                $"Tensor.From: shape {Shapes.Format(shape)} holds {n} elements, but the span has {data.Length}.",
                nameof(shape));
        Storage<T> storage = Storage<T>.Uninitialized(data.Length);
        data.CopyTo(storage.Data);
        return Leaf(new RawTensor(storage, shape.ToArray()), requiresGrad);
    }

    private Span<T> ContiguousSpan<T>(string op) where T : unmanaged
    {
        DType expected = ElementTypeOrThrow<T>(op);
        if (expected != DType)
            throw new ArgumentException(
                $"{op}<{typeof(T).Name}>: the tensor is {DType.TorchName()}, whose elements are not " +
                $"{typeof(T).Name} ({typeof(T).Name} is {expected.TorchName()}); use To({expected}) first or the " +
                "matching element type.");
        if (!Raw.IsContiguous)
            throw new InvalidOperationException(
                $"{op}: the tensor (shape {Shapes.Format(Raw.Shape)}, strides {Shapes.Format(Raw.Strides)}) is not " +
                "contiguous; call Contiguous() first (which copies).");
        return Raw.Span<T>();
    }

    private static DType ElementTypeOrThrow<T>(string op)
    {
        try
        {
            return DTypes.Of<T>();
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentException($"{op}: {e.Message}", e);
        }
    }
}
