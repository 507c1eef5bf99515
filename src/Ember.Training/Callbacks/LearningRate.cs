using System;
using System.Collections.Generic;
using System.Globalization;
using Ember.Optim;

namespace Ember.Training.Callbacks;

/// <summary>
/// Reduces the learning rate when a monitored quantity has stopped improving (Keras's <c>ReduceLROnPlateau</c>
/// callback). It drives <see cref="Optim.ReduceLROnPlateau"/>, the PyTorch-style scheduler, created on the compiled
/// optimizer at the first epoch end and stepped with the monitored value after every epoch; Keras's parameters are
/// translated so that the rates match Keras's exactly: <c>minDelta</c> is an absolute threshold
/// (<see cref="ThresholdMode.Abs"/>), Keras's <c>patience</c> p (reduce when the wait reaches p) is PyTorch's
/// <c>max(p − 1, 0)</c> (reduce when the bad epochs exceed it), Keras's <c>cooldown</c> c (whose last epoch already
/// counts) is PyTorch's <c>max(c − 1, 0)</c>, and <c>eps</c> is 0 (Keras reduces whenever the rate is above
/// <c>minLr</c>). Every parameter group is reduced.
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private Optim.ReduceLROnPlateau? _scheduler;

    /// <summary>Creates the callback with Keras's defaults.</summary>
    /// <param name="monitor">The log key to watch (<c>val_loss</c>).</param>
    /// <param name="factor">The rate is multiplied by this (must be &lt; 1).</param>
    /// <param name="patience">Epochs without improvement before a reduction.</param>
    /// <param name="mode">Whether the quantity should decrease or increase; <see cref="MonitorMode.Auto"/> infers
    /// it.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement (absolute).</param>
    /// <param name="cooldown">Epochs to wait after a reduction before counting again.</param>
    /// <param name="minLr">The rate never goes below this.</param>
    /// <param name="verbose">1 prints every reduction.</param>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10,
        MonitorMode mode = MonitorMode.Auto, double minDelta = 1e-4, int cooldown = 0, double minLr = 0,
        int verbose = 0)
    {
        Monitor.Validate(nameof(ReduceLROnPlateau), monitor, mode);
        if (!(factor < 1.0))
            throw new ArgumentOutOfRangeException(nameof(factor), "ReduceLROnPlateau does not support a factor >= 1.0" +
                $", got {factor}.");
        if (patience < 0 || cooldown < 0)
            throw new ArgumentOutOfRangeException(patience < 0 ? nameof(patience) : nameof(cooldown),
                $"ReduceLROnPlateau: patience and cooldown must be >= 0, got {patience} and {cooldown}.");
        (MonitorKey, Factor, Patience, Mode, MinDelta) = (monitor, factor, patience, mode, minDelta);
        (Cooldown, MinLr, Verbose) = (cooldown, minLr, verbose);
    }

    /// <summary>The log key watched.</summary>
    public string MonitorKey { get; }

    /// <summary>The reduction factor.</summary>
    public double Factor { get; }

    /// <summary>Keras's patience.</summary>
    public int Patience { get; }

    /// <summary>The direction setting.</summary>
    public MonitorMode Mode { get; }

    /// <summary>The absolute improvement threshold.</summary>
    public double MinDelta { get; }

    /// <summary>Keras's cooldown.</summary>
    public int Cooldown { get; }

    /// <summary>The lower bound of the rate.</summary>
    public double MinLr { get; }

    /// <summary>1 prints every reduction.</summary>
    public int Verbose { get; }

    /// <summary>The <c>Ember.Optim</c> scheduler this callback drives (null before the first epoch ends).</summary>
    public Optim.ReduceLROnPlateau? Scheduler => _scheduler;

    /// <inheritdoc/>
    public override void OnTrainBegin() => _scheduler = null;

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        double current = Monitor.Read(nameof(ReduceLROnPlateau), MonitorKey, logs);
        if (_scheduler is null)
        {
            var optimizer = Compiled.Optimizer ?? throw new InvalidOperationException(
                "ReduceLROnPlateau: the model has no optimizer yet (no batch was trained).");
            bool up = Monitor.HigherIsBetter(nameof(ReduceLROnPlateau), MonitorKey, Mode, Compiled);
            _scheduler = new Optim.ReduceLROnPlateau(optimizer, up ? PlateauMode.Max : PlateauMode.Min, Factor,
                Math.Max(Patience - 1, 0), MinDelta, ThresholdMode.Abs, Math.Max(Cooldown - 1, 0), MinLr, eps: 0);
        }
        double before = _scheduler.Optimizer.ParamGroups[0].Lr;
        _scheduler.Step(current);
        double after = _scheduler.Optimizer.ParamGroups[0].Lr;
        if (Verbose > 0 && after != before)
            Output.WriteLine($"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to " +
                $"{PyFormat.Repr(after)}.");
    }
}

