using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Ember.Training;

/// <summary>
/// Keras's progress output for <c>Fit</c>/<c>Evaluate</c>. Interactive (a terminal, verbose 1): <c>Epoch 3/20</c>,
/// then one bar redrawn in place with <c>\r</c>, <c>12/47 [=====&gt;....] - ETA: 1s - loss: 0.3100 - accuracy:
/// 0.9100</c>, finished with the epoch's time and validation values. Redirected output (a log, CI) or verbose 2: one
/// plain line per epoch, no <c>\r</c> or escape codes. Verbose 0: nothing.
/// </summary>
public sealed class ProgressDisplay
{
    private const int BarWidth = 30;
    private readonly TextWriter _out;
    private int _steps;
    private int _lastWidth;
    private long _lastDrawTicks;
    private bool _drawn;
    private System.Diagnostics.Stopwatch _clock = new();
    private string _prefix = "";

    /// <summary>Creates the display.</summary>
    /// <param name="output">Where to write (the console by default).</param>
    /// <param name="verbose">0 silent, 1 a bar (one line when redirected), 2 one line per epoch.</param>
    /// <param name="interactive">Redraw in place; defaults to whether the console output is not redirected.</param>
    public ProgressDisplay(TextWriter? output = null, int verbose = 1, bool? interactive = null)
    {
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), "verbose must be 0, 1 or 2.");
        _out = output ?? Console.Out;
        Verbose = verbose;
        Interactive = verbose == 1 && (interactive ?? (output is null && !Console.IsOutputRedirected));
    }

    /// <summary>0, 1 or 2.</summary>
    public int Verbose { get; }

    /// <summary>Whether the bar is redrawn in place.</summary>
    public bool Interactive { get; }

    /// <summary>The shortest time between two redraws (the last step is always drawn).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Starts an epoch of <paramref name="steps"/> batches.</summary>
    public void BeginEpoch(int epoch, int epochs, int steps)
    {
        _steps = steps;
        _lastWidth = 0;
        _drawn = false;
        _clock = System.Diagnostics.Stopwatch.StartNew();
        _prefix = string.Create(CultureInfo.InvariantCulture, $"Epoch {epoch + 1}/{epochs}");
        if (Interactive) _out.WriteLine(_prefix);
    }

    /// <summary>Shows progress after batch <paramref name="step"/> (1-based) with the running logs.</summary>
    public void Update(int step, IReadOnlyList<KeyValuePair<string, double>> logs)
    {
        if (!Interactive) return;
        long now = _clock.Elapsed.Ticks;
        if (_drawn && step < _steps && now - _lastDrawTicks < RefreshInterval.Ticks) return;
        _drawn = true;
        _lastDrawTicks = now;
        double perStep = _clock.Elapsed.TotalSeconds / Math.Max(step, 1);
        string eta = FormatEta(perStep * (_steps - step));
        Draw($"{Counter(step)} {Bar(step)} - ETA: {eta}{FormatLogs(logs)}");
    }

    /// <summary>Finishes the epoch with its final logs (validation values included).</summary>
    public void EndEpoch(IReadOnlyList<KeyValuePair<string, double>> logs)
    {
        if (Verbose == 0) return;
        double seconds = _clock.Elapsed.TotalSeconds;
        string timing = string.Create(CultureInfo.InvariantCulture,
            $"{Math.Round(seconds):0}s {seconds * 1000 / Math.Max(_steps, 1):0}ms/step");
        if (Interactive)
        {
            Draw($"{Counter(_steps)} {Bar(_steps)} - {timing}{FormatLogs(logs)}");
            _out.WriteLine();
        }
        else _out.WriteLine($"{_prefix} - {_steps}/{_steps} - {timing}{FormatLogs(logs)}");
        _out.Flush();
    }

    /// <summary>One line for <c>Evaluate</c> (verbose 1 or 2).</summary>
    public void Summary(int steps, IReadOnlyList<KeyValuePair<string, double>> logs, TimeSpan elapsed)
    {
        if (Verbose == 0) return;
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{steps}/{steps} - {Math.Round(elapsed.TotalSeconds):0}s " +
            $"{elapsed.TotalMilliseconds / Math.Max(steps, 1):0}ms/step{FormatLogs(logs)}"));
        _out.Flush();
    }

    private void Draw(string line)
    {
        var sb = new StringBuilder();
        sb.Append('\r').Append(line);
        if (line.Length < _lastWidth) sb.Append(' ', _lastWidth - line.Length);
        _lastWidth = line.Length;
        _out.Write(sb.ToString());
        _out.Flush();
    }

    private string Counter(int step)
    {
        string total = _steps.ToString(CultureInfo.InvariantCulture);
        return step.ToString(CultureInfo.InvariantCulture).PadLeft(total.Length) + "/" + total;
    }

    /// <summary>Keras's bar: <c>[=====&gt;....]</c>, 30 wide.</summary>
    internal string Bar(int step)
    {
        int filled = _steps == 0 ? BarWidth : (int)((long)BarWidth * step / _steps);
        var sb = new StringBuilder("[");
        if (filled > 0)
        {
            sb.Append('=', filled - 1);
            sb.Append(step < _steps ? '>' : '=');
        }
        sb.Append('.', BarWidth - filled);
        return sb.Append(']').ToString();
    }

    /// <summary>Keras's ETA: <c>5s</c>, <c>2:05</c>, <c>1:02:05</c>.</summary>
    internal static string FormatEta(double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        long s = (long)Math.Round(seconds);
        if (s >= 3600) return string.Create(inv, $"{s / 3600}:{s % 3600 / 60:00}:{s % 60:00}");
        if (s >= 60) return string.Create(inv, $"{s / 60}:{s % 60:00}");
        return string.Create(inv, $"{s}s");
    }

    /// <summary><c> - loss: 0.3100 - accuracy: 0.9100</c> (Keras's 4 decimals; tiny values in e-notation).</summary>
    internal static string FormatLogs(IReadOnlyList<KeyValuePair<string, double>> logs)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in logs)
        {
            sb.Append(" - ").Append(key).Append(": ");
            sb.Append(Math.Abs(value) > 1e-3 || value == 0
                ? value.ToString("F4", CultureInfo.InvariantCulture)
                : value.ToString("0.0000e+00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
