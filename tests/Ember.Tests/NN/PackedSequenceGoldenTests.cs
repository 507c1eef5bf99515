using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// <see cref="PackedSequence"/> and <see cref="RnnUtils"/> against PyTorch 1.13 (tools/golden/packed.py): packing
/// (data, batch sizes, sort order, gradient), padding back, <c>pack_sequence</c>, and packed batches through RNN, LSTM
/// and GRU with fixture weights (outputs and every gradient).
/// </summary>
public class PackedSequenceGoldenTests
{
    private static readonly JsonElement s_golden = Golden.Load("packed.json");

    private static JsonElement Find(string list, string name) =>
        s_golden.GetProperty(list).EnumerateArray().First(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<object[]> PackNames() =>
        s_golden.GetProperty("packs").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static IEnumerable<object[]> ModuleNames() =>
        s_golden.GetProperty("modules").EnumerateArray()
            .Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static long[]? Longs(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null ? null : e.EnumerateArray().Select(v => v.GetInt64()).ToArray();

    private static void SamePacking(JsonElement c, PackedSequence p)
    {
        Assert.Equal(Longs(c.GetProperty("batch_sizes")), p.BatchSizes.ToArray<long>());
        Assert.Equal(Longs(c.GetProperty("sorted_indices")), p.SortedIndices?.ToArray<long>());
        if (c.TryGetProperty("unsorted_indices", out var u))
            Assert.Equal(Longs(u), p.UnsortedIndices?.ToArray<long>());
    }

    [Theory]
    [MemberData(nameof(PackNames))]
    public void PackAndPadMatchPyTorch(string name)
    {
        var c = Find("packs", name);
        bool batchFirst = c.GetProperty("batch_first").GetBoolean();
        Tensor x = Golden.Tensor(c.GetProperty("input")).Detach().RequiresGrad_();
        var p = RnnUtils.PackPaddedSequence(x, Ints(c.GetProperty("lengths")), batchFirst,
            c.GetProperty("enforce_sorted").GetBoolean());
        SamePacking(c, p);
        Assert.Equal(Golden.Tensor(c.GetProperty("data")).ToArray<double>(), p.Data.ToArray<double>());
        (p.Data * Golden.Tensor(c.GetProperty("cotangent"))).Sum().Backward();
        Assert.Equal(Golden.Tensor(c.GetProperty("grad_input")).ToArray<double>(), x.Grad!.ToArray<double>());
        int? total = c.GetProperty("total_length").ValueKind == JsonValueKind.Null ? null
            : c.GetProperty("total_length").GetInt32();
        var (padded, lengths) = RnnUtils.PadPackedSequence(p, batchFirst,
            c.GetProperty("padding_value").GetDouble(), total);
        Tensor expected = Golden.Tensor(c.GetProperty("padded"));
        Assert.Equal(expected.Shape.ToArray(), padded.Shape.ToArray());
        Assert.Equal(expected.ToArray<double>(), padded.ToArray<double>());
        Assert.Equal(Ints(c.GetProperty("padded_lengths")), lengths);
    }

    [Fact]
    public void PackSequenceMatchesPyTorch()
    {
        var c = s_golden.GetProperty("pack_sequence");
        var seqs = c.GetProperty("sequences").EnumerateArray().Select(e => Golden.Tensor(e)).ToArray();
        var p = RnnUtils.PackSequence(seqs, enforceSorted: false);
        SamePacking(c, p);
        Assert.Equal(Golden.Tensor(c.GetProperty("data")).ToArray<double>(), p.Data.ToArray<double>());
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void PackedBatchThroughModulesMatchesPyTorch(string name)
    {
        var c = Find("modules", name);
        foreach (var (dtype, rtol, atol) in new[] { (DType.Float64, 1e-9, 1e-11), (DType.Float32, 1e-4, 1e-5) })
        {
            var m = RecurrentGoldenTests.Create(c.GetProperty("kind").GetString()!, c.GetProperty("args"));
            m.LoadStateDict(c.GetProperty("state_dict").EnumerateArray()
                .ToDictionary(e => e.GetProperty("name").GetString()!, e => Golden.Tensor(e.GetProperty("value"))));
            if (dtype == DType.Float32) m.To(DType.Float32);
            Tensor x = Golden.Tensor(c.GetProperty("input")).To(dtype).Detach().RequiresGrad_();
            Tensor[] states = c.GetProperty("states").EnumerateArray()
                .Select(e => Golden.Tensor(e).To(dtype).Detach().RequiresGrad_()).ToArray();
            bool batchFirst = c.GetProperty("args").TryGetProperty("batch_first", out var bf) && bf.GetBoolean();
            var packed = RnnUtils.PackPaddedSequence(x, Ints(c.GetProperty("lengths")), batchFirst, false);
            Tensor[] outs;
            PackedSequence output;
            switch (m)
            {
                case LSTM lstm:
                    {
                        var (o, (h, cell)) = lstm.Call(packed, states.Length == 2 ? (states[0], states[1]) : null);
                        (output, outs) = (o, [o.Data, h, cell]);
                        break;
                    }
                case GRU gru:
                    {
                        var (o, h) = gru.Call(packed, states.Length == 1 ? states[0] : null);
                        (output, outs) = (o, [o.Data, h]);
                        break;
                    }
                case RNN rnn:
                    {
                        var (o, h) = rnn.Call(packed, states.Length == 1 ? states[0] : null);
                        (output, outs) = (o, [o.Data, h]);
                        break;
                    }
                default: throw new NotSupportedException(m.GetType().Name);
            }
            Assert.Equal(Longs(c.GetProperty("batch_sizes")), output.BatchSizes.ToArray<long>());
            Assert.Equal(Longs(c.GetProperty("sorted_indices")), output.SortedIndices!.ToArray<long>());
            Tensor[] expected = c.GetProperty("outputs").EnumerateArray().Select(e => Golden.Tensor(e)).ToArray();
            Tensor[] g = c.GetProperty("cotangents").EnumerateArray().Select(e => Golden.Tensor(e)).ToArray();
            Tensor loss = Tensor.Zeros([], dtype);
            for (int i = 0; i < outs.Length; i++)
            {
                Close.Equal(expected[i], outs[i].To(DType.Float64), rtol, atol, $"{name} {dtype} output {i}");
                loss += (outs[i] * g[i].To(dtype)).Sum();
            }
            loss.Backward();
            Close.Equal(Golden.Tensor(c.GetProperty("grad_input")), x.Grad!.To(DType.Float64), rtol, atol,
                $"{name} {dtype} grad input");
            Tensor[] gs = c.GetProperty("grad_states").EnumerateArray().Select(e => Golden.Tensor(e)).ToArray();
            for (int i = 0; i < gs.Length; i++)
                Close.Equal(gs[i], states[i].Grad!.To(DType.Float64), rtol, atol, $"{name} {dtype} grad state {i}");
            var named = m.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            foreach (var p in c.GetProperty("grad_params").EnumerateObject())
                Close.Equal(Golden.Tensor(p.Value), named[p.Name].Grad!.To(DType.Float64), rtol, atol,
                    $"{name} {dtype} grad {p.Name}");
        }
    }

    [Fact]
    public void UnsortedLengthsWithEnforceSortedFailWithPyTorchsMessage()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            RnnUtils.PackPaddedSequence(Tensor.Zeros(3, 2, 1), [1, 3]));
        Assert.Contains("must be sorted in decreasing order", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => RnnUtils.PackPaddedSequence(Tensor.Zeros(3, 2, 1), [3, 0]));
        Assert.Contains("greater than 0", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => RnnUtils.PackPaddedSequence(Tensor.Zeros(3, 2, 1), [3]));
        Assert.Contains("batch_size=2", e.Message, StringComparison.Ordinal);
        var p = RnnUtils.PackPaddedSequence(Tensor.Zeros(3, 2, 1), [3, 2]);
        e = Assert.Throws<ArgumentException>(() => RnnUtils.PadPackedSequence(p, totalLength: 2));
        Assert.Contains("total_length=2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PackedTokensThroughEmbeddingAndLstmEqualEachSequenceAlone()
    {
        // The PyTorch recipe: pack token ids, embed p.Data, run the LSTM; each final state equals a lone run.
        var gen = new Generator(3);
        var emb = new Embedding(10, 4, generator: gen);
        var lstm = new LSTM(4, 5, generator: gen);
        int[][] seqs = [[1, 2, 3], [4, 5], [6, 7, 8, 9]];
        var ids = seqs.Select(s => Tensor.From(s.Select(v => (long)v).ToArray(), [s.Length])).ToArray();
        var packed = RnnUtils.PackSequence(ids, enforceSorted: false);
        var (_, (h, _)) = lstm.Call(packed.WithData(emb.Call(packed.Data)));
        for (int b = 0; b < seqs.Length; b++)
        {
            var (_, (alone, _)) = lstm.Call(emb.Call(ids[b]).Unsqueeze(1));
            Close.Equal(alone.Select(1, 0), h.Select(1, b), 1e-5, 1e-6, $"sequence {b}");
        }
    }
}
