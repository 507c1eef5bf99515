using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// Scaled dot-product attention, MultiheadAttention and the Transformer modules against PyTorch 1.13
/// (tools/golden/attention.py): each case loads PyTorch's state dict (names and shapes must match), runs the
/// fixture inputs and masks, and compares the outputs and the gradients of Σ outᵢ·gᵢ for the float inputs and every
/// parameter, in float64 and float32. The eval fast-path cases compare outputs only (zeros at padded positions).
/// </summary>
public class AttentionGoldenTests
{
    private static readonly JsonElement[] s_cases =
        Golden.Load("attention.json").GetProperty("cases").EnumerateArray().ToArray();

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => s_cases.First(c => c.GetProperty("name").GetString() == name);

    private static int Int(JsonElement a, string name, int fallback) =>
        a.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;

    private static bool Flag(JsonElement a, string name, bool fallback = false) =>
        a.TryGetProperty(name, out var v) ? v.GetBoolean() : fallback;

    private static string Act(JsonElement a) => a.TryGetProperty("activation", out var v) ? v.GetString()! : "relu";

    private static ModuleBase? Create(string kind, JsonElement a)
    {
        const DType F64 = DType.Float64;
        int d = Int(a, "d_model", 0), h = Int(a, "nhead", 0), ff = Int(a, "dim_feedforward", 2048);
        bool bf = Flag(a, "batch_first"), nf = Flag(a, "norm_first");
        switch (kind)
        {
            case "sdpa": return null;
            case "mha":
                return new MultiheadAttention(a.GetProperty("embed_dim").GetInt32(),
                    a.GetProperty("num_heads").GetInt32(),
                    0, Flag(a, "bias", true), a.TryGetProperty("kdim", out var kd) ? kd.GetInt32() : null,
                    a.TryGetProperty("vdim", out var vd) ? vd.GetInt32() : null, bf, F64,
                    addBiasKv: Flag(a, "add_bias_kv"), addZeroAttn: Flag(a, "add_zero_attn"));
            case "encoder_layer": return new TransformerEncoderLayer(d, h, ff, 0, Act(a), 1e-5, bf, nf, F64);
            case "decoder_layer": return new TransformerDecoderLayer(d, h, ff, 0, Act(a), 1e-5, bf, nf, F64);
            case "encoder":
                {
                    var layer = new TransformerEncoderLayer(d, h, ff, 0, Act(a), 1e-5, bf, nf, F64);
                    bool norm = Flag(a, "norm", !Flag(a, "eval"));
                    return new TransformerEncoder(layer, Int(a, "num_layers", 1),
                        norm ? new LayerNorm([d], dtype: F64) : null);
                }
            case "decoder":
                return new TransformerDecoder(new TransformerDecoderLayer(d, h, ff, 0, Act(a), 1e-5, bf, nf, F64),
                    Int(a, "num_layers", 1));
            case "transformer":
                return new Transformer(d, h, Int(a, "num_encoder_layers", 6), Int(a, "num_decoder_layers", 6), ff, 0,
                    Act(a), 1e-5, bf, nf, F64);
            default: throw new NotSupportedException(kind);
        }
    }

