using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests.Optim.Schedulers;

/// <summary>
/// Learning-rate schedulers against PyTorch 1.13 (tools/golden/sched_all.py): the rate and momentum of two parameter
/// groups after construction and after each of 12 steps, and a state-dict round trip in the middle of the schedule.
/// </summary>
public class SchedulerTests
{
    private static readonly JsonElement s_cases = Golden.Load("sched_all.json").GetProperty("cases");

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) =>
        s_cases.EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    /// <summary>The optimizer and schedulers of a case: the schedulers are stepped in order; plateau cases have one
    /// ReduceLROnPlateau.</summary>
    private sealed record Setup(Optimizer Optimizer, LRScheduler[] Schedulers, ReduceLROnPlateau? Plateau);

    private static Optimizer MakeOptimizer(string kind)
    {
        var a = new Parameter(Tensor.Zeros(1));
        var b = new Parameter(Tensor.Zeros(1));
        if (kind == "SGD")
        {
            var sgd = new SGD([a], lr: 0.1, momentum: 0.9);
            sgd.AddParamGroup([b], o => o.Lr = 0.05);
            return sgd;
        }
        var adam = new Adam([a], lr: 0.1);
        adam.AddParamGroup([b], o => o.Lr = 0.05);
        return adam;
    }

    private static Setup Make(string name, string kind)
    {
        var o = MakeOptimizer(kind);
        Setup One(LRScheduler s) => new(o, [s], null);
        return name switch
        {
            "step_lr" => One(new StepLR(o, stepSize: 3, gamma: 0.5)),
            "multistep_lr" => One(new MultiStepLR(o, [2, 5, 5, 9], gamma: 0.3)),
            "exponential_lr" => One(new ExponentialLR(o, gamma: 0.9)),
            "cosine_annealing" => One(new CosineAnnealingLR(o, tMax: 5, etaMin: 0.001)),
            "cosine_warm_restarts_tmult2" => One(new CosineAnnealingWarmRestarts(o, t0: 3, tMult: 2, etaMin: 0.001)),
            "cosine_warm_restarts_t4" => One(new CosineAnnealingWarmRestarts(o, t0: 4)),
            "one_cycle_cos" => One(new OneCycleLR(o, [1.0, 0.5], totalSteps: 15)),
            "one_cycle_linear_three_phase_adam" =>
            One(new OneCycleLR(o, 0.2, epochs: 4, stepsPerEpoch: 3, pctStart: 0.25,
                annealStrategy: AnnealStrategy.Linear, threePhase: true, divFactor: 10, finalDivFactor: 100,
                baseMomentum: 0.8, maxMomentum: 0.9)),
            "one_cycle_no_momentum" => One(new OneCycleLR(o, 0.3, totalSteps: 20, cycleMomentum: false, pctStart: 0.4)),
            "linear_warmup" => One(new LinearLR(o, startFactor: 0.25, endFactor: 1.0, totalIters: 4)),
            "linear_decay" => One(new LinearLR(o, startFactor: 1.0, endFactor: 0.1, totalIters: 6)),
            "lambda_lr" => One(new LambdaLR(o, [e => Math.Pow(0.9, e), e => 1.0 / (e + 1)])),
            "sequential_linear_exponential" =>
            One(new SequentialLR(o,
            [new LinearLR(o, startFactor: 0.1, totalIters: 3), new ExponentialLR(o, gamma: 0.8)], [4])),
            "sequential_three" => One(new SequentialLR(o,
                [new LinearLR(o, startFactor: 0.5, totalIters: 2), new StepLR(o, stepSize: 2, gamma: 0.5),
                new CosineAnnealingLR(o, tMax: 4)], [3, 7])),
            "chained_step_exponential" =>
            new(o, [new StepLR(o, stepSize: 4, gamma: 0.5), new ExponentialLR(o, gamma: 0.95)], null),
            "plateau_min_rel" =>
            new(o, [], new ReduceLROnPlateau(o, PlateauMode.Min, factor: 0.5, patience: 2, threshold: 0.01,
                ThresholdMode.Rel, cooldown: 1, minLr: [0.01, 0.0])),
            "plateau_max_abs" =>
            new(o, [],
            new ReduceLROnPlateau(o, PlateauMode.Max, factor: 0.2, patience: 1, threshold: 0.05,
            thresholdMode: ThresholdMode.Abs)),
            _ => throw new NotSupportedException(name),
        };
    }

    private static void StepAll(Setup s, JsonElement c, int t)
    {
        s.Optimizer.Step();
        if (s.Plateau is not null) s.Plateau.Step(c.GetProperty("metrics")[t].GetDouble());
        foreach (var sched in s.Schedulers) sched.Step();
    }

    private static double[] Lrs(Setup s) => s.Optimizer.ParamGroups.Select(g => g.Lr).ToArray();

    private static double[] Momentums(Setup s) =>
        s.Optimizer.ParamGroups.Select(g => ((IMomentumOptions)g.Options).MomentumTerm).ToArray();

    private static void Expect(JsonElement c, Setup s, int point, string what)
    {
        string name = c.GetProperty("name").GetString()!;
        double[] lr = c.GetProperty("lrs")[point].EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double[] mom = c.GetProperty("momentums")[point].EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Close.Equal(lr, Lrs(s), 1e-12, 1e-15, $"{name} lr {what}");
        Close.Equal(mom, Momentums(s), 1e-12, 1e-15, $"{name} momentum {what}");
        var last = s.Plateau?.GetLastLr() ?? s.Schedulers[^1].GetLastLr();
        Close.Equal(lr, last.ToArray(), 1e-12, 1e-15, $"{name} GetLastLr {what}");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void LrsAndMomentumsMatchPyTorch(string name)
    {
        var c = Case(name);
        var s = Make(name, c.GetProperty("optimizer").GetString()!);
        Expect(c, s, 0, "after construction");
        for (int t = 0; t < 12; t++)
        {
            StepAll(s, c, t);
            Expect(c, s, t + 1, $"after step {t + 1}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StateDictRoundTripContinuesExactlyAsUninterrupted(string name)
    {
        var c = Case(name);
        string kind = c.GetProperty("optimizer").GetString()!;
        var straight = Make(name, kind);
        var first = Make(name, kind);
        for (int t = 0; t < 5; t++) { StepAll(straight, c, t); StepAll(first, c, t); }
        var optState = first.Optimizer.StateDict();
        var schedStates = first.Schedulers.Select(x => x.StateDict()).ToArray();
        var plateauState = first.Plateau?.StateDict();

        var resumed =
            Make(name, kind); // fresh: its constructors' initial steps change the rates, which loading restores
        resumed.Optimizer.LoadStateDict(optState);
        for (int i = 0; i < schedStates.Length; i++) resumed.Schedulers[i].LoadStateDict(schedStates[i]);
        if (plateauState is not null) resumed.Plateau!.LoadStateDict(plateauState);

        for (int t = 5; t < 12; t++)
        {
            StepAll(straight, c, t);
            StepAll(resumed, c, t);
            Assert.Equal(Lrs(straight), Lrs(resumed));
            Assert.Equal(Momentums(straight), Momentums(resumed));
            Expect(c, resumed, t + 1, $"after step {t + 1}, resumed at 5");
        }
    }

    [Fact]
    public void StateDictsUsePyTorchNames()
    {
        var o = MakeOptimizer("SGD");
        var sd = new CosineAnnealingLR(o, tMax: 5, etaMin: 0.001).StateDict();
        Assert.Equal(new[] { "T_max", "_last_lr", "_step_count", "base_lrs", "eta_min", "last_epoch" },
            sd.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0, sd["last_epoch"]);
        Assert.Equal(new[] { 0.1, 0.05 }, (double[])sd["base_lrs"]);
        var plateau = new ReduceLROnPlateau(MakeOptimizer("SGD"));
        Assert.Equal("min", plateau.StateDict()["mode"]);
        Assert.Equal(double.PositiveInfinity, plateau.StateDict()["best"]);
    }

    [Fact]
    public void InvalidArgumentsAreRejectedWithClearErrors()
    {
        var o = MakeOptimizer("SGD");
        var adagrad = new Adagrad([new Parameter(Tensor.Zeros(1))]);
        Assert.Contains("Adagrad has neither",
            Assert.Throws<ArgumentException>(() => new OneCycleLR(adagrad, 0.1, totalSteps: 10)).Message);
        Assert.Contains("expected 2 lrLambdas",
            Assert.Throws<ArgumentException>(() => new LambdaLR(o, [e => 1.0])).Message);
        Assert.Contains("factor should be < 1.0, got 1.5",
            Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(o, factor: 1.5)).Message);
        Assert.Contains("scheduler 1", Assert.Throws<ArgumentException>(() =>
            new SequentialLR(o, [new StepLR(o, 2), new StepLR(MakeOptimizer("SGD"), 2)], [3])).Message);
        Assert.Contains("one milestone fewer",
            Assert.Throws<ArgumentException>(() => new SequentialLR(o, [new StepLR(o, 2)], [3])).Message);
        Assert.Contains("no InitialLr",
            Assert.Throws<ArgumentException>(() => new StepLR(MakeOptimizer("SGD"), 2, lastEpoch: 4)).Message);
        Assert.Contains("invalid stepSize 0", Assert.Throws<ArgumentException>(() => new StepLR(o, 0)).Message);
        Assert.Contains("startFactor 2",
            Assert.Throws<ArgumentException>(() => new LinearLR(o, startFactor: 2)).Message);

        var oneCycle = new OneCycleLR(MakeOptimizer("SGD"), 0.1, totalSteps: 2);
        oneCycle.Step();
        oneCycle.Step();
        Assert.Contains("tried to step 4 times",
            Assert.Throws<InvalidOperationException>(() => oneCycle.Step()).Message);
        Assert.Contains("'base_lrs' has 1 values", Assert.Throws<ArgumentException>(() =>
            new StepLR(MakeOptimizer("SGD"), 2)
                .LoadStateDict(new Dictionary<string, object> { ["base_lrs"] = new[] { 0.1 } })).Message);
    }

    [Fact]
    public void ResumingWithLastEpochUsesTheSavedInitialLr()
    {
        var o = MakeOptimizer("SGD");
        var s = new ExponentialLR(o, gamma: 0.5);
        s.Step();
        s.Step();
        var o2 = MakeOptimizer("SGD");
        o2.LoadStateDict(o.StateDict());
        var resumed = new ExponentialLR(o2, gamma: 0.5, lastEpoch: 2);
        Assert.Equal(new[] { 0.1, 0.05 }, resumed.BaseLrs);
        Assert.Equal(3, resumed.LastEpoch);
        Assert.Equal(0.0125, o2.ParamGroups[0].Lr, 15);
    }
}
