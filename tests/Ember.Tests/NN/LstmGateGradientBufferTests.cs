using System.Collections.Generic;
using System.Linq;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// The LSTM module's fused step backward writes each step's gate gradient into the input projection's unbind
/// buffer, which is rented per thread and reused across passes (<c>ViewGroup.Reserve</c>): leftovers of an earlier
/// pass must never show (windows no step wrote are zero-filled), graphs kept across other passes and interleaved
/// modules must each get their own buffer, and no gradient a user holds may alias the reused buffer.
/// </summary>
public class LstmGateGradientBufferTests
{
    private sealed record Setup(LSTM M, Tensor X, Tensor R);

    private static Setup Make(int seed, int steps = 6)
    {
        var g = new Generator(seed);
        var m = new LSTM(3, 4, dtype: DType.Float64, generator: g);
        return new Setup(m, Tensor.Randn([steps, 2, 3], g, DType.Float64).RequiresGrad_(),
            Tensor.Randn([steps, 2, 4], g, DType.Float64));
    }

    /// <summary>The same recurrence as plain per-step ops on the module's own parameters.</summary>
    private static Tensor Unrolled(Setup s)
    {
        var p = s.M.NamedParameters().ToDictionary(e => e.Name, e => (Tensor)e.Parameter);
        Tensor h = Tensor.Zeros([2, 4], DType.Float64), c = Tensor.Zeros([2, 4], DType.Float64);
        var outs = new List<Tensor>();
        foreach (Tensor xt in s.X.Unbind(0))
        {
            Tensor[] g = (F.Linear(xt, p["weight_ih_l0"], p["bias_ih_l0"])
                + F.Linear(h, p["weight_hh_l0"], p["bias_hh_l0"])).Chunk(4, 1);
            c = (g[1].Sigmoid() * c) + (g[0].Sigmoid() * g[2].Tanh());
            h = g[3].Sigmoid() * c.Tanh();
            outs.Add(h);
        }
        return Tensor.Stack(outs.ToArray(), 0);
    }

    private static Tensor Module(Setup s) => s.M.Call(s.X).Output;

    private static Tensor Loss(Setup s, Tensor output, int? step) =>
        step is int t ? (output.Unbind(0)[t] * s.R.Unbind(0)[t]).Sum() : (output * s.R).Sum();

    private static Tensor[] Targets(Setup s) =>
        [s.X, .. s.M.Parameters().Select(p => (Tensor)p)];

