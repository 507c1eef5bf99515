using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Optim;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a quantity that should decrease or increase.</summary>
public enum PlateauMode
{
    /// <summary>The metric should decrease (a loss).</summary>
    Min,
    /// <summary>The metric should increase (an accuracy).</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a metric improved on the best value.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than <c>best·(1 ∓ threshold)</c>.</summary>
    Rel,
    /// <summary>Absolute: better than <c>best ∓ threshold</c>.</summary>
    Abs,
}

/// <summary>
/// Multiplies the learning rates by <c>factor</c> when a metric has stopped improving for more than <c>patience</c>
/// epochs, then waits <c>cooldown</c> epochs before counting again (<c>torch.optim.lr_scheduler.ReduceLROnPlateau</c>).
/// Call <see cref="Step(double)"/> with the metric after each epoch. A rate never goes below its group's <c>minLr</c>,
/// and
/// reductions smaller than <c>eps</c> are skipped.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private PlateauMode _mode;
    private ThresholdMode _thresholdMode;
    private double _factor, _threshold, _eps, _best;
    private int _patience, _cooldown, _cooldownCounter, _numBadEpochs;
    private double[] _minLrs;
    private double[]? _lastLr;

    /// <summary>Creates the scheduler with the same minimum rate for every group.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1,
        int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0, double minLr = 0,
        double eps = 1e-8)
        : this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown,
            Enumerable.Repeat(minLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), eps)
    { }

    /// <summary>Creates the scheduler with one minimum rate per group.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode, double factor, int patience, double threshold,
        ThresholdMode thresholdMode, int cooldown, IReadOnlyList<double> minLr, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(minLr);
        if (!(factor < 1.0)) throw new ArgumentException($"ReduceLROnPlateau: factor should be < 1.0, got {factor}.");
        if (patience < 0)
            throw new ArgumentException($"ReduceLROnPlateau: invalid patience {patience}; expected patience >= 0.");
        if (cooldown < 0)
            throw new ArgumentException($"ReduceLROnPlateau: invalid cooldown {cooldown}; expected cooldown >= 0.");
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"ReduceLROnPlateau: unknown mode {mode}.");
        if (!Enum.IsDefined(thresholdMode))
            throw new ArgumentException($"ReduceLROnPlateau: unknown thresholdMode {thresholdMode}.");
        Optimizer = optimizer;
        _minLrs = StateValues.PerGroup("ReduceLROnPlateau", "minLr", minLr, optimizer.ParamGroups.Count);
        (_mode, _factor, _patience, _threshold, _thresholdMode, _cooldown, _eps) =
            (mode, factor, patience, threshold, thresholdMode, cooldown, eps);
        LastEpoch = 0;
        Reset();
    }

    /// <summary>The optimizer whose learning rates this scheduler reduces.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The number of epochs stepped.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The best metric seen since the last reset (∞ for <see cref="PlateauMode.Min"/> before the first
    /// step).</summary>
    public double Best => _best;

    /// <summary>Epochs in a row without improvement.</summary>
    public int NumBadEpochs => _numBadEpochs;

    /// <summary>Whether the scheduler is waiting out a cooldown.</summary>
    public bool InCooldown => _cooldownCounter > 0;

    private double ModeWorse => _mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    private void Reset()
    {
        _best = ModeWorse;
        _cooldownCounter = 0;
        _numBadEpochs = 0;
    }

    /// <summary>Records the metric of the epoch just finished and reduces the rates after a plateau.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, _best))
        {
            _best = metric;
            _numBadEpochs = 0;
        }
        else _numBadEpochs++;
        if (InCooldown)
        {
            _cooldownCounter--;
            _numBadEpochs = 0; // bad epochs in cooldown do not count
        }
        if (_numBadEpochs > _patience)
        {
            ReduceLr();
            _cooldownCounter = _cooldown;
            _numBadEpochs = 0;
        }
        _lastLr = Optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }

    /// <summary><see cref="Step(double)"/> with a one-element tensor (a loss).</summary>
    public void Step(Tensor metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        Step(metric.Item<double>());
    }

    private void ReduceLr()
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            double oldLr = groups[i].Lr, newLr = Math.Max(oldLr * _factor, _minLrs[i]);
            if (oldLr - newLr > _eps) groups[i].Lr = newLr;
        }
    }

    private bool IsBetter(double a, double best) => (_mode, _thresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1.0 - _threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - _threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (_threshold + 1.0),
        _ => a > best + _threshold,
    };

    /// <summary>The learning rate of each group after the last <see cref="Step(double)"/> (the current rates before the
    /// first).</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr?.ToArray() ?? Optimizer.ParamGroups.Select(g => g.Lr).ToArray();

    /// <summary>
    /// The state under PyTorch's names: <c>"mode"</c> (<c>"min"</c>/<c>"max"</c>), <c>"threshold_mode"</c>
    /// (<c>"rel"</c>/<c>"abs"</c>), <c>"factor"</c>, <c>"threshold"</c>, <c>"eps"</c>, <c>"best"</c>,
    /// <c>"mode_worse"</c>
    /// (doubles), <c>"patience"</c>, <c>"cooldown"</c>, <c>"cooldown_counter"</c>, <c>"num_bad_epochs"</c>,
    /// <c>"last_epoch"</c> (ints), <c>"min_lrs"</c> and, after a step, <c>"_last_lr"</c> (<c>double[]</c>).
    /// </summary>
    public IReadOnlyDictionary<string, object> StateDict()
    {
        var d = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["factor"] = _factor,
            ["min_lrs"] = _minLrs.ToArray(),
            ["patience"] = _patience,
            ["cooldown"] = _cooldown,
            ["cooldown_counter"] = _cooldownCounter,
            ["mode"] = _mode == PlateauMode.Min ? "min" : "max",
            ["threshold"] = _threshold,
            ["threshold_mode"] = _thresholdMode == ThresholdMode.Rel ? "rel" : "abs",
            ["best"] = _best,
            ["num_bad_epochs"] = _numBadEpochs,
            ["mode_worse"] = ModeWorse,
            ["eps"] = _eps,
            ["last_epoch"] = LastEpoch,
        };
        if (_lastLr is not null) d["_last_lr"] = _lastLr.ToArray();
        return d;
    }

    /// <summary>Restores a state from <see cref="StateDict"/>; absent keys keep their current values.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, object> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        const string who = "ReduceLROnPlateau.LoadStateDict";
        string mode = StateValues.String(stateDict, "mode", _mode == PlateauMode.Min ? "min" : "max", who);
        if (mode is not ("min" or "max"))
            throw new ArgumentException($"{who}: 'mode' must be \"min\" or \"max\", got \"{mode}\".");
        string thresholdMode =
            StateValues.String(stateDict, "threshold_mode", _thresholdMode == ThresholdMode.Rel ? "rel" : "abs", who);
        if (thresholdMode is not ("rel" or "abs"))
            throw new ArgumentException($"{who}: 'threshold_mode' must be \"rel\" or \"abs\", got " +
                $"\"{thresholdMode}\".");
        var minLrs = StateValues.Doubles(stateDict, "min_lrs", _minLrs, who);
        if (minLrs.Length != Optimizer.ParamGroups.Count)
            throw new ArgumentException($"{who}: 'min_lrs' has {minLrs.Length} values, the optimizer " +
                $"has {Optimizer.ParamGroups.Count} parameter groups.");
        double[]? lastLr = stateDict.ContainsKey("_last_lr") ? StateValues.Doubles(stateDict, "_last_lr", [], who)
            : _lastLr;
        var values = (
            factor: StateValues.Double(stateDict, "factor", _factor, who),
            patience: StateValues.Int(stateDict, "patience", _patience, who),
            cooldown: StateValues.Int(stateDict, "cooldown", _cooldown, who),
            cooldownCounter: StateValues.Int(stateDict, "cooldown_counter", _cooldownCounter, who),
            threshold: StateValues.Double(stateDict, "threshold", _threshold, who),
            best: StateValues.Double(stateDict, "best", _best, who),
            numBad: StateValues.Int(stateDict, "num_bad_epochs", _numBadEpochs, who),
            eps: StateValues.Double(stateDict, "eps", _eps, who),
            lastEpoch: StateValues.Int(stateDict, "last_epoch", LastEpoch, who));
        _mode = mode == "min" ? PlateauMode.Min : PlateauMode.Max;
        _thresholdMode = thresholdMode == "rel" ? ThresholdMode.Rel : ThresholdMode.Abs;
        (_minLrs, _lastLr) = (minLrs, lastLr);
        (_factor, _patience, _cooldown, _cooldownCounter, _threshold, _best, _numBadEpochs, _eps, LastEpoch) = values;
    }
}
