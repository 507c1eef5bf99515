using System;
using System.Collections;
using System.Collections.Generic;
using Ember.Core;

namespace Ember.Data;

/// <summary>
/// A map-style data set (PyTorch's <c>Dataset</c>): a fixed number of samples read by index. Subclasses
/// implement <see cref="Count"/> (<c>__len__</c>) and <see cref="this[int]"/> (<c>__getitem__</c>).
/// Indexing must be safe to call from a background thread (the <see cref="DataLoader{T, TBatch}"/> prefetches).
/// </summary>
/// <remarks>
/// <para><b>Drawing random numbers.</b> Draw from <see cref="Generator.Default"/>: call <c>Tensor.Rand(...)</c>,
/// <c>Tensor.Randn(...)</c> and friends without a generator, or use <c>Generator.Default</c> directly. While a
/// <see cref="DataLoader{T, TBatch}"/> reads a batch, <c>Default</c> is that batch's own generator, seeded from
/// the loader's generator, the epoch and the batch index, so the draws are new every epoch, the same with and
/// without prefetch, unaffected by what the training loop draws, and reproducible with <c>Tensor.ManualSeed</c>
/// (or the loader's <c>generator</c>). Read outside a loader, <c>Default</c> is the process-wide stream.</para>
/// <para>Do not keep a <see cref="Generator"/> in the data set and draw from it per item when the loader
/// prefetches or shuffles: the values would follow reading order rather than the sample. A generator made per
/// item from the index (<c>new Generator(seed + index)</c>) gives each sample the same draw every epoch, which is
/// what a fixed validation augmentation wants. Random transforms (<see cref="RandomHorizontalFlip"/>, ...) own a
/// generator and are read in loader order, so they too are the same with and without prefetch.</para>
/// </remarks>
/// <typeparam name="T">The sample type, e.g. <c>(Image Image, long Label)</c> or <c>Tensor[]</c>.</typeparam>
public abstract class Dataset<T> : IReadOnlyList<T>
{
    /// <summary>The number of samples.</summary>
    public abstract int Count { get; }

    /// <summary>The sample at <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public abstract T this[int index] { get; }

    /// <summary>Enumerates the samples in index order.</summary>
    public IEnumerator<T> GetEnumerator()
    {
        int n = Count;
        for (int i = 0; i < n; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Throws a clear error when <paramref name="index"/> is outside [0, <paramref name="count"/>).</summary>
    protected void CheckIndex(int index, int count)
    {
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index),
                $"{GetType().Name}: index {index} is out of range for a data set of {count} samples.");
    }
}

/// <summary>
/// A stream-style data set (PyTorch's <c>IterableDataset</c>): samples come from enumeration, with no length
/// or random access (files read line by line, generated data). A <see cref="DataLoader{T, TBatch}"/> over one
/// batches consecutive samples and cannot shuffle.
/// </summary>
/// <typeparam name="T">The sample type.</typeparam>
public abstract class IterableDataset<T> : IEnumerable<T>
{
    /// <summary>Starts a new pass over the samples.</summary>
    public abstract IEnumerator<T> GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Samples are rows of tensors that share their first dimension (PyTorch's <c>TensorDataset</c>):
/// sample <c>i</c> is <c>[t0[i], t1[i], ...]</c>. Rows are views of the given tensors, detached from the graph.
/// <see cref="Collate.Stack(IReadOnlyList{Tensor[]})"/> turns a list of samples back into batch tensors.
/// </summary>
public sealed class TensorDataset : Dataset<Tensor[]>
{
    private readonly Tensor[] _tensors;

    /// <summary>Creates the data set; every tensor must have at least one dimension and the same size along
    /// it.</summary>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0)
            throw new ArgumentException("TensorDataset needs at least one tensor.", nameof(tensors));
        for (int i = 0; i < tensors.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(tensors[i], $"{nameof(tensors)}[{i}]");
            if (tensors[i].Dim == 0)
                throw new ArgumentException($"TensorDataset: tensor {i} is 0-dim; every tensor needs a first " +
                    "dimension to index samples by.", nameof(tensors));
            if (tensors[i].Size(0) != tensors[0].Size(0))
                throw new ArgumentException(
                    $"TensorDataset: size mismatch along dim 0: tensor 0 has {tensors[0].Size(0)} rows, tensor {i} " +
                    $"has {tensors[i].Size(0)} (shape {Shapes.Format(tensors[i].Shape)}).",
                    nameof(tensors));
        }
        _tensors = (Tensor[])tensors.Clone();
    }

    /// <summary>The tensors the samples are rows of.</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <inheritdoc/>
    public override int Count => _tensors[0].Size(0);

    /// <inheritdoc/>
    public override Tensor[] this[int index]
    {
        get
        {
            CheckIndex(index, Count);
            var row = new Tensor[_tensors.Length];
            for (int i = 0; i < row.Length; i++) row[i] = Row(_tensors[i], index);
            return row;
        }
    }

    internal static Tensor Row(Tensor t, int index)
    {
        RawTensor raw = t.Raw;
        int[] shape = raw.Shape[1..], strides = raw.Strides[1..];
        return new Tensor(raw.WithLayout(shape, strides, raw.Offset + index * raw.Strides[0]));
    }
}

/// <summary>The samples of <see cref="Dataset"/> at the given <see cref="Indices"/> (PyTorch's
/// <c>Subset</c>).</summary>
/// <typeparam name="T">The sample type.</typeparam>
public sealed class Subset<T> : Dataset<T>
{
    private readonly int[] _indices;

