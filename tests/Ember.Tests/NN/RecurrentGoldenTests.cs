using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// RNN, LSTM, GRU and their cells against PyTorch 1.13 (tools/golden/rnn.py): each case loads PyTorch's state dict
/// (names, order and shapes must match), runs the fixture input and initial states, and compares every output and
/// the gradients of Σ outᵢ·gᵢ for the input, the states and every parameter, in float64 and float32. Variable-length
/// cases compare with pack_padded_sequence / pad_packed_sequence.
/// </summary>
public class RecurrentGoldenTests
{
    private static readonly JsonElement s_golden = Golden.Load("rnn.json");
    private static readonly JsonElement[] s_cases = s_golden.GetProperty("cases").EnumerateArray().ToArray();

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => s_cases.First(c => c.GetProperty("name").GetString() == name);

    private static int Int(JsonElement args, string name, int fallback) =>
        args.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;

    private static bool Flag(JsonElement args, string name, bool fallback = false) =>
        args.TryGetProperty(name, out var v) ? v.GetBoolean() : fallback;

    /// <summary>The Ember module for a case's kind and PyTorch constructor arguments, in float64.</summary>
    internal static ModuleBase Create(string kind, JsonElement a)
    {
        int inSize = a.GetProperty("input_size").GetInt32(), hidden = a.GetProperty("hidden_size").GetInt32();
        int layers = Int(a, "num_layers", 1);
        bool bias = Flag(a, "bias", true), bf = Flag(a, "batch_first"), bi = Flag(a, "bidirectional");
        string act = a.TryGetProperty("nonlinearity", out var n) ? n.GetString()! : "tanh";
        const DType F64 = DType.Float64;
        return kind switch
        {
            "LSTM" => new LSTM(inSize, hidden, layers, bias, bf, 0, bi, Int(a, "proj_size", 0), F64),
            "GRU" => new GRU(inSize, hidden, layers, bias, bf, 0, bi, F64),
            "RNN" => new RNN(inSize, hidden, layers, act, bias, bf, 0, bi, F64),
            "LSTMCell" => new LSTMCell(inSize, hidden, bias, F64),
            "GRUCell" => new GRUCell(inSize, hidden, bias, F64),
            "RNNCell" => new RNNCell(inSize, hidden, bias, act, F64),
            _ => throw new NotSupportedException(kind),
        };
    }

    /// <summary>Runs a recurrent module; returns its outputs in PyTorch's order (output, h_n[, c_n]).</summary>
    internal static Tensor[] Run(ModuleBase m, Tensor x, Tensor[] states, int[]? lengths)
    {
        Tensor? s0 = states.Length > 0 ? states[0] : null;
        (Tensor, Tensor)? pair = states.Length == 2 ? (states[0], states[1]) : null;
        switch (m)
        {
            case LSTM lstm:
                {
                    var (o, (h, c)) = lstm.Call((x, pair, lengths));
                    return [o, h, c];
                }
            case GRU gru:
                {
                    var (o, h) = gru.Call((x, s0, lengths));
                    return [o, h];
                }
            case RNN rnn:
                {
                    var (o, h) = rnn.Call((x, s0, lengths));
                    return [o, h];
                }
            case LSTMCell cell:
                {
                    var (h, c) = cell.Call(x, pair);
                    return [h, c];
                }
            case GRUCell cell: return [cell.Call(x, s0)];
            case RNNCell cell: return [cell.Call(x, s0)];
            default: throw new NotSupportedException(m.GetType().Name);
        }
    }

