using System;
using System.Collections.Generic;

namespace Ember.NN;

/// <summary>
/// A batch of variable-length sequences packed time step by time step (PyTorch's
/// <c>torch.nn.utils.rnn.PackedSequence</c>): <see cref="Data"/> holds step 0 of every sequence, then step 1 of those
/// at least two long, and so on, with the sequences sorted by decreasing length. Build one with
/// <see cref="RnnUtils.PackPaddedSequence"/> or <see cref="RnnUtils.PackSequence"/>; <see cref="RNN"/>,
/// <see cref="LSTM"/> and <see cref="GRU"/> accept it and return their output packed the same way.
/// </summary>
public sealed class PackedSequence
{
    private readonly int[] _batchSizes;
    private readonly int[]? _sorted, _unsorted;

    internal PackedSequence(Tensor data, int[] batchSizes, int[]? sortedIndices, int[]? unsortedIndices)
    {
        Data = data;
        _batchSizes = batchSizes;
        _sorted = sortedIndices;
        _unsorted = unsortedIndices;
    }

    /// <summary>The packed steps: <c>(Σ lengths, *)</c>.</summary>
    public Tensor Data { get; }

    /// <summary>How many sequences each time step has (int64, one entry per step of the longest sequence).</summary>
    public Tensor BatchSizes => ToTensor(_batchSizes)!;

    /// <summary>
    /// The batch entry of each packed column (int64; the sort by decreasing length), or null when the batch was
    /// packed already sorted (<c>enforceSorted</c>).
    /// </summary>
    public Tensor? SortedIndices => ToTensor(_sorted);

    /// <summary>The inverse permutation of <see cref="SortedIndices"/> (null when that is null).</summary>
    public Tensor? UnsortedIndices => ToTensor(_unsorted);

    /// <summary>The number of sequences in the batch.</summary>
    public int BatchSize => _batchSizes[0];

    /// <summary>The length of the longest sequence.</summary>
    public int MaxLength => _batchSizes.Length;

    internal ReadOnlySpan<int> BatchSizeSpan => _batchSizes;

    internal int[]? Sorted => _sorted;

    internal int[]? Unsorted => _unsorted;

    /// <summary>
    /// The same packing with other data of the same number of rows, e.g. the embeddings of packed token ids
    /// (PyTorch's <c>PackedSequence(f(p.data), p.batch_sizes, p.sorted_indices, p.unsorted_indices)</c>).
    /// </summary>
    public PackedSequence WithData(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Dim == 0 || data.Size(0) != Data.Size(0))
            throw new ArgumentException(
                $"PackedSequence.WithData: expected {Data.Size(0)} rows (one per packed step), got shape " +
                $"{Core.Shapes.Format(data.Shape)}.");
        return new PackedSequence(data, _batchSizes, _sorted, _unsorted);
    }

    private static Tensor? ToTensor(int[]? values)
    {
        if (values is null) return null;
        var longs = new long[values.Length];
        for (int i = 0; i < values.Length; i++) longs[i] = values[i];
        return Tensor.From(longs, [longs.Length]);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"PackedSequence(data={Core.Shapes.Format(Data.Shape)}, batch_sizes=[{string.Join(", ", _batchSizes)}])";
}

