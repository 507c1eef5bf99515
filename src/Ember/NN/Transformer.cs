using System;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// One Transformer encoder layer (PyTorch 1.13's <c>nn.TransformerEncoderLayer</c>): self-attention and a
/// feed-forward block, each with a residual connection and layer norm, after the block (post-norm, the default) or
/// before it (<c>normFirst</c>). Input and output <c>(S, B, E)</c> (<c>(B, S, E)</c> when <c>batchFirst</c>).
/// Parameters <c>self_attn.*</c>, <c>linear1.*</c>, <c>linear2.*</c>, <c>norm1.*</c>, <c>norm2.*</c>.
/// </summary>
public sealed class TransformerEncoderLayer : Module<(Tensor Src, Tensor? SrcMask, Tensor? SrcKeyPaddingMask), Tensor>
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="dModel">Model dimension E.</param>
    /// <param name="nhead">Attention heads.</param>
    /// <param name="dimFeedforward">Hidden size of the feed-forward block.</param>
    /// <param name="dropout">Dropout probability (attention output, feed-forward, residual branches).</param>
    /// <param name="activation"><c>"relu"</c> or <c>"gelu"</c>.</param>
    /// <param name="layerNormEps">Layer-norm epsilon.</param>
    /// <param name="batchFirst">Input and output are <c>(B, S, E)</c>.</param>
    /// <param name="normFirst">Layer norm before each block instead of after the residual addition.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization and the dropout masks.</param>
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward = 2048, double dropout = 0.1,
        string activation = "relu", double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        Transformer.CheckActivation(activation, "TransformerEncoderLayer");
        (DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst) =
            (dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst);
        _generator = generator;
        SelfAttn = new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, dtype: dtype,
            generator: generator);
        Linear1 = new Linear(dModel, dimFeedforward, dtype: dtype, generator: generator);
        Dropout = new Dropout(dropout, generator);
        Linear2 = new Linear(dimFeedforward, dModel, dtype: dtype, generator: generator);
        Norm1 = new LayerNorm([dModel], layerNormEps, dtype: dtype);
        Norm2 = new LayerNorm([dModel], layerNormEps, dtype: dtype);
        Dropout1 = new Dropout(dropout, generator);
        Dropout2 = new Dropout(dropout, generator);
    }

    /// <summary>Model dimension E.</summary>
    public int DModel { get; }

    /// <summary>Attention heads.</summary>
    public int NHead { get; }

    /// <summary>Hidden size of the feed-forward block.</summary>
    public int DimFeedforward { get; }

    /// <summary>Dropout probability.</summary>
    public double DropoutP { get; }

    /// <summary><c>"relu"</c> or <c>"gelu"</c>.</summary>
    public string Activation { get; }

    /// <summary>Layer-norm epsilon.</summary>
    public double LayerNormEps { get; }

    /// <summary>Whether input and output are batch-first.</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether layer norm comes before each block.</summary>
    public bool NormFirst { get; }

    /// <summary>Self-attention (<c>self_attn</c>).</summary>
    [StateName("self_attn")]
    public MultiheadAttention SelfAttn { get; }

    /// <summary>First feed-forward projection.</summary>
    public Linear Linear1 { get; }

    /// <summary>Dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>Second feed-forward projection.</summary>
    public Linear Linear2 { get; }

    /// <summary>Norm of the attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Norm of the feed-forward block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Dropout on the attention branch.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>Dropout on the feed-forward branch.</summary>
    public Dropout Dropout2 { get; }

    /// <summary>Runs the layer.</summary>
    /// <param name="src"><c>(S, B, E)</c>, <c>(B, S, E)</c> when batch-first, or <c>(S, E)</c>.</param>
    /// <param name="srcMask"><c>(S, S)</c> or <c>(B·nhead, S, S)</c>, bool (true = masked) or float (added).</param>
    /// <param name="srcKeyPaddingMask"><c>(B, S)</c>, true at padding.</param>
    public Tensor Call(Tensor src, Tensor? srcMask = null, Tensor? srcKeyPaddingMask = null) =>
        Call((src, srcMask, srcKeyPaddingMask));

    /// <inheritdoc/>
    public override Tensor Forward((Tensor Src, Tensor? SrcMask, Tensor? SrcKeyPaddingMask) input)
    {
        ArgumentNullException.ThrowIfNull(input.Src);
        Tensor x = input.Src;
        if (NormFirst)
        {
            x = x + SelfAttention(Norm1.Call(x), input.SrcMask, input.SrcKeyPaddingMask);
            return x + FeedForward(Norm2.Call(x));
        }
        x = Norm1.Call(x + SelfAttention(x, input.SrcMask, input.SrcKeyPaddingMask));
        return Norm2.Call(x + FeedForward(x));
    }

    private Tensor SelfAttention(Tensor x, Tensor? mask, Tensor? kpm) =>
        Dropout1.Call(SelfAttn.Call(x, x, x, kpm, needWeights: false, attnMask: mask).Output);

    private Tensor FeedForward(Tensor x) =>
        Dropout2.Call(Linear2.Call(Dropout.Call(Transformer.Activate(Linear1.Call(x), Activation))));

    /// <summary>A new layer with the same settings and a copy of the weights (PyTorch's <c>deepcopy</c>).</summary>
    internal TransformerEncoderLayer Clone()
    {
        var copy = new TransformerEncoderLayer(DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps,
            BatchFirst, NormFirst, SelfAttn.OutProj.Weight.DType, _generator);
        copy.LoadStateDict(StateDict());
        if (!Training) copy.Eval();
        return copy;
    }
}

