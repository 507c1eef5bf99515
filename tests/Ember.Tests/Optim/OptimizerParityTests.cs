using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests.Optim;

/// <summary>
/// Every optimizer configuration against PyTorch 1.13 (tools/golden/optim_all.py): ten steps from fixed gradients,
/// the state dict after the last step, and a state-dict round trip in the middle of training.
/// </summary>
public class OptimizerParityTests
{
    private static readonly JsonElement s_cases = Golden.Load("optim_all.json").GetProperty("cases");

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) =>
        s_cases.EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    private static double D(JsonElement kw, string key, double dflt) =>
        kw.TryGetProperty(key, out var v) ? v.GetDouble() : dflt;
    private static bool B(JsonElement kw, string key, bool dflt) =>
        kw.TryGetProperty(key, out var v) ? v.GetBoolean() : dflt;
    private static (double, double)? Betas(JsonElement kw) =>
        kw.TryGetProperty("betas", out var v) ? (v[0].GetDouble(), v[1].GetDouble()) : null;

    /// <summary>Builds the optimizer the golden case describes (over p0 only when the case has a second
    /// group).</summary>
    internal static Optimizer Create(JsonElement c, Parameter[] ps)
    {
        JsonElement kw = c.GetProperty("kwargs");
        bool twoGroups = c.GetProperty("group1").ValueKind != JsonValueKind.Null;
        var first = twoGroups ? ps.Take(1) : ps;
        Optimizer opt = c.GetProperty("optimizer").GetString() switch
        {
            "SGD" =>
                new SGD(first, lr: D(kw, "lr", 0), momentum: D(kw, "momentum", 0), dampening: D(kw, "dampening", 0),
                weightDecay: D(kw, "weight_decay", 0), nesterov: B(kw, "nesterov", false),
                maximize: B(kw, "maximize", false)),
            "Adam" => new Adam(first, lr: D(kw, "lr", 1e-3), betas: Betas(kw), eps: D(kw, "eps", 1e-8),
                weightDecay: D(kw, "weight_decay", 0), amsgrad: B(kw, "amsgrad", false),
                maximize: B(kw, "maximize", false)),
            "AdamW" => new AdamW(first, lr: D(kw, "lr", 1e-3), betas: Betas(kw), eps: D(kw, "eps", 1e-8),
                weightDecay: D(kw, "weight_decay", 1e-2), amsgrad: B(kw, "amsgrad", false),
                maximize: B(kw, "maximize", false)),
            "RMSprop" => new RMSprop(first, lr: D(kw, "lr", 1e-2), alpha: D(kw, "alpha", 0.99), eps: D(kw, "eps", 1e-8),
                weightDecay: D(kw, "weight_decay", 0), momentum: D(kw, "momentum", 0),
                centered: B(kw, "centered", false), maximize: B(kw, "maximize", false)),
            "Adagrad" =>
            new Adagrad(first, lr: D(kw, "lr", 1e-2), lrDecay: D(kw, "lr_decay", 0),
            weightDecay: D(kw, "weight_decay", 0),
                initialAccumulatorValue: D(kw, "initial_accumulator_value", 0), eps: D(kw, "eps", 1e-10),
                maximize: B(kw, "maximize", false)),
            "Adamax" => new Adamax(first, lr: D(kw, "lr", 2e-3), betas: Betas(kw), eps: D(kw, "eps", 1e-8),
                weightDecay: D(kw, "weight_decay", 0), maximize: B(kw, "maximize", false)),
            "NAdam" => new NAdam(first, lr: D(kw, "lr", 2e-3), betas: Betas(kw), eps: D(kw, "eps", 1e-8),
                weightDecay: D(kw, "weight_decay", 0), momentumDecay: D(kw, "momentum_decay", 4e-3)),
            "RAdam" =>
            new RAdam(first, lr: D(kw, "lr", 1e-3), betas: Betas(kw), eps: D(kw, "eps", 1e-8),
            weightDecay: D(kw, "weight_decay", 0)),
            var k => throw new NotSupportedException(k),
        };
        if (twoGroups)
        {
            JsonElement g1 = c.GetProperty("group1");
            var rest = ps.Skip(1);
            switch (opt)
            {
                case SGD sgd:
                    sgd.AddParamGroup(rest, o =>
                    {
                        o.Lr = D(g1, "lr", o.Lr); o.Momentum = D(g1, "momentum", o.Momentum);
                        o.Nesterov = B(g1, "nesterov", o.Nesterov);
                        o.WeightDecay = D(g1, "weight_decay", o.WeightDecay);
                    });
                    break;
                case Adam adam:
                    adam.AddParamGroup(rest, o =>
                    {
                        o.Lr = D(g1, "lr", o.Lr); o.Amsgrad = B(g1, "amsgrad", o.Amsgrad);
                        o.WeightDecay = D(g1, "weight_decay", o.WeightDecay);
                    });
                    break;
                default: throw new NotSupportedException(opt.GetType().Name);
            }
        }
        return opt;
    }

    internal static Parameter[] InitialParams(JsonElement c) =>
        c.GetProperty("initial").EnumerateArray().Select(t => new Parameter(Golden.Tensor(t))).ToArray();

    private static (double Rtol, double Atol) Tol(JsonElement c) =>
        c.GetProperty("dtype").GetString() == "float64" ? (1e-12, 1e-13) : (2e-6, 1e-6);

    private static void SetGrads(JsonElement c, Parameter[] ps, int t)
    {
        var g = c.GetProperty("grads")[t].EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++) ps[i].Grad = Golden.Tensor(g[i]);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StepsMatchPyTorch(string name)
    {
        var c = Case(name);
        var ps = InitialParams(c);
        var opt = Create(c, ps);
        var (rtol, atol) = Tol(c);
        var steps = c.GetProperty("steps").EnumerateArray().ToArray();
        for (int t = 0; t < steps.Length; t++)
        {
            SetGrads(c, ps, t);
            opt.Step();
            var expected = steps[t].EnumerateArray().ToArray();
            for (int i = 0; i < ps.Length; i++)
                Close.Equal(Golden.Tensor(expected[i]), ps[i], rtol, atol, $"{name} step {t} param {i}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StateDictMatchesPyTorch(string name)
    {
        var c = Case(name);
        var ps = InitialParams(c);
        var opt = Create(c, ps);
        int n = c.GetProperty("steps").GetArrayLength();
        for (int t = 0; t < n; t++) { SetGrads(c, ps, t); opt.Step(); }
        var sd = opt.StateDict();
        var (rtol, atol) = Tol(c);
        JsonElement expected = c.GetProperty("state_dict");

        foreach (var entry in expected.GetProperty("state").EnumerateObject())
        {
            int index = int.Parse(entry.Name);
            // PyTorch's SGD keeps momentum_buffer = None without momentum; Ember keeps no entry.
            var present = entry.Value.EnumerateObject().Where(e => e.Value.ValueKind != JsonValueKind.Null).ToArray();
            if (present.Length == 0)
            {
                Assert.False(sd.State.ContainsKey(index), $"{name}: unexpected state for {index}"); continue;
            }
            var ours = sd.State[index];
            Assert.Equal(present.Select(e => e.Name).OrderBy(s => s), ours.Keys.OrderBy(s => s));
            foreach (var e in present)
            {
                if (e.Value.ValueKind == JsonValueKind.Number)
                {
                    double v = e.Name == "step" ? Assert.IsType<long>(ours[e.Name])
                        : Assert.IsType<double>(ours[e.Name]);
                    Assert.True(Math.Abs(v - e.Value.GetDouble()) <= 1e-7 * Math.Abs(e.Value.GetDouble()),
                        $"{name}: {e.Name} = {v}, expected {e.Value.GetDouble()}");
                }
                else Close.Equal(Golden.Tensor(e.Value), Assert.IsAssignableFrom<Tensor>(ours[e.Name]), rtol, atol,
                    $"{name} state {index}.{e.Name}");
            }
        }

        var groups = expected.GetProperty("param_groups").EnumerateArray().ToArray();
        Assert.Equal(groups.Length, sd.ParamGroups.Count);
        for (int gi = 0; gi < groups.Length; gi++)
            foreach (var (key, value) in sd.ParamGroups[gi])
            {
                Assert.True(groups[gi].TryGetProperty(key, out var e),
                    $"{name}: PyTorch has no param_groups key '{key}'");
                switch (value)
                {
                    case double d: Assert.Equal(e.GetDouble(), d); break;
                    case bool b: Assert.Equal(e.GetBoolean(), b); break;
                    case double[] a: Assert.Equal(e.EnumerateArray().Select(x => x.GetDouble()), a); break;
                    case int[] a: Assert.Equal(e.EnumerateArray().Select(x => x.GetInt32()), a); break;
                    default: Assert.Fail($"{name}: unexpected value type {value.GetType()} for '{key}'"); break;
                }
            }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StateDictRoundTripContinuesExactlyAsUninterrupted(string name)
    {
        var c = Case(name);
        int n = c.GetProperty("steps").GetArrayLength(), split = 4;

        var straight = InitialParams(c);
        var opt = Create(c, straight);
        for (int t = 0; t < n; t++) { SetGrads(c, straight, t); opt.Step(); }

        var before = InitialParams(c);
        var first = Create(c, before);
        for (int t = 0; t < split; t++) { SetGrads(c, before, t); first.Step(); }
        var sd = first.StateDict();
        for (int t = split; t < n; t++)
        {
            SetGrads(c, before, t); first.Step();
        } // training on must not change the snapshot

        // a fresh optimizer (other hyper-parameters: LoadStateDict restores them) over parameters holding the values at
        // the split
        var resumed = InitialParams(c);
        var replay = Create(c, resumed);
        for (int t = 0; t < split; t++) { SetGrads(c, resumed, t); replay.Step(); }
        var fresh = resumed.Select(p => new Parameter(Tensor.From(p.ToArray<double>(), p.Shape).To(p.DType))).ToArray();
        var second = Create(c, fresh);
        foreach (var g in second.ParamGroups) g.Lr = 123;
        second.LoadStateDict(sd);
        for (int t = split; t < n; t++) { SetGrads(c, fresh, t); second.Step(); }

        for (int i = 0; i < straight.Length; i++)
        {
            Assert.Equal(straight[i].ToArray<double>(), fresh[i].ToArray<double>());
            Assert.Equal(straight[i].ToArray<double>(), before[i].ToArray<double>());
        }
    }
}
