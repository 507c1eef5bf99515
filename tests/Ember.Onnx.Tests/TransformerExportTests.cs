using System;
using Ember.NN;
using static Ember.Onnx.Tests.MultiInputHarness;

namespace Ember.Onnx.Tests;

/// <summary>
/// MultiheadAttention and the transformer modules: exported (as their decomposition), run in ONNX Runtime at two
/// batch sizes and two sequence lengths (both axes symbolic), compared with Ember.
/// </summary>
public class TransformerExportTests
{
    internal static readonly (int, int)[] Sizes = [(3, 5), (2, 7), (4, 5)];

    internal static Tensor X(int batch, int len, int features, bool batchFirst, int seed) =>
        Tensor.Randn(batchFirst ? [batch, len, features] : [len, batch, features],
            new Generator(seed + 100 * batch + len));

    /// <summary>Row b is padded (true) from its length max(1, len - b % 3) on: left-aligned.</summary>
    internal static Tensor Padding(int batch, int len)
    {
        bool[] m = new bool[batch * len];
        for (int b = 0; b < batch; b++)
            for (int j = Math.Max(1, len - b % 3); j < len; j++) m[b * len + j] = true;
        return Tensor.From<bool>(m, [batch, len]);
    }

    /// <summary>A mask with a hole: row 0 masks position 0 only (not left-aligned).</summary>
    internal static Tensor Holes(int batch, int len)
    {
        bool[] m = new bool[batch * len];
        m[0] = true;
        return Tensor.From<bool>(m, [batch, len]);
    }

    internal static Tensor Causal(int len, bool asBool) => asBool
        ? Tensor.Ones([len, len], DType.Bool).Triu(1)
        : Transformer.GenerateSquareSubsequentMask(len);

    private static Axes SeqFirst(params string[] names)
    {
        var a = new Axes();
        foreach (string n in names) a.Add(n, (0, "len"), (1, "batch"));
        return a;
    }

    private static Axes BatchFirst(params string[] names)
    {
        var a = new Axes();
        foreach (string n in names) a.Add(n, (0, "batch"), (1, "len"));
        return a;
    }

    [Fact]
    public void Self_attention_with_key_padding_and_weights_matches_ember()
    {
        var mha = new MultiheadAttention(8, 2, generator: new Generator(1));
        var axes = SeqFirst("input", "output").Add("input_1", (0, "batch"), (1, "len"))
            .Add("output_1", (0, "batch"), (1, "len"), (2, "len"));
        AssertExportMatches(mha, (n, l) =>
        {
            Tensor x = X(n, l, 8, false, 1);
            return (x, x, x, (Tensor?)Padding(n, l), (Tensor?)null, true, true);
        }, axes, Sizes);
    }

