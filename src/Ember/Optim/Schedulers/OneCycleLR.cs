using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Optim;

/// <summary>How <see cref="OneCycleLR"/> moves between its phase end points.</summary>
public enum AnnealStrategy
{
    /// <summary>Cosine annealing (PyTorch's <c>'cos'</c>).</summary>
    Cos,
    /// <summary>Linear annealing (PyTorch's <c>'linear'</c>).</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (Smith &amp; Topin): the rate rises from <c>maxLr / divFactor</c> to <c>maxLr</c>, then falls to
/// <c>initial / finalDivFactor</c>, while the momentum (SGD/RMSprop's <c>Momentum</c>, the Adam family's β1; see
/// <see cref="IMomentumOptions"/>) moves the opposite way between <c>maxMomentum</c> and <c>baseMomentum</c>
/// (<c>torch.optim.lr_scheduler.OneCycleLR</c>). Step it after every batch, <c>totalSteps</c> times at most.
/// </summary>
/// <remarks>
/// The group's initial rate is <see cref="ParamGroup.InitialLr"/> (set by the constructor when starting); the other
/// per-group values PyTorch stores in <c>param_groups</c> (<c>max_lr</c>, <c>min_lr</c>, <c>max_momentum</c>,
/// <c>base_momentum</c>) live in this scheduler and its state dict.
/// </remarks>
public sealed class OneCycleLR : LRScheduler
{
    private readonly record struct Phase(double EndStep, int StartLr, int EndLr, int StartMomentum, int EndMomentum);

    // indices into the per-group value table: initial, max, min lr; max, base momentum
    private const int Initial = 0, Max = 1, Min = 2, MaxMomentum = 3, BaseMomentum = 4;

    private int _totalSteps;
    private Phase[] _phases;
    private AnnealStrategy _strategy;
    private bool _cycleMomentum;
    private double[] _maxLrs, _minLrs, _maxMomentums, _baseMomentums;

    /// <summary>Creates the scheduler with the same peak rate for every group and performs the initial step.</summary>
    /// <param name="optimizer">The optimizer; with <paramref name="cycleMomentum"/> its options must implement
    /// <see cref="IMomentumOptions"/>.</param>
    /// <param name="maxLr">The peak learning rate.</param>
    /// <param name="totalSteps">The number of steps in the cycle; or give <paramref name="epochs"/> and
    /// <paramref name="stepsPerEpoch"/>.</param>
    /// <param name="epochs">With <paramref name="stepsPerEpoch"/>, the cycle lasts epochs·stepsPerEpoch steps.</param>
    /// <param name="stepsPerEpoch">Steps per epoch.</param>
    /// <param name="pctStart">The fraction of the cycle spent increasing the rate.</param>
    /// <param name="annealStrategy">Cosine or linear annealing.</param>
    /// <param name="cycleMomentum">Cycle the momentum inversely to the rate.</param>
    /// <param name="baseMomentum">The lowest momentum (reached at the peak rate).</param>
    /// <param name="maxMomentum">The highest momentum (at the start and end).</param>
    /// <param name="divFactor">The initial rate is maxLr / divFactor.</param>
    /// <param name="finalDivFactor">The final rate is initial / finalDivFactor.</param>
    /// <param name="threePhase">Use a third phase that anneals to the final rate after a symmetric rise and
    /// fall.</param>
    /// <param name="lastEpoch">The index of the last step when resuming (-1 to start).</param>
    public OneCycleLR(Optimizer optimizer, double maxLr, int? totalSteps = null, int? epochs = null,
        int? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4,
        bool threePhase = false, int lastEpoch = -1)
        : this(optimizer, Enumerable.Repeat(maxLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), totalSteps, epochs,
            stepsPerEpoch, pctStart,
            annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase, lastEpoch)
    { }

    /// <summary>Creates the scheduler with one peak rate per group and performs the initial step (see the other
    /// constructor for the parameters).</summary>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLr, int? totalSteps = null, int? epochs = null,
        int? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4,
        bool threePhase = false, int lastEpoch = -1)
        : base(Prepare(optimizer, maxLr, divFactor, lastEpoch), lastEpoch)
    {
        if (totalSteps is null && (epochs is null || stepsPerEpoch is null))
            throw new ArgumentException("OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch.");
        if (totalSteps is int t)
        {
            if (t <= 0) throw new ArgumentException($"OneCycleLR: expected a positive totalSteps, got {t}.");
            _totalSteps = t;
        }
        else
        {
            if (epochs <= 0) throw new ArgumentException($"OneCycleLR: expected a positive epochs, got {epochs}.");
            if (stepsPerEpoch <= 0)
                throw new ArgumentException($"OneCycleLR: expected a positive stepsPerEpoch, got {stepsPerEpoch}.");
            _totalSteps = epochs!.Value * stepsPerEpoch!.Value;
        }
        if (pctStart is < 0 or > 1 || double.IsNaN(pctStart))
            throw new ArgumentException($"OneCycleLR: expected pctStart between 0 and 1, got {pctStart}.");
        if (!Enum.IsDefined(annealStrategy))
            throw new ArgumentException($"OneCycleLR: unknown annealStrategy {annealStrategy}.");
        _strategy = annealStrategy;
        _phases = Phases(pctStart, threePhase, _totalSteps);

        var groups = optimizer.ParamGroups;
        _maxLrs = StateValues.PerGroup("OneCycleLR", "maxLr", maxLr, groups.Count);
        _minLrs = groups.Select(g => g.InitialLr!.Value / finalDivFactor).ToArray();
        _maxMomentums = Enumerable.Repeat(maxMomentum, groups.Count).ToArray();
        _baseMomentums = Enumerable.Repeat(baseMomentum, groups.Count).ToArray();
        _cycleMomentum = cycleMomentum;
        if (cycleMomentum)
        {
            for (int i = 0; i < groups.Count; i++)
                if (groups[i].Options is not IMomentumOptions)
                    throw new ArgumentException("OneCycleLR: cycleMomentum needs an optimizer with a momentum or " +
                        $"betas option, but {optimizer.GetType().Name} has neither; pass cycleMomentum: false.");
            if (lastEpoch == -1)
                foreach (var g in groups) ((IMomentumOptions)g.Options).MomentumTerm = maxMomentum;
        }
        InitialStep();
    }

