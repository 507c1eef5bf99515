using System.Collections.Generic;
using System.Linq;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// The LSTM backward's per-step work (<c>HiddenProjectionGroup</c>): the steps' gate gradients are read for the one
/// <c>dW_hh</c>/<c>db_hh</c> product where the fused step wrote them (the input projection's unbind buffer) instead
/// of being copied, and each step's <c>dh = dG·W_hh</c> may be split over two threads; both must give what the
/// ordinary per-step formulas (a <c>createGraph</c> pass) give, whichever steps the pass reaches.
/// </summary>
[Collection(SerialCollection.Name)]
public class RecurrentStepProductTests
{
    private sealed record Setup(LSTM M, Tensor X, Tensor R, Tensor[] Targets);

    private static Setup Make(int seed, int layers = 2, bool bidirectional = true)
    {
        var g = new Generator(seed);
        var m = new LSTM(3, 4, numLayers: layers, bidirectional: bidirectional, dtype: DType.Float64, generator: g);
        Tensor x = Tensor.Randn([6, 2, 3], g, DType.Float64).RequiresGrad_();
        Tensor r = Tensor.Randn([6, 2, bidirectional ? 8 : 4], g, DType.Float64);
        return new Setup(m, x, r, [x, .. m.Parameters().Select(p => (Tensor)p)]);
    }

    private static Tensor Loss(Setup s, int? step)
    {
        Tensor y = s.M.Call(s.X).Output;
        return step is int t ? (y.Unbind(0)[t] * s.R.Unbind(0)[t]).Sum() : (y * s.R).Sum();
    }

    private static void Same(Tensor?[] expected, Tensor?[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Close.Equal(expected[i]!, actual[i]!, 1e-10, 1e-12, $"{what} {i}");
    }

    /// <summary>The ordinary per-step formulas: a recorded pass collects nothing.</summary>
    private static Tensor?[] Ordinary(Setup s, int? step) =>
        Autograd.Grad([Loss(s, step)], s.Targets, allowUnused: true, createGraph: true);

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public void GateGradientsAreReadWhereTheyLie(int? step)
    {
        // All steps, or those a middle step's loss reaches (a run of blocks that starts after the first in the
        // reverse direction): every layer and direction reads its gate gradients in place, none is copied out.
        Setup s = Make(41);
        Tensor?[] expected = Ordinary(s, step);
        var before = HiddenProjectionGroup.DirectReads;
        Tensor?[] actual = Autograd.Grad([Loss(s, step)], s.Targets, allowUnused: true);
        var after = HiddenProjectionGroup.DirectReads;
        Assert.Equal((before.InPlace + 4, before.Gathered), after);
        Same(expected, actual, $"loss at {step}");
    }

    [Fact]
    public void AStepWhoseGradientIsNotItsWindowIsLeftOutAndTheRestStillAddUp()
    {
        // A pre-hook on one middle step's projection node hands it a copy: that step takes the ordinary formula,
        // the others' blocks (now with a gap) are copied out, and the sum is what the ordinary formulas give.
        Setup s = Make(42, layers: 1, bidirectional: false);
        Tensor?[] expected = Ordinary(s, null);
        Tensor loss = Loss(s, null);
        var steps = new List<HiddenProjectionBackward>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var todo = new Stack<Node>([loss.GradFn!]);
        while (todo.Count > 0)
            foreach (Edge e in todo.Pop().NextFunctions)
                if (e.Function is { } f && seen.Add(f))
                {
                    if (f is HiddenProjectionBackward { StepIndex: >= 0 } h) steps.Add(h);
                    todo.Push(f);
                }
        Assert.Equal(6, steps.Count);
        int hooked = 0;
        using var handle = steps.First(n => n.StepIndex == 3).AddPreHook(0, g =>
        {
            hooked++;
            return g.Clone();
        });
        var before = HiddenProjectionGroup.DirectReads;
        Tensor?[] actual = Autograd.Grad([loss], s.Targets, allowUnused: true);
        Assert.Equal(1, hooked);
        Assert.Equal((before.InPlace, before.Gathered + 1), HiddenProjectionGroup.DirectReads);
        Same(expected, actual, "with a hooked step");
    }

    [Fact]
    public void SplitStepProductsAreBitIdenticalToInlineOnes()
    {
        // Batch 32, hidden 128: each backward step's dh = dG·W_hh (32×512·512×128) is split over two threads.
        static List<float[]> Run(int threads)
        {
            int saved = Threading.ThreadCount;
            try
            {
                Threading.ThreadCount = threads;
                Tensor.ManualSeed(9);
                var lstm = new LSTM(16, 128);
                Tensor x = Tensor.Randn(4, 32, 16).RequiresGrad_();
                lstm.Call(x).Output.Pow(2).Sum().Backward();
                var values = new List<float[]> { x.Grad!.ToArray<float>() };
                values.AddRange(lstm.Parameters().Select(p => p.Grad!.ToArray<float>()));
                return values;
            }
            finally
            {
                Threading.ThreadCount = saved;
            }
        }
        List<float[]> one = Run(1);
        Assert.All(one, a => Assert.Contains(a, v => v != 0));
        Assert.Equal(one, Run(2));
    }
}
