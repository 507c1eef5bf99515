using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// An LSTM's steps computed by a team of threads that split the hidden units (<c>LstmTeam</c>), recorded or not:
/// outputs, final states, every gradient and the recorded graph are bit for bit those of the steps run one by one
/// (<c>LstmRows.Enabled = false</c>), for 1, 2 and 4 threads and with the GEMM kernels limited to AVX2.
/// </summary>
[Collection(SerialCollection.Name)]
public class LstmRowsTests
{
    private sealed record Config(int Layers, bool Bidirectional, bool Bias, DType DType, int Batch, int Hidden,
        int Steps, bool WithState, bool Lengths = false);

    private static readonly Config[] s_configs =
    [
        new(1, false, true, DType.Float32, 32, 128, 9, false), // the bench's shape (fewer steps)
        new(2, true, true, DType.Float32, 20, 40, 5, true), // chunks of 8, 8, 4 rows; gate spans with vector tails
        new(1, true, false, DType.Float64, 12, 64, 4, true),
        new(1, false, true, DType.Float32, 33, 24, 6, true), // a one-row chunk
        // Padded batches with lengths 1..T (the masked path: rows past their length carry their state).
        new(2, true, true, DType.Float32, 20, 40, 7, true, Lengths: true),
        new(1, false, true, DType.Float32, 32, 128, 9, false, Lengths: true),
        new(1, true, false, DType.Float64, 12, 64, 4, true, Lengths: true),
    ];

    /// <summary>Entry b is 1 + (5b mod T) steps long: every length from 1 to T, in no order.</summary>
    private static int[] Lengths(Config c) => Enumerable.Range(0, c.Batch).Select(b => 1 + 5 * b % c.Steps).ToArray();

    public static IEnumerable<object[]> Cases()
    {
        for (int i = 0; i < s_configs.Length; i++)
            foreach (int threads in new[] { 1, 2, 4 })
                yield return [i, threads];
    }

    private static T With<T>(int threads, bool team, Func<T> body)
    {
        int savedThreads = Threading.ThreadCount;
        bool savedTeam = LstmRows.Enabled;
        try
        {
            Threading.ThreadCount = threads;
            LstmRows.Enabled = team;
            return body();
        }
        finally
        {
            Threading.ThreadCount = savedThreads;
            LstmRows.Enabled = savedTeam;
        }
    }

