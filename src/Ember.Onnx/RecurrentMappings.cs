using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ember.NN;
using Ember.Onnx.Proto;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// <c>LSTM</c>, <c>GRU</c> and <c>RNN</c> as ONNX's own recurrent ops, one per layer (bidirectional layers as one op
/// with <c>direction = "bidirectional"</c>). ONNX orders the gates differently from PyTorch (LSTM: i, o, f, c against
/// PyTorch's i, f, g, o; GRU: z, r, h against r, z, n), so the weights are written reordered, under the parameter's
/// state-dict name with an <c>.onnx</c> suffix; GRU needs <c>linear_before_reset = 1</c> (PyTorch applies the reset
/// gate after the hidden projection).
/// </summary>
internal static class RecurrentMappings
{
    public static bool Claims(object module) => module is LSTM or GRU or NN.RNN;

    public static void Emit(object module, object? input, object? output, OnnxTracer t)
    {
        if (input is not ITuple inTuple || output is not ITuple outTuple) return;
        GraphBuilder b = t.Builder;
        var (mode, numLayers, hidden, bidir, batchFirst, proj) = module switch
        {
            LSTM l => ("LSTM", l.NumLayers, l.HiddenSize, l.Bidirectional, l.BatchFirst, l.ProjSize),
            GRU g => ("GRU", g.NumLayers, g.HiddenSize, g.Bidirectional, g.BatchFirst, 0),
            NN.RNN r => ("RNN", r.NumLayers, r.HiddenSize, r.Bidirectional, r.BatchFirst, 0),
            _ => throw t.Unsupported($"layer {module.GetType().Name}"),
        };
        var x = (Tensor)inTuple[0]!;
        string lengths = inTuple[2] is int[] lens ? Lengths(t, lens, mode) : "";
        if (x.Dim != 3) throw t.Unsupported($"{mode} on unbatched (2-D) input");
        var p = new Dictionary<string, Parameter>();
        foreach (var (name, param) in ((ModuleBase)module).NamedParameters(recurse: false)) p[name] = param;
        if (proj > 0 && module is LSTM projected && outTuple[1] is ITuple st)
        {
            if (lengths.Length > 0) throw t.Unsupported("LSTM with projSize and per-sequence lengths");
            // ONNX's LSTM has no projection: written out step by step.
            var (ph0, pc0) = inTuple[1] is ITuple s0 ? ((Tensor?)s0[0], (Tensor?)s0[1]) : (null, null);
            ProjectedLstmMapping.Emit(projected, x, ph0, pc0, (Tensor)outTuple[0]!, ((Tensor)st[0]!, (Tensor)st[1]!),
                p, t);
            return;
        }
        string path = t.PathOf(module);
        int dirs = bidir ? 2 : 1;
        int[] order = mode switch { "LSTM" => [0, 3, 1, 2], "GRU" => [1, 0, 2], _ => [0] };

        (Tensor? h0, Tensor? c0) = inTuple[1] switch
        {
            ITuple s when mode == "LSTM" => ((Tensor?)s[0], (Tensor?)s[1]),
            Tensor h => (h, null),
            _ => (null, null),
        };

        string seq = batchFirst ? t.Transpose(b.Name(x), 1, 0, 2) : b.Name(x);
        var hs = new List<string>();
        var cs = new List<string>();
        for (int layer = 0; layer < numLayers; layer++)
        {
            string w = Stack(b, p, path, "weight_ih", layer, dirs, order, hidden);
            string r = Stack(b, p, path, "weight_hh", layer, dirs, order, hidden);
            string bias = p.ContainsKey($"bias_ih_l{layer}") ? StackBias(b, p, path, layer, dirs, order, hidden) : "";
            string init = h0 is null ? "" : SliceLayer(t, b.Name(h0), layer, dirs);
            var inputs = new List<string> { seq, w, r, bias, lengths, init };
            if (mode == "LSTM") inputs.Add(c0 is null ? "" : SliceLayer(t, b.Name(c0), layer, dirs));
            string y = b.Fresh(mode + "_Y"), yh = b.Fresh(mode + "_Y_h");
            string[] outputs = mode == "LSTM" ? [y, yh, b.Fresh("LSTM_Y_c")] : [y, yh];
            var attrs = new List<AttributeProto>
            {
                GraphBuilder.Int("hidden_size", hidden),
                GraphBuilder.Str("direction", bidir ? "bidirectional" : "forward"),
            };
            if (mode == "GRU") attrs.Add(GraphBuilder.Int("linear_before_reset", 1));
            if (module is NN.RNN rnn)
            {
                string act = rnn.Nonlinearity == "relu" ? "Relu" : "Tanh";
                attrs.Add(bidir ? GraphBuilder.Strs("activations", act, act) : GraphBuilder.Strs("activations", act));
            }
            b.NodeMulti(mode, [.. inputs], outputs, [.. attrs]);
            hs.Add(yh);
            if (mode == "LSTM") cs.Add(outputs[2]);
            // Y is [T, dirs, N, H]; the next layer and the output want [T, N, dirs*H].
            seq = b.Node("Reshape", [t.Transpose(y, 0, 2, 1, 3), b.ConstInt64(0, 0, -1)]);
        }
        string outSeq = batchFirst ? t.Transpose(seq, 1, 0, 2) : seq;
        var output0 = (Tensor)outTuple[0]!;
        b.Bind(output0, outSeq, batchFirst && b.IsBatched(x));
        string hn = hs.Count == 1 ? hs[0] : b.Node("Concat", [.. hs], null, OnnxTracer.Axis(0));
        if (outTuple[1] is ITuple state)
        {
            b.Bind((Tensor)state[0]!, hn, false);
            string cn = cs.Count == 1 ? cs[0] : b.Node("Concat", [.. cs], null, OnnxTracer.Axis(0));
            b.Bind((Tensor)state[1]!, cn, false);
        }
        else if (outTuple[1] is Tensor h)
        {
            b.Bind(h, hn, false);
        }
    }

