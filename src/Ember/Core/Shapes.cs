using System;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ember.Core;

/// <summary>Shape arithmetic shared by the core: element counts, contiguous strides, broadcasting, dim
/// wrapping.</summary>
internal static class Shapes
{
    public static readonly int[] Scalar = [];

    /// <summary>
    /// The element count of <paramref name="shape"/>: the one place every tensor's shape product is checked (each
    /// <see cref="RawTensor"/> computes its count here). Sizes must be non-negative, and the product of the
    /// non-zero sizes must fit in an <see cref="int"/>, so that any partial product (strides, outer/inner counts,
    /// batch sizes) computed later in <see cref="int"/> cannot overflow either, even when another size is 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int NumEl(ReadOnlySpan<int> shape)
    {
        long nonZero = 1;
        bool empty = false;
        for (int i = 0; i < shape.Length; i++)
        {
            int d = shape[i];
            if (d < 0)
                throw new ArgumentException(
                    $"Invalid tensor shape {Format(shape)}: size {d} at dimension {i} is negative.");
            if (d == 0) { empty = true; continue; }
            nonZero *= d; // both factors <= int.MaxValue, so the long product cannot overflow
            if (nonZero > int.MaxValue)
                throw new ArgumentException(
                    $"A tensor of shape {Format(shape)} would have more than {int.MaxValue} elements " +
                    $"(the product of its sizes overflows); Ember tensors hold at most {int.MaxValue} elements.");
        }
        return empty ? 0 : (int)nonZero;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { s[d] = acc; acc *= Math.Max(shape[d], 1); }
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides) =>
        Ember.Kernels.StridedLayout.IsContiguous(shape, strides);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Format(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++) { if (i > 0) sb.Append(", "); sb.Append(shape[i]); }
        return sb.Append(']').ToString();
    }

    /// <summary>Wraps a possibly negative dim into [0, rank).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int WrapDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim),
                $"{op}: dimension out of range (expected to be in range of [{-r}, {r - 1}], but got {dim}).");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>The broadcast shape of two shapes, or an error in PyTorch's words naming the op and both
    /// shapes.</summary>
    /// <summary>Same as the span overload; when the shapes are equal the first array is returned (shape arrays are
    /// immutable).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] Broadcast(int[] a, int[] b, string op) =>
        ReferenceEquals(a, b) || a.AsSpan().SequenceEqual(b) ? a : Broadcast(a.AsSpan(), b.AsSpan(), op);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        if (a.SequenceEqual(b)) return a.ToArray();
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: the size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton " +
                    $"dimension {i}; shapes {Format(a)} and {Format(b)} cannot be broadcast together.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Resolves one <c>-1</c> entry of a requested view shape against the element count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] InferSize(ReadOnlySpan<int> requested, int numel, string op)
    {
        var shape = requested.ToArray();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0)
                    throw new ArgumentException(
                        $"{op}: only one dimension can be inferred, got shape {Format(requested)}.");
                infer = i;
            }
            else if (shape[i] < 0)
                throw new ArgumentException($"{op}: invalid shape dimension {shape[i]} in {Format(requested)}.");
            else known *= shape[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || numel % known != 0)
                throw new ArgumentException($"{op}: shape {Format(requested)} is invalid for input of size {numel}.");
            shape[infer] = (int)(numel / known);
        }
        else if (known != numel)
            throw new ArgumentException($"{op}: shape {Format(requested)} is invalid for input of size {numel}.");
        return shape;
    }
}