    private static (LSTM Lstm, Tensor X, (Tensor H, Tensor C)? State) Setup(Config c)
    {
        Tensor.ManualSeed(23);
        var lstm = new LSTM(24, c.Hidden, numLayers: c.Layers, bias: c.Bias, bidirectional: c.Bidirectional,
            dtype: c.DType);
        int dirs = c.Bidirectional ? 2 : 1;
        Tensor x = Tensor.Randn(c.Steps, c.Batch, 24).To(c.DType);
        (Tensor, Tensor)? state = c.WithState
            ? (Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType),
                Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType))
            : null;
        return (lstm, x, state);
    }

    private static (Tensor Output, (Tensor H, Tensor C) State) Call(LSTM lstm, Tensor x, (Tensor H, Tensor C)? s,
        int[]? lengths = null) =>
        lengths is not null ? lstm.Call(x, lengths, s) : s is { } st ? lstm.Call(x, st) : lstm.Call(x);

    private static List<double[]> ForwardBackward(Config c)
    {
        var (lstm, x0, state) = Setup(c);
        Tensor x = x0.RequiresGrad_();
        (Tensor H, Tensor C)? s = state is { } st ? (st.H.RequiresGrad_(), st.C.RequiresGrad_()) : null;
        var (y, (h, cN)) = Call(lstm, x, s, c.Lengths ? Lengths(c) : null);
        Assert.NotNull(y.GradFn);
        ((y * y).Sum() + h.Sum() + (cN * cN).Sum()).Backward();
        var values = new List<double[]> { D(y), D(h), D(cN), D(x.Grad!) };
        if (s is { } g)
        {
            values.Add(D(g.H.Grad!));
            values.Add(D(g.C.Grad!));
        }
        foreach (var p in lstm.Parameters()) values.Add(D(p.Grad!));
        return values;
    }

    private static List<double[]> NoGrad(Config c)
    {
        var (lstm, x, state) = Setup(c);
        using var _ = Autograd.NoGrad();
        var (y, (h, cN)) = Call(lstm, x, state, c.Lengths ? Lengths(c) : null);
        Assert.Null(y.GradFn);
        return [D(y), D(h), D(cN)];
    }

    private static double[] D(Tensor t) => t.Detach().To(DType.Float64).ToArray<double>();

    [Theory]
    [MemberData(nameof(Cases))]
    public void RecordedForwardAndBackward_EqualStepByStep(int config, int threads)
    {
        Config c = s_configs[config];
        List<double[]> want = With(1, false, () => ForwardBackward(c));
        Assert.All(want, a => Assert.All(a, v => Assert.True(double.IsFinite(v))));
        var (recorded, masked) = LstmRows.Runs;
        Assert.Equal(want, With(threads, true, () => ForwardBackward(c)));
        // Every layer direction ran on the row chunks (with lengths: the masked ones), not step by step.
        int directions = c.Layers * (c.Bidirectional ? 2 : 1);
        Assert.Equal((recorded + directions, masked + (c.Lengths ? directions : 0)), LstmRows.Runs);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void NoGradForward_EqualsStepByStep(int config, int threads)
    {
        Config c = s_configs[config];
        Assert.Equal(With(1, false, () => NoGrad(c)), With(threads, true, () => NoGrad(c)));
        // And equals the recorded forward (the same values either way).
        List<double[]> recorded = With(threads, true, () => ForwardBackward(c));
        Assert.Equal(recorded.Take(3), With(threads, true, () => NoGrad(c)));
    }

    [Fact]
    public void WithAvx2Kernels_ValuesEqualStepByStep()
    {
        Type setup = typeof(Ember.Kernels.GemmPackedB<float>).Assembly.GetType("Ember.Kernels.GemmSetup", true)!;
        PropertyInfo isa = setup.GetProperty("Isa", BindingFlags.Public | BindingFlags.Static)!;
        object saved = isa.GetValue(null)!;
        object avx2 = Enum.Parse(isa.PropertyType, "Avx2");
        if (Convert.ToInt32(saved, System.Globalization.CultureInfo.InvariantCulture)
            < Convert.ToInt32(avx2, System.Globalization.CultureInfo.InvariantCulture))
            Assert.Skip("this machine has no AVX2");
        try
        {
            isa.SetValue(null, avx2);
            foreach (Config c in s_configs.Take(2).Append(s_configs[4]))
            {
                Assert.Equal(With(1, false, () => ForwardBackward(c)), With(2, true, () => ForwardBackward(c)));
                Assert.Equal(With(1, false, () => NoGrad(c)), With(2, true, () => NoGrad(c)));
            }
        }
        finally
        {
            isa.SetValue(null, saved);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)] // with lengths: the masked path's WhereBackward0 nodes between the steps
    public void RecordedGraph_IsTheStepByStepGraph(int config)
    {
        Config c = s_configs[config];
        List<string> Graph()
        {
            var (lstm, x, state) = Setup(c);
            var (y, (h, cN)) = Call(lstm, x.RequiresGrad_(), state, c.Lengths ? Lengths(c) : null);
            var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, p) in lstm.NamedParameters()) names[p] = name;
            var ids = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
            var lines = new List<string>();
            int Walk(Node? n)
            {
                if (n is null) return -1;
                if (ids.TryGetValue(n, out int id)) return id;
                ids[n] = id = ids.Count;
                string args = n is AccumulateGrad acc
                    ? names.GetValueOrDefault(acc.Variable, "input")
                    : string.Join(",", n.NextFunctions.Select(e => Walk(e.Function) + ":" + e.InputNr));
                lines.Add($"{id} {n.Name}({args})");
                return id;
            }
            Walk(y.GradFn);
            Walk(h.GradFn);
            Walk(cN.GradFn);
            return lines;
        }
        List<string> want = With(1, false, Graph);
        Assert.True(want.Count > 5 * 20);
        Assert.Equal(c.Lengths, want.Any(l => l.Contains("WhereBackward0", StringComparison.Ordinal)));
        Assert.Equal(want, With(2, true, Graph));
    }
}
