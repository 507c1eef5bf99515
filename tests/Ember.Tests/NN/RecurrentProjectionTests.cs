using System;
using System.Collections.Generic;
using System.Linq;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// The recurrent modules form the hidden weight's and bias's gradient of all steps in one GEMM when the first step's
/// node runs (<c>HiddenProjectionGroup</c>): the gradients, hooks, retained graphs, <c>Autograd.Grad</c> and double
/// backward must see what an unrolled loop of plain ops (one <c>AddmmBackward0</c> gradient per step) gives.
/// </summary>
public class RecurrentProjectionTests
{
    private static Tensor Rand(Generator g, params int[] shape) => Tensor.Randn(shape, g, DType.Float64);

    private static ModuleBase Make(string kind, Generator g, bool bias = true) => kind switch
    {
        "LSTM" => new LSTM(3, 4, bias: bias, dtype: DType.Float64, generator: g),
        "GRU" => new GRU(3, 4, bias: bias, dtype: DType.Float64, generator: g),
        "RNN" => new RNN(3, 4, bias: bias, dtype: DType.Float64, generator: g),
        _ => throw new NotSupportedException(kind),
    };

    private static Tensor Module(ModuleBase m, Tensor x) => m switch
    {
        LSTM l => l.Call(x).Output,
        GRU r => r.Call(x).Output,
        RNN r => r.Call(x).Output,
        _ => throw new NotSupportedException(m.GetType().Name),
    };

    /// <summary>The same recurrence as plain per-step ops on the module's own parameters.</summary>
    private static Tensor Unrolled(ModuleBase m, Tensor x)
    {
        var p = m.NamedParameters().ToDictionary(e => e.Name, e => (Tensor)e.Parameter);
        Tensor wih = p["weight_ih_l0"], whh = p["weight_hh_l0"];
        Tensor? bih = p.GetValueOrDefault("bias_ih_l0"), bhh = p.GetValueOrDefault("bias_hh_l0");
        int hidden = whh.Shape[1];
        Tensor h = Tensor.Zeros([x.Shape[1], hidden], DType.Float64), c = h;
        var outs = new List<Tensor>();
        foreach (Tensor xt in x.Unbind(0))
        {
            Tensor xp = F.Linear(xt, wih, bih), hp = F.Linear(h, whh, bhh);
            if (m is LSTM)
            {
                Tensor[] g = (xp + hp).Chunk(4, 1);
                c = (g[1].Sigmoid() * c) + (g[0].Sigmoid() * g[2].Tanh());
                h = g[3].Sigmoid() * c.Tanh();
            }
            else if (m is GRU)
            {
                Tensor[] xg = xp.Chunk(3, 1), hg = hp.Chunk(3, 1);
                Tensor r = (xg[0] + hg[0]).Sigmoid(), z = (xg[1] + hg[1]).Sigmoid();
                Tensor n = (xg[2] + (r * hg[2])).Tanh();
                h = ((1 - z) * n) + (z * h);
            }
            else h = (xp + hp).Tanh();
            outs.Add(h);
        }
        return Tensor.Stack(outs.ToArray(), 0);
    }

    private static Dictionary<string, Tensor> Grads(ModuleBase m, Tensor x, Func<Tensor, Tensor> loss,
        Func<ModuleBase, Tensor, Tensor> run, int backwards = 1)
    {
        foreach (var p in m.Parameters()) p.Grad = null;
        x.Grad = null;
        Tensor l = loss(run(m, x));
        for (int i = 0; i < backwards; i++) l.Backward(retainGraph: i < backwards - 1);
        var d = m.NamedParameters().ToDictionary(e => e.Name, e => e.Parameter.Grad!.Clone());
        d["x"] = x.Grad!.Clone();
        return d;
    }