    /// <summary>Creates the view; every index must be valid for <paramref name="dataset"/>.</summary>
    public Subset(Dataset<T> dataset, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        Dataset = dataset;
        _indices = new int[indices.Count];
        int n = dataset.Count;
        for (int i = 0; i < _indices.Length; i++)
        {
            int k = indices[i];
            if ((uint)k >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"Subset: index {k} (position {i}) is out of range for a data set of {n} samples.");
            _indices[i] = k;
        }
    }

    /// <summary>The underlying data set.</summary>
    public Dataset<T> Dataset { get; }

    /// <summary>The indices into <see cref="Dataset"/>, in order.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc/>
    public override int Count => _indices.Length;

    /// <inheritdoc/>
    public override T this[int index]
    {
        get
        {
            CheckIndex(index, _indices.Length);
            return Dataset[_indices[index]];
        }
    }
}

/// <summary>Several data sets one after another (PyTorch's <c>ConcatDataset</c>).</summary>
/// <typeparam name="T">The sample type.</typeparam>
public sealed class ConcatDataset<T> : Dataset<T>
{
    private readonly Dataset<T>[] _datasets;
    private readonly int[] _ends;

    /// <summary>Concatenates <paramref name="datasets"/> in order.</summary>
    public ConcatDataset(params Dataset<T>[] datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        if (datasets.Length == 0)
            throw new ArgumentException("ConcatDataset needs at least one data set.", nameof(datasets));
        _datasets = (Dataset<T>[])datasets.Clone();
        _ends = new int[datasets.Length];
        long total = 0;
        for (int i = 0; i < datasets.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(datasets[i], $"{nameof(datasets)}[{i}]");
            total += datasets[i].Count;
            if (total > int.MaxValue)
                throw new ArgumentException($"ConcatDataset: more than {int.MaxValue} samples in all.",
                    nameof(datasets));
            _ends[i] = (int)total;
        }
    }

    /// <summary>The concatenated data sets.</summary>
    public IReadOnlyList<Dataset<T>> Datasets => _datasets;

    /// <inheritdoc/>
    public override int Count => _ends[^1];

    /// <inheritdoc/>
    public override T this[int index]
    {
        get
        {
            CheckIndex(index, Count);
            int d = Array.BinarySearch(_ends, index);
            d = d >= 0 ? d + 1 : ~d;   // first data set whose end is past index
            int start = d == 0 ? 0 : _ends[d - 1];
            return _datasets[d][index - start];
        }
    }
}

/// <summary>Applies a function to each sample of another data set when it is read (see
/// <see cref="Dataset.Map"/>).</summary>
/// <typeparam name="TIn">The sample type of the source.</typeparam>
/// <typeparam name="TOut">The mapped sample type.</typeparam>
public sealed class MappedDataset<TIn, TOut> : Dataset<TOut>
{
    private readonly Dataset<TIn> _source;
    private readonly Func<TIn, TOut> _map;

