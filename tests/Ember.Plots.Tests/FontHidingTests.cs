using System;
using System.Diagnostics;
using System.IO;
using SkiaSharp;
using static Ember.Plots.Tests.PlotSamples;

namespace Ember.Plots.Tests;

/// <summary>
/// Labels must render on a machine without fonts. SkiaSharp's no-dependency Linux build reads fonts straight from
/// /usr/share/fonts (no fontconfig, so FONTCONFIG_* variables change nothing); the test hides that folder for real,
/// by running the plots in a child process in a private mount namespace with an empty tmpfs over it, and renders
/// twice: with the bundled font (text must be drawn) and with it switched off (text must vanish: proof that the
/// folder was hidden and that the system fonts are not what drew the first image).
/// </summary>
public sealed class FontHidingTests : IDisposable
{
    private const string ProbeDirVariable = "EMBER_PLOTS_PROBE_DIR";
    private const string ProbeBundledVariable = "EMBER_PLOTS_PROBE_BUNDLED";
    private readonly string _dir = Directory.CreateTempSubdirectory("ember-fonts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TextIsDrawnWithSystemFontsHiddenAndVanishesWithoutTheBundledFont()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("hiding /usr/share/fonts needs Linux mount namespaces");
        if (!CanHideFonts(out string why)) Assert.Skip($"cannot hide /usr/share/fonts here: {why}");

        string with = Path.Combine(_dir, "bundled"), without = Path.Combine(_dir, "system");
        RunProbe(with, bundled: true);
        RunProbe(without, bundled: false);

        foreach (string name in new[] { "history.png", "cm.png" })
        {
            using var drawn = PlotImages.Decode(Path.Combine(with, name));
            using var blank = PlotImages.Decode(Path.Combine(without, name));
            Assert.True(PlotImages.Ink(drawn, TitleBand(drawn.Width), SKColors.White) > 40,
                $"{name}: no title text with the bundled font and the system fonts hidden");
            Assert.True(PlotImages.Ink(drawn, BottomLabelBand(drawn.Width, drawn.Height), SKColors.White) > 40,
                $"{name}: no axis label with the bundled font and the system fonts hidden");
        }
        // A text-only plot (no frame, ticks or grid): with the folder hidden and the bundled font off, no pixel is
        // drawn at all; with it on, the text is.
        using var text = PlotImages.Decode(Path.Combine(with, "text.png"));
        using var none = PlotImages.Decode(Path.Combine(without, "text.png"));
        var all = new SKRectI(0, 0, text.Width, text.Height);
        Assert.True(PlotImages.Ink(text, all, SKColors.White) > 500, "the bundled font drew no text");
        Assert.Equal(0, PlotImages.Ink(none, all, SKColors.White));
    }

    /// <summary>Runs only when <see cref="TextIsDrawnWithSystemFontsHiddenAndVanishesWithoutTheBundledFont"/>
    /// starts it in its child process.</summary>
    [Fact(Explicit = true)]
    public void Probe()
    {
        string dir = Environment.GetEnvironmentVariable(ProbeDirVariable)
            ?? throw new InvalidOperationException($"{ProbeDirVariable} is not set: this test is run by another.");
        PlotFonts.UseBundled = Environment.GetEnvironmentVariable(ProbeBundledVariable) == "1";
        Directory.CreateDirectory(dir);
        DrawHistory(Path.Combine(dir, "history.png"));
        DrawMatrix(Path.Combine(dir, "cm.png"));
        var plot = new ScottPlot.Plot();
        plot.Add.Text("Ember 0123", 0, 0).LabelFontSize = 40;
        plot.Title("title");
        plot.Axes.Frameless();
        plot.HideGrid();
        PlotFonts.Apply(plot);
        plot.SavePng(Path.Combine(dir, "text.png"), 400, 200);
    }

    private static bool CanHideFonts(out string why)
    {
        var (rc, output) = Run("unshare", ["-m", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs tmpfs /usr/share/fonts && test -z \"$(ls -A /usr/share/fonts)\""], null);
        why = rc == 0 ? "" : $"unshare/mount failed (exit {rc}): {output.Trim()}";
        return rc == 0;
    }

    private static void RunProbe(string dir, bool bundled)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host
            ? host : "dotnet";
        string dll = Path.Combine(AppContext.BaseDirectory, "Ember.Plots.Tests.dll");
        var (rc, output) = Run("unshare", ["-m", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs tmpfs /usr/share/fonts && exec \"$0\" \"$@\"", dotnet, "exec", dll,
            "-method", $"{typeof(FontHidingTests).FullName}.{nameof(Probe)}", "-explicit", "only", "-noLogo"],
            (dir, bundled ? "1" : "0"));
        Assert.True(rc == 0 && File.Exists(Path.Combine(dir, "cm.png")),
            $"the probe (bundled={bundled}) failed with exit {rc}:\n{output}");
    }

    private static (int ExitCode, string Output) Run(string file, string[] args, (string Dir, string Bundled)? probe)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        if (probe is { } p)
        {
            info.Environment[ProbeDirVariable] = p.Dir;
            info.Environment[ProbeBundledVariable] = p.Bundled;
        }
        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "timed out after 2 minutes\n" + stdout);
            }
            return (process.ExitCode, stdout + stderr.GetAwaiter().GetResult());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
