using System.Linq;
using Ember.NN;
using Ember.Training.Losses;

namespace Ember.Training.Tests;

/// <summary>Keras-style losses against Ember's PyTorch-style ones and the formulas Keras documents.</summary>
public sealed class LossesTests
{
    private static readonly Tensor Logits =
        Tensor.From(new double[,] { { 1, 2, 0.5 }, { -1, 0, 3 }, { 0.2, 0.1, -2 } });
    private static readonly Tensor Labels = Tensor.From(new long[] { 1, 2, 0 });

    [Fact]
    public void SparseCategoricalCrossentropyFromLogitsIsCrossEntropyLoss()
    {
        double keras = new SparseCategoricalCrossentropy(fromLogits: true).Call(Logits, Labels).Item<double>();
        double torch = new CrossEntropyLoss().Call(Logits, Labels).Item<double>();
        Assert.Equal(torch, keras, 12);
    }

    [Fact]
    public void ProbabilityCrossEntropiesMatchTheLogitForms()
    {
        Tensor probs = Logits.Softmax(-1);
        double fromLogits = new CrossEntropyLoss().Call(Logits, Labels).Item<double>();
        Assert.Equal(fromLogits, new SparseCategoricalCrossentropy().Call(probs, Labels).Item<double>(), 10);
        Tensor oneHot = Tensor.Eye(3).IndexSelect(0, Labels).To(DType.Float64);
        Assert.Equal(fromLogits, new CategoricalCrossentropy().Call(probs, oneHot).Item<double>(), 10);
        Assert.Equal(fromLogits, new CategoricalCrossentropy(fromLogits: true).Call(Logits, oneHot).Item<double>(), 10);
        // int32 labels and a trailing 1 are accepted, as Keras does.
        Assert.Equal(fromLogits, new SparseCategoricalCrossentropy().Call(probs,
            Tensor.From(new[] { 1, 2, 0 }).Unsqueeze(1)).Item<double>(), 10);
    }

    [Fact]
    public void BinaryCrossentropyMatchesBceAndClipsLikeKeras()
    {
        var p = Tensor.From(new double[,] { { 0.9 }, { 0.2 }, { 0.6 } });
        var y = Tensor.From(new double[] { 1, 0, 0 });
        double keras = new BinaryCrossentropy().Call(p, y).Item<double>();
        double torch = new BCELoss().Call(p, y.Unsqueeze(1)).Item<double>();
        Assert.Equal(torch, keras, 12);
        var logits = Tensor.From(new double[,] { { 2 }, { -1 }, { 0.3 } });
        Assert.Equal(new BCEWithLogitsLoss().Call(logits, y.Unsqueeze(1)).Item<double>(),
            new BinaryCrossentropy(fromLogits: true).Call(logits, y).Item<double>(), 12);
        // A probability of exactly 0 for a positive is clipped to 1e-7: loss -log(1e-7), not infinity.
        double clipped = new BinaryCrossentropy().Call(Tensor.From(new double[] { 0 }), Tensor.From(new double[] { 1 }))
            .Item<double>();
        Assert.Equal(-System.Math.Log(1e-7), clipped, 6);
    }

    [Fact]
    public void RegressionLossesAverageEachSampleFirst()
    {
        var p = Tensor.From(new double[,] { { 1, 2 }, { 3, 5 } });
        var y = Tensor.From(new double[,] { { 0, 2 }, { 3, 1 } });
        Assert.Equal([0.5, 8], new MeanSquaredError().PerSample(p, y).ToArray<double>());
        Assert.Equal([0.5, 2], new MeanAbsoluteError().PerSample(p, y).ToArray<double>());
        Assert.Equal(4.25, new MeanSquaredError().Call(p, y).Item<double>());
        var e = Assert.Throws<System.ArgumentException>(() => new MeanSquaredError().Call(p, Tensor.Zeros(2, 3)));
        Assert.Contains("[2, 2]", e.Message);
        // Gradients flow as through Ember's MSELoss.
        var w = new Parameter(Tensor.From(new double[] { 1, 2 }));
        new MeanSquaredError().Call(w.Unsqueeze(0), Tensor.Zeros(1, 2).To(DType.Float64)).Backward();
        Assert.Equal([1.0, 2.0], w.Grad!.ToArray<double>().Select(g => System.Math.Round(g, 12)));
    }
}
