using System;
using System.Runtime.CompilerServices;
using Ember.NN;

namespace Ember.Onnx;

/// <summary>
/// <c>MultiheadAttention</c> taken whole and written as its decomposition (ONNX has no attention op before opset 23):
/// projections as <c>MatMul</c> + <c>Add</c> on slices of <c>in_proj_weight</c>, heads by <c>Reshape</c> and
/// <c>Transpose</c> to <c>(B, heads, L, d)</c>, <c>MatMul</c> scores scaled by 1/√d, both masks made additive
/// (<c>Where(mask, -inf, 0)</c> for bool ones) and added, <c>Softmax</c>, the weighted sum and the output
/// projection. No shape constant holds a batch or sequence size (Reshape copies them with 0 or infers them with -1,
/// and a 3-D attention mask's dims come from <c>Shape</c>), so the graph runs at any batch size and length. Also the
/// eval-mode fast path of <c>TransformerEncoder</c> (PyTorch 1.13's nested-tensor path as Ember implements it:
/// padded positions zeroed when every row of the key-padding mask is left-aligned), decided in the graph.
/// </summary>
internal static class AttentionMappings
{
    public static bool Claims(object module) => module is MultiheadAttention;

    public static void Emit(object module, object? input, object? output, OnnxTracer t)
    {
        if (module is not MultiheadAttention m || input is not ITuple a || output is not ITuple o) return;
        if (m.BiasK is not null || m.AddZeroAttn)
            throw t.Unsupported("MultiheadAttention with addBiasKv or addZeroAttn");
        GraphBuilder b = t.Builder;
        var (query, key, value) = ((Tensor)a[0]!, (Tensor)a[1]!, (Tensor)a[2]!);
        var (kpm, attnMask) = ((Tensor?)a[3], (Tensor?)a[4]);
        bool average = (bool)a[6]!;
        DType dtype = m.OutProj.Weight.DType;
        int e = m.EmbedDim, h = m.NumHeads, hd = e / h;
        bool batched = query.Dim == 3;
        string q = Cast(b, query, dtype), k = Cast(b, key, dtype), v = Cast(b, value, dtype);
        string? pad = kpm is null ? null : b.Name(kpm);
        if (!batched)
        {
            string one = b.ConstInt64(1);
            (q, k, v) = (b.Node("Unsqueeze", [q, one]), b.Node("Unsqueeze", [k, one]), b.Node("Unsqueeze", [v, one]));
            if (pad is not null) pad = b.Node("Unsqueeze", [pad, b.ConstInt64(0)]);
        }
        else if (m.BatchFirst)
        {
            (q, k, v) = (t.Transpose(q, 1, 0, 2), t.Transpose(k, 1, 0, 2), t.Transpose(v, 1, 0, 2));
        }

        // (L, B, E) projections, then heads: (L, B, h, d) to (B, h, L, d); keys straight to (B, h, d, S).
        string split = b.ConstInt64(0, 0, h, hd);
        string qh = t.Transpose(b.Node("Reshape", [Project(t, m, q, 0), split]), 1, 2, 0, 3);
        string kh = t.Transpose(b.Node("Reshape", [Project(t, m, k, 1), split]), 1, 2, 3, 0);
        string vh = t.Transpose(b.Node("Reshape", [Project(t, m, v, 2), split]), 1, 2, 0, 3);
        string scores = b.Node("MatMul", [b.Node("Div", [qh, b.ConstScalar(Math.Sqrt(hd), dtype)]), kh]);

        string? mask = null;
        if (attnMask is not null)
        {
            mask = Additive(b, attnMask, dtype);
            if (attnMask.Dim == 3)
            {
                // (B·h, L, S) to (B, h, L, S): L and S read from the mask's own shape.
                string shape = b.Node("Shape", [mask]);
                string ls = b.Node("Slice", [shape, b.ConstInt64(1), b.ConstInt64(3), b.ConstInt64(0)]);
                mask = b.Node("Reshape", [mask, b.Node("Concat", [b.ConstInt64(-1, h), ls], null,
                    OnnxTracer.Axis(0))]);
            }
        }
        if (kpm is not null)
        {
            string additive = kpm.DType == DType.Bool ? WhereInf(b, pad!, dtype) : CastName(b, pad!, kpm, dtype);
            string bcast = b.Node("Unsqueeze", [additive, b.ConstInt64(1, 2)]);
            mask = mask is null ? bcast : b.Node("Add", [mask, bcast]);
        }
        if (mask is not null) scores = b.Node("Add", [scores, mask]);
        string weights = b.Node("Softmax", [scores], null, OnnxTracer.Axis(-1));

        string heads = t.Transpose(b.Node("MatMul", [weights, vh]), 2, 0, 1, 3);
        string merged = b.Node("Reshape", [heads, b.ConstInt64(0, 0, e)]);
        string y = b.Node("MatMul", [merged, t.Transpose(b.Name(m.OutProj.Weight), 1, 0)]);
        if (m.OutProj.Bias is not null) y = b.Node("Add", [y, b.Name(m.OutProj.Bias)]);
        y = !batched ? b.Node("Squeeze", [y, b.ConstInt64(1)]) : m.BatchFirst ? t.Transpose(y, 1, 0, 2) : y;
        b.Bind((Tensor)o[0]!, y, b.IsBatched(query));

        if (o[1] is Tensor w)
        {
            string ws = weights;
            if (average) ws = b.Node("Div", [t.Reduce("ReduceSum", ws, [1], false), b.ConstScalar(h, dtype)]);
            if (!batched) ws = b.Node("Squeeze", [ws, b.ConstInt64(0)]);
            b.Bind(w, ws, batched && m.BatchFirst && b.IsBatched(query));
        }
    }