/// <summary>
/// PyTorch's <c>torch.nn.utils.rnn</c> helpers: packing padded batches or lists of sequences into a
/// <see cref="PackedSequence"/>, and padding them back. Packing and padding are differentiable.
/// </summary>
public static class RnnUtils
{
    /// <summary>
    /// Packs a padded batch <c>(T, B, *)</c> (<c>(B, T, *)</c> when <paramref name="batchFirst"/>) whose entry b is
    /// <c>lengths[b]</c> steps long (PyTorch's <c>pack_padded_sequence</c>).
    /// </summary>
    /// <param name="input">The padded batch.</param>
    /// <param name="lengths">Each sequence's length, in <c>[1, T]</c>.</param>
    /// <param name="batchFirst">Whether the batch is the first dimension of <paramref name="input"/>.</param>
    /// <param name="enforceSorted">
    /// Require lengths in decreasing order (no permutation is stored); otherwise the batch is sorted here and
    /// <see cref="PackedSequence.SortedIndices"/> records the order.
    /// </param>
    public static PackedSequence PackPaddedSequence(Tensor input, int[] lengths, bool batchFirst = false,
        bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(lengths);
        if (input.Dim < 2)
            throw new ArgumentException(
                $"pack_padded_sequence: expected input of at least 2 dimensions (T, B, *), got shape " +
                $"{Core.Shapes.Format(input.Shape)}.");
        Tensor x = batchFirst ? input.Transpose(0, 1) : input;
        int steps = x.Size(0), batch = x.Size(1);
        if (lengths.Length != batch)
            throw new ArgumentException(
                $"pack_padded_sequence: expected `len(lengths)` to be equal to batch_size, but got {lengths.Length} " +
                $"(batch_size={batch}).");
        foreach (int len in lengths)
        {
            if (len <= 0)
                throw new ArgumentException(
                    "pack_padded_sequence: Length of all samples has to be greater than 0, but found an element in " +
                    $"'lengths' that is <= 0 ({len}).");
            if (len > steps)
                throw new ArgumentException(
                    $"pack_padded_sequence: a length of {len} exceeds the {steps} padded steps of the input.");
        }
        int[]? sorted = null, unsorted = null;
        if (enforceSorted)
        {
            for (int b = 1; b < batch; b++)
                if (lengths[b] > lengths[b - 1])
                    throw new ArgumentException(
                        "pack_padded_sequence: `lengths` array must be sorted in decreasing order when " +
                        "`enforce_sorted` is True. You can pass `enforceSorted: false` to PackPaddedSequence " +
                        $"and/or PackSequence to sidestep this requirement; got [{string.Join(", ", lengths)}].");
        }
        else
        {
            sorted = SortDescending(lengths);
            unsorted = Inverse(sorted);
        }
        var sortedLengths = new int[batch];
        for (int b = 0; b < batch; b++) sortedLengths[b] = lengths[sorted is null ? b : sorted[b]];
        var batchSizes = new int[sortedLengths[0]];
        for (int t = 0; t < batchSizes.Length; t++)
        {
            int n = 0;
            while (n < batch && sortedLengths[n] > t) n++;
            batchSizes[t] = n;
        }
        return Pack(x, batchSizes, sorted, unsorted);
    }

    /// <summary>
    /// Packs a list of sequences <c>(Lᵢ, *)</c> (PyTorch's <c>pack_sequence</c>): pads them, then
    /// <see cref="PackPaddedSequence"/> with their lengths.
    /// </summary>
    /// <param name="sequences">The sequences, each at least one step long.</param>
    /// <param name="enforceSorted">Require decreasing lengths (see <see cref="PackPaddedSequence"/>).</param>
    public static PackedSequence PackSequence(IReadOnlyList<Tensor> sequences, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var lengths = new int[sequences.Count];
        for (int i = 0; i < lengths.Length; i++)
            lengths[i] = sequences[i]?.Dim > 0 ? sequences[i].Size(0)
                : throw new ArgumentException($"pack_sequence: sequence {i} is null or 0-dimensional.");
        return PackPaddedSequence(PadSequence(sequences), lengths, enforceSorted: enforceSorted);
    }