    private static Dictionary<string, Tensor> StateDict(JsonElement c) =>
        c.GetProperty("state_dict").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => Golden.Tensor(e.GetProperty("value")));

    private static Tensor[] List(JsonElement c, string name) =>
        c.GetProperty(name).EnumerateArray().Select(e => Golden.Tensor(e)).ToArray();

    private static int[]? Lengths(JsonElement c) =>
        c.GetProperty("lengths").ValueKind == JsonValueKind.Null ? null
        : c.GetProperty("lengths").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StateDictNamesAndShapesEqualPyTorch(string name)
    {
        var c = Case(name);
        var m = Create(c.GetProperty("kind").GetString()!, c.GetProperty("args"));
        var expected = c.GetProperty("state_dict").EnumerateArray().Select(e => (
            e.GetProperty("name").GetString()!, Golden.Shape(e.GetProperty("value")))).ToArray();
        var actual = m.StateDict().Select(kv => (kv.Key, kv.Value.Shape.ToArray())).ToArray();
        Assert.Equal(expected.Select(e => e.Item1), actual.Select(a => a.Key));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].Item2, actual[i].Item2);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OutputsAndGradientsMatchPyTorch(string name)
    {
        var c = Case(name);
        foreach (var (dtype, rtol, atol) in new[] { (DType.Float64, 1e-9, 1e-11), (DType.Float32, 1e-4, 1e-5) })
        {
            var m = Create(c.GetProperty("kind").GetString()!, c.GetProperty("args"));
            m.LoadStateDict(StateDict(c));
            if (dtype == DType.Float32) m.To(DType.Float32);
            Tensor x = Golden.Tensor(c.GetProperty("input")).To(dtype).Detach().RequiresGrad_();
            Tensor[] states = List(c, "states").Select(s => s.To(dtype).Detach().RequiresGrad_()).ToArray();
            Tensor[] outs = Run(m, x, states, Lengths(c));
            Tensor[] expected = List(c, "outputs"), g = List(c, "cotangents");
            Assert.Equal(expected.Length, outs.Length);
            Tensor loss = Tensor.Zeros([], dtype);
            for (int i = 0; i < outs.Length; i++)
            {
                Assert.Equal(dtype, outs[i].DType);
                Close.Equal(expected[i], outs[i].To(DType.Float64), rtol, atol, $"{name} {dtype} output {i}");
                loss += (outs[i] * g[i].To(dtype)).Sum();
            }
            loss.Backward();
            Close.Equal(Golden.Tensor(c.GetProperty("grad_input")), x.Grad!.To(DType.Float64), rtol, atol,
                $"{name} {dtype} grad input");
            Tensor[] gs = List(c, "grad_states");
            for (int i = 0; i < gs.Length; i++)
                Close.Equal(gs[i], states[i].Grad!.To(DType.Float64), rtol, atol, $"{name} {dtype} grad state {i}");
            var gp = c.GetProperty("grad_params");
            var named = m.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            Assert.Equal(gp.EnumerateObject().Select(p => p.Name), named.Keys);
            foreach (var p in gp.EnumerateObject())
                Close.Equal(Golden.Tensor(p.Value), named[p.Name].Grad!.To(DType.Float64), rtol, atol,
                    $"{name} {dtype} grad {p.Name}");
        }
    }

    private static SortedSet<string> Reachable(Tensor t)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node?>();
        stack.Push(t.GradFn);
        while (stack.Count > 0)
        {
            Node? n = stack.Pop();
            if (n is null || !seen.Add(n)) continue;
            names.Add(n.Name);
            foreach (var e in n.NextFunctions) stack.Push(e.Function);
        }
        return names;
    }

    /// <summary>
    /// The graph's shape as tools/golden/rnn.py writes it: each distinct sub-graph (name and inputs, post-order) is
    /// numbered once, so PyTorch's one multi-output split node and Ember's one node per piece read alike;
    /// <c>AccumulateGrad</c> shows its parameter's name.
    /// </summary>
    private static List<string> Structure(Tensor t, ModuleBase m)
    {
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in m.NamedParameters()) names[p] = name;
        var memo = new Dictionary<Node, string>(ReferenceEqualityComparer.Instance);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<string>();
        string Walk(Node? n)
        {
            if (n is null) return "-";
            if (memo.TryGetValue(n, out var id)) return id;
            IEnumerable<string> args = n is AccumulateGrad acc
                ? [names[acc.Variable]]
                : n.NextFunctions.Select(e => Walk(e.Function)).ToList();
            string sig = $"{n.Name}({string.Join(",", args)})";
            if (!ids.TryGetValue(sig, out id))
            {
                ids[sig] = id = lines.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                lines.Add(sig);
            }
            return memo[n] = id;
        }
        Walk(t.GradFn);
        return lines;
    }

    /// <summary>
    /// The fused LSTM step (and every other cell) records PyTorch 1.13's nodes with PyTorch's wiring, step by step:
    /// fusion computes several nodes' forward in one kernel but never merges or reorders nodes. The bidirectional
    /// module is left out: Ember projects the reverse direction's input in one GEMM where PyTorch goes step by step
    /// (see <see cref="RNNBase{TIn, TOut}"/>).
    /// </summary>
    [Theory]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("RNN")]
    [InlineData("LSTM_proj")]
    public void GraphStructureEqualsPyTorchs(string kind)
    {
        var g = s_golden.GetProperty("graphs").EnumerateArray().First(e => e.GetProperty("kind").GetString() == kind);
        ModuleBase m = kind switch
        {
            "LSTM" => new LSTM(3, 4),
            "GRU" => new GRU(3, 4),
            "RNN" => new RNN(3, 4),
            "LSTM_proj" => new LSTM(3, 4, projSize: 2),
            _ => throw new NotSupportedException(kind),
        };
        Tensor[] outs = Run(m, Tensor.Randn(3, 2, 3), [], null);
        Assert.Equal(g.GetProperty("structure").EnumerateArray().Select(e => e.GetString()!), Structure(outs[0], m));
    }

    public static IEnumerable<object[]> GraphKinds() =>
        s_golden.GetProperty("graphs").EnumerateArray()
            .Select(g => new object[] { g.GetProperty("kind").GetString()! });

    [Theory]
    [MemberData(nameof(GraphKinds))]
    public void VisibleGraphHasPyTorchsNodeNames(string kind)
    {
        var g = s_golden.GetProperty("graphs").EnumerateArray().First(e => e.GetProperty("kind").GetString() == kind);
        ModuleBase m = kind switch
        {
            "LSTM" => new LSTM(3, 4),
            "GRU" => new GRU(3, 4),
            "RNN" => new RNN(3, 4),
            "LSTM_bidir" => new LSTM(3, 4, bidirectional: true),
            "LSTM_proj" => new LSTM(3, 4, projSize: 2),
            _ => throw new NotSupportedException(kind),
        };
        Tensor[] outs = Run(m, Tensor.Randn(3, 2, 3), [], null);
        Assert.Equal(g.GetProperty("output").GetString(), outs[0].GradFn!.Name);
        Assert.Equal(g.GetProperty("output_nodes").EnumerateArray().Select(e => e.GetString()!), Reachable(outs[0]));
        Assert.Equal(g.GetProperty("state").EnumerateArray().Select(e => e.GetString()!),
            outs.Skip(1).Select(o => o.GradFn!.Name));
    }
}