    private static Tensor[] Run(string name, string kind, JsonElement a, ModuleBase? m, Dictionary<string, Tensor> t)
    {
        Tensor? Get(string n) => t.TryGetValue(n, out var v) ? v : null;
        switch (kind)
        {
            case "sdpa":
                return [F.ScaledDotProductAttention(t["q"], t["k"], t["v"], Get("attn_mask"),
                    isCausal: Flag(a, "is_causal"))];
            case "mha":
                {
                    Tensor q = t["q"], k = Get("k") ?? q, v = Get("v") ?? k;
                    bool needWeights = !name.Contains("no_weights", StringComparison.Ordinal);
                    bool average = !name.Contains("per_head", StringComparison.Ordinal);
                    var (o, w) = ((MultiheadAttention)m!).Call(q, k, v, Get("key_padding_mask"), needWeights,
                        Get("attn_mask"), average);
                    return w is null ? [o] : [o, w];
                }
            case "encoder_layer":
                return [((TransformerEncoderLayer)m!).Call(t["src"], Get("src_mask"), Get("src_key_padding_mask"))];
            case "decoder_layer":
                return [((TransformerDecoderLayer)m!).Call(t["tgt"], t["memory"], Get("tgt_mask"), null, null,
                    Get("memory_key_padding_mask"))];
            case "encoder":
                return [((TransformerEncoder)m!).Call(t["src"], null, Get("src_key_padding_mask"))];
            case "decoder": return [((TransformerDecoder)m!).Call(t["tgt"], t["memory"])];
            case "transformer":
                return [((Transformer)m!).Call(t["src"], t["tgt"], tgtMask: Get("tgt_mask"),
                    srcKeyPaddingMask: Get("src_key_padding_mask"),
                    memoryKeyPaddingMask: Get("memory_key_padding_mask"))];
            default: throw new NotSupportedException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StateDictNamesAndShapesEqualPyTorch(string name)
    {
        var c = Case(name);
        var m = Create(c.GetProperty("kind").GetString()!, c.GetProperty("args"));
        if (m is null) return;
        var expected = c.GetProperty("state_dict").EnumerateArray().Select(e => (
            e.GetProperty("name").GetString()!, Golden.Shape(e.GetProperty("value")))).ToArray();
        var actual = m.StateDict().Select(kv => (kv.Key, kv.Value.Shape.ToArray())).ToArray();
        Assert.Equal(expected.Select(e => e.Item1), actual.Select(x => x.Key));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].Item2, actual[i].Item2);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OutputsAndGradientsMatchPyTorch(string name)
    {
        var c = Case(name);
        string kind = c.GetProperty("kind").GetString()!;
        JsonElement a = c.GetProperty("args");
        bool eval = Flag(a, "eval");
        foreach (var (dtype, rtol, atol) in new[] { (DType.Float64, 1e-9, 1e-11), (DType.Float32, 1e-4, 2e-5) })
        {
            var m = Create(kind, a);
            if (m is not null)
            {
                m.LoadStateDict(c.GetProperty("state_dict").EnumerateArray().ToDictionary(
                    e => e.GetProperty("name").GetString()!, e => Golden.Tensor(e.GetProperty("value"))));
                if (dtype == DType.Float32) m.To(DType.Float32);
                if (eval) m.Eval();
            }
            var t = new Dictionary<string, Tensor>();
            foreach (var p in c.GetProperty("inputs").EnumerateObject())
            {
                Tensor v = Golden.Tensor(p.Value);
                if (v.DType.IsFloatingPoint())
                {
                    v = v.To(dtype).Detach();
                    if (!p.Name.EndsWith("mask", StringComparison.Ordinal) && !eval) v.RequiresGrad_();
                }
                t[p.Name] = v;
            }
            Tensor[] outs;
            if (eval)
            {
                using var noGrad = Autograd.NoGrad();
                outs = Run(name, kind, a, m, t);
            }
            else outs = Run(name, kind, a, m, t);
            Tensor[] expected = c.GetProperty("outputs").EnumerateArray().Select(e => Golden.Tensor(e)).ToArray();
            Assert.Equal(expected.Length, outs.Length);
            for (int i = 0; i < outs.Length; i++)
                Close.Equal(expected[i], outs[i].To(DType.Float64), rtol, atol, $"{name} {dtype} output {i}");
            if (eval) continue;
            Tensor[] g = c.GetProperty("cotangents").EnumerateArray().Select(e => Golden.Tensor(e)).ToArray();
            Tensor loss = Tensor.Zeros([], dtype);
            for (int i = 0; i < outs.Length; i++) loss += (outs[i] * g[i].To(dtype)).Sum();
            loss.Backward();
            foreach (var p in c.GetProperty("grads").EnumerateObject())
                Close.Equal(Golden.Tensor(p.Value), t[p.Name].Grad!.To(DType.Float64), rtol, atol,
                    $"{name} {dtype} grad {p.Name}");
            if (m is null) continue;
            var named = m.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            foreach (var p in c.GetProperty("grad_params").EnumerateObject())
                Close.Equal(Golden.Tensor(p.Value), named[p.Name].Grad!.To(DType.Float64), rtol, atol,
                    $"{name} {dtype} grad {p.Name}");
        }
    }
}
