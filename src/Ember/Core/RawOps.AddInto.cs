using System;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>
/// <c>dst += src</c> in place for gradient accumulation, without the temporary a general in-place add of strided
/// operands needs: dense blocks in the same layout (a transposed weight gradient) add as flat spans, and matrices
/// with unit column stride (a window of a split's gradient) add row by row.
/// </summary>
internal static partial class RawOps
{
    /// <summary>
    /// Adds <paramref name="src"/> into <paramref name="dst"/> (same shape, float32 or float64, separate storage)
    /// and returns true; false (nothing written) when the layouts need the general path.
    /// </summary>
    public static bool TryAddInto(RawTensor dst, RawTensor src)
    {
        if (dst.DType != src.DType || (dst.DType != DType.Float32 && dst.DType != DType.Float64)
            || !dst.Shape.AsSpan().SequenceEqual(src.Shape) || ReferenceEquals(dst.Storage.Array, src.Storage.Array))
            return false;
        bool flat = (dst.IsContiguous && src.IsContiguous)
            || (dst.Strides.AsSpan().SequenceEqual(src.Strides) && IsDense(dst));
        bool rows = !flat && dst.Rank == 2 && dst.Strides[1] == 1 && src.Strides[1] == 1;
        if (!flat && !rows) return false;
        if (dst.NumEl > 0) DTypeDispatch.Floating<AddIntoFunc, bool>(dst.DType, new(dst, src, flat), "add_");
        dst.Storage.Version++;
        return true;
    }

    /// <summary>
    /// Whether every element of <paramref name="t"/> has its own storage slot and the slots form one dense block
    /// (contiguous in some order of the dims, such as a transpose); broadcast (stride 0) views are not dense.
    /// </summary>
    public static bool IsDense(RawTensor t)
    {
        if (t.IsContiguous) return true;
        int rank = t.Rank;
        Span<int> order = stackalloc int[rank];
        for (int d = 0; d < rank; d++) order[d] = d;
        for (int a = 1; a < rank; a++)
            for (int b = a; b > 0 && t.Strides[order[b]] < t.Strides[order[b - 1]]; b--)
                (order[b], order[b - 1]) = (order[b - 1], order[b]);
        long expected = 1;
        foreach (int d in order)
        {
            if (t.Shape[d] == 1) continue;
            if (t.Strides[d] != expected) return false;
            expected *= t.Shape[d];
        }
        return true;
    }

    private readonly struct AddIntoFunc(RawTensor dst, RawTensor src, bool flat) : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] d = dst.Data<T>(), s = src.Data<T>();
            if (flat)
            {
                GradientKernels.AddInto<T>(d.AsSpan(dst.Offset, dst.NumEl), s.AsSpan(src.Offset, src.NumEl));
                return true;
            }
            int n = dst.Shape[1];
            for (int i = 0; i < dst.Shape[0]; i++)
            {
                GradientKernels.AddInto<T>(d.AsSpan(dst.Offset + i * dst.Strides[0], n),
                    s.AsSpan(src.Offset + i * src.Strides[0], n));
            }
            return true;
        }
    }
}
