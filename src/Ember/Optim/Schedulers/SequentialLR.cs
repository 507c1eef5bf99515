using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Optim;

/// <summary>
/// Runs schedulers one after another: <c>schedulers[i]</c> drives the rate from <c>milestones[i-1]</c> until
/// <c>milestones[i]</c>; at a milestone the next scheduler restarts at its epoch 0 (closed form)
/// (<c>torch.optim.lr_scheduler.SequentialLR</c>). Create the inner schedulers on the same optimizer first.
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    private readonly LRScheduler[] _schedulers;
    private int[] _milestones;

    /// <summary>Creates the sequence; like PyTorch it resets the rates to the initial ones and restarts the first
    /// scheduler.</summary>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones,
        int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR: expected at least one scheduler.");
        for (int i = 0; i < schedulers.Count; i++)
        {
            if (schedulers[i] is null) throw new ArgumentException($"SequentialLR: scheduler {i} is null.");
            if (!ReferenceEquals(schedulers[i].Optimizer, optimizer))
                throw new ArgumentException("SequentialLR: expects all schedulers to belong to the same optimizer, " +
                    $"but scheduler {i} ({schedulers[i].GetType().Name}) has another one.");
        }
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException("SequentialLR: expects one milestone fewer than schedulers, " +
                $"got {schedulers.Count} schedulers and {milestones.Count} milestones.");
        _schedulers = schedulers.ToArray();
        _milestones = milestones.ToArray();
        LastEpoch = lastEpoch + 1;
        foreach (var g in optimizer.ParamGroups) g.Lr = g.InitialLr!.Value;
        foreach (var s in _schedulers) s.UndoStep(); // "undo" the step each inner constructor performed
        _schedulers[0].Restart();
        SetLastLr(_schedulers[0].GetLastLr());
    }

    /// <summary>The inner schedulers, in order.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => _schedulers;

    /// <summary>Advances one epoch: steps the scheduler in charge, restarting it at its milestone.</summary>
    public override void Step()
    {
        LastEpoch++;
        int idx = UpperBound(_milestones, LastEpoch);
        var scheduler = _schedulers[idx];
        if (idx > 0 && _milestones[idx - 1] == LastEpoch) scheduler.StepTo(0);
        else scheduler.Step();
        SetLastLr(scheduler.GetLastLr());
    }

    internal override void StepTo(int epoch) =>
        throw new NotSupportedException("SequentialLR cannot jump to an epoch.");

    /// <inheritdoc/>
    protected override double[] GetLr() => CurrentLrs();

    /// <summary>Python's <c>bisect_right</c>: the number of milestones ≤ <paramref name="value"/>.</summary>
    private static int UpperBound(int[] sorted, int value)
    {
        int i = 0;
        while (i < sorted.Length && sorted[i] <= value) i++;
        return i;
    }

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state)
    {
        state["_milestones"] = _milestones.ToArray();
        state["_schedulers"] = _schedulers.Select(s => s.StateDict()).ToArray();
    }

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who)
    {
        var milestones = StateValues.Ints(state, "_milestones", _milestones, who);
        if (milestones.Length != _milestones.Length)
            throw new ArgumentException($"{who}: '_milestones' has {milestones.Length} values, this SequentialLR " +
                $"has {_milestones.Length}.");
        if (state.TryGetValue("_schedulers", out var inner))
        {
            if (inner is not IReadOnlyList<IReadOnlyDictionary<string, object>> list
                || list.Count != _schedulers.Length)
                throw new ArgumentException($"{who}: '_schedulers' must hold {_schedulers.Length} scheduler state " +
                    $"dicts, got {OptimizerOptions.Describe(inner)}.");
            for (int i = 0; i < list.Count; i++) _schedulers[i].LoadStateDict(list[i]);
        }
        _milestones = milestones;
    }
}
