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

    [Fact]
    public void Lstm_projection_is_reported_unsupported()
    {
        var lstm = new LSTM(4, 5, batchFirst: true, projSize: 3, generator: new Generator(5));
        var e = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.ExportToBytes(new Classifier(null, lstm, 3), Tensor.Randn(2, 6, 4)));
        Assert.Contains("projSize", e.Message, StringComparison.Ordinal);
        Assert.Contains("'lstm' (LSTM)", e.Message, StringComparison.Ordinal);
    }
}