    private static void Same(Tensor?[] expected, Tensor?[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Close.Equal(expected[i]!, actual[i]!, 1e-10, 1e-12, $"{what} {i}");
    }

    private static Tensor?[] Grad(Setup s, Tensor loss) =>
        Autograd.Grad([loss], Targets(s), allowUnused: true);

    [Fact]
    public void APassThatReachesOneStepAfterAFullPassSeesNoLeftovers()
    {
        Setup s = Make(31);
        // A full pass fills the reused buffer with every step's gate gradient; the next reaches only steps 0..2,
        // so the windows of steps 3..5 must read as zeros, not as the earlier pass's values.
        Grad(s, Loss(s, Module(s), null));
        Same(Grad(s, Loss(s, Unrolled(s), 2)), Grad(s, Loss(s, Module(s), 2)), "middle step after full pass");
        Same(Grad(s, Loss(s, Unrolled(s), 0)), Grad(s, Loss(s, Module(s), 0)), "first step");
    }

    [Fact]
    public void GraphsKeptAcrossOtherPassesAndInterleavedModulesKeepTheirOwnGradients()
    {
        Setup a = Make(32), b = Make(33, steps: 4);
        Tensor?[] expectA = Grad(a, Loss(a, Unrolled(a), null)), expectB = Grad(b, Loss(b, Unrolled(b), null));
        Tensor lossA = Loss(a, Module(a), null), lossB = Loss(b, Module(b), null);
        Tensor[] ta = Targets(a), tb = Targets(b);
        Tensor?[] a1 = Autograd.Grad([lossA], ta, retainGraph: true);
        Tensor?[] b1 = Autograd.Grad([lossB], tb, retainGraph: true);
        // Another forward and backward of the first module between the runs of the retained graphs.
        Grad(a, Loss(a, Module(a), 1));
        Tensor?[] a2 = Autograd.Grad([lossA], ta, retainGraph: true);
        Tensor?[] b2 = Autograd.Grad([lossB], tb);
        Same(expectA, a1, "a first");
        Same(expectB, b1, "b first");
        Same(expectA, a2, "a again");
        Same(expectB, b2, "b again");
    }

    [Fact]
    public void GradientsHeldByTheUserDoNotChangeWhenTheBufferIsReused()
    {
        Setup s = Make(34);
        var bias = s.M.NamedParameters().First(e => e.Name == "bias_ih_l0").Parameter;
        Tensor? seen = null;
        using var hook = bias.RegisterHook(g => { seen ??= g; return null; });
        Module(s).Sum().Backward();
        Tensor kept = seen!.Clone(), weightGrad = s.M.Parameters().First().Grad!.Clone();
        Tensor heldGrad = s.M.Parameters().First().Grad!;
        foreach (var p in s.M.Parameters()) p.Grad = null;
        Loss(s, Module(s), null).Backward();
        Close.Equal(kept, seen!, 0, 0, "bias_ih gradient seen by a hook");
        Close.Equal(weightGrad, heldGrad, 0, 0, "weight_ih gradient held from the first pass");
    }

    [Fact]
    public void WindowsNoProducerReservedReadAsZerosWhenTheBufferIsReused()
    {
        // Directly on an unbind (the module always reaches every step): piece 0's gradient is written ahead
        // from a hook that runs before the pieces, piece 1 gets an ordinary gradient, piece 2 none.
        static Tensor Run(bool dirtyAll)
        {
            Tensor t = Tensor.Zeros([3, 2], DType.Float64).RequiresGrad_();
            Tensor[] pieces = t.Unbind(0);
            Tensor y0 = pieces[0] * 2.0;
            using var hook = y0.RegisterHook(g =>
            {
                for (int k = 0; k < (dirtyAll ? 3 : 1); k++)
                {
                    var w = ((UnbindBackward0)pieces[k].GradFn!).ReserveGrad();
                    Assert.NotNull(w);
                    Ember.Core.RawOps.Fill(w, 7);
                }
                return null;
            });
            (y0.Sum() + (pieces[1] * 3.0).Sum()).Backward();
            return t.Grad!;
        }
        Run(dirtyAll: true); // leaves 7s in the rented buffer
        Tensor grad = Run(dirtyAll: false);
        // Piece 0: its node's own gradient (2) replaces what was written ahead; piece 2: zeros, not leftovers.
        Close.Equal(Tensor.From(new double[,] { { 2, 2 }, { 3, 3 }, { 0, 0 } }), grad, 0, 0, "unbind gradient");
    }

    [Fact]
    public void AGraphKeptAcrossAnotherForwardOfTheSameModuleGivesItsOwnGradients()
    {
        // The steps of one layer and direction share one buffer for h·W_hhᵀ (read only within the step): a second
        // forward of the same module (2 layers, both directions) must not change what the first graph computes.
        var g = new Generator(35);
        var m = new LSTM(3, 4, numLayers: 2, bidirectional: true, dtype: DType.Float64, generator: g);
        Tensor x1 = Tensor.Randn([5, 2, 3], g, DType.Float64).RequiresGrad_();
        Tensor x2 = Tensor.Randn([5, 2, 3], g, DType.Float64).RequiresGrad_();
        Tensor r = Tensor.Randn([5, 2, 8], g, DType.Float64);
        Tensor[] targets = [x1, .. m.Parameters().Select(p => (Tensor)p)];
        Tensor?[] expected = Autograd.Grad([(m.Call(x1).Output * r).Sum()], targets);
        Tensor kept = (m.Call(x1).Output * r).Sum();
        Tensor other = (m.Call(x2).Output * r).Sum();
        Tensor?[] actual = Autograd.Grad([kept], targets);
        Same(expected, actual, "graph kept across another forward");
        Assert.NotNull(Autograd.Grad([other], [x2])[0]);
    }
}
