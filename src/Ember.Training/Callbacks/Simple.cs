using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Ember.Training.Callbacks;

/// <summary>
/// Stops training at the first batch whose running <c>loss</c> is NaN or infinite (Keras's <c>TerminateOnNaN</c>),
/// printing <c>Batch N: Invalid loss, terminating training</c>. The epoch still ends (its logs carry the NaN) and
/// <c>OnTrainEnd</c> runs, as in Keras.
/// </summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>The epoch (0-based) where training was terminated, or null.</summary>
    public int? StoppedEpoch { get; private set; }

    /// <summary>The batch (0-based, within <see cref="StoppedEpoch"/>) whose loss was invalid, or null.</summary>
    public int? StoppedBatch { get; private set; }

    private int _epoch;

    /// <inheritdoc/>
    public override void OnTrainBegin() => (StoppedEpoch, StoppedBatch) = (null, null);

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch) => _epoch = epoch;

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (!logs.TryGetValue("loss", out double loss) || double.IsFinite(loss)) return;
        Output.WriteLine($"Batch {batch.ToString(CultureInfo.InvariantCulture)}: Invalid loss, terminating training");
        (StoppedEpoch, StoppedBatch) = (_epoch, batch);
        Compiled.StopTraining = true;
    }
}

/// <summary>
/// A callback made of delegates (Keras's <c>LambdaCallback</c>); any of them may be null.
/// </summary>
/// <param name="onEpochBegin">(epoch).</param>
/// <param name="onEpochEnd">(epoch, logs).</param>
/// <param name="onBatchBegin">(batch).</param>
/// <param name="onBatchEnd">(batch, logs).</param>
/// <param name="onTrainBegin">().</param>
/// <param name="onTrainEnd">(logs).</param>
public sealed class LambdaCallback(
    Action<int>? onEpochBegin = null,
    Action<int, IReadOnlyDictionary<string, double>>? onEpochEnd = null,
    Action<int>? onBatchBegin = null,
    Action<int, IReadOnlyDictionary<string, double>>? onBatchEnd = null,
    Action? onTrainBegin = null,
    Action<IReadOnlyDictionary<string, double>>? onTrainEnd = null) : Callback
{
    /// <inheritdoc/>
    public override void OnTrainBegin() => onTrainBegin?.Invoke();

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs) => onTrainEnd?.Invoke(logs);

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch) => onEpochBegin?.Invoke(epoch);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) =>
        onEpochEnd?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnBatchBegin(int batch) => onBatchBegin?.Invoke(batch);

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) =>
        onBatchEnd?.Invoke(batch, logs);
}

/// <summary>
/// Streams the epoch logs to a CSV file (Keras 3's <c>CSVLogger</c>, same layout): a header <c>epoch</c> then the
/// log keys sorted (ordinal), one row per epoch with the 0-based epoch and the values as Python prints them
/// (<c>0.5</c>, <c>1e-05</c>, <c>nan</c>); when the first epoch has no <c>val_</c> keys, a <c>val_</c> column is added
/// for every key anyway (Keras's provision for <c>validation_freq</c>) and filled with <c>NA</c>, as is any missing
/// value. Rows end with <c>\r\n</c> and fields are quoted when needed (Python's <c>csv</c> module). With
/// <see cref="Append"/>, rows are added to an existing file and the header is written only if it is empty. The file is
/// appended to and closed after every epoch, so it is complete whenever training stops.
/// </summary>
/// <param name="fileName">The CSV file.</param>
/// <param name="separator">The field separator.</param>
/// <param name="append">Append to an existing file instead of overwriting it.</param>
public sealed class CSVLogger(string fileName, char separator = ',', bool append = false) : Callback
{
    private List<string>? _keys;
    private bool _writeHeader;

    /// <summary>The CSV file.</summary>
    public string FileName { get; } = !string.IsNullOrEmpty(fileName) ? fileName
        : throw new ArgumentException("CSVLogger: fileName must not be empty.", nameof(fileName));

    /// <summary>The field separator.</summary>
    public char Separator { get; } = separator;

    /// <summary>Whether rows are appended to an existing file.</summary>
    public bool Append { get; } = append;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _keys = null;
        string? dir = Path.GetDirectoryName(Path.GetFullPath(FileName));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (Append && File.Exists(FileName)) _writeHeader = new FileInfo(FileName).Length == 0;
        else
        {
            File.WriteAllText(FileName, "");
            _writeHeader = true;
        }
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var sb = new StringBuilder();
        if (_keys is null)
        {
            _keys = [.. logs.Keys];
            _keys.Sort(StringComparer.Ordinal);
            if (_keys.Count > 0 && !_keys.Exists(k => k.StartsWith("val_", StringComparison.Ordinal)))
                _keys.AddRange(_keys.ConvertAll(k => "val_" + k));
        }
        if (_writeHeader)
        {
            sb.Append(Field("epoch"));
            foreach (var k in _keys) sb.Append(Separator).Append(Field(k));
            sb.Append("\r\n");
            _writeHeader = false;
        }
        sb.Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var k in _keys)
            sb.Append(Separator).Append(logs.TryGetValue(k, out double v) ? PyFormat.Repr(v) : "NA");
        sb.Append("\r\n");
        File.AppendAllText(FileName, sb.ToString());
    }

    private string Field(string s) =>
        s.Contains(Separator, StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal)
            || s.Contains('\n', StringComparison.Ordinal) || s.Contains('\r', StringComparison.Ordinal)
            ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
