using System;
using Ember.NN;
using static Ember.Onnx.Tests.OrtHarness;

namespace Ember.Onnx.Tests;

/// <summary>LSTM/GRU/RNN export as ONNX's recurrent ops (gate orders and GRU's reset placement differ).</summary>
public class RecurrentExportTests
{
    private sealed class Classifier(Module<(Tensor, Tensor?, int[]?), (Tensor, Tensor)>? gruLike,
        LSTM? lstm, int features) : Module
    {
        public Module<(Tensor, Tensor?, int[]?), (Tensor, Tensor)>? Gru { get; } = gruLike;
        public LSTM? Lstm { get; } = lstm;
        public Linear Head { get; } = new(features, 3, generator: new Generator(9));

        public override Tensor Forward(Tensor input)
        {
            Tensor seq = Lstm is not null ? Lstm.Call(input).Output : Gru!.Call((input, null, null)).Item1;
            // The last time step of a batch-first sequence, plus the mean over time.
            return Head.Call(seq.Select(1, -1) + seq.Mean(1));
        }
    }

    private sealed class FinalState(LSTM lstm) : Module
    {
        public LSTM Lstm { get; } = lstm;
        public override Tensor Forward(Tensor input)
        {
            var (_, (h, c)) = Lstm.Call(input);
            return (h + c).Permute(1, 0, 2).Reshape(input.Shape[0], -1);
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void Lstm_matches_ember(int layers, bool bidirectional)
    {
        var lstm = new LSTM(4, 5, numLayers: layers, batchFirst: true, bidirectional: bidirectional,
            generator: new Generator(1));
        AssertExportMatches(new Classifier(null, lstm, bidirectional ? 10 : 5), Randn(6, 4));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void Gru_matches_ember(int layers, bool bidirectional)
    {
        var gru = new GRU(4, 5, numLayers: layers, batchFirst: true, bidirectional: bidirectional,
            generator: new Generator(2));
        AssertExportMatches(new Classifier(gru, null, bidirectional ? 10 : 5), Randn(6, 4));
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("relu")]
    public void Rnn_matches_ember(string nonlinearity)
    {
        var rnn = new NN.RNN(4, 5, nonlinearity: nonlinearity, batchFirst: true, generator: new Generator(3));
        AssertExportMatches(new Classifier(rnn, null, 5), Randn(6, 4));
    }

    [Fact]
    public void Lstm_final_state_matches_ember()
    {
        var lstm = new LSTM(4, 5, numLayers: 2, batchFirst: true, generator: new Generator(4));
        // (h, c) hold the batch in dim 1; the exporter tracks a symbolic batch in dim 0 only, so this graph's
        // reshape keeps the example's batch size (docs/onnx.md, Limits).
        AssertExportMatches(new FinalState(lstm), Randn(6, 4), batches: [3]);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void Lstm_with_projection_matches_ember(int layers, bool bidirectional)
    {
        var lstm = new LSTM(4, 5, numLayers: layers, batchFirst: true, bidirectional: bidirectional, projSize: 3,
            generator: new Generator(5));
        AssertExportMatches(new Classifier(null, lstm, bidirectional ? 6 : 3), Randn(6, 4));
    }

    private static Axes StateAxes(bool dynamicLength)
    {
        var a = new Axes();
        foreach (string n in new[] { "input", "output" })
            a.Add(n, dynamicLength ? [(0, "len"), (1, "batch")] : [(1, "batch")]);
        foreach (string n in new[] { "input_1", "input_2", "output_1", "output_2" }) a.Add(n, (1, "batch"));
        return a;
    }

    private static (Tensor, (Tensor, Tensor)?, int[]?) SeqFirst(int batch, int len, int states, int h, int c) =>
        (Tensor.Randn([len, batch, 4], new Generator(batch * 10 + len)),
            (Tensor.Randn([states, batch, h], new Generator(batch)), Tensor.Randn([states, batch, c],
                new Generator(batch + 1))), null);

    [Fact]
    public void Sequence_first_lstm_with_state_runs_at_any_batch_and_length()
    {
        var lstm = new LSTM(4, 5, numLayers: 2, bidirectional: true, generator: new Generator(6));
        MultiInputHarness.AssertExportMatches(lstm, (n, l) => SeqFirst(n, l, 4, 5, 5), StateAxes(true),
            [(3, 6), (5, 6), (2, 9)]);
    }

    [Fact]
    public void Sequence_first_gru_runs_at_any_batch_and_length()
    {
        var gru = new GRU(4, 5, numLayers: 2, generator: new Generator(7));
        var axes = new Axes().Add("input", (0, "len"), (1, "batch")).Add("output", (0, "len"), (1, "batch"))
            .Add("output_1", (1, "batch"));
        MultiInputHarness.AssertExportMatches(gru, (n, l) =>
            (Tensor.Randn([l, n, 4], new Generator(n * 10 + l)), (Tensor?)null, (int[]?)null), axes,
            [(3, 6), (5, 6), (2, 9)]);
    }

    [Fact]
    public void Sequence_first_lstm_with_projection_and_state_runs_at_any_batch()
    {
        var lstm = new LSTM(4, 5, numLayers: 2, bidirectional: true, projSize: 3, generator: new Generator(8));
        MultiInputHarness.AssertExportMatches(lstm, (n, l) => SeqFirst(n, l, 4, 3, 5), StateAxes(false),
            [(3, 6), (5, 6)]);
    }

    /// <summary>Lengths max(1, len - b % 4) per batch entry: some sequences end early.</summary>
    private static int[] Lengths(int batch, int len)
    {
        int[] l = new int[batch];
        for (int b = 0; b < batch; b++) l[b] = Math.Max(1, len - b % 4);
        return l;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Per_sequence_lengths_are_an_input_with_a_dynamic_batch(bool batchFirst)
    {
        var lstm = new LSTM(4, 5, numLayers: 2, bidirectional: true, batchFirst: batchFirst,
            generator: new Generator(9));
        (int, string) b = (batchFirst ? 0 : 1, "batch"), l = (batchFirst ? 1 : 0, "len");
        var axes = new Axes().Add("input", b, l).Add("input_1", (0, "batch")).Add("output", b, l)
            .Add("output_1", (1, "batch")).Add("output_2", (1, "batch"));
        MultiInputHarness.AssertExportMatches(lstm, (n, len) =>
            (Tensor.Randn(batchFirst ? [n, len, 4] : [len, n, 4], new Generator(n * 10 + len)),
                ((Tensor, Tensor)?)null, (int[]?)Lengths(n, len)), axes, [(5, 6), (3, 6), (6, 8)]);
    }

    [Fact]
    public void Gru_with_lengths_matches_ember()
    {
        var gru = new GRU(4, 5, batchFirst: true, bidirectional: true, generator: new Generator(10));
        var axes = new Axes().Add("input", (0, "batch"), (1, "len")).Add("input_1", (0, "batch"))
            .Add("output", (0, "batch"), (1, "len")).Add("output_1", (1, "batch"));
        MultiInputHarness.AssertExportMatches(gru, (n, len) =>
            (Tensor.Randn([n, len, 4], new Generator(n + len)), (Tensor?)null, (int[]?)Lengths(n, len)), axes,
            [(5, 6), (3, 7)]);
    }

    [Fact]
    public void Lstm_projection_over_a_symbolic_length_is_reported_unsupported()
    {
        var lstm = new LSTM(4, 5, projSize: 3, generator: new Generator(5));
        var e = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.ExportModuleToBytes(lstm, SeqFirst(3, 6, 1, 3, 5), dynamicAxes: StateAxes(true)));
        Assert.Contains("projSize", e.Message, StringComparison.Ordinal);
        Assert.Contains("'<root>' (LSTM)", e.Message, StringComparison.Ordinal);
    }
}
