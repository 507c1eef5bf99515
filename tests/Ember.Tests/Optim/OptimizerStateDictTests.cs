using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Optim;

namespace Ember.Tests.Optim;

/// <summary>State-dict validation, copying semantics, and option validation of every optimizer.</summary>
public class OptimizerStateDictTests
{
    private static Parameter[] Params() =>
        [new Parameter(Tensor.From(new float[] { 1, -2, 3, -4, 5, -6 }, [2, 3])),
        new Parameter(Tensor.From(new float[] { 0.5f, -0.5f }))];

    private static void Train(Optimizer opt, Parameter[] ps, int steps)
    {
        for (int t = 0; t < steps; t++)
        {
            foreach (var p in ps)
                p.Grad = Tensor.From(p.ToArray<float>().Select(v => 2 * v + 0.1f * (t + 1)).ToArray(), p.Shape);
            opt.Step();
        }
    }

    private static Dictionary<string, object> Copy(IReadOnlyDictionary<string, object> d) =>
        d.ToDictionary(e => e.Key, e => e.Value);

    private static OptimizerStateDict With(OptimizerStateDict sd,
        Func<int, Dictionary<string, object>, Dictionary<string, object>>? state = null,
        Func<int, Dictionary<string, object>, Dictionary<string, object>>? group = null) =>
        new(sd.State.ToDictionary(e => e.Key,
            e => (IReadOnlyDictionary<string, object>)(state?.Invoke(e.Key, Copy(e.Value)) ?? Copy(e.Value))),
            sd.ParamGroups.Select((g, i) => (IReadOnlyDictionary<string, object>)(group?.Invoke(i, Copy(g)) ?? Copy(g)))
            .ToList());

