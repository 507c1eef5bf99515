using System;
using System.Collections.Generic;
using Ember.Data;

namespace Ember.Training;

/// <summary>Where Fit/Evaluate get batches from: tensors sliced in (shuffled) order, or a data loader.</summary>
internal abstract class BatchSource
{
    public abstract int Steps { get; }

    public abstract IEnumerable<(Tensor X, Tensor Y)> Batches();

    public static void CheckPair(Tensor x, Tensor y, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Dim == 0 || y.Dim == 0)
            throw new ArgumentException($"{op}: expected x and y with a batch dim, got {Losses.KerasLoss.Fmt(x)} and " +
                $"{Losses.KerasLoss.Fmt(y)}.");
        if (x.Shape[0] != y.Shape[0])
            throw new ArgumentException($"{op}: x and y must have the same number of rows, got {x.Shape[0]} " +
                $"(x {Losses.KerasLoss.Fmt(x)}) and {y.Shape[0]} (y {Losses.KerasLoss.Fmt(y)}).");
    }
}

/// <summary>Rows of tensors, in order or reshuffled for every pass with Fisher–Yates on the default
/// generator.</summary>
internal sealed class TensorBatches : BatchSource
{
    private readonly Tensor _x, _y;
    private readonly Tensor? _w;
    private readonly int _batchSize;
    private readonly bool _shuffle;

    public TensorBatches(Tensor x, Tensor y, int batchSize, bool shuffle, Tensor? sampleWeight = null)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive, got {batchSize}.");
        (_x, _y, _w, _batchSize, _shuffle) = (x, y, sampleWeight, batchSize, shuffle);
    }

    public int Rows => _x.Shape[0];

    public override int Steps => (Rows + _batchSize - 1) / _batchSize;

    /// <summary>The current pass's sample weights for the last batch returned (null without class weights).</summary>
    public Tensor? CurrentWeights { get; private set; }

    public override IEnumerable<(Tensor X, Tensor Y)> Batches()
    {
        int n = Rows;
        long[]? order = null;
        if (_shuffle)
        {
            order = new long[n];
            for (int i = 0; i < n; i++) order[i] = i;
            var g = Generator.Default;
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)g.NextInt64(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        for (int start = 0; start < n; start += _batchSize)
        {
            int len = Math.Min(_batchSize, n - start);
            if (order is null)
            {
                CurrentWeights = _w?.Narrow(0, start, len);
                yield return (_x.Narrow(0, start, len), _y.Narrow(0, start, len));
            }
            else
            {
                Tensor idx = Tensor.From(order.AsSpan(start, len).ToArray());
                CurrentWeights = _w?.IndexSelect(0, idx);
                yield return (_x.IndexSelect(0, idx), _y.IndexSelect(0, idx));
            }
        }
    }
}

/// <summary>Batches from a data loader (its own batch size and shuffling).</summary>
internal sealed class LoaderBatches<T, TBatch>(DataLoader<T, TBatch> loader, Func<TBatch, (Tensor X, Tensor Y)> split)
    : BatchSource
{
    public override int Steps => loader.Count;

    public override IEnumerable<(Tensor X, Tensor Y)> Batches()
    {
        foreach (var batch in loader) yield return split(batch);
    }

    public static (Tensor X, Tensor Y) FromArray(Tensor[] batch)
    {
        if (batch.Length < 2)
            throw new ArgumentException($"Fit: expected batches of (x, y) tensors, got {batch.Length} tensor(s).");
        return (batch[0], batch[1]);
    }
}
