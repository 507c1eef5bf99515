using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>
/// A built-in optimizer's update of one parameter with everything that is per-parameter already done (state buffers
/// created, step-dependent coefficients computed, scalar state advanced): what is left is element-wise, so any slice
/// of the parameter can be updated on its own, on any thread, with the same result.
/// </summary>
internal abstract class SliceRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Up to three state buffers of the parameter's shape, passed sliced to <see cref="Apply"/>.</summary>
    public RawTensor? B0, B1, B2;

    /// <summary>Updates <paramref name="p"/> (a slice of the parameter) from the matching slices.</summary>
    public abstract void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2);

    /// <summary>Runs the rule over <paramref name="count"/> elements from <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ApplyRange(Span<T> p, ReadOnlySpan<T> g, int start, int count) =>
        Apply(p.Slice(start, count), g.Slice(start, count), Slice(B0, start, count), Slice(B1, start, count),
            Slice(B2, start, count));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Span<T> Slice(RawTensor? t, int start, int count) =>
        t is null ? default : t.Span<T>().Slice(start, count);
}

/// <summary>
/// The fused optimizer step (PyTorch's <c>foreach</c>/<c>fused</c> idea): the per-parameter rules of one
/// <see cref="Optimizer.Step()"/> are queued, then run as one pass over all their elements, cut into fixed-size
/// chunks that the <see cref="WorkerPool"/> spreads over the threads. Each element's arithmetic does not depend on
/// the cut (see <see cref="OptimizerKernels"/>), so results are bit-identical for any thread count.
/// </summary>
internal sealed class FusedStep
{
    /// <summary>Elements per chunk: 64 KiB of float32 per stream, enough to amortize a hand-off.</summary>
    internal const int ChunkElements = 16384;

    private readonly List<Item> _items = [];
    private int[] _chunkItem = [];
    private int[] _chunkStart = [];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add<T>(RawTensor param, RawTensor grad, SliceRule<T> rule)
        where T : unmanaged, IFloatingPointIeee754<T> => _items.Add(new Item<T>(param, grad, rule));

    /// <summary>Runs and clears the queued updates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run()
    {
        try
        {
            long total = 0;
            int chunks = 0;
            foreach (var item in _items)
            {
                total += item.Length;
                chunks += (item.Length + ChunkElements - 1) / ChunkElements;
            }
            if (WorkerPool.ThreadCount == 1 || chunks < 2)
            {
                foreach (var item in _items) item.Run(0, item.Length);
                return;
            }
            if (_chunkItem.Length < chunks)
            {
                _chunkItem = new int[chunks];
                _chunkStart = new int[chunks];
            }
            int c = 0;
            for (int i = 0; i < _items.Count; i++)
                for (int s = 0; s < _items[i].Length; s += ChunkElements, c++)
                {
                    _chunkItem[c] = i;
                    _chunkStart[c] = s;
                }
            var task = new ChunkTask(this);
            WorkerPool.For(chunks, ref task);
        }
        finally
        {
            _items.Clear();
        }
    }

    private readonly struct ChunkTask(FusedStep owner) : IParallelTask
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            var item = owner._items[owner._chunkItem[chunk]];
            int start = owner._chunkStart[chunk];
            item.Run(start, Math.Min(ChunkElements, item.Length - start));
        }
    }

    private abstract class Item(int length)
    {
        public readonly int Length = length;

        public abstract void Run(int start, int count);
    }

    private sealed class Item<T>(RawTensor param, RawTensor grad, SliceRule<T> rule) : Item(param.NumEl)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int start, int count) =>
            rule.ApplyRange(param.Span<T>(), grad.Span<T>(), start, count);
    }
}