    // x·Wᵢᵀ + bᵢ for projection i (0 query, 1 key, 2 value): a slice of the packed weight, or its own weight.
    private static string Project(OnnxTracer t, MultiheadAttention m, string x, int i)
    {
        GraphBuilder b = t.Builder;
        int e = m.EmbedDim;
        string Rows(Tensor packed) =>
            b.Node("Slice", [b.Name(packed), b.ConstInt64((long)i * e), b.ConstInt64((long)(i + 1) * e),
                b.ConstInt64(0)]);
        string w = m.InProjWeight is not null ? Rows(m.InProjWeight)
            : b.Name(i == 0 ? m.QProjWeight! : i == 1 ? m.KProjWeight! : m.VProjWeight!);
        string y = b.Node("MatMul", [x, t.Transpose(w, 1, 0)]);
        return m.InProjBias is null ? y : b.Node("Add", [y, Rows(m.InProjBias)]);
    }

    private static string Additive(GraphBuilder b, Tensor mask, DType dtype) =>
        mask.DType == DType.Bool ? WhereInf(b, b.Name(mask), dtype) : CastName(b, b.Name(mask), mask, dtype);

    // A bool mask (true = may not attend) as 0 / -inf of dtype.
    private static string WhereInf(GraphBuilder b, string mask, DType dtype) =>
        b.Node("Where", [mask, b.ConstScalar(double.NegativeInfinity, dtype), b.ConstScalar(0, dtype)]);

    private static string Cast(GraphBuilder b, Tensor x, DType dtype) => CastName(b, b.Name(x), x, dtype);

    private static string CastName(GraphBuilder b, string name, Tensor x, DType dtype) => x.DType == dtype
        ? name
        : b.Node("Cast", [name], null, GraphBuilder.Int("to", OnnxTracer.OnnxType(dtype)));

    /// <summary>
    /// The encoder's fast-path zeroing, <c>x.MaskedFill(kpm.Unsqueeze(-1), 0)</c>, applied only when every row of
    /// <paramref name="kpm"/> is left-aligned (false up to its length, then true), as Ember decides on the host.
    /// </summary>
    public static string EncoderFastPath(OnnxTracer t, Tensor x, Tensor kpm)
    {
        GraphBuilder b = t.Builder;
        string m = b.Name(kpm);
        string one = b.ConstInt64(1);
        string left = b.Node("Slice", [m, b.ConstInt64(0), b.ConstInt64(-1), one]);
        string right = b.Node("Slice", [m, one, b.ConstInt64(long.MaxValue), one]);
        // A true followed by a false anywhere breaks left alignment.
        string breaks = b.Node("And", [left, b.Node("Not", [right])]);
        string count = t.Reduce("ReduceSum", b.Node("Cast", [breaks], null,
            GraphBuilder.Int("to", OnnxTracer.OnnxType(DType.Float32))), null, false);
        string aligned = b.Node("Equal", [count, b.ConstScalar(0, DType.Float32)]);
        string padded = b.Node("And", [b.Node("Unsqueeze", [m, b.ConstInt64(-1)]), aligned]);
        return b.Node("Where", [padded, b.ConstScalar(0, x.DType), b.Name(x)]);
    }
}
