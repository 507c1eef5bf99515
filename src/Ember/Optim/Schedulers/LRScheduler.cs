using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Optim;

/// <summary>
/// Base of the epoch-based learning-rate schedulers (PyTorch 1.13's <c>_LRScheduler</c>). A scheduler only changes its
/// optimizer's <see cref="ParamGroup.Lr"/> (and, for <see cref="OneCycleLR"/>, the momentum). The constructor performs
/// the
/// initial step (epoch 0); call <see cref="Step"/> once per epoch, after <c>optimizer.Step()</c>.
/// </summary>
/// <remarks>
/// Derived schedulers compute the new rates in <see cref="GetLr"/> with PyTorch's chainable formulas (from each group's
/// current rate), so several schedulers may drive one optimizer; a derived constructor sets its fields, then calls
/// <see cref="InitialStep"/>.
/// </remarks>
public abstract class LRScheduler
{
    private double[] _baseLrs;
    private double[] _lastLr = [];

    /// <summary>Registers on <paramref name="optimizer"/>: with <paramref name="lastEpoch"/> -1 each group's
    /// <see cref="ParamGroup.InitialLr"/> defaults to its current rate; to resume (lastEpoch ≥ 0) every group must have
    /// one.</summary>
    protected LRScheduler(Optimizer optimizer, int lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        if (lastEpoch < -1)
            throw new ArgumentException($"{Name}: invalid lastEpoch {lastEpoch}; expected -1 (start) or the index of " +
                "the last epoch.");
        var groups = optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            if (lastEpoch == -1) groups[i].InitialLr ??= groups[i].Lr;
            else if (groups[i].InitialLr is null)
                throw new ArgumentException($"{Name}: param group {i} has no InitialLr (PyTorch's initial_lr), which " +
                    $"resuming at lastEpoch {lastEpoch} needs; load the optimizer's state dict first or start with " +
                    "lastEpoch -1.");
        }
        _baseLrs = groups.Select(g => g.InitialLr!.Value).ToArray();
        LastEpoch = lastEpoch;
    }

    /// <summary>The optimizer whose learning rates this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The index of the last epoch stepped (0 after construction; PyTorch's <c>last_epoch</c>).</summary>
    public int LastEpoch { get; private protected set; }

    /// <summary>The groups' initial learning rates (PyTorch's <c>base_lrs</c>).</summary>
    public IReadOnlyList<double> BaseLrs => _baseLrs;

    /// <summary>How many times the scheduler has stepped, the initial step included (PyTorch's
    /// <c>_step_count</c>).</summary>
    protected int StepCount { get; private set; }

    private protected string Name => GetType().Name;

    /// <summary>Re-reads <see cref="BaseLrs"/> from the groups' <see cref="ParamGroup.InitialLr"/> (after a scheduler
    /// sets them itself).</summary>
    private protected void ResetBaseLrs() => _baseLrs = Optimizer.ParamGroups.Select(g => g.InitialLr!.Value).ToArray();

    /// <summary>The first step, performed at the end of a derived constructor (PyTorch's
    /// <c>_initial_step</c>).</summary>
    protected void InitialStep()
    {
        StepCount = 0;
        Step();
    }

    /// <summary>Used by <see cref="SequentialLR"/>: undoes the epoch count of the constructor's initial step.</summary>
    internal void UndoStep() => LastEpoch--;

    /// <summary>Used by <see cref="SequentialLR"/>: performs the initial step again.</summary>
    internal void Restart() => InitialStep();

    /// <summary>Records <paramref name="lrs"/> as the last rates (for schedulers that delegate the stepping).</summary>
    private protected void SetLastLr(IReadOnlyList<double> lrs) => _lastLr = lrs.ToArray();

    /// <summary>Advances one epoch and sets each group's learning rate.</summary>
    public virtual void Step()
    {
        StepCount++;
        LastEpoch++;
        Apply(GetLr());
    }

    /// <summary>PyTorch's deprecated <c>step(epoch)</c>, which <see cref="SequentialLR"/> uses at its milestones:
    /// jumps to <paramref name="epoch"/> with the closed form when the scheduler has one.</summary>
    internal virtual void StepTo(int epoch)
    {
        StepCount++;
        LastEpoch = epoch;
        Apply(GetClosedFormLr() ?? GetLr());
    }

    /// <summary>The learning rate of each group for epoch <see cref="LastEpoch"/> (PyTorch's chainable
    /// <c>get_lr</c>).</summary>
    protected abstract double[] GetLr();

    /// <summary>The closed-form rates for <see cref="LastEpoch"/> (from <see cref="BaseLrs"/>), or null when there is
    /// none.</summary>
    protected virtual double[]? GetClosedFormLr() => null;

    /// <summary>Sets each group's rate and records them as the last rates.</summary>
    private protected void Apply(double[] lrs)
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++) groups[i].Lr = lrs[i];
        _lastLr = groups.Select(g => g.Lr).ToArray();
    }

    /// <summary>The learning rate of each group as last set by this scheduler (PyTorch's
    /// <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr.ToArray();

    /// <summary>
    /// The scheduler's state under PyTorch's names: <c>"base_lrs"</c> and <c>"_last_lr"</c> (<c>double[]</c>),
    /// <c>"last_epoch"</c> and <c>"_step_count"</c> (<c>int</c>), and the scheduler's own fields (<c>"gamma"</c>,
    /// <c>"T_max"</c>, ...). Values are numbers, bools, strings, arrays of them, or nested state dicts.
    /// </summary>
    public IReadOnlyDictionary<string, object> StateDict()
    {
        var d = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["base_lrs"] = _baseLrs.ToArray(),
            ["last_epoch"] = LastEpoch,
            ["_step_count"] = StepCount,
            ["_last_lr"] = _lastLr.ToArray(),
        };
        WriteState(d);
        return d;
    }

    /// <summary>Restores a state from <see cref="StateDict"/>; keys that are absent keep their current values (as
    /// PyTorch's
    /// <c>__dict__.update</c>). Load the optimizer's state dict too: the current learning rates live there.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, object> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string who = $"{Name}.LoadStateDict";
        int groups = Optimizer.ParamGroups.Count;
        var baseLrs = StateValues.Doubles(stateDict, "base_lrs", _baseLrs, who);
        if (baseLrs.Length != groups)
            throw new ArgumentException($"{who}: 'base_lrs' has {baseLrs.Length} values, the optimizer has {groups} " +
                "parameter groups.");
        var lastLr = StateValues.Doubles(stateDict, "_last_lr", _lastLr, who);
        if (lastLr.Length != groups && lastLr.Length != 0)
            throw new ArgumentException($"{who}: '_last_lr' has {lastLr.Length} values, the optimizer has {groups} " +
                "parameter groups.");
        int lastEpoch = StateValues.Int(stateDict, "last_epoch", LastEpoch, who);
        int stepCount = StateValues.Int(stateDict, "_step_count", StepCount, who);
        ReadState(stateDict, who);
        (_baseLrs, _lastLr, LastEpoch, StepCount) = (baseLrs.ToArray(), lastLr.ToArray(), lastEpoch, stepCount);
    }

    /// <summary>Adds the scheduler's own fields to its state dict.</summary>
    protected virtual void WriteState(IDictionary<string, object> state) { }

    /// <summary>Reads the fields written by <see cref="WriteState"/> (throw <see cref="ArgumentException"/>s naming
    /// <paramref name="who"/>).</summary>
    protected virtual void ReadState(IReadOnlyDictionary<string, object> state, string who) { }

    /// <summary>The groups' current learning rates.</summary>
    private protected double[] CurrentLrs() => Optimizer.ParamGroups.Select(g => g.Lr).ToArray();
}

