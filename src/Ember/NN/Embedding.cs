using System;
using System.Globalization;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// Dropout: in training mode zeroes elements with probability <see cref="P"/> and scales the others by <c>1/(1-p)</c>;
/// the identity after <see cref="ModuleBase.Eval"/>. Pass a <see cref="Generator"/> for reproducible masks.
/// Input and output <c>(*)</c>.
/// </summary>
/// <param name="p">Probability of zeroing an element.</param>
/// <param name="generator">Random source for the masks (the default generator otherwise).</param>
public sealed class Dropout(double p = 0.5, Generator? generator = null) : Module
{
    /// <summary>Probability of zeroing an element.</summary>
    public double P { get; } = p >= 0 && p <= 1 ? p : throw new ArgumentException($"Dropout: probability has to be between 0 and 1, but got {p}.");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Dropout(input, P, Training, generator);

    /// <inheritdoc/>
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={P}, inplace=False");
}

/// <summary>
/// A lookup table: integer indices <c>(*)</c> (int64 or int32) to rows of <c>weight</c> <c>(NumEmbeddings, EmbeddingDim)</c>,
/// output <c>(*, EmbeddingDim)</c>. The weight starts from N(0, 1) with the <see cref="PaddingIdx"/> row zeroed, as in
/// PyTorch; that row gets no gradient.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table.</summary>
    /// <param name="numEmbeddings">Number of rows (the vocabulary size).</param>
    /// <param name="embeddingDim">Size of each row.</param>
    /// <param name="paddingIdx">Row that stays zero and gets no gradient (negative counts from the end), or null.</param>
    /// <param name="dtype">Weight dtype.</param>
    /// <param name="generator">Random source for the initialization.</param>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentException($"Embedding: numEmbeddings and embeddingDim must be positive, got {numEmbeddings} and {embeddingDim}.");
        if (paddingIdx is int p && (p >= numEmbeddings || p < -numEmbeddings))
            throw new ArgumentException($"Embedding: paddingIdx must be within numEmbeddings ({numEmbeddings}), got {p}.");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is int q && q < 0 ? q + numEmbeddings : paddingIdx;
        Weight = new Parameter(Tensor.Zeros([numEmbeddings, embeddingDim], dtype));
        ResetParameters(generator);
    }

    /// <summary>Creates the table from existing vectors (PyTorch's <c>Embedding.from_pretrained</c>), frozen by default.</summary>
    /// <param name="embeddings"><c>(NumEmbeddings, EmbeddingDim)</c>.</param>
    /// <param name="freeze">Whether the weight is excluded from training.</param>
    /// <param name="paddingIdx">Row that gets no gradient, or null.</param>
    public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Dim != 2) throw new ArgumentException($"Embedding.FromPretrained: expected 2-D embeddings, got {Shapes.Format(embeddings.Shape)}.");
        var e = new Embedding(embeddings.Shape[0], embeddings.Shape[1], paddingIdx, embeddings.DType, new Generator(0));
        e.Weight.CopyFrom(embeddings);
        e.Weight.RequiresGrad = !freeze;
        return e;
    }

    /// <summary>Number of rows.</summary>
    public int NumEmbeddings { get; }

    /// <summary>Size of each row.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The padding row (non-negative), or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table <c>(NumEmbeddings, EmbeddingDim)</c>.</summary>
    public Parameter Weight { get; private set; }

    /// <summary>Re-draws the weight from N(0, 1) and zeroes the padding row.</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.Normal_(Weight, 0, 1, generator);
        if (PaddingIdx is int p)
            RawOps.CopyFrom(Row(p), RawOps.Scalar(0, Weight.DType));
    }

    private RawTensor Row(int p) => Weight.Raw.WithLayout([EmbeddingDim], [Weight.Raw.Strides[1]], Weight.Raw.Offset + p * Weight.Raw.Strides[0]);

    /// <inheritdoc/>
    protected override bool AcceptsIntegerInput => true;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Embedding(input, Weight, PaddingIdx);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is int p ? $", padding_idx={p}" : "");
}
