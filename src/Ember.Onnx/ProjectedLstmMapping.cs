using System.Collections.Generic;
using Ember.NN;

namespace Ember.Onnx;

/// <summary>
/// An LSTM with a projection (<c>projSize</c>): ONNX's LSTM op has none, so the layer is written out step by step
/// for the example's sequence length: per step <c>gates = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh</c> (PyTorch's i, f, g,
/// o blocks), <c>c = σ(f)·c + σ(i)·tanh(g)</c>, <c>h = (σ(o)·tanh(c)) W_hrᵀ</c>; the input projection of all steps is
/// one <c>MatMul</c>. The batch stays symbolic; the length is fixed (a symbolic time dim is refused).
/// </summary>
internal static class ProjectedLstmMapping
{
    public static void Emit(LSTM lstm, Tensor x, Tensor? h0, Tensor? c0, Tensor output, (Tensor H, Tensor C) state,
        Dictionary<string, Parameter> p, OnnxTracer t)
    {
        GraphBuilder b = t.Builder;
        bool timeSymbolic = lstm.BatchFirst ? t.Builder.HasDynamicInnerAxes : b.IsBatched(x);
        if (timeSymbolic)
            throw t.Unsupported("LSTM with projSize over a symbolic sequence length",
                " (it is unrolled over the example's length: declare only the batch dim dynamic" +
                (lstm.BatchFirst ? ")" : ", dim 1 of a sequence-first input)"));
        int steps = x.Shape[lstm.BatchFirst ? 1 : 0], hidden = lstm.HiddenSize, dirs = lstm.Bidirectional ? 2 : 1;
        string seq = lstm.BatchFirst ? t.Transpose(b.Name(x), 1, 0, 2) : b.Name(x);
        var hn = new List<string>();
        var cn = new List<string>();
        for (int layer = 0; layer < lstm.NumLayers; layer++)
        {
            var outs = new string[dirs];
            for (int d = 0; d < dirs; d++)
            {
                string s = $"_l{layer}{(d == 1 ? "_reverse" : "")}";
                int index = layer * dirs + d;
                string? h = h0 is null ? null : Pick(b, b.Name(h0), index);
                string? c = c0 is null ? null : Pick(b, b.Name(c0), index);
                string xw = b.Node("MatMul", [seq, t.Transpose(b.Name(p["weight_ih" + s]), 1, 0)]);
                string? bias = p.TryGetValue("bias_ih" + s, out Parameter? bi)
                    ? b.Node("Add", [b.Name(bi), b.Name(p["bias_hh" + s])]) : null;
                if (bias is not null) xw = b.Node("Add", [xw, bias]);
                string whh = t.Transpose(b.Name(p["weight_hh" + s]), 1, 0);
                string whr = t.Transpose(b.Name(p["weight_hr" + s]), 1, 0);
                var hs = new string[steps];
                for (int k = 0; k < steps; k++)
                {
                    int step = d == 1 ? steps - 1 - k : k;
                    string gates = b.Node("Gather", [xw, b.ConstInt64Scalar(step)], null, OnnxTracer.Axis(0));
                    if (h is not null) gates = b.Node("Add", [gates, b.Node("MatMul", [h, whh])]);
                    string Gate(int g, string act) => b.Node(act, [b.Node("Slice", [gates,
                        b.ConstInt64((long)g * hidden), b.ConstInt64((long)(g + 1) * hidden), b.ConstInt64(1)])]);
                    string ig = b.Node("Mul", [Gate(0, "Sigmoid"), Gate(2, "Tanh")]);
                    c = c is null ? ig : b.Node("Add", [b.Node("Mul", [Gate(1, "Sigmoid"), c]), ig]);
                    h = b.Node("MatMul", [b.Node("Mul", [Gate(3, "Sigmoid"), b.Node("Tanh", [c])]), whr]);
                    hs[step] = b.Node("Unsqueeze", [h, b.ConstInt64(0)]);
                }
                outs[d] = hs.Length == 1 ? hs[0] : b.Node("Concat", hs, null, OnnxTracer.Axis(0));
                hn.Add(b.Node("Unsqueeze", [h!, b.ConstInt64(0)]));
                cn.Add(b.Node("Unsqueeze", [c!, b.ConstInt64(0)]));
            }
            seq = dirs == 1 ? outs[0] : b.Node("Concat", outs, null, OnnxTracer.Axis(2));
        }
        b.Bind(output, lstm.BatchFirst ? t.Transpose(seq, 1, 0, 2) : seq, lstm.BatchFirst && b.IsBatched(x));
        b.Bind(state.H, hn.Count == 1 ? hn[0] : b.Node("Concat", [.. hn], null, OnnxTracer.Axis(0)), false);
        b.Bind(state.C, cn.Count == 1 ? cn[0] : b.Node("Concat", [.. cn], null, OnnxTracer.Axis(0)), false);
    }

    // State index i of (L·D, B, ·) as (B, ·).
    private static string Pick(GraphBuilder b, string state, int index) =>
        b.Node("Gather", [state, b.ConstInt64Scalar(index)], null, OnnxTracer.Axis(0));
}