    private static void SameGrads(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected) Close.Equal(e, actual[name], 1e-10, 1e-12, name);
    }

    public static IEnumerable<object[]> Cases() =>
        from kind in new[] { "LSTM", "GRU", "RNN" }
        from loss in new[] { "weighted", "one step", "plus weight decay", "twice retained" }
        from bias in new[] { true, false }
        select new object[] { kind, loss, bias };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsEqualAnUnrolledLoopOfPlainOps(string kind, string loss, bool bias)
    {
        var g = new Generator(11);
        ModuleBase m = Make(kind, g, bias);
        Tensor x = Rand(g, 5, 2, 3).RequiresGrad_(), r = Rand(g, 5, 2, 4);
        Tensor whh = m.NamedParameters().First(e => e.Name == "weight_hh_l0").Parameter;
        Func<Tensor, Tensor> f = loss switch
        {
            "weighted" => o => (o * r).Sum(),
            "one step" => o => (o.Unbind(0)[1] * r.Unbind(0)[1]).Sum(),
            "plus weight decay" => o => (o * r).Sum() + (whh * whh).Sum(),
            _ => o => (o * r).Sum(),
        };
        int backwards = loss == "twice retained" ? 2 : 1;
        SameGrads(Grads(m, x, f, Unrolled, backwards), Grads(m, x, f, Module, backwards));
    }

    /// <summary>
    /// The input projection's buffer is reused by the next forward on the thread: a graph kept across another
    /// forward (of other sizes too) must still give its own gradients and outputs.
    /// </summary>
    [Fact]
    public void AGraphKeptAcrossAnotherForwardGivesItsOwnGradients()
    {
        var g = new Generator(14);
        var m = new LSTM(3, 4, numLayers: 2, bidirectional: true, dtype: DType.Float64, generator: g);
        Tensor x = Rand(g, 5, 2, 3), r = Rand(g, 5, 2, 8), other = Rand(g, 7, 3, 3);
        Tensor expectedOut = m.Call(x).Output.Detach();
        (m.Call(x).Output * r).Sum().Backward();
        var expected = m.NamedParameters().ToDictionary(e => e.Name, e => e.Parameter.Grad!.Clone());
        foreach (var p in m.Parameters()) p.Grad = null;
        Tensor output = m.Call(x).Output;
        m.Call(other).Output.Sum().Backward();
        foreach (var p in m.Parameters()) p.Grad = null;
        (output * r).Sum().Backward();
        Close.Equal(expectedOut, output, 0, 0, "output");
        foreach (var (name, e) in expected) Close.Equal(e, m.NamedParameters().First(p => p.Name == name)
            .Parameter.Grad!, 1e-12, 1e-14, name);
    }

    [Fact]
    public void AHookOnTheHiddenWeightSeesTheSummedGradientOnce()
    {
        var g = new Generator(12);
        var m = new LSTM(3, 4, dtype: DType.Float64, generator: g);
        Tensor x = Rand(g, 6, 2, 3), r = Rand(g, 6, 2, 4);
        Tensor whh = m.NamedParameters().First(e => e.Name == "weight_hh_l0").Parameter;
        var seen = new List<Tensor>();
        using (whh.RegisterHook(t => { seen.Add(t.Clone()); return t * 2; }))
            (m.Call(x).Output * r).Sum().Backward();
        Tensor single = Assert.Single(seen);
        Close.Equal(single * 2, whh.Grad!, 1e-12, 0, "hooked grad");
        whh.Grad = null;
        (Unrolled(m, x) * r).Sum().Backward();
        Close.Equal(whh.Grad!, single, 1e-10, 1e-12, "hook input");
    }

    [Fact]
    public void AutogradGradAndDoubleBackwardAgreeWithTheUnrolledLoop()
    {
        var g = new Generator(13);
        var m = new GRU(3, 4, dtype: DType.Float64, generator: g);
        Tensor x = Rand(g, 4, 2, 3).RequiresGrad_(), r = Rand(g, 4, 2, 4);
        var p = m.NamedParameters().ToDictionary(e => e.Name, e => (Tensor)e.Parameter);
        Tensor[] wrt = [p["weight_hh_l0"], p["bias_hh_l0"]];
        Tensor[] Compute(Func<ModuleBase, Tensor, Tensor> run)
        {
            // Weights only, input only, and a recorded backward differentiated again.
            Tensor?[] gw = Autograd.Grad([(run(m, x) * r).Sum()], wrt);
            Tensor gx = Autograd.Grad((run(m, x) * r).Sum(), x);
            Tensor gh = Autograd.Grad((run(m, x) * r).Sum(), wrt[0], createGraph: true);
            Tensor gg = Autograd.Grad((gh * gh).Sum(), x);
            return [gw[0]!, gw[1]!, gx, gh.Detach(), gg];
        }
        Tensor[] expected = Compute(Unrolled), actual = Compute(Module);
        string[] names = ["dW_hh", "db_hh", "dx", "dW_hh (createGraph)", "d|dW_hh|²/dx"];
        for (int i = 0; i < names.Length; i++) Close.Equal(expected[i], actual[i], 1e-10, 1e-12, names[i]);
    }
}
