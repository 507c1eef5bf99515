using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// An LSTM direction's backward recurrence formed at once, split by batch rows (<c>LstmSequence</c>): every output and
/// gradient (parameters, input, h0, c0) is bit for bit that of the step-by-step backward
/// (<c>LstmSequence.Enabled = false</c>) for 1, 2 and 4 threads, whatever the loss reaches (output, h_n, c_n),
/// bidirectional and stacked, with retained graphs, <c>Autograd.Grad</c> of some inputs, hooks on inner nodes and
/// recorded backward (the last three partly or wholly on the ordinary path), and with the GEMM kernels limited to AVX2.
/// </summary>
[Collection(SerialCollection.Name)]
public class LstmSequenceBackwardTests
{
    private sealed record Config(int Layers, bool Bidirectional, bool Bias, DType DType, int Batch, int Hidden,
        int Steps, bool WithState);

    private static readonly Config[] s_configs =
    [
        new(1, false, true, DType.Float32, 32, 128, 7, true), // the bench's shape (fewer steps)
        new(2, true, true, DType.Float32, 20, 40, 5, true), // chunks of 8, 8, 4 rows; vector tails
        new(1, true, false, DType.Float64, 12, 64, 4, true),
        new(1, false, true, DType.Float32, 33, 24, 6, false), // a one-row chunk, zero initial state
    ];

    private static readonly string[] s_losses =
        ["output", "output sum", "output row sums", "h_n", "c_n", "h_n and c_n", "all"];

    public static IEnumerable<object[]> Cases()
    {
        for (int i = 0; i < s_configs.Length; i++)
            foreach (string loss in s_losses)
                foreach (int threads in new[] { 1, 2, 4 })
                    yield return [i, loss, threads];
    }

    private static T With<T>(int threads, bool sequence, Func<T> body)
    {
        int savedThreads = Threading.ThreadCount;
        bool saved = LstmSequence.Enabled;
        try
        {
            Threading.ThreadCount = threads;
            LstmSequence.Enabled = sequence;
            return body();
        }
        finally
        {
            Threading.ThreadCount = savedThreads;
            LstmSequence.Enabled = saved;
        }
    }

    private sealed record Run(LSTM Lstm, Tensor X, Tensor? H0, Tensor? C0, Tensor Y, Tensor H, Tensor C);

