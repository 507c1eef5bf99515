using System;
using System.Collections.Generic;
using System.Linq;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// The LSTM module forms each step's gate gradients in one kernel when the first of the step's nodes runs
/// (<c>LstmStep</c>): whatever part of the graph a pass reaches (output, h_n or c_n alone, one input of
/// <c>Autograd.Grad</c>), retained graphs, recorded backward and the configurations of the module must give what an
/// unrolled loop of plain ops, or the ordinary per-node formulas (<c>createGraph</c>), give.
/// </summary>
public class LstmStepBackwardTests
{
    private static Tensor Rand(Generator g, params int[] shape) => Tensor.Randn(shape, g, DType.Float64);

    private sealed record Setup(LSTM M, Tensor X, Tensor H0, Tensor C0, Tensor R, Tensor Rh, Tensor Rc);

    private static Setup Make(int seed, bool bias = true)
    {
        var g = new Generator(seed);
        var m = new LSTM(3, 4, bias: bias, dtype: DType.Float64, generator: g);
        return new Setup(m, Rand(g, 5, 2, 3).RequiresGrad_(), Rand(g, 1, 2, 4).RequiresGrad_(),
            Rand(g, 1, 2, 4).RequiresGrad_(), Rand(g, 5, 2, 4), Rand(g, 1, 2, 4), Rand(g, 1, 2, 4));
    }

    private static (Tensor Output, Tensor H, Tensor C) Module(Setup s)
    {
        var (o, (h, c)) = s.M.Call(s.X, (s.H0, s.C0));
        return (o, h, c);
    }

    /// <summary>The same recurrence as plain per-step ops on the module's own parameters.</summary>
    private static (Tensor Output, Tensor H, Tensor C) Unrolled(Setup s)
    {
        var p = s.M.NamedParameters().ToDictionary(e => e.Name, e => (Tensor)e.Parameter);
        Tensor wih = p["weight_ih_l0"], whh = p["weight_hh_l0"];
        Tensor? bih = p.GetValueOrDefault("bias_ih_l0"), bhh = p.GetValueOrDefault("bias_hh_l0");
        Tensor h = s.H0.Squeeze(0), c = s.C0.Squeeze(0);
        var outs = new List<Tensor>();
        foreach (Tensor xt in s.X.Unbind(0))
        {
            Tensor[] g = (F.Linear(xt, wih, bih) + F.Linear(h, whh, bhh)).Chunk(4, 1);
            c = (g[1].Sigmoid() * c) + (g[0].Sigmoid() * g[2].Tanh());
            h = g[3].Sigmoid() * c.Tanh();
            outs.Add(h);
        }
        return (Tensor.Stack(outs.ToArray(), 0), h.Unsqueeze(0), c.Unsqueeze(0));
    }

    private static Func<(Tensor Output, Tensor H, Tensor C), Tensor> Loss(string loss, Setup s) => loss switch
    {
        "output" => r => (r.Output * s.R).Sum(),
        "h_n only" => r => (r.H * s.Rh).Sum(),
        "c_n only" => r => (r.C * s.Rc).Sum(),
        "h_n and c_n" => r => (r.H * s.Rh).Sum() + (r.C * s.Rc).Sum(),
        "one middle step" => r => (r.Output.Unbind(0)[2] * s.R.Unbind(0)[2]).Sum(),
        _ => r => (r.Output * s.R).Sum() + (r.H * s.Rh).Sum() + (r.C * s.Rc).Sum(),
    };

    private static Dictionary<string, Tensor> Grads(Setup s, Func<(Tensor, Tensor, Tensor), Tensor> loss,
        Func<Setup, (Tensor, Tensor, Tensor)> run, int backwards = 1)
    {
        foreach (var p in s.M.Parameters()) p.Grad = null;
        s.X.Grad = s.H0.Grad = s.C0.Grad = null;
        Tensor l = loss(run(s));
        for (int i = 0; i < backwards; i++) l.Backward(retainGraph: i < backwards - 1);
        var d = s.M.NamedParameters().ToDictionary(e => e.Name, e => e.Parameter.Grad!.Clone());
        foreach (var (name, t) in new[] { ("x", s.X), ("h0", s.H0), ("c0", s.C0) })
            d[name] = t.Grad?.Clone() ?? Tensor.ZerosLike(t);
        return d;
    }

