using System;
using System.Collections;
using System.Collections.Generic;

namespace Ember.Data;

/// <summary>
/// Where a <see cref="DataLoader{T, TBatch}"/> stands: the next batch is batch <see cref="BatchIndex"/> of epoch
/// <see cref="Epoch"/>, in the sample order <see cref="Order"/>. Save it with a checkpoint and pass it to
/// <see cref="DataLoader{T, TBatch}.LoadState"/> to resume mid-epoch with the same remaining batches.
/// </summary>
/// <param name="Epoch">The 0-based epoch the next batch belongs to.</param>
/// <param name="BatchIndex">The index of the next batch within that epoch (0 at an epoch boundary).</param>
/// <param name="Seed">The loader's shuffle seed; each epoch's order is derived from it and the epoch number.</param>
/// <param name="Order">The epoch's sample order when it is under way (null at an epoch boundary or without
/// shuffling).</param>
public sealed record DataLoaderState(int Epoch, int BatchIndex, long Seed, int[]? Order);

/// <summary>Factory methods that infer the type arguments of <see cref="DataLoader{T, TBatch}"/>.</summary>
public static class DataLoader
{
    /// <summary>A loader over a map-style data set with a custom <paramref name="collate"/>.</summary>
    /// <inheritdoc cref="DataLoader{T, TBatch}(Dataset{T}, int, Func{IReadOnlyList{T}, TBatch}, bool, bool,
    /// Generator?, int)"/>
    public static DataLoader<T, TBatch> Create<T, TBatch>(Dataset<T> dataset, int batchSize,
        Func<IReadOnlyList<T>, TBatch> collate,
        bool shuffle = false, bool dropLast = false, Generator? generator = null, int prefetch = 0) =>
        new(dataset, batchSize, collate, shuffle, dropLast, generator, prefetch);

    /// <summary>A loader over a <see cref="TensorDataset"/> (or any <c>Dataset&lt;Tensor[]&gt;</c>) that stacks samples
    /// with <see cref="Collate.Stack(IReadOnlyList{Tensor[]})"/>.</summary>
    public static DataLoader<Tensor[], Tensor[]> Create(Dataset<Tensor[]> dataset, int batchSize, bool shuffle = false,
        bool dropLast = false,
        Generator? generator = null, int prefetch = 0) =>
        new(dataset, batchSize, Collate.Stack, shuffle, dropLast, generator, prefetch);

    /// <summary>A loader over labelled tensor samples (e.g. images after <see cref="ToTensor"/>) giving <c>(input (B,
    /// *), target int64 (B))</c>.</summary>
    public static DataLoader<(Tensor Input, long Label), (Tensor Input, Tensor Target)> Create(
        Dataset<(Tensor Input, long Label)> dataset, int batchSize,
        bool shuffle = false, bool dropLast = false, Generator? generator = null, int prefetch = 0) =>
        new(dataset, batchSize, Collate.Stack, shuffle, dropLast, generator, prefetch);

    /// <summary>A loader over a stream-style data set: consecutive samples are batched; no shuffling.</summary>
    public static DataLoader<T, TBatch> Create<T, TBatch>(IterableDataset<T> dataset, int batchSize,
        Func<IReadOnlyList<T>, TBatch> collate,
        bool dropLast = false, int prefetch = 0) =>
        new(dataset, batchSize, collate, dropLast, prefetch);
}

/// <summary>
/// Iterates a data set in batches (PyTorch's <c>DataLoader</c>): <c>foreach (var (x, y) in loader)</c> runs one
/// epoch. Each enumeration starts a new epoch (a new shuffled order when <c>shuffle</c>), except right after
/// <see cref="LoadState"/>, which resumes where the saved state left off.
/// With <c>prefetch &gt; 0</c>, one background thread reads and collates up to that many batches ahead so
/// loading overlaps training; the batches and their order are the same as without prefetch (random transforms
/// with their own generators draw in the same order). While a batch is read and collated, on either thread,
/// <see cref="Generator.Default"/> is a generator of its own seeded from the loader's seed, the epoch and the batch
/// index (see <see cref="Dataset{T}"/> on drawing random numbers). An enumerator abandoned without
/// <c>Dispose</c> stops its producer thread once the GC has collected it.
/// </summary>
/// <typeparam name="T">The sample type.</typeparam>
/// <typeparam name="TBatch">The batch type the collate function produces.</typeparam>
public sealed class DataLoader<T, TBatch> : IEnumerable<TBatch>
{
    private readonly Dataset<T>? _dataset;
    private readonly IterableDataset<T>? _iterable;
    private readonly Func<IReadOnlyList<T>, TBatch> _collate;
    private long _seed;
    private int _epoch = -1;          // the epoch under way or last run; -1 before the first
    private int _position;            // batches handed out in that epoch
    private int[]? _order;            // that epoch's sample order
    private bool _resume;             // next enumeration continues (_epoch, _position) instead of starting a new epoch

