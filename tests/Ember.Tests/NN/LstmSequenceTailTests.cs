using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// Issue 17: the tail of an LSTM direction's whole-sequence backward (<c>LstmSequence</c>'s weight, bias and input
/// gradients, formed in one parallel phase after the rows). It runs in a plain backward (every layer direction), and
/// every gradient is bit for bit the projections' own formulas' (the tail switched off) and the step-by-step path's,
/// for 1, 2 and 4 threads; a retained graph, <c>Autograd.Grad</c>, a hook on the input projection's node and a
/// recorded backward leave it to the nodes.
/// </summary>
[Collection(SerialCollection.Name)]
public class LstmSequenceTailTests
{
    private sealed record Config(int Layers, bool Bidirectional, bool Bias, DType DType, int Batch, int Hidden,
        int Steps, bool InputGrad);

    private static readonly Config[] s_configs =
    [
        new(1, false, true, DType.Float32, 32, 128, 7, true), // the bench's shape (fewer steps)
        new(2, true, true, DType.Float32, 20, 40, 5, false), // the first layer's x needs no gradient
        new(1, true, false, DType.Float64, 12, 64, 4, true), // no biases
        new(1, false, true, DType.Float32, 33, 24, 6, true), // a one-row chunk, ragged tiles
    ];

    public static IEnumerable<object[]> Cases()
    {
        for (int i = 0; i < s_configs.Length; i++)
            foreach (int threads in new[] { 1, 2, 4 })
                yield return [i, threads];
    }

    private sealed record Run(LSTM Lstm, Tensor X, Tensor H0, Tensor C0, Tensor Y, Tensor H, Tensor C);

    private static Run Forward(Config c)
    {
        Tensor.ManualSeed(31);
        var lstm = new LSTM(24, c.Hidden, numLayers: c.Layers, bias: c.Bias, bidirectional: c.Bidirectional,
            dtype: c.DType);
        int dirs = c.Bidirectional ? 2 : 1;
        Tensor x = Tensor.Randn(c.Steps, c.Batch, 24).To(c.DType);
        if (c.InputGrad) x.RequiresGrad_();
        Tensor h0 = Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType).RequiresGrad_();
        Tensor c0 = Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType).RequiresGrad_();
        var (y, (hn, cn)) = lstm.Call(x, (h0, c0));
        return new Run(lstm, x, h0, c0, y, hn, cn);
    }

    private static Tensor Loss(Run r) => (r.Y * r.Y).Sum() + r.H.Sum() + (r.C * r.C).Sum();

    private static List<double[]> Values(Run r)
    {
        var values = new List<double[]> { D(r.H0.Grad!), D(r.C0.Grad!) };
        if (r.X.RequiresGrad) values.Add(D(r.X.Grad!));
        foreach (var p in r.Lstm.Parameters()) values.Add(D(p.Grad!));
        return values;
    }

    private static double[] D(Tensor t) => t.Detach().To(DType.Float64).ToArray<double>();

    private static T With<T>(int threads, bool sequence, bool tail, Func<T> body)
    {
        int savedThreads = Threading.ThreadCount;
        (bool savedSeq, bool savedTail) = (LstmSequence.Enabled, LstmSequence.TailEnabled);
        try
        {
            Threading.ThreadCount = threads;
            (LstmSequence.Enabled, LstmSequence.TailEnabled) = (sequence, tail);
            return body();
        }
        finally
        {
            Threading.ThreadCount = savedThreads;
            (LstmSequence.Enabled, LstmSequence.TailEnabled) = (savedSeq, savedTail);
        }
    }

    private static int TailRuns(Action body)
    {
        int before = LstmSequence.TailRuns;
        body();
        return LstmSequence.TailRuns - before;
    }

    private static List<double[]> Plain(Config c)
    {
        Run r = Forward(c);
        Loss(r).Backward();
        return Values(r);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tail_EqualsTheNodesFormulasAndTheStepPath(int config, int threads)
    {
        Config c = s_configs[config];
        List<double[]> steps = With(1, false, false, () => Plain(c));
        List<double[]> nodes = With(threads, true, false, () => Plain(c));
        List<double[]> got = [];
        int runs = TailRuns(() => got = With(threads, true, true, () => Plain(c)));
        Assert.Equal(c.Layers * (c.Bidirectional ? 2 : 1), runs);
        Assert.Equal(nodes, got);
        Assert.Equal(steps, got);
    }

    [Fact]
    public void RetainedGraph_LeavesTheFirstPassToTheNodes()
    {
        Config c = s_configs[0];
        List<double[]> Twice(bool tail, out int firstRuns)
        {
            Run r = Forward(c);
            Tensor l = Loss(r);
            firstRuns = TailRuns(() => With(2, true, tail, () => { l.Backward(retainGraph: true); return 0; }));
            With(2, true, tail, () => { l.Backward(); return 0; });
            return Values(r);
        }
        List<double[]> want = Twice(false, out _);
        List<double[]> got = Twice(true, out int runs);
        Assert.Equal(0, runs);
        Assert.Equal(want, got);
    }

    [Fact]
    public void AutogradGrad_LeavesItToTheNodes()
    {
        Config c = s_configs[0];
        double[] Grad()
        {
            Run r = Forward(c);
            Parameter w = r.Lstm.NamedParameters().First(p => p.Name == "weight_ih_l0").Parameter;
            return D(Autograd.Grad(Loss(r), w));
        }
        double[] want = With(2, true, false, Grad);
        double[] got = [];
        Assert.Equal(0, TailRuns(() => got = With(2, true, true, Grad)));
        Assert.Equal(want, got);
    }

    [Fact]
    public void HookOnTheInputProjection_SeesItsGradientAndTakesTheNodesPath()
    {
        Config c = s_configs[0];
        int calls = 0;
        List<double[]> Hooked()
        {
            Run r = Forward(c);
            Node input = GraphNodes.Find(r.Y, n => n is HiddenProjectionBackward { StepIndex: -1 });
            input.AddPreHook(0, g =>
            {
                calls++;
                return g * 2; // a hook's gradient replaces the buffer's
            });
            Loss(r).Backward();
            return Values(r);
        }
        List<double[]> want = With(2, true, false, Hooked);
        List<double[]> got = [];
        Assert.Equal(0, TailRuns(() => got = With(2, true, true, Hooked)));
        Assert.Equal(want, got);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void RecordedBackward_LeavesItToTheNodes()
    {
        Config c = s_configs[1];
        List<double[]> Recorded()
        {
            Run r = Forward(c);
            Loss(r).Backward(createGraph: true);
            return Values(r);
        }
        List<double[]> want = With(2, true, false, Recorded);
        List<double[]> got = [];
        Assert.Equal(0, TailRuns(() => got = With(2, true, true, Recorded)));
        Assert.Equal(want, got);
    }
}