/// <summary>
/// Sets the learning rate at every epoch (Keras's <c>LearningRateScheduler</c>), from a function of the epoch (and
/// the current rate, Keras's <c>schedule(epoch, lr)</c>) applied to every parameter group at the start of each epoch,
/// or from any <c>Ember.Optim</c> <see cref="LRScheduler"/> (<c>StepLR</c>, <c>CosineAnnealingLR</c>, ...), stepped at
/// the end of each epoch as PyTorch's loop does. A scheduler needs the optimizer: pass one built on the optimizer given
/// to <c>Compile</c>, or a factory, called with the compiled optimizer once it exists (for a model compiled with an
/// optimizer name, before its first step).
/// </summary>
public sealed class LearningRateScheduler : Callback
{
    private readonly Func<int, double, double>? _schedule;
    private readonly Func<Optimizer, LRScheduler>? _factory;
    private LRScheduler? _scheduler;

    /// <summary>Keras's form: the rate for an epoch (0-based) given the current rate.</summary>
    /// <param name="schedule">(epoch, current rate) → new rate.</param>
    /// <param name="verbose">1 prints the rate set at every epoch.</param>
    public LearningRateScheduler(Func<int, double, double> schedule, int verbose = 0)
    {
        _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        Verbose = verbose;
    }

    /// <summary>The rate as a function of the epoch (0-based).</summary>
    /// <param name="schedule">epoch → rate.</param>
    /// <param name="verbose">1 prints the rate set at every epoch.</param>
    public LearningRateScheduler(Func<int, double> schedule, int verbose = 0)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = (epoch, _) => schedule(epoch);
        Verbose = verbose;
    }

    /// <summary>An <c>Ember.Optim</c> scheduler built on the compiled optimizer; stepped after every epoch.</summary>
    /// <param name="scheduler">The scheduler.</param>
    public LearningRateScheduler(LRScheduler scheduler)
    {
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _factory = null;
    }

    /// <summary>A factory for an <c>Ember.Optim</c> scheduler, called with the compiled optimizer.</summary>
    /// <param name="factory">optimizer → scheduler, e.g. <c>o =&gt; new StepLR(o, stepSize: 10)</c>.</param>
    public LearningRateScheduler(Func<Optimizer, LRScheduler> factory) =>
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));

    /// <summary>1 prints the rate set at every epoch (function form).</summary>
    public int Verbose { get; }

    /// <summary>The scheduler driven (null for the function form, or before a factory ran).</summary>
    public LRScheduler? Scheduler => _scheduler;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        if (_factory is not null) _scheduler = null;
        if (_schedule is not null) return;
        if (Compiled.Optimizer is { } optimizer) Bind(optimizer);
        else Compiled.OnOptimizerCreated.Add(Bind);
    }

    private void Bind(Optimizer optimizer)
    {
        if (_factory is not null)
            _scheduler = _factory(optimizer) ?? throw new InvalidOperationException(
                "LearningRateScheduler: the factory returned null.");
        if (!ReferenceEquals(_scheduler!.Optimizer, optimizer))
            throw new InvalidOperationException($"LearningRateScheduler: the {_scheduler.GetType().Name} drives a " +
                "different optimizer than the one the model was compiled with; build it on that optimizer (or pass a " +
                "factory).");
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch)
    {
        if (_schedule is null) return;
        if (Compiled.Optimizer is { } optimizer) Apply(optimizer, epoch);
        else Compiled.OnOptimizerCreated.Add(o => Apply(o, epoch));
    }

    private void Apply(Optimizer optimizer, int epoch)
    {
        double lr = _schedule!(epoch, optimizer.ParamGroups[0].Lr);
        if (!double.IsFinite(lr) || lr < 0)
            throw new InvalidOperationException($"LearningRateScheduler: the schedule returned {lr} for epoch " +
                $"{epoch}; expected a finite, non-negative rate.");
        foreach (var g in optimizer.ParamGroups) g.Lr = lr;
        if (Verbose > 0)
            Output.WriteLine($"\nEpoch {(epoch + 1).ToString(CultureInfo.InvariantCulture)}: LearningRateScheduler " +
                $"setting learning rate to {PyFormat.Repr(lr)}.");
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => _scheduler?.Step();
}
