using System;
using Ember.Core;

namespace Ember.NN
{
    public static partial class F
    {
        /// <summary>
        /// Scaled dot-product attention (PyTorch 2.0's <c>F.scaled_dot_product_attention</c>):
        /// <c>softmax(q kᵀ / √E + bias) v</c>. Query <c>(*, L, E)</c>, key <c>(*, S, E)</c>, value <c>(*, S, Ev)</c>;
        /// output <c>(*, L, Ev)</c>. <paramref name="attnMask"/> broadcasts to <c>(*, L, S)</c>: a bool mask marks with
        /// true the positions that take part (PyTorch 2.0's convention, the opposite of
        /// <see cref="MultiheadAttention"/>'s), a float mask is added to the scores. <paramref name="isCausal"/> lets
        /// position i attend to positions ≤ i only.
        /// </summary>
        /// <param name="query">Queries <c>(*, L, E)</c>.</param>
        /// <param name="key">Keys <c>(*, S, E)</c>.</param>
        /// <param name="value">Values <c>(*, S, Ev)</c>.</param>
        /// <param name="attnMask">Bool (true = attend) or float (added) mask, or null.</param>
        /// <param name="dropoutP">Dropout on the attention weights (applied as given: pass 0 in eval).</param>
        /// <param name="isCausal">Mask out the upper triangle (keys after the query's position).</param>
        /// <param name="generator">Random source for the dropout mask.</param>
        public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
            double dropoutP = 0, bool isCausal = false, Generator? generator = null)
        {
            ArgumentNullException.ThrowIfNull(query);
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(value);
            if (query.Dim < 2 || key.Dim < 2 || value.Dim < 2 || query.Shape[^1] != key.Shape[^1]
                || key.Shape[^2] != value.Shape[^2])
                throw new ArgumentException(
                    "scaled_dot_product_attention: expected query (*, L, E), key (*, S, E) and value (*, S, Ev), got " +
                    $"{Shapes.Format(query.Shape)}, {Shapes.Format(key.Shape)} and {Shapes.Format(value.Shape)}.");
            int l = query.Shape[^2], s = key.Shape[^2];
            Tensor scores = query.MatMul(key.Transpose(-2, -1)) * (1 / Math.Sqrt(query.Shape[^1]));
            if (isCausal)
            {
                Tensor future = Tensor.Ones([l, s], DType.Bool).Triu(1);
                scores = scores.MaskedFill(future, double.NegativeInfinity);
            }
            if (attnMask is not null)
                scores = attnMask.DType == DType.Bool ? Tensor.Where(attnMask, scores, double.NegativeInfinity)
                    : scores + attnMask.To(scores.DType);
            Tensor weights = scores.Softmax(-1);
            if (dropoutP > 0) weights = Dropout(weights, dropoutP, true, generator);
            return weights.MatMul(value);
        }
    }

    /// <summary>
    /// Multi-head attention (PyTorch 1.13's <c>nn.MultiheadAttention</c>, its general path):
    /// <c>concat(head₁..head_h) W_o + b_o</c> with <c>headᵢ = softmax(qᵢ kᵢᵀ / √d + mask) vᵢ</c>,
    /// d = embedDim / numHeads.
    /// Query <c>(L, B, E)</c>, key <c>(S, B, kdim)</c>, value <c>(S, B, vdim)</c> (<c>(B, L, E)</c>... when
    /// <c>batchFirst</c>; <c>(L, E)</c>... unbatched); output <c>(L, B, E)</c> and, when asked, the attention weights
    /// <c>(B, L, S)</c> averaged over heads or <c>(B, numHeads, L, S)</c>. Masks: <c>keyPaddingMask</c>
    /// <c>(B, S)</c> and <c>attnMask</c> <c>(L, S)</c> or <c>(B·numHeads, L, S)</c>, bool (true = not allowed to
    /// attend) or float (added).
    /// Parameters as PyTorch's: <c>in_proj_weight</c> <c>[3E, E]</c> (or <c>q_proj_weight</c>, <c>k_proj_weight</c>,
    /// <c>v_proj_weight</c> when kdim or vdim differ from E), <c>in_proj_bias</c> <c>[3E]</c>, <c>out_proj</c>.
    /// </summary>
    /// <remarks>
    /// Not supported: <c>add_bias_kv</c> and <c>add_zero_attn</c>. The graph differs from PyTorch's in one place:
    /// the mask is added after <c>BmmBackward0</c> (<c>AddBackward0</c>) where PyTorch records
    /// <c>BaddbmmBackward0</c>; the values are the same.
    /// </remarks>
    public sealed class MultiheadAttention : Module<(Tensor Query, Tensor Key, Tensor Value, Tensor? KeyPaddingMask,
        Tensor? AttnMask, bool NeedWeights, bool AverageAttnWeights), (Tensor Output, Tensor? Weights)>
    {
        private readonly Generator? _generator;

        /// <summary>Creates the module.</summary>
        /// <param name="embedDim">Model dimension E (the query's features and the output's).</param>
        /// <param name="numHeads">Heads; must divide <paramref name="embedDim"/>.</param>
        /// <param name="dropout">Dropout on the attention weights, in training mode.</param>
        /// <param name="bias">Whether the projections have biases.</param>
        /// <param name="kdim">Key features (E when null).</param>
        /// <param name="vdim">Value features (E when null).</param>
        /// <param name="batchFirst">Inputs and output are <c>(B, L, E)</c>.</param>
        /// <param name="dtype">Parameter dtype.</param>
        /// <param name="generator">Random source for the initialization and the dropout masks.</param>
        /// <param name="addBiasKv">
        /// Learn <c>bias_k</c> and <c>bias_v</c> <c>(1, 1, E)</c>, appended to the projected keys and values as one
        /// more source position (PyTorch's <c>add_bias_kv</c>).
        /// </param>
        /// <param name="addZeroAttn">
        /// Append a zero key and value per head after the projection, one more source position every query may
        /// attend to (PyTorch's <c>add_zero_attn</c>).
        /// </param>
        public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, int? kdim = null,
            int? vdim = null, bool batchFirst = false, DType dtype = DType.Float32, Generator? generator = null,
            bool addBiasKv = false, bool addZeroAttn = false)
        {
            if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0)
                throw new ArgumentException(
                    "MultiheadAttention: embedDim must be positive and divisible by numHeads, got " +
                    $"{embedDim} and {numHeads}.");
            if (!(dropout >= 0 && dropout <= 1))
                throw new ArgumentException($"MultiheadAttention: dropout must be in [0, 1], got {dropout}.");
            EmbedDim = embedDim;
            NumHeads = numHeads;
            Dropout = dropout;
            KDim = kdim ?? embedDim;
            VDim = vdim ?? embedDim;
            BatchFirst = batchFirst;
            _generator = generator;
            if (KDim == embedDim && VDim == embedDim)
                InProjWeight = new Parameter(Tensor.Zeros([3 * embedDim, embedDim], dtype));
            else
            {
                QProjWeight = new Parameter(Tensor.Zeros([embedDim, embedDim], dtype));
                KProjWeight = new Parameter(Tensor.Zeros([embedDim, KDim], dtype));
                VProjWeight = new Parameter(Tensor.Zeros([embedDim, VDim], dtype));
            }
            InProjBias = bias ? new Parameter(Tensor.Zeros([3 * embedDim], dtype)) : null;
            if (addBiasKv)
            {
                BiasK = new Parameter(Tensor.Zeros([1, 1, embedDim], dtype));
                BiasV = new Parameter(Tensor.Zeros([1, 1, embedDim], dtype));
            }
            AddZeroAttn = addZeroAttn;
            OutProj = new Linear(embedDim, embedDim, bias, dtype, generator);
            foreach (var w in new[] { InProjWeight, QProjWeight, KProjWeight, VProjWeight })
                if (w is not null) Init.XavierUniform_(w, generator: generator);
            if (InProjBias is not null) Init.Constant_(InProjBias, 0);
            if (OutProj.Bias is not null) Init.Constant_(OutProj.Bias, 0);
            if (BiasK is not null) Init.XavierNormal_(BiasK, generator: generator);
            if (BiasV is not null) Init.XavierNormal_(BiasV, generator: generator);
        }

        /// <summary>Model dimension E.</summary>
        public int EmbedDim { get; }

        /// <summary>Number of heads.</summary>
        public int NumHeads { get; }

        /// <summary>Dropout probability on the attention weights (training only).</summary>
        public double Dropout { get; }

        /// <summary>Key features.</summary>
        public int KDim { get; }

        /// <summary>Value features.</summary>
        public int VDim { get; }

        /// <summary>Whether inputs and output are batch-first.</summary>
        public bool BatchFirst { get; }

        /// <summary>The packed q, k, v projection <c>[3E, E]</c> (null when kdim or vdim differ from E).</summary>
        [StateName("in_proj_weight")]
        public Parameter? InProjWeight { get; private set; }

        /// <summary>The query projection <c>[E, E]</c> when kdim or vdim differ from E.</summary>
        [StateName("q_proj_weight")]
        public Parameter? QProjWeight { get; private set; }

        /// <summary>The key projection <c>[E, kdim]</c> when kdim or vdim differ from E.</summary>
        [StateName("k_proj_weight")]
        public Parameter? KProjWeight { get; private set; }

        /// <summary>The value projection <c>[E, vdim]</c> when kdim or vdim differ from E.</summary>
        [StateName("v_proj_weight")]
        public Parameter? VProjWeight { get; private set; }

        /// <summary>The packed q, k, v bias <c>[3E]</c>, or null.</summary>
        [StateName("in_proj_bias")]
        public Parameter? InProjBias { get; private set; }

        /// <summary>The key appended to every batch entry's keys with <c>addBiasKv</c> (null otherwise).</summary>
        [StateName("bias_k")]
        public Parameter? BiasK { get; private set; }

        /// <summary>The value appended to every batch entry's values with <c>addBiasKv</c> (null otherwise).</summary>
        [StateName("bias_v")]
        public Parameter? BiasV { get; private set; }

        /// <summary>Whether a zero key and value are appended per head (PyTorch's <c>add_zero_attn</c>).</summary>
        public bool AddZeroAttn { get; }

        /// <summary>The output projection (<c>out_proj.weight</c> <c>[E, E]</c>, <c>out_proj.bias</c>).</summary>
        [StateName("out_proj")]
        public Linear OutProj { get; }

        /// <summary>Self- or cross-attention with PyTorch's defaults for the options.</summary>
        /// <returns>The output and, when <paramref name="needWeights"/>, the attention weights.</returns>
        public (Tensor Output, Tensor? Weights) Call(Tensor query, Tensor key, Tensor value,
            Tensor? keyPaddingMask = null, bool needWeights = true, Tensor? attnMask = null,
            bool averageAttnWeights = true) =>
            Call((query, key, value, keyPaddingMask, attnMask, needWeights, averageAttnWeights));

        /// <inheritdoc/>
        protected internal override DType? ParameterDType => OutProj.Weight.DType;

        /// <inheritdoc/>
        public override (Tensor Output, Tensor? Weights) Forward((Tensor Query, Tensor Key, Tensor Value,
            Tensor? KeyPaddingMask, Tensor? AttnMask, bool NeedWeights, bool AverageAttnWeights) a)
        {
            ArgumentNullException.ThrowIfNull(a.Query);
            ArgumentNullException.ThrowIfNull(a.Key);
            ArgumentNullException.ThrowIfNull(a.Value);
            DType dtype = OutProj.Weight.DType;
            Tensor q = Cast(a.Query, dtype), k = Cast(a.Key, dtype), v = Cast(a.Value, dtype);
            bool batched = q.Dim == 3;
            if (q.Dim != (batched ? 3 : 2) || k.Dim != q.Dim || v.Dim != q.Dim)
                throw new ArgumentException(
                    "MultiheadAttention: expected query, key and value all 3-D (batched) or all 2-D (unbatched), " +
                    "got " +
                    $"{Shapes.Format(q.Shape)}, {Shapes.Format(k.Shape)} and {Shapes.Format(v.Shape)}.");
            Tensor? kpm = a.KeyPaddingMask;
            if (!batched)
            {
                (q, k, v) = (q.Unsqueeze(1), k.Unsqueeze(1), v.Unsqueeze(1));
                kpm = kpm?.Unsqueeze(0);
            }
            else if (BatchFirst) (q, k, v) = (q.Transpose(0, 1), k.Transpose(0, 1), v.Transpose(0, 1));
            int tgt = q.Shape[0], bsz = q.Shape[1], src = k.Shape[0], h = NumHeads, hd = EmbedDim / NumHeads;
            if (q.Shape[2] != EmbedDim || k.Shape[2] != KDim || v.Shape[2] != VDim || k.Shape[1] != bsz
                || v.Shape[0] != src || v.Shape[1] != bsz)
                throw new ArgumentException(
                    $"MultiheadAttention: expected query (L, B, {EmbedDim}), key (S, B, {KDim}) and value " +
                    $"(S, B, {VDim}) (sequence first), got {Shapes.Format(q.Shape)}, {Shapes.Format(k.Shape)} and " +
                    $"{Shapes.Format(v.Shape)}.");
            (q, k, v) = InProjection(q, k, v);
            Tensor? mask = Mask(a.AttnMask, kpm, tgt, src, bsz, dtype);
            if (BiasK is not null && BiasV is not null)
            {
                // PyTorch: k = cat([k, bias_k.repeat(1, bsz, 1)]), masks padded with an unmasked column.
                k = Tensor.Cat([k, BiasK.Expand(1, bsz, EmbedDim)], 0);
                v = Tensor.Cat([v, BiasV.Expand(1, bsz, EmbedDim)], 0);
                mask = PadColumn(mask);
                src++;
            }
            q = q.Contiguous().View(tgt, bsz * h, hd).Transpose(0, 1);
            k = k.Contiguous().View(src, bsz * h, hd).Transpose(0, 1);
            v = v.Contiguous().View(src, bsz * h, hd).Transpose(0, 1);
            if (AddZeroAttn)
            {
                Tensor zeros = Tensor.Zeros([bsz * h, 1, hd], dtype);
                k = Tensor.Cat([k, zeros], 1);
                v = Tensor.Cat([v, zeros], 1);
                mask = PadColumn(mask);
                src++;
            }
            Tensor scores = (q / Math.Sqrt(hd)).Bmm(k.Transpose(-2, -1));
            if (mask is not null) scores += mask;
            Tensor weights = scores.Softmax(-1);
            Tensor dropped = Dropout > 0 && Training ? F.Dropout(weights, Dropout, true, _generator) : weights;
            Tensor output = dropped.Bmm(v).Transpose(0, 1).Contiguous().View(tgt * bsz, EmbedDim);
            output = F.Linear(output, OutProj.Weight, OutProj.Bias).View(tgt, bsz, EmbedDim);
            output = !batched ? output.Squeeze(1) : BatchFirst ? output.Transpose(0, 1) : output;
            if (!a.NeedWeights) return (output, null);
            weights = weights.View(bsz, h, tgt, src);
            if (a.AverageAttnWeights) weights = weights.Sum(1) / h;
            return (output, batched ? weights : weights.Squeeze(0));
        }

        /// <summary>An additive mask with one more, unmasked (zero) source column.</summary>
        private static Tensor? PadColumn(Tensor? mask)
        {
            if (mask is null) return null;
            int[] shape = mask.Shape.ToArray();
            shape[^1] = 1;
            return Tensor.Cat([mask, Tensor.Zeros(shape, mask.DType)], -1);
        }

        private (Tensor Q, Tensor K, Tensor V) InProjection(Tensor q, Tensor k, Tensor v)
        {
            Tensor?[] b = InProjBias is null ? new Tensor?[3] : InProjBias.Chunk(3);
            if (InProjWeight is null)
                return (F.Linear(q, QProjWeight!, b[0]), F.Linear(k, KProjWeight!, b[1]),
                    F.Linear(v, VProjWeight!, b[2]));
            Tensor[] w = InProjWeight.Chunk(3);
            return (F.Linear(q, w[0], b[0]), F.Linear(k, w[1], b[1]), F.Linear(v, w[2], b[2]));
        }

        /// <summary>The additive float mask <c>(1 or B·H, L or 1, S)</c> from both masks.</summary>
        private Tensor? Mask(Tensor? attnMask, Tensor? kpm, int tgt, int src, int bsz, DType dtype)
        {
            Tensor? mask = null;
            if (attnMask is not null)
            {
                bool ok = attnMask.Dim == 2 ? attnMask.Shape[0] == tgt && attnMask.Shape[1] == src
                    : attnMask.Dim == 3 && attnMask.Shape[0] == bsz * NumHeads && attnMask.Shape[1] == tgt
                        && attnMask.Shape[2] == src;
                if (!ok)
                    throw new ArgumentException(
                        $"MultiheadAttention: attnMask should be ({tgt}, {src}) or ({bsz * NumHeads}, {tgt}, {src}), " +
                        $"got {Shapes.Format(attnMask.Shape)}.");
                mask = Additive(attnMask, dtype, "attnMask");
                if (mask.Dim == 2) mask = mask.Unsqueeze(0);
            }
            if (kpm is not null)
            {
                if (kpm.Dim != 2 || kpm.Shape[0] != bsz || kpm.Shape[1] != src)
                    throw new ArgumentException(
                        $"MultiheadAttention: expected keyPaddingMask of shape ({bsz}, {src}), got " +
                        $"{Shapes.Format(kpm.Shape)}.");
                Tensor pad = Additive(kpm, dtype, "keyPaddingMask").View(bsz, 1, 1, src).Expand(bsz, NumHeads, 1, src)
                    .Reshape(bsz * NumHeads, 1, src);
                mask = mask is null ? pad : mask + pad;
            }
            return mask;
        }

        private static Tensor Additive(Tensor mask, DType dtype, string what)
        {
            if (mask.DType == DType.Bool)
                return Tensor.Zeros(mask.Shape, dtype).MaskedFill(mask, double.NegativeInfinity);
            if (!mask.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"MultiheadAttention: only bool and floating types of {what} are supported, got " +
                    $"{mask.DType.TorchName()}.");
            return mask.To(dtype);
        }

        private static Tensor Cast(Tensor t, DType dtype)
        {
            if (!t.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"MultiheadAttention expected floating-point input ({dtype.TorchName()}) but got a " +
                    $"{t.DType.TorchName()} tensor of shape {Shapes.Format(t.Shape)}. " +
                    $"Convert it with x.To(DType.{dtype}).");
            return t.DType == dtype ? t : t.To(dtype);
        }
    }
}