/// <summary>
/// A stack of encoder layers (PyTorch 1.13's <c>nn.TransformerEncoder</c>): <c>numLayers</c> copies of the given
/// layer (<c>layers.0.*</c>, ...; each starts with the given layer's weights, as PyTorch's deep copy) and an optional
/// final <c>norm</c>. In eval mode, without gradients, with a batch-first, post-norm layer with an even number of
/// heads, a right-padded <c>srcKeyPaddingMask</c> and no <c>mask</c>, PyTorch 1.13 takes a nested-tensor fast path
/// whose output is zero at the padded positions (before the final norm); Ember gives the same output there.
/// </summary>
public sealed class TransformerEncoder : Module<(Tensor Src, Tensor? Mask, Tensor? SrcKeyPaddingMask), Tensor>
{
    /// <summary>Creates the stack.</summary>
    /// <param name="encoderLayer">The layer to copy.</param>
    /// <param name="numLayers">How many copies.</param>
    /// <param name="norm">Final layer norm, or null.</param>
    /// <param name="enableNestedTensor">Whether the eval fast path (zeros at padded positions) applies.</param>
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, LayerNorm? norm = null,
        bool enableNestedTensor = true)
    {
        ArgumentNullException.ThrowIfNull(encoderLayer);
        if (numLayers <= 0)
            throw new ArgumentException($"TransformerEncoder: numLayers must be positive, got {numLayers}.");
        var layers = new TransformerEncoderLayer[numLayers];
        for (int i = 0; i < numLayers; i++) layers[i] = encoderLayer.Clone();
        Layers = new ModuleList<TransformerEncoderLayer>(layers);
        Norm = norm;
        EnableNestedTensor = enableNestedTensor;
    }

    /// <summary>The layers.</summary>
    public ModuleList<TransformerEncoderLayer> Layers { get; }

    /// <summary>The final norm, or null.</summary>
    public LayerNorm? Norm { get; }

    /// <summary>Whether the eval fast path applies (PyTorch's <c>enable_nested_tensor</c>).</summary>
    public bool EnableNestedTensor { get; }

    /// <summary>Runs the stack (masks as the layer's).</summary>
    public Tensor Call(Tensor src, Tensor? mask = null, Tensor? srcKeyPaddingMask = null) =>
        Call((src, mask, srcKeyPaddingMask));

    /// <inheritdoc/>
    public override Tensor Forward((Tensor Src, Tensor? Mask, Tensor? SrcKeyPaddingMask) input)
    {
        ArgumentNullException.ThrowIfNull(input.Src);
        Tensor x = input.Src;
        foreach (var layer in Layers) x = layer.Call(x, input.Mask, input.SrcKeyPaddingMask);
        if (input.SrcKeyPaddingMask is { } kpm && FastPath(input.Src, input.Mask, kpm))
            x = x.MaskedFill(kpm.Unsqueeze(-1), 0);
        return Norm is null ? x : Norm.Call(x);
    }

    /// <summary>Whether PyTorch 1.13 would take its nested-tensor path (the checks of its <c>forward</c>).</summary>
    private bool FastPath(Tensor src, Tensor? mask, Tensor kpm)
    {
        var first = Layers[0];
        if (!EnableNestedTensor || Training || first.NormFirst || !first.BatchFirst || mask is not null) return false;
        if (src.Dim != 3 || first.NHead % 2 == 1 || kpm.DType != DType.Bool || kpm.Dim != 2) return false;
        if (Autograd.IsGradEnabled)
        {
            if (src.RequiresGrad) return false;
            foreach (var p in first.Parameters()) if (p.RequiresGrad) return false;
        }
        // Left-aligned: each row is false up to its length, then true.
        bool[] m = kpm.Contiguous().ToArray<bool>();
        int s = kpm.Shape[1];
        for (int b = 0; b < kpm.Shape[0]; b++)
            for (int j = 1; j < s; j++)
                if (m[b * s + j - 1] && !m[b * s + j]) return false;
        return true;
    }
}

