using System;
using System.IO;
using Ember.Training;
using SkiaSharp;
using static Ember.Plots.Tests.PlotSamples;

namespace Ember.Plots.Tests;

public sealed class PlotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ember-plots-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void HistoryPngDecodesWithTheRequestedSizeAndDrawnLabels()
    {
        string path = Path.Combine(_dir, "history.png");
        DrawHistory(path);
        using var image = PlotImages.Decode(path);
        Assert.Equal(HistoryWidth, image.Width);
        Assert.Equal(HistoryHeight, image.Height);
        Assert.True(PlotImages.Ink(image, TitleBand(image.Width), SKColors.White) > 40, "no title text");
        Assert.True(PlotImages.Ink(image, BottomLabelBand(image.Width, image.Height), SKColors.White) > 40,
            "no x-axis label text");
    }

    [Fact]
    public void HistoryDefaultHeightIs300PerSubplot()
    {
        string path = Path.Combine(_dir, "h.png");
        History().Plot(path, 500);
        using var image = PlotImages.Decode(path);
        Assert.Equal((500, 600), (image.Width, image.Height)); // loss and accuracy; learning_rate left out
    }

    [Fact]
    public void HistoryQuantitiesPutLossFirstAndPairValidation()
    {
        var h = new History();
        h.Add(0, [new("accuracy", 0.5), new("loss", 1), new("val_accuracy", 0.4), new("val_loss", 2),
            new("learning_rate", 0.1), new("val_only", 3)]);
        Assert.Equal(["loss", "accuracy", "val_only"], HistoryPlots.Quantities(h));
    }

    [Fact]
    public void EmptyHistoryAndBadSizesAreRefused()
    {
        string path = Path.Combine(_dir, "x.png");
        var e = Assert.Throws<ArgumentException>(() => new History().Plot(path));
        Assert.Contains("no epochs", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => History().Plot(path, 0, 100));
        Assert.Contains("0 x 100", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ConfusionMatrixCountsAndPlots()
    {
        string path = Path.Combine(_dir, "cm.png");
        int[,] m = DrawMatrix(path);
        Assert.Equal(new[,] { { 2, 1, 0 }, { 0, 1, 1 }, { 0, 0, 2 } }, m);
        using var image = PlotImages.Decode(path);
        Assert.Equal((MatrixWidth, MatrixHeight), (image.Width, image.Height));
        Assert.True(PlotImages.Ink(image, TitleBand(image.Width), SKColors.White) > 40, "no title text");
        Assert.True(PlotImages.Ink(image, BottomLabelBand(image.Width, image.Height), SKColors.White) > 40,
            "no 'predicted' label");
        // The class names left of the matrix: the band holds the tick labels only.
        Assert.True(PlotImages.Ink(image, new SKRectI(20, 100, 80, 140), SKColors.White) > 40, "no class name");
    }

    [Fact]
    public void ConfusionMatrixTakesPredictScoresAndOneHotTargets()
    {
        var scores = Tensor.From(new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f }, { 0.6f, 0.4f } });
        var labels = Tensor.From(new long[] { 0, 1, 1 });
        string path = Path.Combine(_dir, "cm2.png");
        int[,] m = ConfusionMatrix.Plot(labels, scores, ["a", "b"], path, 300, 200);
        Assert.Equal(new[,] { { 1, 0 }, { 1, 1 } }, m);
        Assert.Equal([0, 1, 0], ConfusionMatrix.ToClassIndices(scores));
        using var image = PlotImages.Decode(path);
        Assert.Equal((300, 200), (image.Width, image.Height));
    }

    [Fact]
    public void ConfusionMatrixRefusesOutOfRangeLabels()
    {
        var e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute([0, 3], [0, 1], 3));
        Assert.Contains("sample 1 has true class 3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute([0], [0, 1], 3));
        Assert.Contains("yTrue has 1 labels but yPred has 2", e.Message, StringComparison.Ordinal);
    }
}
