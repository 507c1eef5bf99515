using System;
using System.Collections.Generic;
using Ember.Training;
using ScottPlot;

namespace Ember.Plots;

/// <summary>
/// Plots of a <see cref="History"/> (what <c>Fit</c> returns): one subplot per quantity — <c>loss</c> first, then
/// each metric in logging order — with the training curve and, when present, the validation curve
/// (<c>val_*</c>) against the epoch (1-based, as Keras prints it). <c>learning_rate</c> is left out.
/// </summary>
public static class HistoryPlots
{
    /// <summary>
    /// Writes the history as a PNG of <paramref name="width"/> × <paramref name="height"/> pixels to
    /// <paramref name="path"/> (<paramref name="height"/> defaults to 300 pixels per subplot).
    /// </summary>
    /// <param name="history">The history from <c>Fit</c>.</param>
    /// <param name="path">The PNG file to write (replaced if it exists).</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels, or null for 300 per subplot.</param>
    /// <exception cref="ArgumentException">The history has no epochs, or a size is not positive.</exception>
    public static void Plot(this History history, string path, int width = 800, int? height = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var names = Quantities(history);
        if (history.Epochs.Count == 0 || names.Count == 0)
            throw new ArgumentException("History.Plot: the history has no epochs to plot.", nameof(history));
        int h = height ?? 300 * names.Count;
        PlotSizes.Check("History.Plot", width, h);

        var multiplot = new Multiplot();
        multiplot.AddPlots(names.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(names.Count, 1);
        var epochs = new double[history.Epochs.Count];
        for (int i = 0; i < epochs.Length; i++) epochs[i] = history.Epochs[i] + 1;
        for (int i = 0; i < names.Count; i++)
        {
            Plot plot = multiplot.GetPlot(i);
            PlotFonts.Apply(plot);
            string name = names[i];
            AddCurve(plot, epochs, history[name], name, Colors.C0);
            if (history.ContainsKey("val_" + name))
                AddCurve(plot, epochs, history["val_" + name], "val_" + name, Colors.C1);
            plot.Title(name);
            plot.XLabel("epoch");
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            plot.YLabel(name);
            // Out of the curves' way: a rising quantity (accuracy) ends high, a falling one (loss) ends low.
            var values = history[name];
            plot.ShowLegend(values[^1] > values[0] ? Alignment.LowerRight : Alignment.UpperRight);
            PlotFonts.Apply(plot);
        }
        multiplot.SavePng(path, width, h);
    }

    /// <summary>The training quantities to plot: <c>loss</c> first, then the rest, without <c>val_</c> twins
    /// and <c>learning_rate</c>.</summary>
    internal static List<string> Quantities(History history)
    {
        var names = new List<string>();
        foreach (string key in history.Keys)
        {
            if (key.StartsWith("val_", StringComparison.Ordinal) && history.ContainsKey(key[4..])) continue;
            if (key == "learning_rate") continue;
            if (key == "loss") names.Insert(0, key);
            else names.Add(key);
        }
        return names;
    }

    private static void AddCurve(Plot plot, double[] epochs, IReadOnlyList<double> values, string label, Color color)
    {
        var ys = new double[epochs.Length];
        for (int i = 0; i < ys.Length; i++) ys[i] = i < values.Count ? values[i] : double.NaN;
        var scatter = plot.Add.Scatter(epochs, ys, color);
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.MarkerSize = epochs.Length > 40 ? 0 : 4;
    }
}

/// <summary>Shared size checks.</summary>
internal static class PlotSizes
{
    /// <summary>The largest side accepted, in pixels (a 16k image is already 1 GB of pixels).</summary>
    public const int MaxSide = 16_384;

    public static void Check(string who, int width, int height)
    {
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide)
            throw new ArgumentException($"{who}: the image size must be 1..{MaxSide} pixels per side, got " +
                $"{width} x {height}.");
    }
}