    /// <summary>
    /// Pads a list of sequences <c>(Lᵢ, *)</c> to <c>(max L, B, *)</c> (<c>(B, max L, *)</c> when
    /// <paramref name="batchFirst"/>) with <paramref name="paddingValue"/> (PyTorch's <c>pad_sequence</c>).
    /// </summary>
    /// <param name="sequences">The sequences; their trailing dimensions must agree.</param>
    /// <param name="batchFirst">Put the batch first.</param>
    /// <param name="paddingValue">The value of the padded positions.</param>
    public static Tensor PadSequence(IReadOnlyList<Tensor> sequences, bool batchFirst = false, double paddingValue = 0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) throw new ArgumentException("pad_sequence: received an empty list of sequences.");
        int max = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            Tensor s = sequences[i] ?? throw new ArgumentException($"pad_sequence: sequence {i} is null.");
            if (s.Dim == 0) throw new ArgumentException($"pad_sequence: sequence {i} is 0-dimensional.");
            max = Math.Max(max, s.Size(0));
        }
        var padded = new Tensor[sequences.Count];
        for (int i = 0; i < padded.Length; i++)
        {
            Tensor s = sequences[i];
            padded[i] = s.Size(0) == max ? s : Tensor.Cat([s, Filled(s, max - s.Size(0), paddingValue)], 0);
        }
        return Tensor.Stack(padded, batchFirst ? 0 : 1);
    }

    /// <summary>
    /// Pads a packed batch back to <c>(T, B, *)</c> (<c>(B, T, *)</c> when <paramref name="batchFirst"/>) in the
    /// original batch order, with each sequence's length (PyTorch's <c>pad_packed_sequence</c>).
    /// </summary>
    /// <param name="sequence">The packed batch.</param>
    /// <param name="batchFirst">Put the batch first.</param>
    /// <param name="paddingValue">The value of the padded positions.</param>
    /// <param name="totalLength">
    /// Pad to this many steps (at least the longest length; null: the longest length).
    /// </param>
    public static (Tensor Padded, int[] Lengths) PadPackedSequence(PackedSequence sequence, bool batchFirst = false,
        double paddingValue = 0, int? totalLength = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ReadOnlySpan<int> sizes = sequence.BatchSizeSpan;
        int steps = sizes.Length, batch = sizes[0];
        if (totalLength is int total && total < steps)
            throw new ArgumentException(
                "pad_packed_sequence: Expected total_length to be at least the length of the longest sequence in " +
                $"input, but got total_length={total} and max sequence length being {steps}.");
        Tensor data = sequence.Data;
        var rows = new Tensor[totalLength ?? steps];
        int offset = 0;
        for (int t = 0; t < steps; t++)
        {
            Tensor step = data.Narrow(0, offset, sizes[t]);
            offset += sizes[t];
            rows[t] = sizes[t] == batch ? step : Tensor.Cat([step, Filled(step, batch - sizes[t], paddingValue)], 0);
        }
        for (int t = steps; t < rows.Length; t++) rows[t] = Filled(data, batch, paddingValue);
        Tensor padded = Tensor.Stack(rows, 0);
        var lengths = new int[batch];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < sizes[t]; b++) lengths[b]++;
        if (sequence.Unsorted is int[] unsorted)
        {
            padded = padded.IndexSelect(1, Indices(unsorted));
            var original = new int[batch];
            for (int b = 0; b < batch; b++) original[b] = lengths[unsorted[b]];
            lengths = original;
        }
        return (batchFirst ? padded.Transpose(0, 1) : padded, lengths);
    }

    /// <summary>Packs a time-major batch with known batch sizes and order (the output of a packed RNN).</summary>
    internal static PackedSequence Pack(Tensor x, int[] batchSizes, int[]? sorted, int[]? unsorted)
    {
        if (sorted is not null) x = x.IndexSelect(1, Indices(sorted));
        var steps = new Tensor[batchSizes.Length];
        for (int t = 0; t < steps.Length; t++) steps[t] = x.Select(0, t).Narrow(0, 0, batchSizes[t]);
        return new PackedSequence(Tensor.Cat(steps, 0), batchSizes, sorted, unsorted);
    }

    /// <summary>Packs a module's padded output like <paramref name="like"/>.</summary>
    internal static PackedSequence PackLike(PackedSequence like, Tensor padded, bool batchFirst) =>
        Pack(batchFirst ? padded.Transpose(0, 1) : padded, like.BatchSizeSpan.ToArray(), like.Sorted, like.Unsorted);

    /// <summary>
    /// <paramref name="rows"/> rows shaped like <paramref name="like"/>'s rows, all <paramref name="value"/>.
    /// </summary>
    private static Tensor Filled(Tensor like, int rows, double value)
    {
        var shape = like.Shape.ToArray();
        shape[0] = rows;
        return Tensor.Full(shape, value, like.DType);
    }

    private static Tensor Indices(int[] values)
    {
        var longs = new long[values.Length];
        for (int i = 0; i < values.Length; i++) longs[i] = values[i];
        return Tensor.From(longs, [longs.Length]);
    }

    /// <summary>The batch order by decreasing length; equal lengths keep their order (a stable sort).</summary>
    private static int[] SortDescending(int[] lengths)
    {
        var order = new int[lengths.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        for (int i = 1; i < order.Length; i++)   // insertion sort: stable, and batches are small
        {
            int v = order[i], j = i - 1;
            while (j >= 0 && lengths[order[j]] < lengths[v])
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = v;
        }
        return order;
    }

    private static int[] Inverse(int[] permutation)
    {
        var inverse = new int[permutation.Length];
        for (int i = 0; i < permutation.Length; i++) inverse[permutation[i]] = i;
        return inverse;
    }
}
