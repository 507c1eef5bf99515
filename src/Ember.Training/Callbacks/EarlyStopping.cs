using System;
using System.Collections.Generic;
using System.Globalization;

namespace Ember.Training.Callbacks;

/// <summary>
/// Stops training when a monitored quantity has stopped improving (Keras 3's <c>EarlyStopping</c>, same rules): after
/// each epoch the value counts as an improvement when it beats the best so far by more than
/// <see cref="MinDelta"/>: the sign of <c>minDelta</c> is ignored (Keras takes its absolute value), and an
/// improvement is <c>current + minDelta &lt; best</c> for <see cref="MonitorMode.Min"/>,
/// <c>current − minDelta &gt; best</c> for <see cref="MonitorMode.Max"/>. <see cref="Patience"/> epochs in a row
/// without one stop training (never at the first epoch). With a <see cref="Baseline"/>, an epoch must also beat the
/// baseline to reset the wait (an improvement that misses it never stops training by itself, as in Keras).
/// With <see cref="RestoreBestWeights"/> the weights (parameters and buffers) of the best epoch are put back when
/// training ends — whether or not it stopped early, as Keras 3 does (Keras 2 restored only on an early stop).
/// </summary>
public sealed class EarlyStopping : Callback
{
    private Dictionary<string, Tensor>? _bestWeights;
    private bool? _higherIsBetter;

    /// <summary>Creates the callback with Keras's defaults.</summary>
    /// <param name="monitor">The log key to watch (<c>val_loss</c>).</param>
    /// <param name="minDelta">The smallest change that counts as an improvement (its absolute value is used).</param>
    /// <param name="patience">Epochs without improvement before stopping.</param>
    /// <param name="mode">Whether the quantity should decrease or increase; <see cref="MonitorMode.Auto"/> infers
    /// it.</param>
    /// <param name="restoreBestWeights">Restore the best epoch's weights when training ends.</param>
    /// <param name="baseline">A value the quantity must beat for the wait to reset, or null.</param>
    /// <param name="startFromEpoch">Epochs of warm-up that are not monitored.</param>
    /// <param name="verbose">1 prints when it stops and restores.</param>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0,
        MonitorMode mode = MonitorMode.Auto, bool restoreBestWeights = false, double? baseline = null,
        int startFromEpoch = 0, int verbose = 0)
    {
        Monitor.Validate(nameof(EarlyStopping), monitor, mode);
        if (patience < 0)
            throw new ArgumentOutOfRangeException(nameof(patience), $"EarlyStopping: patience must be >= 0, got " +
                $"{patience}.");
        if (double.IsNaN(minDelta))
            throw new ArgumentException("EarlyStopping: minDelta must be a number, got NaN.", nameof(minDelta));
        (MonitorKey, MinDelta, Patience, Mode) = (monitor, Math.Abs(minDelta), patience, mode);
        (RestoreBestWeights, Baseline) = (restoreBestWeights, baseline);
        (StartFromEpoch, Verbose) = (startFromEpoch, verbose);
    }

    /// <summary>The log key watched.</summary>
    public string MonitorKey { get; }

    /// <summary>The smallest improvement that counts (non-negative).</summary>
    public double MinDelta { get; }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>The direction setting.</summary>
    public MonitorMode Mode { get; }

    /// <summary>Whether the best weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The baseline, or null.</summary>
    public double? Baseline { get; }

    /// <summary>Warm-up epochs that are not monitored.</summary>
    public int StartFromEpoch { get; }

    /// <summary>1 prints when it stops and restores.</summary>
    public int Verbose { get; }

    /// <summary>The epoch (0-based) at which training was stopped, or null when it was not.</summary>
    public int? StoppedEpoch { get; private set; }

    /// <summary>The epoch (0-based) of the best value so far.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The best value so far (±∞ before the first monitored epoch).</summary>
    public double Best { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _higherIsBetter = null;
        _bestWeights = null;
        (Wait, StoppedEpoch, BestEpoch) = (0, null, 0);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (_higherIsBetter is null)
        {
            _higherIsBetter = Monitor.HigherIsBetter(nameof(EarlyStopping), MonitorKey, Mode, Compiled);
            Best = _higherIsBetter.Value ? double.NegativeInfinity : double.PositiveInfinity;
        }
        double current = Monitor.Read(nameof(EarlyStopping), MonitorKey, logs);
        if (epoch < StartFromEpoch) return;
        if (RestoreBestWeights && _bestWeights is null)
        {
            _bestWeights = Snapshot();
            BestEpoch = epoch;
        }
        Wait++;
        if (IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights) _bestWeights = Snapshot();
            if (Baseline is not double b || IsImprovement(current, b)) Wait = 0;
            return;
        }
        if (Wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            Compiled.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (StoppedEpoch is int stopped && Verbose > 0)
            Output.WriteLine($"Epoch {stopped + 1}: early stopping");
        if (RestoreBestWeights && _bestWeights is not null)
        {
            if (Verbose > 0)
                Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Restoring model weights from the end of the best epoch: {BestEpoch + 1}."));
            Model.LoadStateDict(_bestWeights);
        }
    }

    private bool IsImprovement(double value, double reference) => _higherIsBetter!.Value
        ? value - MinDelta > reference
        : value + MinDelta < reference;

    private Dictionary<string, Tensor> Snapshot()
    {
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = Autograd.NoGrad();
        foreach (var (name, t) in Model.StateDict()) copy[name] = t.Detach().Clone();
        return copy;
    }
}