/// <summary>
/// One Transformer decoder layer (PyTorch 1.13's <c>nn.TransformerDecoderLayer</c>): self-attention over the target,
/// attention over the encoder's memory and a feed-forward block, each with a residual connection and layer norm
/// (post-norm, or pre-norm with <c>normFirst</c>). Target <c>(T, B, E)</c>, memory <c>(S, B, E)</c> (batch-first when
/// <c>batchFirst</c>). Parameters <c>self_attn.*</c>, <c>multihead_attn.*</c>, <c>linear1.*</c>, <c>linear2.*</c>,
/// <c>norm1.*</c>, <c>norm2.*</c>, <c>norm3.*</c>.
/// </summary>
public sealed class TransformerDecoderLayer : Module<(Tensor Tgt, Tensor Memory, Tensor? TgtMask, Tensor? MemoryMask,
    Tensor? TgtKeyPaddingMask, Tensor? MemoryKeyPaddingMask), Tensor>
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer (arguments as <see cref="TransformerEncoderLayer"/>'s).</summary>
    /// <param name="dModel">Model dimension E.</param>
    /// <param name="nhead">Attention heads.</param>
    /// <param name="dimFeedforward">Hidden size of the feed-forward block.</param>
    /// <param name="dropout">Dropout probability.</param>
    /// <param name="activation"><c>"relu"</c> or <c>"gelu"</c>.</param>
    /// <param name="layerNormEps">Layer-norm epsilon.</param>
    /// <param name="batchFirst">Inputs and output are batch-first.</param>
    /// <param name="normFirst">Layer norm before each block.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization and the dropout masks.</param>
    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward = 2048, double dropout = 0.1,
        string activation = "relu", double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        Transformer.CheckActivation(activation, "TransformerDecoderLayer");
        (DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst) =
            (dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst);
        _generator = generator;
        SelfAttn = new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, dtype: dtype,
            generator: generator);
        MultiheadAttn = new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, dtype: dtype,
            generator: generator);
        Linear1 = new Linear(dModel, dimFeedforward, dtype: dtype, generator: generator);
        Dropout = new Dropout(dropout, generator);
        Linear2 = new Linear(dimFeedforward, dModel, dtype: dtype, generator: generator);
        Norm1 = new LayerNorm([dModel], layerNormEps, dtype: dtype);
        Norm2 = new LayerNorm([dModel], layerNormEps, dtype: dtype);
        Norm3 = new LayerNorm([dModel], layerNormEps, dtype: dtype);
        Dropout1 = new Dropout(dropout, generator);
        Dropout2 = new Dropout(dropout, generator);
        Dropout3 = new Dropout(dropout, generator);
    }

    /// <summary>Model dimension E.</summary>
    public int DModel { get; }

    /// <summary>Attention heads.</summary>
    public int NHead { get; }

    /// <summary>Hidden size of the feed-forward block.</summary>
    public int DimFeedforward { get; }

    /// <summary>Dropout probability.</summary>
    public double DropoutP { get; }

    /// <summary><c>"relu"</c> or <c>"gelu"</c>.</summary>
    public string Activation { get; }

    /// <summary>Layer-norm epsilon.</summary>
    public double LayerNormEps { get; }

    /// <summary>Whether inputs and output are batch-first.</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether layer norm comes before each block.</summary>
    public bool NormFirst { get; }

    /// <summary>Self-attention over the target (<c>self_attn</c>).</summary>
    [StateName("self_attn")]
    public MultiheadAttention SelfAttn { get; }

    /// <summary>Attention over the memory (<c>multihead_attn</c>).</summary>
    [StateName("multihead_attn")]
    public MultiheadAttention MultiheadAttn { get; }

    /// <summary>First feed-forward projection.</summary>
    public Linear Linear1 { get; }

    /// <summary>Dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>Second feed-forward projection.</summary>
    public Linear Linear2 { get; }

    /// <summary>Norm of the self-attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Norm of the memory-attention block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Norm of the feed-forward block.</summary>
    public LayerNorm Norm3 { get; }

    /// <summary>Dropout on the self-attention branch.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>Dropout on the memory-attention branch.</summary>
    public Dropout Dropout2 { get; }

    /// <summary>Dropout on the feed-forward branch.</summary>
    public Dropout Dropout3 { get; }

    /// <summary>Runs the layer; masks as <see cref="MultiheadAttention"/>'s (bool true = masked).</summary>
    public Tensor Call(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null) =>
        Call((tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask));

    /// <inheritdoc/>
    public override Tensor Forward((Tensor Tgt, Tensor Memory, Tensor? TgtMask, Tensor? MemoryMask,
        Tensor? TgtKeyPaddingMask, Tensor? MemoryKeyPaddingMask) a)
    {
        ArgumentNullException.ThrowIfNull(a.Tgt);
        ArgumentNullException.ThrowIfNull(a.Memory);
        Tensor x = a.Tgt;
        if (NormFirst)
        {
            x = x + SelfBlock(Norm1.Call(x), a.TgtMask, a.TgtKeyPaddingMask);
            x = x + MemoryBlock(Norm2.Call(x), a.Memory, a.MemoryMask, a.MemoryKeyPaddingMask);
            return x + FeedForward(Norm3.Call(x));
        }
        x = Norm1.Call(x + SelfBlock(x, a.TgtMask, a.TgtKeyPaddingMask));
        x = Norm2.Call(x + MemoryBlock(x, a.Memory, a.MemoryMask, a.MemoryKeyPaddingMask));
        return Norm3.Call(x + FeedForward(x));
    }

    private Tensor SelfBlock(Tensor x, Tensor? mask, Tensor? kpm) =>
        Dropout1.Call(SelfAttn.Call(x, x, x, kpm, needWeights: false, attnMask: mask).Output);

    private Tensor MemoryBlock(Tensor x, Tensor mem, Tensor? mask, Tensor? kpm) =>
        Dropout2.Call(MultiheadAttn.Call(x, mem, mem, kpm, needWeights: false, attnMask: mask).Output);

    private Tensor FeedForward(Tensor x) =>
        Dropout3.Call(Linear2.Call(Dropout.Call(Transformer.Activate(Linear1.Call(x), Activation))));

    /// <summary>A new layer with the same settings and a copy of the weights (PyTorch's <c>deepcopy</c>).</summary>
    internal TransformerDecoderLayer Clone()
    {
        var copy = new TransformerDecoderLayer(DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps,
            BatchFirst, NormFirst, SelfAttn.OutProj.Weight.DType, _generator);
        copy.LoadStateDict(StateDict());
        if (!Training) copy.Eval();
        return copy;
    }
}

