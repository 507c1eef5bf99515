using System;
using System.Collections.Generic;
using System.Threading;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// The arrays of the recorded LSTM steps' <c>[9, B, H]</c> blocks (<see cref="LstmRows.Blocks"/>), handed back once
/// a backward pass freed every tensor saved over them, for the next forward's blocks: a training loop then allocates
/// no step blocks (7.4 MB of the bench's 11.3 MB per call), so fewer gen0 GCs run, and none promotes the blocks a
/// live graph holds to gen1.
/// </summary>
/// <remarks>
/// <para>Safe because only saved tensors read a block: the steps' nodes save it and slices of it, and the module's
/// per-step tensors never reach the user (its outputs and final states are stacked copies, no public API hands out
/// a node's saved tensors or inputs). <see cref="Storage.RecycleWhenReleased"/> returns the block when the last of
/// those saves is freed, which only a backward pass without <c>retainGraph</c> does; a retained graph, a graph
/// dropped without backward, a step a partial pass skipped, or a recorded backward's nodes that saved the step's
/// values keep their saves, so their blocks stay theirs (and the GC takes them as before). A block taken again gets
/// a new <see cref="Storage"/> over the array, with its own version counter: no live tensor's version changes.</para>
/// <para>Shared by all threads (a lock held for a list operation; a forward takes one block per step, a backward
/// returns one per step) and bounded by <see cref="MaxBytes"/>: arrays beyond it are left to the GC.</para>
/// </remarks>
internal sealed class LstmBlockPool : IStorageRecycler
{
    /// <summary>The pool the sequence modules use.</summary>
    public static readonly LstmBlockPool Shared = new();

    /// <summary>Off switch for A/B runs: <c>EMBER_LSTM_BLOCK_POOL=0</c> allocates every block.</summary>
    internal static bool Enabled = Environment.GetEnvironmentVariable("EMBER_LSTM_BLOCK_POOL") != "0";

    /// <summary>The most bytes the pool keeps (the bench's LSTM holds 7.4 MB of blocks per call).</summary>
    internal const long MaxBytes = 64L << 20;

    private readonly object _lock = new();
    private readonly Dictionary<(Type, int), Stack<Array>> _free = [];
    private long _bytes;

    // Per-thread counts for tests: blocks taken from the pool, and blocks handed back to it.
    [ThreadStatic] private static int t_reused, t_returned;

    /// <summary>How many blocks this thread took from the pool and handed back to it (for tests).</summary>
    internal static (int Reused, int Returned) Counts => (t_reused, t_returned);

    /// <summary>The bytes the pool holds now.</summary>
    internal long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// A dense uninitialized <paramref name="dtype"/> tensor of <paramref name="shape"/> (float32 or float64) whose
    /// array comes back here once every tensor a graph saved over it is freed (see the remarks).
    /// </summary>
    public RawTensor Rent(DType dtype, int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        Storage? storage = null;
        if (Enabled && (dtype == DType.Float32 || dtype == DType.Float64))
        {
            Type type = dtype == DType.Float32 ? typeof(float[]) : typeof(double[]);
            Array? array = null;
            lock (_lock)
            {
                if (_free.TryGetValue((type, n), out var stack) && stack.TryPop(out array))
                    _bytes -= (long)Buffer.ByteLength(array);
            }
            if (array is not null)
            {
                storage = array is float[] f ? new Storage<float>(f) : new Storage<double>((double[])array);
                t_reused++;
            }
            storage ??= Storage.Create(dtype, n);
            storage.RecycleWhenReleased(this);
        }
        return new RawTensor(storage ?? Storage.Create(dtype, n), shape);
    }

    /// <inheritdoc/>
    public void Recycle(Storage storage)
    {
        Array array = storage.Array;
        long bytes = Buffer.ByteLength(array);
        if (array.Length == 0) return;
        lock (_lock)
        {
            if (_bytes + bytes > MaxBytes) return;
            var key = (array.GetType(), array.Length);
            if (!_free.TryGetValue(key, out var stack)) _free[key] = stack = new Stack<Array>();
            stack.Push(array);
            _bytes += bytes;
        }
        t_returned++;
    }

    /// <summary>Drops every kept array (for tests and for callers that want the memory back).</summary>
    internal void Clear()
    {
        lock (_lock)
        {
            _free.Clear();
            _bytes = 0;
        }
    }
}
