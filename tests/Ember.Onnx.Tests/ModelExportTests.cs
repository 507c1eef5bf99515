using System;
using Ember.Keras;
using Ember.NN;
using static Ember.Onnx.Tests.OrtHarness;
using KerasSequential = Ember.Keras.Sequential;
using NNSequential = Ember.NN.Sequential;

namespace Ember.Onnx.Tests;

/// <summary>Whole models: export, run in ONNX Runtime at two batch sizes, compare with Ember.</summary>
public class ModelExportTests
{
    internal static Module Mlp() => new NNSequential(new Linear(4, 16, generator: new Generator(1)), new ReLU(),
        new Linear(16, 3, generator: new Generator(2)), new LogSoftmax(1));

    [Theory]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(21)]
    public void Mlp_matches_ember(int opset)
    {
        AssertExportMatches(Mlp(), Randn(4), opset);
    }

    [Fact]
    public void Cnn_with_batchnorm_and_dropout_matches_ember()
    {
        var model = new NNSequential(
            new Conv2d(1, 4, 3, padding: 1, generator: new Generator(1)), new BatchNorm2d(4), new ReLU(),
            new MaxPool2d(2), new NN.Dropout(0.25), new Conv2d(4, 6, 3, stride: 2, generator: new Generator(2)),
            new BatchNorm2d(6), new ReLU(), new NN.Flatten(), new Linear(6 * 1 * 1, 5, generator: new Generator(3)));
        TrainBatchNormStats(model, Randn(1, 8, 8));
        AssertExportMatches(model, Randn(1, 8, 8));
    }

    [Fact]
    public void Keras_mlp_matches_ember()
    {
        var model = new KerasSequential(new Dense(8, activation: "relu", generator: new Generator(1)),
            new Keras.Dropout(0.5), new BatchNormalization(), new Dense(3, activation: "softmax",
                generator: new Generator(2)));
        TrainBatchNormStats(model, Randn(5));
        AssertExportMatches(model, Randn(5));
    }

    [Fact]
    public void Keras_cnn_channels_last_matches_ember()
    {
        var model = new KerasSequential(
            new Conv2D(4, 3, padding: "same", activation: "relu", generator: new Generator(1)),
            new MaxPooling2D(padding: "same"), new BatchNormalization(),
            new Conv2D(6, 3, strides: 2, activation: "tanh", generator: new Generator(2)),
            new AveragePooling2D(poolSize: 2), new Keras.Flatten(),
            new Dense(4, generator: new Generator(3)));
        TrainBatchNormStats(model, Randn(9, 9, 2));
        AssertExportMatches(model, Randn(9, 9, 2));
    }

    [Fact]
    public void Keras_global_pooling_and_embedding_match_ember()
    {
        var cnn = new KerasSequential(new Conv2D(3, 2, generator: new Generator(1)), new GlobalAveragePooling2D(),
            new Dense(2, generator: new Generator(2)));
        AssertExportMatches(cnn, Randn(5, 5, 1));
        var emb = new KerasSequential(new Keras.Embedding(10, 4), new Keras.Flatten(),
            new Dense(2, generator: new Generator(3)));
        AssertExportMatches(emb, n => Tensor.RandInt(10, [n, 3], new Generator(n)));
    }

    private static void TrainBatchNormStats(Module model, Func<int, Tensor> input)
    {
        model.Train();
        using (Autograd.NoGrad())
        {
            for (int i = 0; i < 3; i++) model.Call(input(4 + i) * 2.0 + 0.5);
        }
        model.Eval();
    }
}
