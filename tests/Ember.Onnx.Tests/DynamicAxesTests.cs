using System;
using Ember.NN;

namespace Ember.Onnx.Tests;

/// <summary>Symbolic dims beyond dim 0 (a sequence length), and the ops that cannot follow one.</summary>
public class DynamicAxesTests
{
    private sealed class LastAndMean : Module
    {
        public GRU Gru { get; } = new(4, 6, batchFirst: true, generator: new Generator(1));
        public Linear Head { get; } = new(6, 3, generator: new Generator(2));

        public override Tensor Forward(Tensor input)
        {
            Tensor seq = Gru.Call((input, null, null)).Item1;
            return Head.Call(seq.Select(1, -1) + seq.Mean(1)).Softmax(-1);
        }
    }

    [Fact]
    public void A_sequence_classifier_runs_at_any_batch_and_length()
    {
        var axes = new Axes().Add("input", (0, "batch"), (1, "len")).Add("output", (0, "batch"));
        MultiInputHarness.AssertExportMatches(new LastAndMean(), (n, l) => Tensor.Randn([n, l, 4],
            new Generator(n * 10 + l)), axes, [(3, 5), (5, 5), (2, 9)]);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(18)]
    [InlineData(21)]
    public void The_encoder_exports_at_other_opsets(int opset)
    {
        var enc = new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, activation: "gelu", batchFirst: true,
            generator: new Generator(3)), 2, new LayerNorm([8]));
        var axes = new Axes().Add("input", (0, "batch"), (1, "len")).Add("input_1", (0, "batch"), (1, "len"))
            .Add("output", (0, "batch"), (1, "len"));
        MultiInputHarness.AssertExportMatches(enc, (n, l) => (TransformerExportTests.X(n, l, 8, true, 4),
            (Tensor?)null, (Tensor?)TransformerExportTests.Padding(n, l)), axes, [(3, 5), (2, 7)], opset);
    }

    [Fact]
    public void A_reshape_with_a_symbolic_length_is_reported_unsupported()
    {
        var model = new OrtHarnessFlatten();
        var axes = new Axes().Add("input", (0, "batch"), (1, "len"));
        var e = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.ExportModuleToBytes(model, Tensor.Randn(2, 5, 4), dynamicAxes: axes));
        Assert.Contains("Reshape", e.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic dim beyond dim 0", e.Message, StringComparison.Ordinal);
        // With only the batch symbolic the same model exports.
        OnnxExporter.ExportToBytes(model, Tensor.Randn(2, 5, 4));
    }

    private sealed class OrtHarnessFlatten : Module
    {
        public override Tensor Forward(Tensor input) => input.View(input.Shape[0], -1);
    }

    [Fact]
    public void An_axis_outside_the_tensor_is_rejected()
    {
        var axes = new Axes().Add("input", (2, "len"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            OnnxExporter.ExportToBytes(new Linear(4, 2), Tensor.Randn(2, 4), dynamicAxes: axes));
        Assert.Contains("outside its 2 dims", e.Message, StringComparison.Ordinal);
    }
}
