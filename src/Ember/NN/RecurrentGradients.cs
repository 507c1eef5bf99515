using System;
using Ember.Core;
using Ember.Kernels;

namespace Ember.NN;

/// <summary>Layout helpers for the gradients the recurrent backward passes read.</summary>
internal static class RecurrentGradients
{
    /// <summary>
    /// <paramref name="g"/> with unit stride in its last dim, copying only what is stored: dims broadcast with
    /// stride 0 (the gradient of <c>output.Sum()</c> is one value broadcast over <c>[T, B, H]</c>) stay broadcast,
    /// so a broadcast gradient costs one row, not a dense <c>[T, B, H]</c> copy. Other strides are kept as the
    /// copy lays them out; the element values are the same.
    /// </summary>
    internal static RawTensor DenseRows(RawTensor g)
    {
        int rank = g.Rank;
        if (rank == 0 || g.Strides[rank - 1] == 1) return g;
        int[] shape = (int[])g.Shape.Clone();
        bool broadcast = false;
        for (int d = 0; d < rank - 1; d++)
            if (g.Strides[d] == 0 && shape[d] > 1)
                (shape[d], broadcast) = (1, true);
        if (!broadcast) return RawOps.Contiguous(g);
        RawTensor small = RawOps.Contiguous(g.WithLayout(shape, g.Strides, g.Offset));
        int[] strides = (int[])small.Strides.Clone();
        for (int d = 0; d < rank - 1; d++)
            if (shape[d] != g.Shape[d]) strides[d] = 0;
        return small.WithLayout(g.Shape, strides, small.Offset);
    }
}

/// <summary>
/// Copies dense <c>[B, cols]</c> tensors (null: skipped) into blocks of rows of one buffer, chunk <c>j</c> of
/// <paramref name="chunks"/> taking a run of them (for <see cref="WorkerPool.For{TTask}(int, ref TTask)"/>).
/// </summary>
internal readonly struct HeldRowsCopy(RawTensor?[] held, int[] at, Array dst, int dstOffset, int block, int chunks)
    : IParallelTask
{
    public void Execute(int chunk)
    {
        int n = held.Length, lo = n * chunk / chunks, hi = n * (chunk + 1) / chunks;
        for (int k = lo; k < hi; k++)
            if (held[k] is { } h)
                Array.Copy(h.Storage.Array, h.Offset, dst, dstOffset + ((long)at[k] * block), block);
    }
}
