using System;
using System.Linq;
using Ember.Keras;
using Ember.NN;
using Ember.Optim;
using Ember.Training.Metrics;

namespace Ember.Training.Tests;

public sealed class ResolutionTests
{
    private static Parameter[] Params() => [new Parameter(Tensor.Zeros(3))];

    [Fact]
    public void OptimizerStringsTakeKerasDefaults()
    {
        var adam = Assert.IsType<Adam>(KerasNames.Optimizer("adam", Params()));
        var ao = Assert.IsType<AdamOptions>(adam.ParamGroups[0].Options);
        Assert.Equal((1e-3, 1e-7, (0.9, 0.999)), (ao.Lr, ao.Eps, ao.Betas));

        var sgd = Assert.IsType<SGD>(KerasNames.Optimizer("sgd", Params()));
        var so = Assert.IsType<SGDOptions>(sgd.ParamGroups[0].Options);
        Assert.Equal((0.01, 0.0, false), (so.Lr, so.Momentum, so.Nesterov));

        var rms = Assert.IsType<RMSprop>(KerasNames.Optimizer("rmsprop", Params()));
        var ro = Assert.IsType<RMSpropOptions>(rms.ParamGroups[0].Options);
        Assert.Equal((1e-3, 0.9, 1e-7), (ro.Lr, ro.Alpha, ro.Eps));

        var adamw = Assert.IsType<AdamW>(KerasNames.Optimizer("AdamW", Params()));
        Assert.Equal(0.004, Assert.IsType<AdamOptions>(adamw.ParamGroups[0].Options).WeightDecay);
        Assert.IsType<Adagrad>(KerasNames.Optimizer("adagrad", Params()));
        Assert.IsType<Adamax>(KerasNames.Optimizer("adamax", Params()));
        var e = Assert.Throws<ArgumentException>(() => KerasNames.Optimizer("lion", Params()));
        Assert.Contains("'lion'", e.Message);
    }

    [Theory]
    [InlineData("mse", typeof(Losses.MeanSquaredError))]
    [InlineData("mean_squared_error", typeof(Losses.MeanSquaredError))]
    [InlineData("mae", typeof(Losses.MeanAbsoluteError))]
    [InlineData("binary_crossentropy", typeof(Losses.BinaryCrossentropy))]
    [InlineData("categorical_crossentropy", typeof(Losses.CategoricalCrossentropy))]
    [InlineData("sparse_categorical_crossentropy", typeof(Losses.SparseCategoricalCrossentropy))]
    public void LossStringsGiveKerasLossesWithoutLogits(string name, Type type)
    {
        var loss = KerasNames.Loss(name);
        Assert.IsType(type, loss);
        var fromLogits = type.GetProperty("FromLogits")?.GetValue(loss);
        Assert.True(fromLogits is null or false);
    }

    [Theory]
    [InlineData("mse", typeof(Metrics.MeanSquaredError))]
    [InlineData("mae", typeof(Metrics.MeanAbsoluteError))]
    [InlineData("binary_accuracy", typeof(BinaryAccuracy))]
    [InlineData("categorical_accuracy", typeof(CategoricalAccuracy))]
    [InlineData("sparse_categorical_accuracy", typeof(SparseCategoricalAccuracy))]
    public void MetricStringsKeepTheGivenName(string name, Type type)
    {
        var m = KerasNames.Metric(name);
        Assert.IsType(type, m);
        Assert.Equal(name, m.Name);
    }

    [Fact]
    public void UnknownStringsFailAtCompile()
    {
        var model = new Keras.Sequential(new Input(2), new Dense(1));
        Assert.Throws<ArgumentException>(() => model.Compile("adam", "hinge_loss"));
        Assert.Throws<ArgumentException>(() => model.Compile("adam", "mse", ["f1"]));
        Assert.Throws<ArgumentException>(() => model.Compile("nope", "mse"));
    }

    public static TheoryData<string, Tensor, int, Type> AccuracyCases() => new()
    {
        {
            "sparse_categorical_crossentropy", Tensor.From(new long[] { 0, 2, 1, 2 }), 3,
            typeof(SparseCategoricalAccuracy)
        },
        { "categorical_crossentropy", Tensor.Eye(4, 3), 3, typeof(CategoricalAccuracy) },
        { "binary_crossentropy", Tensor.From(new float[,] { { 0 }, { 1 }, { 1 }, { 0 } }), 1, typeof(BinaryAccuracy) },
        { "mse", Tensor.From(new float[,] { { 0 }, { 1 }, { 1 }, { 0 } }), 1, typeof(BinaryAccuracy) },
        { "mse", Tensor.Eye(4, 3), 3, typeof(CategoricalAccuracy) },
    };

    [Theory]
    [MemberData(nameof(AccuracyCases))]
    public void AccuracyResolvesFromLossAndTargetShape(string loss, Tensor y, int outputs, Type expected)
    {
        var model = new Keras.Sequential(new Input(2),
            new Dense(outputs, activation: outputs == 1 ? "sigmoid" : "softmax"));
        var compiled = model.Compile("sgd", loss, ["accuracy"]);
        var x = Tensor.Randn(4, 2);
        var logs = model.TrainOnBatch(x, y);
        var metric = Assert.Single(compiled.Metrics!);
        Assert.IsType(expected, metric);
        Assert.Equal("accuracy", metric.Name);
        Assert.Contains("accuracy", logs.Keys);
        Assert.Contains($"resolved to {expected.Name}", Assert.Single(compiled.Resolutions));
    }

    [Fact]
    public void KerasLayersResolveTheirStrings()
    {
        Assert.IsType<GlorotUniform>(new Dense(2).KernelInitializer);
        Assert.IsType<Zeros>(new Dense(2).BiasInitializer);
        Assert.IsType<HeNormal>(new Dense(2, kernelInitializer: "he_normal").KernelInitializer);
        Assert.Throws<ArgumentException>(() => new Dense(2, activation: "reluu"));
        var bn = new BatchNormalization();
        Assert.Equal((0.99, 1e-3), (bn.Momentum, bn.Epsilon));
        Assert.Equal(["weight", "bias"], new Keras.Sequential(new Input(3), new Dense(2)).GetLayer("dense")
            .NamedParameters().Select(p => p.Name));
    }
}