    /// <summary>Creates a loader over a map-style data set.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last one may be smaller unless
    /// <paramref name="dropLast"/>).</param>
    /// <param name="collate">Turns a list of samples into a batch (see <see cref="Collate"/>).</param>
    /// <param name="shuffle">A new random order every epoch.</param>
    /// <param name="dropLast">Drop the last batch when it is smaller than <paramref name="batchSize"/>.</param>
    /// <param name="generator">
    /// Draws the loader's seed (once, now), from which each epoch's order and each batch's generator derive;
    /// defaults to <see cref="Generator.Default"/>, so <c>Tensor.ManualSeed</c> makes both reproducible.
    /// </param>
    /// <param name="prefetch">Batches prepared ahead on a background thread (0: load on the calling thread).</param>
    public DataLoader(Dataset<T> dataset, int batchSize, Func<IReadOnlyList<T>, TBatch> collate, bool shuffle = false,
        bool dropLast = false,
        Generator? generator = null, int prefetch = 0)
        : this(batchSize, collate, dropLast, prefetch)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        _dataset = dataset;
        Shuffle = shuffle;
        // Drawn even without shuffling: it also seeds the batches' own generators (see BatchGenerator).
        _seed = (long)(generator ?? Generator.Default).NextUInt64();
    }

    /// <summary>Creates a loader over a stream-style data set (no shuffling; batches are consecutive
    /// samples).</summary>
    public DataLoader(IterableDataset<T> dataset, int batchSize, Func<IReadOnlyList<T>, TBatch> collate,
        bool dropLast = false, int prefetch = 0)
        : this(batchSize, collate, dropLast, prefetch)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        _iterable = dataset;
        _seed = (long)Generator.Default.NextUInt64();
    }

    private DataLoader(int batchSize, Func<IReadOnlyList<T>, TBatch> collate, bool dropLast, int prefetch)
    {
        ArgumentNullException.ThrowIfNull(collate);
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize),
                $"DataLoader: batchSize must be positive, got {batchSize}.");
        if (prefetch < 0)
            throw new ArgumentOutOfRangeException(nameof(prefetch),
                $"DataLoader: prefetch must be non-negative, got {prefetch}.");
        _collate = collate;
        BatchSize = batchSize;
        DropLast = dropLast;
        Prefetch = prefetch;
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch uses a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether an incomplete last batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches prepared ahead on a background thread.</summary>
    public int Prefetch { get; }

    /// <summary>The number of samples (map-style data sets only).</summary>
    public int DatasetCount =>
        _dataset?.Count
        ?? throw new NotSupportedException("DataLoader: a stream-style (IterableDataset) data set has no length.");

    /// <summary>Batches per epoch (PyTorch's <c>len(loader)</c>; map-style data sets only).</summary>
    public int Count
    {
        get
        {
            int n = DatasetCount;
            return DropLast ? n / BatchSize : (n + BatchSize - 1) / BatchSize;
        }
    }

    /// <summary>The current iteration state (see <see cref="DataLoaderState"/>).</summary>
    public DataLoaderState GetState()
    {
        if (_epoch < 0) return new DataLoaderState(0, 0, _seed, null);
        bool finished = _dataset is not null && _position >= Count;
        if (finished && !_resume) return new DataLoaderState(_epoch + 1, 0, _seed, null);
        return new DataLoaderState(_epoch, _position, _seed, _order is null ? null : (int[])_order.Clone());
    }

    /// <summary>Makes the next enumeration continue from <paramref name="state"/> (then epochs go on from
    /// there).</summary>
    /// <exception cref="ArgumentException">When the state does not fit this loader's data set.</exception>
    public void LoadState(DataLoaderState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Epoch < 0 || state.BatchIndex < 0)
            throw new ArgumentException("DataLoader.LoadState: epoch and batch index must be non-negative, " +
                $"got {state.Epoch} and {state.BatchIndex}.", nameof(state));
        if (_dataset is not null)
        {
            if (state.BatchIndex > Count)
                throw new ArgumentException($"DataLoader.LoadState: batch {state.BatchIndex} is past the end of an " +
                    $"epoch of {Count} batches.", nameof(state));
            if (state.Order is not null && state.Order.Length != _dataset.Count)
                throw new ArgumentException($"DataLoader.LoadState: the saved order has {state.Order.Length} entries " +
                    $"but the data set has {_dataset.Count} samples.", nameof(state));
        }
        _seed = state.Seed;
        _epoch = state.Epoch;
        _position = state.BatchIndex;
        _order = state.Order is null ? OrderFor(state.Epoch) : (int[])state.Order.Clone();
        _resume = true;
    }

    /// <summary>The sample order of <paramref name="epoch"/>: a permutation from (seed, epoch), or 0..n-1.</summary>
    private int[]? OrderFor(int epoch)
    {
        if (_dataset is null) return null;
        int n = _dataset.Count;
        if (!Shuffle)
        {
            var identity = new int[n];
            for (int i = 0; i < n; i++) identity[i] = i;
            return identity;
        }
        // A separate generator per epoch: the order depends only on (seed, epoch), so a resumed run replays it.
        return Sampling.Permutation(n, new Generator(_seed ^ (long)((ulong)(epoch + 1) * 0x9E3779B97F4A7C15UL)));
    }

    /// <summary>Runs one epoch (or the rest of a restored one).</summary>
    public IEnumerator<TBatch> GetEnumerator()
    {
        if (!_resume)
        {
            _epoch++;
            _position = 0;
            _order = OrderFor(_epoch);
        }
        _resume = false;
        int epoch = _epoch;
        IEnumerable<TBatch> batches = _dataset is not null
            ? IndexedBatches(epoch, _order!, _position)
            : StreamBatches(epoch, _position);
        return Track(Prefetch > 0 ? new Prefetcher<TBatch>(batches, Prefetch) : batches, epoch).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<TBatch> Track(IEnumerable<TBatch> batches, int epoch)
    {
        foreach (TBatch b in batches)
        {
            if (_epoch == epoch) _position++;
            yield return b;
        }
    }

    /// <summary>
    /// The generator that is <see cref="Generator.Default"/> while batch <paramref name="batch"/> of
    /// <paramref name="epoch"/> is read and collated (PyTorch's per-worker base seed, per batch here): a data set's
    /// random draws depend only on (seed, epoch, batch), not on prefetching or on the caller's own draws, are new
    /// each epoch, and replay when a run resumes from a saved state.
    /// </summary>
    private Generator BatchGenerator(int epoch, int batch) =>
        new(Generator.Mix(Generator.Mix(_seed, epoch), batch));

    private IEnumerable<TBatch> IndexedBatches(int epoch, int[] order, int startBatch)
    {
        int n = order.Length, batches = Count;
        for (int b = startBatch; b < batches; b++)
        {
            int start = b * BatchSize, end = Math.Min(n, start + BatchSize);
            // A new list per batch: the collate may keep it, and a prefetched batch must not share it.
            var samples = new List<T>(end - start);
            TBatch batch;
            Generator? outer = Generator.Substitute(BatchGenerator(epoch, b));
            try
            {
                for (int i = start; i < end; i++) samples.Add(Item(order[i]));
                batch = _collate(samples);
            }
            finally { Generator.Substitute(outer); }
            yield return batch;
        }
    }

    /// <summary>Item <paramref name="index"/> of the dataset; a null item is an error naming the dataset and the
    /// index rather than a <see cref="NullReferenceException"/> inside the collate function.</summary>
    private T Item(int index) =>
        _dataset![index] ?? throw new InvalidOperationException(
            $"DataLoader: {_dataset.GetType().Name}[{index}] returned null; a dataset must return a sample for " +
            $"every index in 0..{_dataset.Count - 1}.");

    private IEnumerable<TBatch> StreamBatches(int epoch, int skipBatches)
    {
        using IEnumerator<T> e = _iterable!.GetEnumerator();
        // Resuming a stream replays it and skips the batches already handed out.
        for (int b = 0; b < skipBatches; b++)
            if (Fill(e, new List<T>(BatchSize), BatchGenerator(epoch, b)) < BatchSize) yield break;
        for (int b = skipBatches; ; b++)
        {
            var samples = new List<T>(BatchSize);
            Generator g = BatchGenerator(epoch, b);
            if (Fill(e, samples, g) == 0 || (DropLast && samples.Count < BatchSize)) yield break;
            TBatch batch;
            Generator? outer = Generator.Substitute(g);
            try { batch = _collate(samples); }
            finally { Generator.Substitute(outer); }
            yield return batch;
            if (samples.Count < BatchSize) yield break;
        }
    }

    /// <summary>Reads up to a batch of samples with <paramref name="g"/> as the default generator.</summary>
    private int Fill(IEnumerator<T> e, List<T> samples, Generator g)
    {
        Generator? outer = Generator.Substitute(g);
        try
        {
            while (samples.Count < BatchSize && e.MoveNext()) samples.Add(e.Current);
        }
        finally { Generator.Substitute(outer); }
        return samples.Count;
    }
}
