using System;
using Ember.Core;
using Ember.Graph;

namespace Ember.NN
{
    /// <summary>
    /// A lookup table: integer indices <c>(*)</c> (int64 or int32) to rows of <c>weight</c>
    /// <c>(NumEmbeddings, EmbeddingDim)</c>, output <c>(*, EmbeddingDim)</c>. The weight starts from N(0, 1) with the
    /// <see cref="PaddingIdx"/> row zeroed, as in PyTorch; that row gets no gradient.
    /// </summary>
    public class Embedding : Module
    {
        /// <summary>Creates the table.</summary>
        /// <param name="numEmbeddings">Number of rows (the vocabulary size).</param>
        /// <param name="embeddingDim">Size of each row.</param>
        /// <param name="paddingIdx">Row that stays zero and gets no gradient (negative counts from the end), or
        /// null.</param>
        /// <param name="dtype">Weight dtype.</param>
        /// <param name="generator">Random source for the initialization.</param>
        public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, DType dtype = DType.Float32,
            Generator? generator = null)
        {
            if (numEmbeddings <= 0 || embeddingDim <= 0)
                throw new ArgumentException(
                    $"Embedding: numEmbeddings and embeddingDim must be positive, got {numEmbeddings} and " +
                    $"{embeddingDim}.");
            if (paddingIdx is int p && (p >= numEmbeddings || p < -numEmbeddings))
                throw new ArgumentException(
                    $"Embedding: paddingIdx must be within numEmbeddings ({numEmbeddings}), got {p}.");
            NumEmbeddings = numEmbeddings;
            EmbeddingDim = embeddingDim;
            PaddingIdx = paddingIdx is int q && q < 0 ? q + numEmbeddings : paddingIdx;
            Weight = new Parameter(Tensor.Zeros([numEmbeddings, embeddingDim], dtype));
            ResetParameters(generator);
        }

        /// <summary>
        /// Creates the table from existing vectors (PyTorch's <c>Embedding.from_pretrained</c>), frozen by default.
        /// </summary>
        /// <param name="embeddings"><c>(NumEmbeddings, EmbeddingDim)</c>.</param>
        /// <param name="freeze">Whether the weight is excluded from training.</param>
        /// <param name="paddingIdx">Row that gets no gradient, or null.</param>
        public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, int? paddingIdx = null)
        {
            ArgumentNullException.ThrowIfNull(embeddings);
            if (embeddings.Dim != 2)
                throw new ArgumentException(
                    $"Embedding.FromPretrained: expected 2-D embeddings, got {Shapes.Format(embeddings.Shape)}.");
            var e = new Embedding(embeddings.Shape[0], embeddings.Shape[1], paddingIdx, embeddings.DType,
                new Generator(0));
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

        private RawTensor Row(int p) =>
            Weight.Raw.WithLayout([EmbeddingDim], [Weight.Raw.Strides[1]],
                Weight.Raw.Offset + p * Weight.Raw.Strides[0]);

        /// <inheritdoc/>
        protected override bool AcceptsIntegerInput => true;

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => F.Embedding(input, Weight, PaddingIdx);

        /// <inheritdoc/>
        protected override string ExtraRepr() =>
            $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is int p ? $", padding_idx={p}" : "");
    }

    public static partial class F
    {
        /// <summary>
        /// Looks up rows of <paramref name="weight"/>: <c>y[..., :] = weight[input[...], :]</c>. Rows at
        /// <paramref name="paddingIdx"/> get no gradient. The graph shows <c>EmbeddingBackward0</c>.
        /// </summary>
        /// <param name="input">Indices, int64 or int32, any shape <c>(*)</c>, each in
        /// <c>[0, numEmbeddings)</c>.</param>
        /// <param name="weight"><c>(numEmbeddings, embeddingDim)</c>.</param>
        /// <param name="paddingIdx">Row that receives no gradient (negative counts from the end), or null.</param>
        /// <returns><c>(*, embeddingDim)</c>.</returns>
        public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(weight);
            if (weight.Dim != 2)
                throw new ArgumentException(
                    "embedding: expected a 2-D weight (numEmbeddings, embeddingDim), got " +
                    $"{Shapes.Format(weight.Shape)}.");
            if (input.DType is not (DType.Int64 or DType.Int32))
                throw new ArgumentException(
                    $"embedding: expected indices of dtype int64 or int32, got {input.DType.TorchName()} " +
                    $"{Shapes.Format(input.Shape)}; pass long[] or int[] indices, or convert with .To(DType.Int64).");
            int v = weight.Shape[0];
            int? pad = paddingIdx is int pi ? (pi < 0 ? pi + v : pi) : null;
            if (pad is int q && (q < 0 || q >= v))
                throw new ArgumentException(
                    $"embedding: paddingIdx must be within the number of embeddings ({v}), got {paddingIdx}.");
            return EmbeddingBackward0.Apply(input, weight, pad);
        }
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// y[i, :] = w[idx[i], :]; dL/dw = zeros.index_add(0, idx, grad) with the padding row left at zero.
    /// </summary>
    internal sealed class EmbeddingBackward0 : SingleOutputNode
    {
        private RawTensor? _indices;
        private int? _pad;
        public override string Name => "EmbeddingBackward0";

        public static Tensor Apply(Tensor input, Tensor weight, int? pad)
        {
            var idx = RawOps.Contiguous(RawOps.Cast(input.Raw, DType.Int64));
            int v = weight.Shape[0], d = weight.Shape[1], m = idx.NumEl;
            ReadOnlySpan<long> ids = idx.Span<long>();
            foreach (long k in ids)
                if (k < 0 || k >= v)
                    throw new ArgumentException(
                        $"embedding: index {k} is out of range for {v} embeddings (valid: 0..{v - 1}).");
            var outShape = new int[input.Dim + 1];
            input.Shape.CopyTo(outShape);
            outShape[^1] = d;
            var index = RawOps.Expand(RawOps.Reshape(idx, [m, 1]), [m, d]);
            var y = RawOps.Reshape(RawOps.GatherAlong(weight.Raw, 0, index), outShape);
            return Record(weight, y, (idx, pad),
                static (EmbeddingBackward0 n, Tensor _, (RawTensor Indices, int? Pad) s) =>
                (n._indices, n._pad) = s);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            int v = InputShape(0)[0], d = InputShape(0)[1], m = _indices!.NumEl;
            var g2 = grad.Reshape(m, d);
            var index = new Tensor(RawOps.Contiguous(RawOps.Expand(RawOps.Reshape(_indices, [m, 1]), [m, d])));
            Tensor gw = Tensor.Zeros([v, d], g2.DType).ScatterAdd(0, index, g2);
            if (_pad is int p)
            {
                var keep = RawOps.Full([v, 1], 1, gw.DType);
                RawOps.SetFlat(keep, p, 0);
                gw = Autograd.IsGradEnabled ? gw * new Tensor(keep) : new Tensor(RawOps.Mul(gw.Raw, keep));
            }
            return [gw];
        }
    }
}
