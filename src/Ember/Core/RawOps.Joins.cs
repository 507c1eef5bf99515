using System;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Joins: cat (stack, split, chunk and unbind are views or cats built on it in the tensor layer).</summary>
internal static partial class RawOps
{
    /// <summary>
    /// Concatenates along <paramref name="dim"/>; the dtype is the promotion of all inputs. 1-D empty tensors
    /// are skipped, as in PyTorch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Cat(RawTensor[] tensors, int dim)
    {
        if (tensors.Length == 0) throw new ArgumentException("cat: expected a non-empty list of tensors.");
        RawTensor? reference = null;
        DType dt = tensors[0].DType;
        foreach (var t in tensors)
        {
            dt = DTypes.Promote(dt, t.DType);
            if (reference is null && !(t.Rank == 1 && t.NumEl == 0)) reference = t;
        }
        reference ??= tensors[0];
        if (reference.Rank == 0)
            throw new ArgumentException(
                "cat: zero-dimensional tensor (shape []) cannot be concatenated; Unsqueeze it or use Stack.");
        dim = Shapes.WrapDim(dim, reference.Rank, "cat");
        var shape = reference.Shape.AsSpan().ToArray();
        shape[dim] = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            if (t.Rank == 1 && t.NumEl == 0) continue;
            if (t.Rank != reference.Rank)
                throw new ArgumentException(
                    $"cat: tensors must have the same number of dimensions: got {reference.Rank} " +
                    $"({Shapes.Format(reference.Shape)}) and {t.Rank} ({Shapes.Format(t.Shape)}) for tensor " +
                    $"number {i} in the list.");
            for (int d = 0; d < t.Rank; d++)
                if (d != dim && t.Shape[d] != reference.Shape[d])
                    throw new ArgumentException(
                        $"cat: sizes of tensors must match except in dimension {dim}. Expected " +
                        $"size {reference.Shape[d]} but got size {t.Shape[d]} for tensor number {i} in the list " +
                        $"(shapes {Shapes.Format(reference.Shape)} and {Shapes.Format(t.Shape)}).");
            shape[dim] += t.Shape[dim];
        }
        var r = RawTensor.Empty(dt, shape);
        int offset = 0;
        foreach (var t in tensors)
        {
            if (t.Rank == 1 && t.NumEl == 0) continue;
            int n = t.Shape[dim];
            CopyFrom(Slice(r, dim, offset, offset + n, 1), t);
            offset += n;
        }
        return r;
    }
}