/// <summary>
/// A stack of decoder layers (PyTorch 1.13's <c>nn.TransformerDecoder</c>): <c>numLayers</c> copies of the given
/// layer (<c>layers.0.*</c>, ...) and an optional final <c>norm</c>.
/// </summary>
public sealed class TransformerDecoder : Module<(Tensor Tgt, Tensor Memory, Tensor? TgtMask, Tensor? MemoryMask,
    Tensor? TgtKeyPaddingMask, Tensor? MemoryKeyPaddingMask), Tensor>
{
    /// <summary>Creates the stack.</summary>
    /// <param name="decoderLayer">The layer to copy.</param>
    /// <param name="numLayers">How many copies.</param>
    /// <param name="norm">Final layer norm, or null.</param>
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, LayerNorm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(decoderLayer);
        if (numLayers <= 0)
            throw new ArgumentException($"TransformerDecoder: numLayers must be positive, got {numLayers}.");
        var layers = new TransformerDecoderLayer[numLayers];
        for (int i = 0; i < numLayers; i++) layers[i] = decoderLayer.Clone();
        Layers = new ModuleList<TransformerDecoderLayer>(layers);
        Norm = norm;
    }

    /// <summary>The layers.</summary>
    public ModuleList<TransformerDecoderLayer> Layers { get; }

    /// <summary>The final norm, or null.</summary>
    public LayerNorm? Norm { get; }

    /// <summary>Runs the stack (arguments as <see cref="TransformerDecoderLayer"/>'s).</summary>
    public Tensor Call(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null) =>
        Call((tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask));

    /// <inheritdoc/>
    public override Tensor Forward((Tensor Tgt, Tensor Memory, Tensor? TgtMask, Tensor? MemoryMask,
        Tensor? TgtKeyPaddingMask, Tensor? MemoryKeyPaddingMask) a)
    {
        Tensor x = a.Tgt;
        foreach (var layer in Layers)
            x = layer.Call(x, a.Memory, a.TgtMask, a.MemoryMask, a.TgtKeyPaddingMask, a.MemoryKeyPaddingMask);
        return Norm is null ? x : Norm.Call(x);
    }
}