    [Fact]
    public void Batch_first_cross_attention_with_float_3d_mask_and_per_head_weights_matches_ember()
    {
        var mha = new MultiheadAttention(8, 4, kdim: 6, vdim: 5, batchFirst: true, generator: new Generator(2));
        var axes = BatchFirst("input", "input_1", "input_2", "output").Add("input_3", (0, "bh"), (1, "len"),
            (2, "len")).Add("output_1", (0, "batch"), (2, "len"), (3, "len"));
        AssertExportMatches(mha, (n, l) =>
        {
            Tensor mask = Tensor.Randn([n * 4, l, l], new Generator(7 + n * l));
            return (X(n, l, 8, true, 2), X(n, l, 6, true, 3), X(n, l, 5, true, 4), (Tensor?)null, (Tensor?)mask,
                true, false);
        }, axes, Sizes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Causal_mask_without_weights_matches_ember(bool boolMask)
    {
        var mha = new MultiheadAttention(8, 2, bias: false, generator: new Generator(3));
        var axes = SeqFirst("input", "output").Add("input_1", (0, "len"), (1, "len"));
        AssertExportMatches(mha, (n, l) =>
        {
            Tensor x = X(n, l, 8, false, 5);
            return (x, x, x, (Tensor?)null, (Tensor?)Causal(l, boolMask), false, true);
        }, axes, Sizes);
    }

    [Fact]
    public void Unbatched_attention_matches_ember()
    {
        var mha = new MultiheadAttention(8, 2, generator: new Generator(4));
        var axes = new Axes().Add("input", (0, "len")).Add("output", (0, "len"));
        AssertExportMatches(mha, (n, l) =>
        {
            Tensor x = Tensor.Randn([l, 8], new Generator(l));
            return (x, x, x, (Tensor?)null, (Tensor?)null, false, true);
        }, axes, [(1, 5), (1, 7)]);
    }

    private static TransformerEncoder Encoder(bool batchFirst, bool normFirst, string activation, int seed) =>
        new(new TransformerEncoderLayer(8, 2, 16, activation: activation, batchFirst: batchFirst,
            normFirst: normFirst, generator: new Generator(seed)), 2, new LayerNorm([8]));

    [Fact]
    public void Encoder_fast_path_zeroes_padded_positions_as_ember()
    {
        // Post-norm, batch-first, an even head count and a bool key-padding mask: PyTorch 1.13's fast path.
        TransformerEncoder enc = Encoder(true, false, "relu", 5);
        var axes = BatchFirst("input", "input_1", "output");
        AssertExportMatches(enc, (n, l) => (X(n, l, 8, true, 6), (Tensor?)null, (Tensor?)Padding(n, l)), axes,
            Sizes);
        // The same file on a mask that is not left-aligned: Ember takes the general path (no zeroing), so must
        // the graph.
        byte[] bytes = OnnxExporter.ExportModuleToBytes(enc, (X(3, 5, 8, true, 6), (Tensor?)null,
            (Tensor?)Padding(3, 5)), dynamicAxes: axes);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(bytes);
        Tensor x = X(2, 6, 8, true, 7), holes = Holes(2, 6);
        Tensor expected;
        using (Autograd.NoGrad()) expected = enc.Call(x, null, holes);
        using var xi = ToOrt(x);
        using var mi = ToOrt(holes);
        using var options = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var r = session.Run(options, ["input", "input_1"], [xi, mi], ["output"]);
        float[] e = expected.ToArray<float>(), a = r[0].GetTensorDataAsSpan<float>().ToArray();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 + 1e-4 * Math.Abs(e[i]));
    }

    [Fact]
    public void Encoder_fast_path_refuses_an_example_mask_that_is_not_left_aligned()
    {
        TransformerEncoder enc = Encoder(true, false, "relu", 5);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportModuleToBytes(enc,
            (X(3, 5, 8, true, 6), (Tensor?)null, (Tensor?)Holes(3, 5))));
        Assert.Contains("left-aligned", e.Message, StringComparison.Ordinal);
        Assert.Contains("(TransformerEncoder)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, "relu")]
    [InlineData(false, true, "gelu")]
    [InlineData(true, true, "relu")]
    public void Encoder_with_mask_and_padding_matches_ember(bool batchFirst, bool normFirst, string activation)
    {
        TransformerEncoder enc = Encoder(batchFirst, normFirst, activation, 6);
        Axes axes = batchFirst ? BatchFirst("input", "input_2", "output") : SeqFirst("input", "output");
        if (!batchFirst) axes.Add("input_2", (0, "batch"), (1, "len"));
        axes.Add("input_1", (0, "len"), (1, "len"));
        AssertExportMatches(enc, (n, l) => (X(n, l, 8, batchFirst, 8), (Tensor?)Causal(l, false),
            (Tensor?)Padding(n, l)), axes, Sizes);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Decoder_with_all_masks_matches_ember(bool batchFirst, bool normFirst)
    {
        var dec = new TransformerDecoder(new TransformerDecoderLayer(8, 2, 16, batchFirst: batchFirst,
            normFirst: normFirst, generator: new Generator(9)), 2, new LayerNorm([8]));
        Axes axes = batchFirst ? BatchFirst("input", "input_1", "input_3", "input_4", "output")
            : SeqFirst("input", "input_1", "output").Add("input_3", (0, "batch"), (1, "len"))
                .Add("input_4", (0, "batch"), (1, "len"));
        axes.Add("input_2", (0, "len"), (1, "len"));
        // tgt and memory of one length here; the memory mask is the same causal one.
        AssertExportMatches(dec, (n, l) =>
        {
            Tensor causal = Causal(l, true);
            return (X(n, l, 8, batchFirst, 10), X(n, l, 8, batchFirst, 11), (Tensor?)causal, (Tensor?)causal,
                (Tensor?)Padding(n, l), (Tensor?)Padding(n, l));
        }, axes, Sizes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transformer_matches_ember(bool batchFirst)
    {
        var model = new Transformer(8, 2, 2, 2, 16, batchFirst: batchFirst, generator: new Generator(12));
        var axes = new Axes();
        (int, string) b = (batchFirst ? 0 : 1, "batch");
        axes.Add("input", b, (batchFirst ? 1 : 0, "src_len")).Add("input_1", b, (batchFirst ? 1 : 0, "tgt_len"))
            .Add("input_2", (0, "tgt_len"), (1, "tgt_len")).Add("input_3", (0, "batch"), (1, "src_len"))
            .Add("input_4", (0, "batch"), (1, "src_len")).Add("output", b, (batchFirst ? 1 : 0, "tgt_len"));
        AssertExportMatches(model, (n, l) => (X(n, l + 1, 8, batchFirst, 13), X(n, l, 8, batchFirst, 14),
            (Tensor?)null, (Tensor?)Causal(l, false), (Tensor?)null, (Tensor?)Padding(n, l + 1), (Tensor?)null,
            (Tensor?)Padding(n, l + 1)), axes, Sizes);
    }
}
