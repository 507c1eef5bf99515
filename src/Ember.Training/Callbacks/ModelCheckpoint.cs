using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Ember.IO;

namespace Ember.Training.Callbacks;

/// <summary>
/// Saves the model's weights after every epoch, or only when the monitored quantity improved (Keras 3's
/// <c>ModelCheckpoint</c>). The path is formatted as Keras does, with Python's format syntax: <c>{epoch}</c> is the
/// 1-based epoch and every log key is available, e.g. <c>"ckpt/weights.{epoch:02d}-{val_loss:.2f}.safetensors"</c>
/// (specs <c>[0][width][.precision][d|f|e|g|%]</c>). For now the file is the model's weights in safetensors
/// (<c>SaveWeights</c>, written atomically, loadable with <c>LoadWeights</c>), whatever the extension. Folders are
/// created as needed. With <see cref="SaveBestOnly"/>, a save happens only when the value beats the best so far
/// strictly (no <c>minDelta</c>, as in Keras), starting from <c>initialValueThreshold</c> when given.
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    private readonly double? _initialValueThreshold;
    private bool? _higherIsBetter;
    private readonly List<string> _saved = [];

    /// <summary>Creates the callback with Keras's defaults.</summary>
    /// <param name="filePath">Where to save; may contain <c>{epoch}</c> and <c>{log_key:spec}</c> fields.</param>
    /// <param name="monitor">The log key to watch when <paramref name="saveBestOnly"/> (<c>val_loss</c>).</param>
    /// <param name="saveBestOnly">Save only improvements.</param>
    /// <param name="mode">Whether the quantity should decrease or increase; <see cref="MonitorMode.Auto"/> infers
    /// it.</param>
    /// <param name="verbose">1 prints every save (and every non-improvement).</param>
    /// <param name="initialValueThreshold">With <paramref name="saveBestOnly"/>, the value to beat first.</param>
    public ModelCheckpoint(string filePath, string monitor = "val_loss", bool saveBestOnly = false,
        MonitorMode mode = MonitorMode.Auto, int verbose = 0, double? initialValueThreshold = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        Monitor.Validate(nameof(ModelCheckpoint), monitor, mode);
        (FilePath, MonitorKey, SaveBestOnly, Mode, Verbose) = (filePath, monitor, saveBestOnly, mode, verbose);
        _initialValueThreshold = initialValueThreshold;
    }

    /// <summary>The path template.</summary>
    public string FilePath { get; }

    /// <summary>The log key watched.</summary>
    public string MonitorKey { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>The direction setting.</summary>
    public MonitorMode Mode { get; }

    /// <summary>1 prints every save.</summary>
    public int Verbose { get; }

    /// <summary>The best value saved so far (with <see cref="SaveBestOnly"/>).</summary>
    public double Best { get; private set; }

    /// <summary>The paths written during the last <c>Fit</c>, in order.</summary>
    public IReadOnlyList<string> SavedPaths => _saved;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _saved.Clear();
        _higherIsBetter = null;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        string path = PyFormat.Format(FilePath, epoch + 1, logs, nameof(ModelCheckpoint));
        if (!SaveBestOnly)
        {
            Save(path, epoch, null);
            return;
        }
        if (_higherIsBetter is null)
        {
            _higherIsBetter = Monitor.HigherIsBetter(nameof(ModelCheckpoint), MonitorKey, Mode, Compiled);
            Best = _initialValueThreshold
                ?? (_higherIsBetter.Value ? double.NegativeInfinity : double.PositiveInfinity);
        }
        double current = Monitor.Read(nameof(ModelCheckpoint), MonitorKey, logs);
        if (_higherIsBetter.Value ? current > Best : current < Best)
        {
            if (Verbose > 0)
                Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\nEpoch {epoch + 1}: {MonitorKey} improved from {PyFormat.Fixed(Best, 5)} to " +
                    $"{PyFormat.Fixed(current, 5)}, saving model " +
                    $"to {path}"));
            Best = current;
            Save(path, epoch, current);
        }
        else if (Verbose > 0)
            Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\nEpoch {epoch + 1}: {MonitorKey} did not improve from {PyFormat.Fixed(Best, 5)}"));
    }

    private void Save(string path, int epoch, double? value)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["epoch"] = (epoch + 1).ToString(CultureInfo.InvariantCulture),
        };
        if (value is double v) metadata[MonitorKey] = PyFormat.Repr(v);
        Model.SaveWeights(path, metadata);
        if (Verbose > 0 && !SaveBestOnly) Output.WriteLine($"\nEpoch {epoch + 1}: saving model to {path}");
        _saved.Add(path);
    }
}
