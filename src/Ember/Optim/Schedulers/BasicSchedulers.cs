using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Optim;

/// <summary>Multiplies each group's learning rate by <c>gamma</c> every <c>stepSize</c> epochs
/// (<c>torch.optim.lr_scheduler.StepLR</c>).</summary>
public sealed class StepLR : LRScheduler
{
    private int _stepSize;
    private double _gamma;

    /// <summary>Creates the scheduler and performs the initial step.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (stepSize <= 0)
            throw new ArgumentException($"StepLR: invalid stepSize {stepSize}; expected a positive number of epochs.");
        (_stepSize, _gamma) = (stepSize, gamma);
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLr() =>
        LastEpoch == 0 || LastEpoch % _stepSize != 0 ? CurrentLrs() : CurrentLrs().Select(lr => lr * _gamma).ToArray();

    /// <inheritdoc/>
    protected override double[]? GetClosedFormLr() =>
        BaseLrs.Select(b => b * Math.Pow(_gamma, Math.Floor((double)LastEpoch / _stepSize))).ToArray();

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state)
    {
        state["step_size"] = _stepSize;
        state["gamma"] = _gamma;
    }

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who)
    {
        _stepSize = StateValues.Int(state, "step_size", _stepSize, who);
        _gamma = StateValues.Double(state, "gamma", _gamma, who);
    }
}

/// <summary>
/// Multiplies each group's learning rate by <c>gamma</c> at each milestone epoch; a milestone listed k times multiplies
/// by
/// <c>gamma^k</c> (<c>torch.optim.lr_scheduler.MultiStepLR</c>).
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private int[] _milestones;
    private double _gamma;

    /// <summary>Creates the scheduler and performs the initial step.</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = milestones.Order().ToArray();
        _gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLr()
    {
        int count = _milestones.Count(m => m == LastEpoch);
        return count == 0 ? CurrentLrs() : CurrentLrs().Select(lr => lr * Math.Pow(_gamma, count)).ToArray();
    }

    /// <inheritdoc/>
    protected override double[]? GetClosedFormLr() =>
        BaseLrs.Select(b => b * Math.Pow(_gamma, _milestones.Count(m => m <= LastEpoch))).ToArray();

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state)
    {
        state["milestones"] =
            _milestones.ToArray(); // PyTorch keeps a Counter; Ember lists each milestone as often as it counts
        state["gamma"] = _gamma;
    }

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who)
    {
        _milestones = StateValues.Ints(state, "milestones", _milestones, who).Order().ToArray();
        _gamma = StateValues.Double(state, "gamma", _gamma, who);
    }
}

/// <summary>Multiplies each group's learning rate by <c>gamma</c> every epoch
/// (<c>torch.optim.lr_scheduler.ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LRScheduler
{
    private double _gamma;

    /// <summary>Creates the scheduler and performs the initial step.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        _gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLr() =>
        LastEpoch == 0 ? CurrentLrs() : CurrentLrs().Select(lr => lr * _gamma).ToArray();

    /// <inheritdoc/>
    protected override double[]? GetClosedFormLr() => BaseLrs.Select(b => b * Math.Pow(_gamma, LastEpoch)).ToArray();

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state) => state["gamma"] = _gamma;

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who) =>
        _gamma = StateValues.Double(state, "gamma", _gamma, who);
}

/// <summary>
/// Scales each group's learning rate by a factor that moves linearly from <c>startFactor</c> to <c>endFactor</c> over
/// <c>totalIters</c> epochs, then stays (<c>torch.optim.lr_scheduler.LinearLR</c>; a warm-up when startFactor &lt; 1).
/// </summary>
public sealed class LinearLR : LRScheduler
{
    private double _startFactor, _endFactor;
    private int _totalIters;

    /// <summary>Creates the scheduler and performs the initial step.</summary>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5,
        int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (startFactor is > 1.0 or <= 0 || double.IsNaN(startFactor))
            throw new ArgumentException($"LinearLR: invalid startFactor {startFactor}; expected 0 < startFactor <= 1.");
        if (endFactor is > 1.0 or < 0 || double.IsNaN(endFactor))
            throw new ArgumentException($"LinearLR: invalid endFactor {endFactor}; expected 0 <= endFactor <= 1.");
        if (totalIters <= 0)
            throw new ArgumentException($"LinearLR: invalid totalIters {totalIters}; expected a positive number of " +
                "epochs.");
        (_startFactor, _endFactor, _totalIters) = (startFactor, endFactor, totalIters);
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLr()
    {
        if (LastEpoch == 0) return CurrentLrs().Select(lr => lr * _startFactor).ToArray();
        if (LastEpoch > _totalIters) return CurrentLrs();
        double factor = 1.0 + (_endFactor - _startFactor)
            / (_totalIters * _startFactor + (LastEpoch - 1) * (_endFactor - _startFactor));
        return CurrentLrs().Select(lr => lr * factor).ToArray();
    }

    /// <inheritdoc/>
    protected override double[]? GetClosedFormLr() =>
        BaseLrs.Select(b =>
            b * (_startFactor + (_endFactor - _startFactor) * Math.Min(_totalIters, LastEpoch) / _totalIters))
            .ToArray();

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state)
    {
        state["start_factor"] = _startFactor;
        state["end_factor"] = _endFactor;
        state["total_iters"] = _totalIters;
    }

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who)
    {
        _startFactor = StateValues.Double(state, "start_factor", _startFactor, who);
        _endFactor = StateValues.Double(state, "end_factor", _endFactor, who);
        _totalIters = StateValues.Int(state, "total_iters", _totalIters, who);
    }
}

/// <summary>
/// Sets each group's learning rate to its initial rate times <c>lrLambda(epoch)</c>
/// (<c>torch.optim.lr_scheduler.LambdaLR</c>).
/// The functions are not part of the state dict (as PyTorch does not save plain functions).
/// </summary>
public sealed class LambdaLR : LRScheduler
{
    private readonly Func<int, double>[] _lambdas;

    /// <summary>Creates the scheduler with one function for every group and performs the initial step.</summary>
    public LambdaLR(Optimizer optimizer, Func<int, double> lrLambda, int lastEpoch = -1)
        : this(optimizer,
            Enumerable.Repeat(lrLambda ?? throw new ArgumentNullException(nameof(lrLambda)),
            optimizer?.ParamGroups.Count ?? 0).ToArray(), lastEpoch)
    { }

    /// <summary>Creates the scheduler with one function per group and performs the initial step.</summary>
    public LambdaLR(Optimizer optimizer, IReadOnlyList<Func<int, double>> lrLambdas, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(lrLambdas);
        if (lrLambdas.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"LambdaLR: expected {optimizer.ParamGroups.Count} lrLambdas (one per " +
                $"parameter group), got {lrLambdas.Count}.");
        if (lrLambdas.Any(f => f is null)) throw new ArgumentException("LambdaLR: lrLambdas contains null.");
        _lambdas = lrLambdas.ToArray();
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLr() => BaseLrs.Select((b, i) => b * _lambdas[i](LastEpoch)).ToArray();
}
