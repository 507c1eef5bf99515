using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Ember.Training.Tests;

public sealed class ProgressDisplayTests
{
    private static List<KeyValuePair<string, double>> Logs(double loss, double acc) =>
        [new("loss", loss), new("accuracy", acc)];

    [Fact]
    public void RedirectedOutputIsOnePlainLinePerEpoch()
    {
        var sw = new StringWriter();
        var p = new ProgressDisplay(sw, verbose: 1, interactive: false);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            p.BeginEpoch(epoch, 3, 47);
            for (int s = 1; s <= 47; s++) p.Update(s, Logs(0.31, 0.91));
            p.EndEpoch(Logs(0.31, 0.91));
        }
        string text = sw.ToString();
        Assert.DoesNotContain('\r', text);
        Assert.DoesNotContain('\u001b', text);
        var lines = text.Split('\n', System.StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("Epoch 1/3 - 47/47 - ", lines[0]);
        Assert.EndsWith(" - loss: 0.3100 - accuracy: 0.9100", lines[0].TrimEnd('\r'));
    }

    [Fact]
    public void InteractiveRendererRedrawsOneLine()
    {
        var sw = new StringWriter { NewLine = "\n" };
        var p = new ProgressDisplay(sw, verbose: 1, interactive: true) { RefreshInterval = System.TimeSpan.Zero };
        p.BeginEpoch(0, 2, 4);
        for (int s = 1; s <= 4; s++) p.Update(s, Logs(0.5 / s, 0.25 * s));
        p.EndEpoch(Logs(0.125, 1));
        string text = sw.ToString();
        var lines = text.Split('\n');
        Assert.Equal("Epoch 1/2", lines[0]);
        // The bar is one line: every redraw starts with \r, only the epoch's end adds a newline.
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);
        var draws = lines[1].Split('\r', System.StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, draws.Length);
        Assert.StartsWith("1/4 [" + new string('=', 6) + ">" + new string('.', 23) + "] - ETA: ", draws[0]);
        Assert.Contains(" - loss: 0.5000 - accuracy: 0.2500", draws[0]);
        Assert.StartsWith("4/4 [==============================] - ", draws[4]);
        Assert.EndsWith("ms/step - loss: 0.1250 - accuracy: 1.0000", draws[4].TrimEnd());
    }

    [Fact]
    public void VerboseTwoIsOneLineEvenOnATerminalAndZeroIsSilent()
    {
        var sw = new StringWriter();
        var p = new ProgressDisplay(sw, verbose: 2, interactive: true);
        Assert.False(p.Interactive);
        p.BeginEpoch(0, 1, 2);
        p.Update(1, Logs(1, 0));
        p.EndEpoch(Logs(1, 0));
        Assert.Single(sw.ToString().Split('\n', System.StringSplitOptions.RemoveEmptyEntries));
        var quiet = new StringWriter();
        var q = new ProgressDisplay(quiet, verbose: 0);
        q.BeginEpoch(0, 1, 2);
        q.Update(2, Logs(1, 0));
        q.EndEpoch(Logs(1, 0));
        Assert.Equal("", quiet.ToString());
    }

    [Theory]
    [InlineData(4.4, "4s")]
    [InlineData(125, "2:05")]
    [InlineData(3725, "1:02:05")]
    public void EtaIsFormattedAsKerasDoes(double seconds, string expected) =>
        Assert.Equal(expected, ProgressDisplay.FormatEta(seconds));

    [Fact]
    public void FitWithRedirectedOutputWritesOneLinePerEpoch()
    {
        var (xTrain, _, yTrain, _) = TestModels.Iris();
        var model = new Keras.Sequential(new Keras.Input(4), new Keras.Dense(3, activation: "softmax"));
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        var sw = new StringWriter();
        model.Fit(xTrain, yTrain, epochs: 3, batchSize: 16, validationSplit: 0.2, output: sw,
            cancellationToken: TestContext.Current.CancellationToken);
        string text = sw.ToString();
        Assert.DoesNotContain('\r', text);
        var lines = text.Split('\n', System.StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("resolved to SparseCategoricalAccuracy", lines[0]);
        var epochs = lines.Skip(1).ToArray();
        Assert.Equal(3, epochs.Length);
        Assert.All(epochs, l => Assert.Matches(@"^Epoch \d/3 - 6/6 - \d+s \d+ms/step - loss: \d\.\d{4} - accuracy: " +
            @"\d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$", l));
    }
}