/// <summary>Typed reads from scheduler state dicts, with errors that name the key.</summary>
internal static class StateValues
{
    public static int Int(IReadOnlyDictionary<string, object> d, string key, int current, string who)
    {
        if (!d.TryGetValue(key, out var v)) return current;
        return v switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            double x when x == Math.Floor(x) && Math.Abs(x) < int.MaxValue => (int)x,
            _ => throw new ArgumentException($"{who}: '{key}' must be an integer, got {OptimizerOptions.Describe(v)}."),
        };
    }

    public static double Double(IReadOnlyDictionary<string, object> d, string key, double current, string who)
    {
        if (!d.TryGetValue(key, out var v)) return current;
        return OptimizerOptions.ToDouble(v)
            ?? throw new ArgumentException($"{who}: '{key}' must be a number, got {OptimizerOptions.Describe(v)}.");
    }

    public static bool Bool(IReadOnlyDictionary<string, object> d, string key, bool current, string who)
    {
        if (!d.TryGetValue(key, out var v)) return current;
        return v is bool b ? b
            : throw new ArgumentException($"{who}: '{key}' must be a bool, got {OptimizerOptions.Describe(v)}.");
    }

    public static string String(IReadOnlyDictionary<string, object> d, string key, string current, string who)
    {
        if (!d.TryGetValue(key, out var v)) return current;
        return v is string s ? s
            : throw new ArgumentException($"{who}: '{key}' must be a string, got {OptimizerOptions.Describe(v)}.");
    }

    public static double[] Doubles(IReadOnlyDictionary<string, object> d, string key, double[] current, string who)
    {
        if (!d.TryGetValue(key, out var v)) return current;
        return v switch
        {
            double[] a => a.ToArray(),
            IEnumerable<double> e => e.ToArray(),
            IEnumerable<object> e when e.Select(OptimizerOptions.ToDouble).ToArray() is var xs
            && xs.All(x => x is not null) => xs.Select(x => x!.Value).ToArray(),
            _ =>
            throw new ArgumentException($"{who}: '{key}' must be a list of numbers, " +
            $"got {OptimizerOptions.Describe(v)}."),
        };
    }

    public static int[] Ints(IReadOnlyDictionary<string, object> d, string key, int[] current, string who)
    {
        if (!d.TryGetValue(key, out var v)) return current;
        return v switch
        {
            int[] a => a.ToArray(),
            IEnumerable<int> e => e.ToArray(),
            IEnumerable<long> e => e.Select(x => (int)x).ToArray(),
            _ =>
            throw new ArgumentException($"{who}: '{key}' must be a list of integers, " +
            $"got {OptimizerOptions.Describe(v)}."),
        };
    }

    public static double[] PerGroup(string who, string name, IReadOnlyList<double> values, int groups)
    {
        if (values.Count != groups)
            throw new ArgumentException($"{who}: expected {groups} values for {name} (one per parameter group), " +
                $"got {values.Count}.");
        return values.ToArray();
    }
}