    [Fact]
    public void StateDictHasPyTorchStructure()
    {
        var ps = Params();
        var opt = new Adam([ps[0]], lr: 0.01, amsgrad: true);
        opt.AddParamGroup([ps[1]], o => o.Lr = 0.1);
        Train(opt, ps, 3);
        var sd = opt.StateDict();
        Assert.Equal(new[] { 0, 1 }, sd.State.Keys.OrderBy(k => k));
        Assert.Equal(new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step" },
            sd.State[0].Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(3L, sd.State[1]["step"]);
        Assert.Equal(new[] { 2, 3 }, ((Tensor)sd.State[0]["exp_avg"]).Shape.ToArray());
        Assert.Equal(new[] { 0 }, (int[])sd.ParamGroups[0]["params"]);
        Assert.Equal(new[] { 1 }, (int[])sd.ParamGroups[1]["params"]);
        Assert.Equal(0.1, sd.ParamGroups[1]["lr"]);
        Assert.Equal(new[] { 0.9, 0.999 }, (double[])sd.ParamGroups[0]["betas"]);
        Assert.Equal(true, sd.ParamGroups[0]["amsgrad"]);
    }

    [Fact]
    public void StateDictIsASnapshotAndLoadCopies()
    {
        var ps = Params();
        var opt = new SGD(ps, lr: 0.1, momentum: 0.9);
        Train(opt, ps, 2);
        var sd = opt.StateDict();
        var buf = (Tensor)sd.State[0]["momentum_buffer"];
        float[] saved = buf.ToArray<float>();
        Train(opt, ps, 1);
        Assert.Equal(saved, buf.ToArray<float>());

        var qs = Params();
        var other = new SGD(qs, lr: 0.1, momentum: 0.9);
        other.LoadStateDict(sd);
        new Parameter(buf, requiresGrad: false).CopyFrom(Tensor.Zeros(2, 3)); // writes through to buf's storage
        Assert.Equal(saved, ((Tensor)other.StateDict().State[0]["momentum_buffer"]).ToArray<float>());
    }

    [Fact]
    public void LoadRestoresOptionsAndInitialLr()
    {
        var ps = Params();
        var opt = new RMSprop(ps, lr: 0.05, momentum: 0.5, centered: true);
        opt.ParamGroups[0].InitialLr = 0.07;
        Train(opt, ps, 2);
        var sd = opt.StateDict();
        Assert.Equal(0.07, sd.ParamGroups[0]["initial_lr"]);
        var other = new RMSprop(Params(), lr: 1, momentum: 0.5, centered: true);
        other.LoadStateDict(sd);
        var o = (RMSpropOptions)other.ParamGroups[0].Options;
        Assert.Equal(0.05, o.Lr);
        Assert.True(o.Centered);
        Assert.Equal(0.07, other.ParamGroups[0].InitialLr);
    }

    [Fact]
    public void LoadCastsStateToTheParameterDType()
    {
        var ps = Params();
        var opt = new Adam(ps, lr: 0.01);
        Train(opt, ps, 2);
        var doubles = Params().Select(p => new Parameter(p.To(DType.Float64))).ToArray();
        var other = new Adam(doubles, lr: 0.01);
        other.LoadStateDict(opt.StateDict());
        Assert.Equal(DType.Float64, ((Tensor)other.StateDict().State[0]["exp_avg"]).DType);
    }

    [Fact]
    public void AdagradCreatesItsStateWhenGroupsAreAdded()
    {
        var ps = Params();
        var opt = new Adagrad([ps[0]], initialAccumulatorValue: 0.25);
        opt.AddParamGroup([ps[1]], o => o.InitialAccumulatorValue = 0.5);
        var sd = opt.StateDict();
        Assert.Equal(0L, sd.State[1]["step"]);
        Assert.All(((Tensor)sd.State[0]["sum"]).ToArray<float>(), v => Assert.Equal(0.25f, v));
        Assert.All(((Tensor)sd.State[1]["sum"]).ToArray<float>(), v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void LoadRejectsMismatchesWithClearErrorsAndLeavesTheOptimizerUnchanged()
    {
        var ps = Params();
        var opt = new Adam(ps, lr: 0.01);
        Train(opt, ps, 2);
        var sd = opt.StateDict();
        var target = new Adam(Params(), lr: 0.5);

        string Error(OptimizerStateDict bad) =>
            Assert.Throws<ArgumentException>(() => target.LoadStateDict(bad)).Message;

        var twoGroups = new Adam([ps[0]]);
        twoGroups.AddParamGroup([ps[1]]);
        Assert.Contains("1 parameter groups, this optimizer has 2",
            Assert.Throws<ArgumentException>(() => twoGroups.LoadStateDict(sd)).Message);
        Assert.Contains("group 0 has 1 parameters in the state dict, 2 in this optimizer",
            Error(With(sd, group: (_, g) => { g["params"] = new[] { 0 }; return g; })));
        Assert.Contains("'exp_avg' of parameter 1 has shape [3], but the parameter has shape [2]",
            Error(With(sd, state: (i, s) => { if (i == 1) s["exp_avg"] = Tensor.Zeros(3); return s; })));
        Assert.Contains("unknown state 'momentum_buffer' for parameter 0",
            Error(With(sd, state: (i, s) => { s["momentum_buffer"] = Tensor.Zeros(2, 3); return s; })));
        Assert.Contains("lacks 'step'", Error(With(sd, state: (_, s) => { s.Remove("step"); return s; })));
        Assert.Contains("lacks 'exp_avg_sq'", Error(With(sd, state: (_, s) => { s.Remove("exp_avg_sq"); return s; })));
        Assert.Contains("lacks 'max_exp_avg_sq'", Error(With(sd, group: (_, g) => { g["amsgrad"] = true; return g; })));
        Assert.Contains("Adam: invalid beta parameter at index 0 (betas.Beta1): 1.5",
            Error(With(sd, group: (_, g) => { g["betas"] = new[] { 1.5, 0.9 }; return g; })));
        Assert.Contains("'lr' must be a number", Error(With(sd, group: (_, g) => { g["lr"] = "fast"; return g; })));
        Assert.Contains("state for parameter index 0, which no parameter group lists",
            Error(With(sd, state: null, group: (_, g) => { g["params"] = new[] { 7, 1 }; return g; })));

        Assert.Equal(0.5, target.ParamGroups[0].Lr);
        Assert.Empty(target.StateDict().State);
    }

    [Fact]
    public void InvalidOptionsNameTheOptimizerTheOptionAndTheValue()
    {
        Parameter[] p = [new Parameter(Tensor.Ones(1))];
        void Check(Func<object> create, params string[] parts)
        {
            var m = Assert.Throws<ArgumentException>(create).Message;
            foreach (var part in parts) Assert.Contains(part, m);
        }
        Check(() => new SGD(p, lr: -1), "SGD", "lr", "-1");
        Check(() => new SGD(p, lr: 0.1, momentum: -0.5), "SGD", "momentum", "-0.5");
        Check(() => new SGD(p, lr: 0.1, nesterov: true), "SGD", "Nesterov");
        Check(() => new Adam(p, betas: (1.5, 0.9)), "Adam", "Beta1", "1.5");
        Check(() => new AdamW(p, eps: -1e-3), "AdamW", "eps", "-0.001");
        Check(() => new RMSprop(p, alpha: -0.1), "RMSprop", "alpha", "-0.1");
        Check(() => new Adagrad(p, lrDecay: -2), "Adagrad", "lrDecay", "-2");
        Check(() => new Adagrad(p, initialAccumulatorValue: -3), "Adagrad", "initialAccumulatorValue", "-3");
        Check(() => new Adamax(p, betas: (0.9, 1.0)), "Adamax", "Beta2", "1");
        Check(() => new NAdam(p, momentumDecay: -4), "NAdam", "momentumDecay", "-4");
        Check(() => new RAdam(p, weightDecay: -5), "RAdam", "weightDecay", "-5");

        var sgd = new SGD(p, lr: 0.1);
        Check(() => { sgd.AddParamGroup([new Parameter(Tensor.Ones(1))], o => o.Momentum = -1); return sgd; }, "SGD",
            "momentum", "-1");
        Assert.Single(sgd.ParamGroups);
    }

    [Fact]
    public void MomentumTermMapsToMomentumOrBeta1()
    {
        Parameter[] p = [new Parameter(Tensor.Ones(1))];
        var sgd = new SGD(p, lr: 0.1, momentum: 0.9);
        var adam = new Adam([new Parameter(Tensor.Ones(1))], betas: (0.8, 0.99));
        Assert.Equal(0.9, ((IMomentumOptions)sgd.ParamGroups[0].Options).MomentumTerm);
        ((IMomentumOptions)adam.ParamGroups[0].Options).MomentumTerm = 0.7;
        Assert.Equal((0.7, 0.99), ((AdamOptions)adam.ParamGroups[0].Options).Betas);
        Assert.IsNotAssignableFrom<IMomentumOptions>(new Adagrad([new Parameter(Tensor.Ones(1))]).ParamGroups[0]
            .Options);
    }
}