    private static Run Forward(Config c)
    {
        Tensor.ManualSeed(29);
        var lstm = new LSTM(24, c.Hidden, numLayers: c.Layers, bias: c.Bias, bidirectional: c.Bidirectional,
            dtype: c.DType);
        int dirs = c.Bidirectional ? 2 : 1;
        Tensor x = Tensor.Randn(c.Steps, c.Batch, 24).To(c.DType).RequiresGrad_();
        if (!c.WithState)
        {
            var (y0, (h, cn)) = lstm.Call(x);
            return new Run(lstm, x, null, null, y0, h, cn);
        }
        Tensor h0 = Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType).RequiresGrad_();
        Tensor c0 = Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType).RequiresGrad_();
        var (y, (hn, cN)) = lstm.Call(x, (h0, c0));
        return new Run(lstm, x, h0, c0, y, hn, cN);
    }

    private static Tensor Loss(Run r, string loss) => loss switch
    {
        "output" => (r.Y * r.Y).Sum(),
        "output sum" => r.Y.Sum(), // the stack's gradient is a broadcast view (strides 0)
        // A gradient that differs per row and is constant over the hidden units.
        "output row sums" => (r.Y.Sum([2], keepDim: true) * r.Y.Sum([2], keepDim: true)).Sum(),
        "h_n" => (r.H * r.H).Sum(),
        "c_n" => r.C.Sum(),
        "h_n and c_n" => r.H.Sum() + (r.C * r.C).Sum(),
        _ => (r.Y * r.Y).Sum() + r.H.Sum() + (r.C * r.C).Sum(),
    };

    private static List<double[]> Values(Run r)
    {
        var values = new List<double[]> { D(r.Y), D(r.H), D(r.C), D(r.X.Grad!) };
        if (r.H0 is not null) values.Add(D(r.H0.Grad!));
        if (r.C0 is not null) values.Add(D(r.C0.Grad!));
        foreach (var p in r.Lstm.Parameters()) values.Add(D(p.Grad ?? Tensor.ZerosLike(p)));
        return values;
    }

    private static List<double[]> ForwardBackward(Config c, string loss, int backwards = 1)
    {
        Run r = Forward(c);
        Tensor l = Loss(r, loss);
        for (int i = 0; i < backwards; i++) l.Backward(retainGraph: i < backwards - 1);
        return Values(r);
    }

    private static double[] D(Tensor t) => t.Detach().To(DType.Float64).ToArray<double>();

    private static int Runs(Action body)
    {
        int before = LstmSequence.Runs;
        body();
        return LstmSequence.Runs - before;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WholeSequenceBackward_EqualsStepByStep(int config, string loss, int threads)
    {
        Config c = s_configs[config];
        List<double[]> want = With(1, false, () => ForwardBackward(c, loss));
        Assert.All(want, a => Assert.All(a, v => Assert.True(double.IsFinite(v))));
        List<double[]> got = [];
        int runs = Runs(() => got = With(threads, true, () => ForwardBackward(c, loss)));
        Assert.Equal(want, got);
        // Every layer direction formed its recurrence at once (h_n or c_n alone: the stack did not run).
        Assert.Equal(c.Layers * (c.Bidirectional ? 2 : 1), runs);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 4)]
    public void RetainedGraph_TwoPasses_EqualStepByStep(int config, int threads)
    {
        Config c = s_configs[config];
        Assert.Equal(With(1, false, () => ForwardBackward(c, "all", backwards: 2)),
            With(threads, true, () => ForwardBackward(c, "all", backwards: 2)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void BatchFirst_StridedOutputGradient_EqualsStepByStep(int threads)
    {
        List<double[]> Run()
        {
            Tensor.ManualSeed(31);
            var lstm = new LSTM(24, 40, numLayers: 2, bidirectional: true, batchFirst: true);
            Tensor x = Tensor.Randn(20, 5, 24).RequiresGrad_();
            var (y, (h, c)) = lstm.Call(x);
            Tensor w = Tensor.Randn(20, 5, 80);
            ((y * w).Sum() + (h * h).Sum()).Backward();
            var values = new List<double[]> { D(y), D(x.Grad!) };
            foreach (var p in lstm.Parameters()) values.Add(D(p.Grad!));
            return values;
        }
        List<double[]> want = With(1, false, Run);
        List<double[]> got = [];
        Assert.Equal(4, Runs(() => got = With(threads, true, Run)));
        Assert.Equal(want, got);
    }

    [Fact]
    public void TwoCallsInOneGraph_OneStepOfTheOutput_EqualStepByStep()
    {
        List<double[]> Run()
        {
            Tensor.ManualSeed(37);
            var lstm = new LSTM(24, 40);
            Tensor x = Tensor.Randn(6, 20, 24).RequiresGrad_();
            var (y1, (h1, c1)) = lstm.Call(x);
            var (y2, _) = lstm.Call(x * 0.5, (h1, c1)); // the second call starts from the first's final state
            (y1.Unbind(0)[3].Sum() + (y2 * y2).Sum()).Backward();
            var values = new List<double[]> { D(x.Grad!) };
            foreach (var p in lstm.Parameters()) values.Add(D(p.Grad!));
            return values;
        }
        List<double[]> want = With(1, false, Run);
        List<double[]> got = [];
        Assert.Equal(2, Runs(() => got = With(2, true, Run)));
        Assert.Equal(want, got);
    }

    [Fact]
    public void SecondBackwardWithoutRetainedGraph_ThrowsAsStepByStep()
    {
        string Message()
        {
            Run r = Forward(s_configs[0]);
            Tensor l = Loss(r, "all");
            l.Backward();
            return Assert.Throws<InvalidOperationException>(() => l.Backward()).Message;
        }
        Assert.Equal(With(1, false, Message), With(2, true, Message));
    }

    [Fact]
    public void Switch_Off_RunsStepByStep()
    {
        Assert.Equal(0, Runs(() => With(2, false, () => ForwardBackward(s_configs[0], "all"))));
    }

    [Theory]
    [InlineData("h0")]
    [InlineData("c0")]
    [InlineData("weight_hh_l0")]
    [InlineData("x")]
    public void AutogradGradOfSomeInputs_EqualsStepByStep(string which)
    {
        Config c = s_configs[0];
        double[] Grad()
        {
            Run r = Forward(c);
            Tensor input = which switch
            {
                "h0" => r.H0!,
                "c0" => r.C0!,
                "x" => r.X,
                _ => r.Lstm.NamedParameters().First(p => p.Name == which).Parameter,
            };
            return D(Autograd.Grad(Loss(r, "all"), input));
        }
        double[] want = With(1, false, Grad);
        double[] got = [];
        Assert.Equal(1, Runs(() => got = With(2, true, Grad)));
        Assert.Equal(want, got);
    }

    [Fact]
    public void HookOnAnInnerNode_TakesTheStepPath()
    {
        Config c = s_configs[0];
        int calls = 0;
        List<double[]> Hooked()
        {
            Run r = Forward(c);
            // The output stack's third input is step 2's h' node (MulBackward0).
            Node inner = r.Y.GradFn!.NextEdge(2).Function!;
            Assert.Equal("MulBackward0", inner.Name);
            inner.AddPreHook(0, g =>
            {
                calls++;
                return null;
            });
            Loss(r, "all").Backward();
            return Values(r);
        }
        List<double[]> want = With(1, false, Hooked);
        int wantCalls = calls;
        calls = 0;
        List<double[]> got = [];
        Assert.Equal(0, Runs(() => got = With(2, true, Hooked)));
        Assert.Equal(want, got);
        Assert.Equal(wantCalls, calls);
    }

    [Fact]
    public void RecordedBackward_TakesTheOrdinaryPath()
    {
        Config c = s_configs[1];
        List<double[]> Recorded()
        {
            Run r = Forward(c);
            Loss(r, "all").Backward(createGraph: true);
            return Values(r);
        }
        List<double[]> want = With(1, false, Recorded);
        List<double[]> got = [];
        Assert.Equal(0, Runs(() => got = With(2, true, Recorded)));
        Assert.Equal(want, got);
    }

    [Fact]
    public void WithAvx2Kernels_EqualsStepByStep()
    {
        Type setup = typeof(Ember.Kernels.GemmPackedB<float>).Assembly.GetType("Ember.Kernels.GemmSetup", true)!;
        PropertyInfo isa = setup.GetProperty("Isa", BindingFlags.Public | BindingFlags.Static)!;
        object saved = isa.GetValue(null)!;
        object avx2 = Enum.Parse(isa.PropertyType, "Avx2");
        if (Convert.ToInt32(saved, System.Globalization.CultureInfo.InvariantCulture)
            < Convert.ToInt32(avx2, System.Globalization.CultureInfo.InvariantCulture))
            Assert.Skip("this machine has no AVX2");
        // The cell kernels' 256-bit loops too (a per-thread switch: on one thread all of it runs there).
        PropertyInfo narrow = typeof(Ember.Kernels.LstmKernels).GetProperty("Vector256Only",
            BindingFlags.NonPublic | BindingFlags.Static)!;
        try
        {
            isa.SetValue(null, avx2);
            narrow.SetValue(null, true);
            foreach (Config c in s_configs.Take(2))
            {
                List<double[]> want = With(1, false, () => ForwardBackward(c, "all"));
                Assert.Equal(want, With(1, true, () => ForwardBackward(c, "all")));
                Assert.Equal(want, With(2, true, () => ForwardBackward(c, "all")));
            }
        }
        finally
        {
            isa.SetValue(null, saved);
            narrow.SetValue(null, false);
        }
    }
}
