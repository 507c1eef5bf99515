using System;
using Ember.Data;

namespace Ember.Distributed;

/// <summary>
/// This rank's share of a data set (PyTorch's <c>DistributedSampler</c>), as a data set to give a
/// <see cref="DataLoader{T, TBatch}"/> (with <c>shuffle: false</c>: the sampler shuffles). Every rank draws the same
/// permutation from the shared seed and the epoch (<see cref="SetEpoch"/>), pads it by repeating
/// its first indices (or, with <c>dropLast</c>, drops the tail) to a multiple of the world size, and takes
/// every <c>worldSize</c>-th index from its rank: the ranks see disjoint slices of equal length, so they run the same
/// number of batches, and batch <c>k</c> of all ranks together is one global batch.
/// </summary>
/// <typeparam name="T">The sample type.</typeparam>
public sealed class DistributedSampler<T> : Dataset<T>
{
    private readonly Dataset<T> _dataset;
    private int[] _indices = [];

    /// <summary>A sampler for rank <paramref name="rank"/> of <paramref name="worldSize"/>.</summary>
    /// <param name="dataset">The full data set (the same on every rank).</param>
    /// <param name="worldSize">The number of ranks.</param>
    /// <param name="rank">This rank.</param>
    /// <param name="shuffle">A new permutation every epoch (same on all ranks); otherwise index order.</param>
    /// <param name="seed">The shared seed; must be equal on all ranks.</param>
    /// <param name="dropLast">Drop the tail that does not divide evenly instead of padding with repeated samples.
    /// </param>
    public DistributedSampler(Dataset<T> dataset, int worldSize, int rank, bool shuffle = true, long seed = 0,
        bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        if ((uint)rank >= (uint)worldSize)
            throw new ArgumentOutOfRangeException(nameof(rank),
                $"DistributedSampler: rank {rank} is not in [0, {worldSize}).");
        _dataset = dataset;
        WorldSize = worldSize;
        Rank = rank;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        int n = dataset.Count;
        NumSamples = dropLast ? n / worldSize : (n + worldSize - 1) / worldSize;
        if (NumSamples == 0 && n > 0 && dropLast)
            throw new ArgumentException($"DistributedSampler: {n} samples cannot give each of {worldSize} ranks one " +
                "with dropLast; use dropLast: false (pads by repeating samples).", nameof(dataset));
        SetEpoch(0);
    }

    /// <summary>A sampler for <paramref name="group"/>'s rank.</summary>
    public DistributedSampler(Dataset<T> dataset, ProcessGroup group, bool shuffle = true, long seed = 0,
        bool dropLast = false)
        : this(dataset, (group ?? throw new ArgumentNullException(nameof(group))).WorldSize, group.Rank, shuffle, seed,
            dropLast)
    {
    }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>Whether each epoch uses a new permutation.</summary>
    public bool Shuffle { get; }

    /// <summary>The shared seed.</summary>
    public long Seed { get; }

    /// <summary>Whether the tail is dropped rather than padded.</summary>
    public bool DropLast { get; }

    /// <summary>The current epoch.</summary>
    public int Epoch { get; private set; }

    /// <summary>Samples per rank and epoch (equal on all ranks).</summary>
    public int NumSamples { get; }

    /// <summary>This rank's indices into the full data set for the current epoch.</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <inheritdoc/>
    public override int Count => NumSamples;

    /// <inheritdoc/>
    public override T this[int index]
    {
        get
        {
            CheckIndex(index, NumSamples);
            return _dataset[_indices[index]];
        }
    }

    /// <summary>
    /// Selects the epoch's permutation (call it at the start of every epoch, on every rank, as in PyTorch; without
    /// it every epoch repeats the same order).
    /// </summary>
    public void SetEpoch(int epoch)
    {
        Epoch = epoch;
        int n = _dataset.Count;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (Shuffle)
        {
            // Fisher-Yates from a generator seeded by (seed, epoch): identical on every rank and every run.
            var rng = new Random(unchecked((int)(Seed * 1_000_003 + epoch) ^ (int)(Seed >> 32)));
            for (int i = n - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        var indices = new int[NumSamples];
        for (int k = 0; k < NumSamples; k++)
        {
            int pos = Rank + k * WorldSize;
            // Padding repeats the permutation from its start (PyTorch's behaviour), cycling for tiny data sets.
            indices[k] = pos < n ? order[pos] : order[(pos - n) % n];
        }
        _indices = indices;
    }
}
