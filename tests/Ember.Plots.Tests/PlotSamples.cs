using System.Collections.Generic;
using Ember.Training;
using SkiaSharp;

namespace Ember.Plots.Tests;

/// <summary>The plots the tests draw, and where their text lies.</summary>
internal static class PlotSamples
{
    public const int HistoryWidth = 640, HistoryHeight = 600, MatrixWidth = 640, MatrixHeight = 560;

    public static readonly string[] ClassNames = ["setosa", "versicolor", "virginica"];

    public static History History()
    {
        var h = new History();
        for (int e = 0; e < 10; e++)
            h.Add(e, new Dictionary<string, double>
            {
                ["loss"] = 1.0 / (e + 1), ["accuracy"] = 0.5 + e * 0.04, ["val_loss"] = 1.2 / (e + 1),
                ["val_accuracy"] = 0.45 + e * 0.04, ["learning_rate"] = 0.01,
            });
        return h;
    }

    public static void DrawHistory(string path) => History().Plot(path, HistoryWidth, HistoryHeight);

    public static int[,] DrawMatrix(string path) =>
        ConfusionMatrix.Plot([0, 1, 2, 2, 1, 0, 0], [0, 2, 2, 2, 1, 0, 1], ClassNames, path, MatrixWidth,
            MatrixHeight);

    /// <summary>The band above the first subplot: only the title "loss" is drawn there.</summary>
    public static SKRectI TitleBand(int width) => new(0, 0, width, 30);

    /// <summary>The band under the last subplot's tick labels: only the axis label "epoch"/"predicted".</summary>
    public static SKRectI BottomLabelBand(int width, int height) => new(0, height - 24, width, height);
}
