using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace Ember.Data;

/// <summary>
/// A progress bar for a hand-written training loop (tqdm's idea, console only):
/// <code>
/// using var bar = new Progress(loader.Count, $"epoch {epoch + 1}/{epochs}");
/// foreach (var (x, y) in loader) { ...; bar.Update(postfix: $"loss {loss.Item&lt;float&gt;():F4}"); }
/// </code>
/// On a terminal it redraws one line (<c>\r</c>) at most every <see cref="RefreshInterval"/>, showing the count,
/// items per second and the estimated time left. When output is redirected (a log file, CI) it writes plain lines
/// instead: one at every 10% step and one at the end, so logs stay short and readable.
/// </summary>
public sealed class Progress : IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawTicks;
    private bool _drawn;
    private int _lastDecile = -1;
    private int _lastWidth;
    private bool _closed;

    /// <summary>Creates the bar.</summary>
    /// <param name="total">Steps in the loop (e.g. <c>loader.Count</c> batches); 0 when unknown.</param>
    /// <param name="description">A label before the bar (e.g. "epoch 1/5").</param>
    /// <param name="output">Where to write; defaults to <see cref="Console.Out"/>.</param>
    /// <param name="interactive">Redraw in place (true) or write plain lines (false); defaults to whether the console
    /// output is not redirected.</param>
    public Progress(int total, string description = "", TextWriter? output = null, bool? interactive = null)
    {
        if (total < 0)
            throw new ArgumentOutOfRangeException(nameof(total), $"Progress: total must be non-negative, got {total}.");
        Total = total;
        Description = description ?? "";
        _out = output ?? Console.Out;
        _interactive = interactive ?? (output is null && !Console.IsOutputRedirected);
    }

    /// <summary>Steps in the loop (0 when unknown).</summary>
    public int Total { get; }

    /// <summary>The label shown before the bar.</summary>
    public string Description { get; }

    /// <summary>Steps done so far.</summary>
    public int Current { get; private set; }

    /// <summary>The latest text shown after the numbers (e.g. the running loss).</summary>
    public string Postfix { get; private set; } = "";

    /// <summary>The shortest time between two redraws on a terminal.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Time since the bar was created.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Steps per second so far.</summary>
    public double Rate => Current / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);

    /// <summary>Advances by <paramref name="steps"/> and shows <paramref name="postfix"/> when given.</summary>
    public void Update(int steps = 1, string? postfix = null)
    {
        if (_closed) return;
        Current += steps;
        if (postfix is not null) Postfix = postfix;
        if (_interactive)
        {
            long now = _clock.Elapsed.Ticks;
            if (!_drawn || now - _lastDrawTicks >= RefreshInterval.Ticks || (Total > 0 && Current >= Total))
            {
                _drawn = true;
                _lastDrawTicks = now;
                Draw();
            }
        }
        else if (Total > 0)
        {
            int decile = (int)Math.Min(10, 10L * Current / Total);
            if (decile > _lastDecile && decile < 10)
            {
                _lastDecile = decile;
                _out.WriteLine(Render(bar: false));
            }
        }
    }

    /// <summary>Shows the final state and ends the line (called by <see cref="Dispose"/>).</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        if (_interactive)
        {
            Draw();
            _out.WriteLine();
        }
        else _out.WriteLine(Render(bar: false));
        _out.Flush();
    }

    /// <inheritdoc/>
    public void Dispose() => Close();

    private void Draw()
    {
        string line = Render(bar: true);
        int pad = Math.Max(0, _lastWidth - line.Length);
        _lastWidth = line.Length;
        _out.Write("\r" + line + new string(' ', pad));
        _out.Flush();
    }

    /// <summary>The status text: <c>epoch 1/5 [####----] 120/469 (26%) 850.3 it/s ETA 0:00:02 loss 0.52</c>.</summary>
    public string Render(bool bar)
    {
        var sb = new StringBuilder();
        if (Description.Length > 0) sb.Append(Description).Append(' ');
        double seconds = _clock.Elapsed.TotalSeconds;
        if (Total > 0)
        {
            double frac = Math.Min(1.0, (double)Current / Total);
            if (bar)
            {
                const int Width = 24;
                int filled = (int)(frac * Width);
                sb.Append('[').Append('#', filled).Append('-', Width - filled).Append("] ");
            }
            sb.Append(CultureInfo.InvariantCulture, $"{Current}/{Total} ({frac * 100:F0}%)");
        }
        else sb.Append(CultureInfo.InvariantCulture, $"{Current}");
        double rate = Current / Math.Max(seconds, 1e-9);
        sb.Append(CultureInfo.InvariantCulture, $" {rate:F1} it/s");
        if (Total > 0 && Current < Total && Current > 0)
            sb.Append(" ETA ").Append(FormatTime((Total - Current) / rate));
        else sb.Append(' ').Append(FormatTime(seconds));
        if (Postfix.Length > 0) sb.Append(' ').Append(Postfix);
        return sb.ToString();
    }

    private static string FormatTime(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds)) return "?";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
    }
}