    /// <summary>Creates the mapped view.</summary>
    public MappedDataset(Dataset<TIn> source, Func<TIn, TOut> map)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(map);
        _source = source;
        _map = map;
    }

    /// <inheritdoc/>
    public override int Count => _source.Count;

    /// <inheritdoc/>
    public override TOut this[int index] => _map(_source[index]);
}

/// <summary>Helpers over data sets: random splits, mapping, transforms of the input part of a sample.</summary>
public static class Dataset
{
    /// <summary>
    /// Splits <paramref name="dataset"/> into non-overlapping random subsets of the given sizes (PyTorch's
    /// <c>random_split</c>); the sizes must add up to <c>dataset.Count</c>.
    /// </summary>
    public static Subset<T>[] RandomSplit<T>(Dataset<T> dataset, ReadOnlySpan<int> lengths, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        long sum = 0;
        foreach (int l in lengths)
        {
            if (l < 0)
                throw new ArgumentException($"RandomSplit: lengths must be non-negative, got {l}.", nameof(lengths));
            sum += l;
        }
        if (sum != dataset.Count)
            throw new ArgumentException($"RandomSplit: the lengths add up to {sum} but the data set " +
                $"has {dataset.Count} samples.", nameof(lengths));
        int[] perm = Sampling.Permutation(dataset.Count, generator ?? Generator.Default);
        var result = new Subset<T>[lengths.Length];
        int start = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            result[i] = new Subset<T>(dataset, new ArraySegment<int>(perm, start, lengths[i]));
            start += lengths[i];
        }
        return result;
    }

    /// <summary>
    /// Splits by fractions that add up to 1 (e.g. <c>[0.8, 0.2]</c>). As PyTorch does, each part gets
    /// <c>floor(n * fraction)</c> samples and the remainder is dealt one by one to the parts in order.
    /// </summary>
    public static Subset<T>[] RandomSplit<T>(Dataset<T> dataset, ReadOnlySpan<double> fractions,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        double total = 0;
        foreach (double f in fractions)
        {
            if (!(f >= 0 && f <= 1))
                throw new ArgumentException($"RandomSplit: fractions must be in [0, 1], got {f}.", nameof(fractions));
            total += f;
        }
        if (Math.Abs(total - 1) > 1e-9)
            throw new ArgumentException($"RandomSplit: the fractions add up to {total}, not 1.", nameof(fractions));
        int n = dataset.Count;
        var lengths = new int[fractions.Length];
        int assigned = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            lengths[i] = (int)Math.Floor(n * fractions[i]); assigned += lengths[i];
        }
        for (int i = 0; assigned < n; i = (i + 1) % lengths.Length) { lengths[i]++; assigned++; }
        return RandomSplit(dataset, lengths, generator);
    }

    /// <summary>A data set whose samples are <paramref name="map"/> applied to the samples of
    /// <paramref name="dataset"/>.</summary>
    public static MappedDataset<TIn, TOut> Map<TIn, TOut>(this Dataset<TIn> dataset, Func<TIn, TOut> map) =>
        new(dataset, map);

    /// <summary>
    /// Applies <paramref name="transform"/> to the input of each labelled sample (torchvision's
    /// <c>transform=</c> argument): <c>train.WithTransform(new Compose&lt;Image, Tensor&gt;(new ToTensor(), ...))</c>.
    /// </summary>
    public static MappedDataset<(TIn Input, long Label), (TOut Input, long Label)> WithTransform<TIn, TOut>(
        this Dataset<(TIn Input, long Label)> dataset, ITransform<TIn, TOut> transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return new(dataset, s => (transform.Apply(s.Input), s.Label));
    }
}

/// <summary>Random orders for samplers and splits.</summary>
internal static class Sampling
{
    /// <summary>A uniformly random permutation of 0..n-1 (Fisher–Yates).</summary>
    public static int[] Permutation(int n, Generator generator)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