/// <summary>
/// The encoder-decoder Transformer (PyTorch 1.13's <c>nn.Transformer</c>): an encoder of
/// <c>numEncoderLayers</c> layers and a decoder of <c>numDecoderLayers</c>, each ending in a layer norm
/// (<c>encoder.*</c>, <c>decoder.*</c>); every parameter of two or more dims is drawn Xavier-uniform, as PyTorch does.
/// </summary>
public sealed class Transformer : Module<(Tensor Src, Tensor Tgt, Tensor? SrcMask, Tensor? TgtMask, Tensor? MemoryMask,
    Tensor? SrcKeyPaddingMask, Tensor? TgtKeyPaddingMask, Tensor? MemoryKeyPaddingMask), Tensor>
{
    /// <summary>Creates the model.</summary>
    /// <param name="dModel">Model dimension E.</param>
    /// <param name="nhead">Attention heads.</param>
    /// <param name="numEncoderLayers">Encoder layers.</param>
    /// <param name="numDecoderLayers">Decoder layers.</param>
    /// <param name="dimFeedforward">Hidden size of the feed-forward blocks.</param>
    /// <param name="dropout">Dropout probability.</param>
    /// <param name="activation"><c>"relu"</c> or <c>"gelu"</c>.</param>
    /// <param name="layerNormEps">Layer-norm epsilon.</param>
    /// <param name="batchFirst">Inputs and output are batch-first.</param>
    /// <param name="normFirst">Layer norm before each block.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization and the dropout masks.</param>
    public Transformer(int dModel = 512, int nhead = 8, int numEncoderLayers = 6, int numDecoderLayers = 6,
        int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu", double layerNormEps = 1e-5,
        bool batchFirst = false, bool normFirst = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        var enc = new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps,
            batchFirst, normFirst, dtype, generator);
        Encoder = new TransformerEncoder(enc, numEncoderLayers, new LayerNorm([dModel], layerNormEps, dtype: dtype));
        var dec = new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps,
            batchFirst, normFirst, dtype, generator);
        Decoder = new TransformerDecoder(dec, numDecoderLayers, new LayerNorm([dModel], layerNormEps, dtype: dtype));
        DModel = dModel;
        NHead = nhead;
        BatchFirst = batchFirst;
        foreach (var p in Parameters())
            if (p.Dim > 1) Init.XavierUniform_(p, generator: generator);
    }

    /// <summary>The encoder.</summary>
    public TransformerEncoder Encoder { get; }

    /// <summary>The decoder.</summary>
    public TransformerDecoder Decoder { get; }

    /// <summary>Model dimension E.</summary>
    public int DModel { get; }

    /// <summary>Attention heads.</summary>
    public int NHead { get; }

    /// <summary>Whether inputs and output are batch-first.</summary>
    public bool BatchFirst { get; }

    /// <summary>Runs encoder and decoder; masks as <see cref="MultiheadAttention"/>'s.</summary>
    public Tensor Call(Tensor src, Tensor tgt, Tensor? srcMask = null, Tensor? tgtMask = null,
        Tensor? memoryMask = null, Tensor? srcKeyPaddingMask = null, Tensor? tgtKeyPaddingMask = null,
        Tensor? memoryKeyPaddingMask = null) =>
        Call((src, tgt, srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask));

    /// <inheritdoc/>
    public override Tensor Forward((Tensor Src, Tensor Tgt, Tensor? SrcMask, Tensor? TgtMask, Tensor? MemoryMask,
        Tensor? SrcKeyPaddingMask, Tensor? TgtKeyPaddingMask, Tensor? MemoryKeyPaddingMask) a)
    {
        Tensor memory = Encoder.Call(a.Src, a.SrcMask, a.SrcKeyPaddingMask);
        return Decoder.Call(a.Tgt, memory, a.TgtMask, a.MemoryMask, a.TgtKeyPaddingMask, a.MemoryKeyPaddingMask);
    }

    /// <summary>The causal mask <c>(sz, sz)</c>: 0 on and below the diagonal, -∞ above.</summary>
    public static Tensor GenerateSquareSubsequentMask(int sz, DType dtype = DType.Float32) =>
        Tensor.Zeros([sz, sz], dtype).MaskedFill(Tensor.Ones([sz, sz], DType.Bool).Triu(1), double.NegativeInfinity);

    internal static void CheckActivation(string activation, string owner)
    {
        if (activation is not ("relu" or "gelu"))
            throw new ArgumentException($"{owner}: activation should be \"relu\" or \"gelu\", not \"{activation}\".");
    }

    internal static Tensor Activate(Tensor x, string activation) => activation == "gelu" ? F.GELU(x) : x.ReLU();
}