    // ONNX's sequence_lens: the graph input the lengths came in as, else (a fixed batch only) a constant.
    private static string Lengths(OnnxTracer t, int[] lengths, string mode)
    {
        GraphBuilder b = t.Builder;
        if (b.ArrayInput(lengths) is { } input) return input;
        if (b.HasSymbolicInputs)
            throw t.Unsupported($"{mode} with per-sequence lengths computed in Forward",
                " (with symbolic dims they would be frozen at the example's; pass them in the exported input, or " +
                "fix every dim)");
        return b.Name(Tensor.From<int>(lengths, [lengths.Length]));
    }

    private static string SliceLayer(OnnxTracer t, string state, int layer, int dirs)
    {
        GraphBuilder b = t.Builder;
        return b.Node("Slice", [state, b.ConstInt64(layer * dirs), b.ConstInt64((layer + 1) * dirs),
            b.ConstInt64(0)]);
    }

    // [dirs, G·H, in] with the gate blocks in ONNX's order.
    private static string Stack(GraphBuilder b, Dictionary<string, Parameter> p, string path, string kind, int layer,
        int dirs, int[] order, int hidden)
    {
        Tensor w0 = p[$"{kind}_l{layer}"];
        int rows = w0.Shape[0], cols = w0.Shape[1];
        var data = new List<Tensor>();
        for (int d = 0; d < dirs; d++) data.Add(p[$"{kind}_l{layer}{(d == 1 ? "_reverse" : "")}"]);
        return b.AddInitializer(Name(path, $"{kind}_l{layer}"), Reorder(data, order, hidden, cols),
            [dirs, rows, cols]);
    }

    // [dirs, 2·G·H]: the input bias then the hidden bias, each reordered.
    private static string StackBias(GraphBuilder b, Dictionary<string, Parameter> p, string path, int layer,
        int dirs, int[] order, int hidden)
    {
        var data = new List<Tensor>();
        for (int d = 0; d < dirs; d++)
        {
            string s = $"_l{layer}{(d == 1 ? "_reverse" : "")}";
            data.Add(p["bias_ih" + s]);
            data.Add(p["bias_hh" + s]);
        }
        int g = order.Length;
        return b.AddInitializer(Name(path, $"bias_l{layer}"), Reorder(data, order, hidden, 1),
            [dirs, 2 * g * hidden]);
    }

    private static string Name(string path, string local) =>
        (path.Length == 0 ? local : path + "." + local) + ".onnx";

    // Concatenates the tensors, each with its gate blocks (hidden rows of cols each) in the given order.
    private static (byte[] Bytes, DType DType) Reorder(List<Tensor> tensors, int[] order, int hidden, int cols)
    {
        DType dtype = tensors[0].DType;
        int size = dtype == DType.Float64 ? 8 : 4;
        int block = hidden * cols * size;
        var bytes = new List<byte>();
        foreach (Tensor t in tensors)
        {
            byte[] src = dtype == DType.Float64
                ? MemoryMarshal.AsBytes(t.ToArray<double>().AsSpan()).ToArray()
                : MemoryMarshal.AsBytes(t.To(DType.Float32).ToArray<float>().AsSpan()).ToArray();
            foreach (int gate in order) bytes.AddRange(new ArraySegment<byte>(src, gate * block, block));
        }
        return ([.. bytes], dtype == DType.Float64 ? DType.Float64 : DType.Float32);
    }
}
