using System;
using System.Globalization;
using Ember.Core;
using Ember.Graph;

namespace Ember.NN
{
    public static partial class F
    {
        /// <summary>
        /// Dropout: in training, zeroes each element with probability <paramref name="p"/> and scales the rest by
        /// <c>1/(1-p)</c>, i.e. <c>y = x · mask</c> (the graph shows <c>MulBackward0</c>, as PyTorch 1.13 on the CPU);
        /// identity otherwise. Masks come from <paramref name="generator"/> (the default generator otherwise), so a seeded
        /// generator reproduces them; they do not reproduce PyTorch's random stream.
        /// </summary>
        /// <param name="input">Any shape, floating point.</param>
        /// <param name="p">Probability of zeroing an element, in [0, 1].</param>
        /// <param name="training">Apply dropout (false: return the input).</param>
        /// <param name="generator">Random source for the mask.</param>
        public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (!(p >= 0 && p <= 1)) throw new ArgumentException($"dropout probability has to be between 0 and 1, but got {p}.");
            if (!training) return input;
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException($"dropout: expected floating-point input, got {input.DType.TorchName()}; convert with .To(DType.Float32).");
            var u = Tensor.Rand(input.Shape, generator, input.DType == DType.Float64 ? DType.Float64 : DType.Float32);
            var keep = RawOps.Ge(u.Raw, RawOps.Scalar(p, u.DType));
            var mask = p >= 1 ? RawOps.Full(input.Shape.ToArray(), 0, input.DType)
                : RawOps.Mul(RawOps.Cast(keep, input.DType), RawOps.Scalar(1 / (1 - p), input.DType));
            return input * new Tensor(mask);
        }

        /// <summary>
        /// Looks up rows of <paramref name="weight"/>: <c>y[..., :] = weight[input[...], :]</c>. Rows at
        /// <paramref name="paddingIdx"/> get no gradient. The graph shows <c>EmbeddingBackward0</c>.
        /// </summary>
        /// <param name="input">Indices, int64 or int32, any shape <c>(*)</c>, each in <c>[0, numEmbeddings)</c>.</param>
        /// <param name="weight"><c>(numEmbeddings, embeddingDim)</c>.</param>
        /// <param name="paddingIdx">Row that receives no gradient (negative counts from the end), or null.</param>
        /// <returns><c>(*, embeddingDim)</c>.</returns>
        public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(weight);
            if (weight.Dim != 2) throw new ArgumentException($"embedding: expected a 2-D weight (numEmbeddings, embeddingDim), got {Shapes.Format(weight.Shape)}.");
            if (input.DType is not (DType.Int64 or DType.Int32))
                throw new ArgumentException(
                    $"embedding: expected indices of dtype int64 or int32, got {input.DType.TorchName()} {Shapes.Format(input.Shape)}; " +
                    "pass long[] or int[] indices, or convert with .To(DType.Int64).");
            int v = weight.Shape[0];
            int? pad = paddingIdx is int pi ? (pi < 0 ? pi + v : pi) : null;
            if (pad is int q && (q < 0 || q >= v)) throw new ArgumentException($"embedding: paddingIdx must be within the number of embeddings ({v}), got {paddingIdx}.");
            return EmbeddingBackward0.Apply(input, weight, pad);
        }
    }
}

namespace Ember.Graph
{
    /// <summary>y[i, :] = w[idx[i], :]; dL/dw = zeros.index_add(0, idx, grad) with the padding row left at zero.</summary>
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
                if (k < 0 || k >= v) throw new ArgumentException($"embedding: index {k} is out of range for {v} embeddings (valid: 0..{v - 1}).");
            var outShape = new int[input.Dim + 1];
            input.Shape.CopyTo(outShape);
            outShape[^1] = d;
            var index = RawOps.Expand(RawOps.Reshape(idx, [m, 1]), [m, d]);
            var y = RawOps.Reshape(RawOps.GatherAlong(weight.Raw, 0, index), outShape);
            if (!Autograd.ShouldRecord(weight)) return new Tensor(y);
            var node = new EmbeddingBackward0 { _indices = idx, _pad = pad };
            node.SetInputs(weight);
            return new Tensor(y, node);
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
