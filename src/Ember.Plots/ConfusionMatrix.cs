using System;
using System.Collections.Generic;
using System.Globalization;
using ScottPlot;

namespace Ember.Plots;

/// <summary>
/// Confusion matrices (scikit-learn's convention: rows are true classes, columns predicted ones) and their plot: a
/// heatmap with each cell's count written in it, class names on both axes.
/// </summary>
public static class ConfusionMatrix
{
    /// <summary>Counts <c>m[t, p]</c>: how many samples of true class t were predicted as p.</summary>
    /// <param name="yTrue">True class indices.</param>
    /// <param name="yPred">Predicted class indices, as many as <paramref name="yTrue"/>.</param>
    /// <param name="numClasses">The number of classes; every index must be in <c>[0, numClasses)</c>.</param>
    /// <exception cref="ArgumentException">Lengths differ or an index is out of range.</exception>
    public static int[,] Compute(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (yTrue.Count != yPred.Count)
            throw new ArgumentException($"ConfusionMatrix: yTrue has {yTrue.Count} labels but yPred has " +
                $"{yPred.Count}.", nameof(yPred));
        if (numClasses <= 0)
            throw new ArgumentException($"ConfusionMatrix: numClasses must be positive, got {numClasses}.",
                nameof(numClasses));
        var m = new int[numClasses, numClasses];
        for (int i = 0; i < yTrue.Count; i++)
        {
            int t = yTrue[i], p = yPred[i];
            if ((uint)t >= (uint)numClasses || (uint)p >= (uint)numClasses)
                throw new ArgumentException($"ConfusionMatrix: sample {i} has true class {t} and predicted class " +
                    $"{p}; expected indices in [0, {numClasses}).");
            m[t, p]++;
        }
        return m;
    }

    /// <summary>
    /// Class indices from a label tensor: <c>(N)</c> integer labels as they are, or <c>(N, C)</c> scores
    /// (<c>Predict</c>'s probabilities or logits, or one-hot targets) by arg-max over the classes.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is neither 1-D nor 2-D.</exception>
    public static int[] ToClassIndices(Tensor labelsOrScores)
    {
        ArgumentNullException.ThrowIfNull(labelsOrScores);
        return labelsOrScores.Dim switch
        {
            1 => labelsOrScores.ToArray<int>(),
            2 => labelsOrScores.Argmax(1).ToArray<int>(),
            _ => throw new ArgumentException("ConfusionMatrix: expected labels (N) or scores (N, C), got a " +
                $"{labelsOrScores.Dim}-D tensor.", nameof(labelsOrScores)),
        };
    }

    /// <summary>
    /// Plots the confusion matrix of <paramref name="yTrue"/> against <paramref name="yPred"/> (each labels
    /// <c>(N)</c> or scores <c>(N, C)</c>, e.g. <c>model.Predict(x)</c>) to a PNG.
    /// </summary>
    /// <param name="yTrue">True labels <c>(N)</c> or one-hot <c>(N, C)</c>.</param>
    /// <param name="yPred">Predicted labels <c>(N)</c> or scores <c>(N, C)</c>.</param>
    /// <param name="classNames">One name per class, in index order.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <returns>The matrix that was plotted.</returns>
    public static int[,] Plot(Tensor yTrue, Tensor yPred, IReadOnlyList<string> classNames, string path,
        int width = 640, int height = 560) =>
        Plot(ToClassIndices(yTrue), ToClassIndices(yPred), classNames, path, width, height);

    /// <summary>Plots the confusion matrix of class indices <paramref name="yTrue"/> against
    /// <paramref name="yPred"/> to a PNG.</summary>
    /// <param name="yTrue">True class indices.</param>
    /// <param name="yPred">Predicted class indices.</param>
    /// <param name="classNames">One name per class, in index order.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <returns>The matrix that was plotted.</returns>
    public static int[,] Plot(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred, IReadOnlyList<string> classNames,
        string path, int width = 640, int height = 560)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentException.ThrowIfNullOrEmpty(path);
        PlotSizes.Check("ConfusionMatrix.Plot", width, height);
        int n = classNames.Count;
        int[,] m = Compute(yTrue, yPred, n);

        var plot = new Plot();
        PlotFonts.Apply(plot);
        var intensities = new double[n, n];
        int max = 0;
        foreach (int c in m) max = Math.Max(max, c);
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++) intensities[t, p] = m[t, p];
        var heatmap = plot.Add.Heatmap(intensities);
        // ScottPlot's Blues runs dark to light; reversed, the largest counts are the darkest, as in scikit-learn.
        heatmap.Colormap = new ScottPlot.Colormaps.Blues().Reversed();
        // Row 0 (the first true class) at the top; cell (t, p) centred on (p, n - 1 - t).
        heatmap.Extent = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
            {
                var text = plot.Add.Text(m[t, p].ToString(CultureInfo.InvariantCulture), p, n - 1 - t);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 14;
                text.LabelFontColor = m[t, p] * 2 > max ? Colors.White : Colors.Black;
            }
        var positions = new double[n];
        var topDown = new string[n];
        var names = new string[n];
        for (int i = 0; i < n; i++)
        {
            positions[i] = i;
            names[i] = classNames[i];
            topDown[i] = classNames[n - 1 - i];
        }
        plot.Axes.Bottom.SetTicks(positions, names);
        plot.Axes.Left.SetTicks(positions, topDown);
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Add.ColorBar(heatmap);
        plot.Title("Confusion matrix");
        plot.XLabel("predicted");
        plot.YLabel("true");
        PlotFonts.Apply(plot);
        plot.SavePng(path, width, height);
        return m;
    }
}