    /// <summary>Sets each group's initial rate to maxLr / divFactor before the base class reads it (PyTorch's
    /// order).</summary>
    private static Optimizer Prepare(Optimizer optimizer, IReadOnlyList<double> maxLr, double divFactor, int lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(maxLr);
        var groups = optimizer.ParamGroups;
        var max = StateValues.PerGroup("OneCycleLR", "maxLr", maxLr, groups.Count);
        if (lastEpoch == -1)
            for (int i = 0; i < groups.Count; i++) groups[i].InitialLr = max[i] / divFactor;
        return optimizer;
    }

    private static Phase[] Phases(double pctStart, bool threePhase, int totalSteps) => threePhase
        ? [
            new(pctStart * totalSteps - 1, Initial, Max, MaxMomentum, BaseMomentum),
            new(2 * pctStart * totalSteps - 2, Max, Initial, BaseMomentum, MaxMomentum),
            new(totalSteps - 1, Initial, Min, MaxMomentum, MaxMomentum),
        ]
        : [
            new(pctStart * totalSteps - 1, Initial, Max, MaxMomentum, BaseMomentum),
            new(totalSteps - 1, Max, Min, BaseMomentum, MaxMomentum),
        ];

    private double Anneal(double start, double end, double pct) => _strategy == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    private double Value(int which, int group) => which switch
    {
        Initial => Optimizer.ParamGroups[group].InitialLr!.Value,
        Max => _maxLrs[group],
        Min => _minLrs[group],
        MaxMomentum => _maxMomentums[group],
        _ => _baseMomentums[group],
    };

    /// <inheritdoc/>
    protected override double[] GetLr()
    {
        int stepNum = LastEpoch;
        if (stepNum > _totalSteps)
            throw new InvalidOperationException($"OneCycleLR: tried to step {stepNum + 1} times; the specified " +
                $"number of total steps is {_totalSteps}.");
        var groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        for (int gi = 0; gi < groups.Count; gi++)
        {
            double startStep = 0, lr = 0, momentum = 0;
            for (int i = 0; i < _phases.Length; i++)
            {
                var phase = _phases[i];
                if (stepNum <= phase.EndStep || i == _phases.Length - 1)
                {
                    double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    lr = Anneal(Value(phase.StartLr, gi), Value(phase.EndLr, gi), pct);
                    if (_cycleMomentum)
                        momentum = Anneal(Value(phase.StartMomentum, gi), Value(phase.EndMomentum, gi), pct);
                    break;
                }
                startStep = phase.EndStep;
            }
            lrs[gi] = lr;
            if (_cycleMomentum) ((IMomentumOptions)groups[gi].Options).MomentumTerm = momentum;
        }
        return lrs;
    }

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state)
    {
        state["total_steps"] = _totalSteps;
        state["_schedule_phases"] = _phases.Select(p => p.EndStep).ToArray(); // the phases' end steps
        state["anneal_strategy"] = _strategy == AnnealStrategy.Cos ? "cos" : "linear";
        state["cycle_momentum"] = _cycleMomentum;
        state["max_lrs"] = _maxLrs.ToArray();
        state["min_lrs"] = _minLrs.ToArray();
        state["max_momentums"] = _maxMomentums.ToArray();
        state["base_momentums"] = _baseMomentums.ToArray();
    }

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who)
    {
        int groups = Optimizer.ParamGroups.Count;
        double[] PerGroup(string key, double[] current)
        {
            var v = StateValues.Doubles(state, key, current, who);
            return v.Length == groups ? v
                : throw new ArgumentException($"{who}: '{key}' has {v.Length} values, the optimizer has {groups} " +
                "parameter groups.");
        }
        var ends = StateValues.Doubles(state, "_schedule_phases", _phases.Select(p => p.EndStep).ToArray(), who);
        if (ends.Length != _phases.Length)
            throw new ArgumentException($"{who}: '_schedule_phases' has {ends.Length} phases, this scheduler " +
                $"has {_phases.Length} (threePhase differs).");
        string strategy =
            StateValues.String(state, "anneal_strategy", _strategy == AnnealStrategy.Cos ? "cos" : "linear", who);
        if (strategy is not ("cos" or "linear"))
            throw new ArgumentException($"{who}: 'anneal_strategy' must be \"cos\" or \"linear\", got \"{strategy}\".");
        (_maxLrs, _minLrs, _maxMomentums, _baseMomentums) =
            (PerGroup("max_lrs", _maxLrs), PerGroup("min_lrs", _minLrs), PerGroup("max_momentums", _maxMomentums),
                PerGroup("base_momentums", _baseMomentums));
        _totalSteps = StateValues.Int(state, "total_steps", _totalSteps, who);
        _phases = _phases.Select((p, i) => p with { EndStep = ends[i] }).ToArray();
        _strategy = strategy == "cos" ? AnnealStrategy.Cos : AnnealStrategy.Linear;
        _cycleMomentum = StateValues.Bool(state, "cycle_momentum", _cycleMomentum, who);
    }
}
