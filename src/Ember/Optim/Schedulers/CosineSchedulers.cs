using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Optim;

/// <summary>
/// Cosine annealing from each group's initial rate to <c>etaMin</c> over <c>tMax</c> epochs, then back up (a cosine of
/// period
/// 2·tMax), with PyTorch's recursive (chainable) formula (<c>torch.optim.lr_scheduler.CosineAnnealingLR</c>).
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private int _tMax;
    private double _etaMin;

    /// <summary>Creates the scheduler and performs the initial step.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (tMax <= 0)
            throw new ArgumentException($"CosineAnnealingLR: invalid tMax {tMax}; expected a positive number of " +
                "epochs.");
        (_tMax, _etaMin) = (tMax, etaMin);
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLr()
    {
        var current = CurrentLrs();
        if (LastEpoch == 0) return current;
        if (StepCount == 1 && LastEpoch > 0)
            return BaseLrs.Select(b => _etaMin + (b - _etaMin) * (1 + Math.Cos(LastEpoch * Math.PI / _tMax)) / 2)
                .ToArray();
        if (Mod(LastEpoch - 1 - _tMax, 2 * _tMax) == 0)
            return current.Select((lr, i) => lr + (BaseLrs[i] - _etaMin) * (1 - Math.Cos(Math.PI / _tMax)) / 2)
                .ToArray();
        return current.Select(lr =>
            (1 + Math.Cos(Math.PI * LastEpoch / _tMax)) / (1 + Math.Cos(Math.PI * (LastEpoch - 1) / _tMax))
            * (lr - _etaMin) + _etaMin).ToArray();
    }

    /// <summary>Python's modulo (the sign of the divisor).</summary>
    private static int Mod(int a, int n) => ((a % n) + n) % n;

    /// <inheritdoc/>
    protected override double[]? GetClosedFormLr() =>
        BaseLrs.Select(b => _etaMin + (b - _etaMin) * (1 + Math.Cos(Math.PI * LastEpoch / _tMax)) / 2).ToArray();

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state)
    {
        state["T_max"] = _tMax;
        state["eta_min"] = _etaMin;
    }

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who)
    {
        _tMax = StateValues.Int(state, "T_max", _tMax, who);
        _etaMin = StateValues.Double(state, "eta_min", _etaMin, who);
    }
}

/// <summary>
/// Cosine annealing with warm restarts (SGDR): within a cycle of <c>Tᵢ</c> epochs the rate is
/// <c>etaMin + (base - etaMin)·(1 + cos(π·T_cur/Tᵢ))/2</c>; the first cycle lasts <c>t0</c> epochs and each next one
/// <c>tMult</c> times longer (<c>torch.optim.lr_scheduler.CosineAnnealingWarmRestarts</c>).
/// </summary>
public sealed class CosineAnnealingWarmRestarts : LRScheduler
{
    private int _t0, _tMult;
    private double _tI, _tCur, _etaMin;

    /// <summary>Creates the scheduler and performs the initial step.</summary>
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0,
        int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (t0 <= 0)
            throw new ArgumentException($"CosineAnnealingWarmRestarts: expected a positive t0 (T_0), got {t0}.");
        if (tMult < 1)
            throw new ArgumentException($"CosineAnnealingWarmRestarts: expected tMult (T_mult) >= 1, got {tMult}.");
        (_t0, _tI, _tMult, _etaMin, _tCur) = (t0, t0, tMult, etaMin, lastEpoch);
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLr() =>
        BaseLrs.Select(b => _etaMin + (b - _etaMin) * (1 + Math.Cos(Math.PI * _tCur / _tI)) / 2).ToArray();

    /// <summary>Advances one epoch (one cycle position), restarting the cycle when it is complete.</summary>
    public override void Step()
    {
        if (LastEpoch < 0) { StepTo(0); return; }
        _tCur += 1;
        if (_tCur >= _tI)
        {
            _tCur -= _tI;
            _tI *= _tMult;
        }
        LastEpoch++;
        Apply(GetLr());
    }

    internal override void StepTo(int epoch)
    {
        if (epoch < 0)
            throw new ArgumentException($"CosineAnnealingWarmRestarts: expected a non-negative epoch, got {epoch}.");
        if (epoch >= _t0)
        {
            if (_tMult == 1) _tCur = epoch % _t0;
            else
            {
                int n = (int)Math.Log((double)epoch / _t0 * (_tMult - 1) + 1, _tMult);
                _tCur = epoch - _t0 * (Math.Pow(_tMult, n) - 1) / (_tMult - 1);
                _tI = _t0 * Math.Pow(_tMult, n);
            }
        }
        else
        {
            _tI = _t0;
            _tCur = epoch;
        }
        LastEpoch = epoch;
        Apply(GetLr());
    }

    /// <inheritdoc/>
    protected override void WriteState(IDictionary<string, object> state)
    {
        state["T_0"] = _t0;
        state["T_i"] = _tI;
        state["T_mult"] = _tMult;
        state["eta_min"] = _etaMin;
        state["T_cur"] = _tCur;
    }

    /// <inheritdoc/>
    protected override void ReadState(IReadOnlyDictionary<string, object> state, string who)
    {
        _t0 = StateValues.Int(state, "T_0", _t0, who);
        _tI = StateValues.Double(state, "T_i", _tI, who);
        _tMult = StateValues.Int(state, "T_mult", _tMult, who);
        _etaMin = StateValues.Double(state, "eta_min", _etaMin, who);
        _tCur = StateValues.Double(state, "T_cur", _tCur, who);
    }
}