    private static void SameGrads(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected) Close.Equal(e, actual[name], 1e-10, 1e-12, name);
    }

    public static IEnumerable<object[]> Cases() =>
        from loss in new[] { "output", "h_n only", "c_n only", "h_n and c_n", "one middle step", "all" }
        from bias in new[] { true, false }
        select new object[] { loss, bias };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsEqualAnUnrolledLoopOfPlainOps(string loss, bool bias)
    {
        Setup s = Make(21, bias);
        var f = Loss(loss, s);
        SameGrads(Grads(s, f, Unrolled), Grads(s, f, Module));
    }

    [Fact]
    public void ARetainedGraphRunTwiceAddsTheSameGradientsTwice()
    {
        Setup s = Make(22);
        var f = Loss("all", s);
        SameGrads(Grads(s, f, Unrolled, backwards: 2), Grads(s, f, Module, backwards: 2));
        var once = Grads(s, f, Module);
        foreach (var (name, t) in Grads(s, f, Module, backwards: 2))
            Close.Equal(once[name] * 2, t, 1e-12, 1e-14, name);
    }

    [Fact]
    public void ASecondBackwardWithoutRetainingTheGraphThrows()
    {
        Setup s = Make(23);
        Tensor l = Loss("all", s)(Module(s));
        l.Backward();
        Assert.Throws<InvalidOperationException>(() => l.Backward());
    }

    [Fact]
    public void AutogradGradOfEachInputAloneAgreesWithTheUnrolledLoop()
    {
        Setup s = Make(24);
        var p = s.M.NamedParameters().ToDictionary(e => e.Name, e => (Tensor)e.Parameter);
        Tensor[][] targets = [[s.X], [s.H0], [s.C0], [p["weight_hh_l0"], s.C0], [p["bias_ih_l0"]]];
        foreach (string loss in new[] { "all", "c_n only", "h_n only" })
            foreach (Tensor[] wrt in targets)
            {
                Tensor?[] expected = Autograd.Grad([Loss(loss, s)(Unrolled(s))], wrt, allowUnused: true);
                Tensor?[] actual = Autograd.Grad([Loss(loss, s)(Module(s))], wrt, allowUnused: true);
                for (int i = 0; i < wrt.Length; i++)
                    Close.Equal(expected[i]!, actual[i]!, 1e-10, 1e-12, $"{loss}, input {i} of {wrt.Length}");
            }
    }

    [Fact]
    public void DoubleBackwardAgreesWithTheUnrolledLoop()
    {
        Setup s = Make(25);
        Tensor wih = s.M.NamedParameters().First(e => e.Name == "weight_ih_l0").Parameter;
        Tensor[] Compute(Func<Setup, (Tensor, Tensor, Tensor)> run)
        {
            Tensor gw = Autograd.Grad(Loss("all", s)(run(s)), wih, createGraph: true);
            Tensor?[] gg = Autograd.Grad([(gw * gw).Sum()], [s.X, s.C0]);
            return [gw.Detach(), gg[0]!, gg[1]!];
        }
        Tensor[] expected = Compute(Unrolled), actual = Compute(Module);
        string[] names = ["dW_ih (createGraph)", "d|dW_ih|²/dx", "d|dW_ih|²/dc0"];
        for (int i = 0; i < names.Length; i++) Close.Equal(expected[i], actual[i], 1e-10, 1e-12, names[i]);
    }

    public static IEnumerable<object[]> Configurations() =>
    [
        ["2 layers, bidirectional"], ["projection"], ["lengths"], ["batch first, unbatched state"], ["float32"],
    ];

    /// <summary>
    /// The fused backward against the ordinary formulas of the same graph (a recorded backward runs each node's own
    /// formula): multi-layer, bidirectional, projected, masked by lengths, float32.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void FusedBackwardEqualsTheOrdinaryFormulas(string config)
    {
        var g = new Generator(26);
        DType dt = config == "float32" ? DType.Float32 : DType.Float64;
        var m = config switch
        {
            "2 layers, bidirectional" => new LSTM(3, 5, numLayers: 2, bidirectional: true, dtype: dt, generator: g),
            "projection" => new LSTM(3, 5, projSize: 2, dtype: dt, generator: g),
            "batch first, unbatched state" => new LSTM(3, 5, batchFirst: true, dtype: dt, generator: g),
            _ => new LSTM(3, 5, dtype: dt, generator: g),
        };
        Tensor x = Tensor.Randn([6, 3, 3], g, dt).RequiresGrad_();
        int[]? lengths = config == "lengths" ? [6, 2, 4] : null;
        Dictionary<string, Tensor> Run(bool createGraph)
        {
            foreach (var p in m.Parameters()) p.Grad = null;
            x.Grad = null;
            var (o, (h, c)) = lengths is null ? m.Call(x) : m.Call(x, lengths);
            Tensor loss = (o * o).Sum() + (h * h.Detach()).Sum() + (c * c).Sum();
            loss.Backward(createGraph: createGraph);
            var d = m.NamedParameters().ToDictionary(e => e.Name, e => e.Parameter.Grad!.Detach().Clone());
            d["x"] = x.Grad!.Detach().Clone();
            return d;
        }
        var expected = Run(createGraph: true);
        var actual = Run(createGraph: false);
        double rtol = dt == DType.Float32 ? 1e-5 : 1e-11, atol = dt == DType.Float32 ? 1e-6 : 1e-13;
        foreach (var (name, e) in expected) Close.Equal(e, actual[name], rtol, atol, $"{config}: {name}");
    }
}
