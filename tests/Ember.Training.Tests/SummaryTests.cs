using System.IO;
using Ember.Keras;
using Ember.NN;

namespace Ember.Training.Tests;

public sealed class SummaryTests
{
    [Fact]
    public void SeedSnippetHasKerasNamesShapesAndCounts()
    {
        var model = TestModels.SeedSnippet();
        Assert.Equal(["dense", "dense_1", "output"], model.LayerNames);
        string text = model.Summary(output: TextWriter.Null);
        Assert.Contains("Model: \"sequential\"", text);
        Assert.Matches(@"│ dense \(Dense\) +│ \(None, 200\) +│ +1,000 │", text);
        Assert.Matches(@"│ dense_1 \(Dense\) +│ \(None, 200\) +│ +40,200 │", text);
        Assert.Matches(@"│ output \(Dense\) +│ \(None, 2\) +│ +402 │", text);
        Assert.Contains(" Total params: 41,602 (162.51 KB)", text);
        Assert.Contains(" Trainable params: 41,602 (162.51 KB)", text);
        Assert.Contains(" Non-trainable params: 0 (0.00 B)", text);
        Assert.Equal(41_602, model.ParameterCount());
        Assert.DoesNotContain("input", text, System.StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void SummaryPrintsWhatItReturns()
    {
        var sw = new StringWriter();
        string text = TestModels.SeedSnippet().Summary(output: sw);
        Assert.Equal(text, sw.ToString());
    }

    [Fact]
    public void AnyModuleGivenAnInputShape()
    {
        string text = new Clf().Summary(inputShape: [4], output: TextWriter.Null);
        Assert.Contains("Model: \"clf\"", text);
        Assert.Matches(@"│ fc1 \(Linear\) +│ \(None, 10\) +│ +50 │", text);
        Assert.Matches(@"│ fc2 \(Linear\) +│ \(None, 3\) +│ +33 │", text);
        Assert.Contains(" Total params: 83 ", text);
    }

    [Fact]
    public void BatchNormStatisticsCountAsNonTrainable()
    {
        var model = new Keras.Sequential(new Input(8), new Dense(16), new BatchNormalization(), new Dense(1));
        string text = model.Summary(output: TextWriter.Null);
        Assert.Matches(@"│ batch_normalization \(BatchNormalization\) *│ \(None, 16\) +│ +64 │|batch_normaliz", text);
        Assert.Contains(" Total params: 225 ", text);          // 144 + 64 + 17
        Assert.Contains(" Trainable params: 193 ", text);
        Assert.Contains(" Non-trainable params: 32 ", text);
    }

    [Fact]
    public void UnbuiltModelWithoutShapeSaysHowToFixIt()
    {
        var model = new Keras.Sequential(new Dense(3));
        var e = Assert.Throws<System.InvalidOperationException>(() => model.Summary(output: TextWriter.Null));
        Assert.Contains("Input(shape)", e.Message);
        string text = model.Summary(inputShape: [5], output: TextWriter.Null);
        Assert.Contains(" Total params: 18 ", text);
    }
}
