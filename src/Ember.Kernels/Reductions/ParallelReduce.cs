using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Sums with fixed chunking: the input is always cut into the same <see cref="Block"/>-element pieces, each piece
/// and then the partial sums are cascade-summed (<see cref="CascadeSum"/>), and only the assignment of pieces to
/// threads varies — so the result is bit-identical for any thread count. Large reductions along a dimension are
/// split over output rows in the same spirit.
/// </summary>
public static class ParallelReduce
{
    /// <summary>Elements per partial sum.</summary>
    public const int Block = 1 << 14;

    /// <summary>Σ x[offset .. offset+n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Sum<T>(T[] x, int offset, int n) where T : unmanaged, INumber<T>
    {
        int blocks = (n + Block - 1) / Block;
        if (blocks <= 1) return CascadeSum.Sum<T>(x.AsSpan(offset, n));
        var partial = new T[blocks];
        var task = new SumTask<T>(x, offset, n, partial);
        if (n >= ParallelElementwise.Threshold) WorkerPool.For(blocks, ref task);
        else for (int b = 0; b < blocks; b++) task.Execute(b);
        return CascadeSum.Sum<T>(partial);
    }

    /// <summary>
    /// <see cref="Reduce.Sum{T}"/> over <c>[outer, n, inner]</c>, split over <c>outer</c> when large.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumAxis<T>(T[] x, int offset, int outer, int n, int inner, T[] dst)
        where T : unmanaged, INumber<T>
    {
        long total = (long)outer * n * inner;
        if (total < ParallelElementwise.Threshold || outer == 1 || WorkerPool.ThreadCount == 1)
        {
            Reduce.Sum<T>(x.AsSpan(offset, (int)total), outer, n, inner, dst);
            return;
        }
        int chunks = Math.Min(outer, 4 * WorkerPool.ThreadCount);
        var task = new AxisTask<T>(x, offset, outer, n, inner, dst, chunks);
        WorkerPool.For(chunks, ref task);
    }

    private readonly struct SumTask<T>(T[] x, int offset, int n, T[] partial) : IParallelTask
        where T : unmanaged, INumber<T>
    {
        public void Execute(int chunk)
        {
            int start = chunk * Block;
            partial[chunk] = CascadeSum.Sum<T>(x.AsSpan(offset + start, Math.Min(Block, n - start)));
        }
    }

    private readonly struct AxisTask<T>(T[] x, int offset, int outer, int n, int inner, T[] dst,
        int chunks) : IParallelTask
        where T : unmanaged, INumber<T>
    {
        public void Execute(int chunk)
        {
            int b = (int)((long)outer * chunk / chunks), e = (int)((long)outer * (chunk + 1) / chunks);
            if (e <= b) return;
            Reduce.Sum<T>(x.AsSpan(offset + b * n * inner, (e - b) * n * inner), e - b, n, inner,
                dst.AsSpan(b * inner, (e - b) * inner));
        }
    }
}
