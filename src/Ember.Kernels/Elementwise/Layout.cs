using System;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Simplifies the iteration space of an element-wise operation: drops size-1 dimensions and merges adjacent
/// dimensions that every operand walks contiguously, so that most layouts collapse to one long inner run.
/// The destination is always contiguous with the given shape.
/// </summary>
internal static class Layout
{
    /// <summary>Maximum rank the kernels accept.</summary>
    public const int MaxRank = 16;

    /// <summary>
    /// Coalesces dims in place. On return the first <c>rank</c> entries of each buffer describe the same
    /// iteration, innermost last. Returns the new rank (0 means a single element).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Coalesce(Span<int> shape, Span<int> s0, Span<int> s1, int rank)
    {
        int r = 0;
        for (int d = 0; d < rank; d++)
        {
            if (shape[d] == 1) continue;
            if (r > 0 && s0[r - 1] == s0[d] * shape[d] && s1[r - 1] == s1[d] * shape[d])
            {
                shape[r - 1] *= shape[d];
                s0[r - 1] = s0[d];
                s1[r - 1] = s1[d];
                continue;
            }
            shape[r] = shape[d];
            s0[r] = s0[d];
            s1[r] = s1[d];
            r++;
        }
        return r;
    }

    public static void CheckRank(int rank)
    {
        if (rank > MaxRank)
            throw new ArgumentException($"Kernels support at most {MaxRank} dimensions, got {rank}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Product(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

}

/// <summary>Facts about strided layouts that both the kernels and the tensor core need.</summary>
public static class StridedLayout
{
    /// <summary>Whether elements of <paramref name="shape"/> with <paramref name="strides"/> lie densely in row-major
    /// order (size-1 dims ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }
}
