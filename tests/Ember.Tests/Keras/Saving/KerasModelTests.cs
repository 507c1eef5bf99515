using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Ember.IO;
using Ember.Keras;
using Ember.Keras.Saving;
using Ember.NN;
using static Ember.Tests.IO.IoTestUtil;
using Dropout = Ember.Keras.Dropout;
using Embedding = Ember.Keras.Embedding;
using Flatten = Ember.Keras.Flatten;
using Sequential = Ember.Keras.Sequential;

namespace Ember.Tests.Keras.Saving;

/// <summary>A custom layer for the registration tests: <c>y = x * factor * scale</c> with a learned scale.</summary>
internal sealed class TestScale(double factor, string? name = null) : Module, IKerasSerializable, IKerasLayer
{
    public double Factor { get; } = factor;

    public Parameter Scale { get; } = new(Tensor.Full([1], 1.5, DType.Float32));

    public string ClassName => "TestScale";

    public string? Name { get; } = name;

    public string DefaultName => "test_scale";

    public JsonObject GetConfig() => new() { ["factor"] = Factor };

    public override Tensor Forward(Tensor input) => input * Scale * Factor;
}

/// <summary>A custom layer that is never registered.</summary>
internal sealed class Unregistered : Module
{
    public override Tensor Forward(Tensor input) => input;
}

public sealed class KerasModelTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Models that together use every Keras-style layer and option of src/Ember/Keras.</summary>
    private static readonly string[] Kinds =
        ["dense", "dense options", "conv", "channels first", "normalization", "embedding", "nested", "modules"];

    public static TheoryData<string> Models() => [.. Kinds];

    private static (Sequential Model, Tensor Input) Make(string kind)
    {
        var g = new Generator(7);
        return kind switch
        {
            "dense" => (new Sequential(new Input(4), new Dense(8, activation: "relu", generator: g),
                new Dense(3, activation: "softmax", generator: g)), Tensor.Randn([5, 4], g)),
            "dense options" => (new Sequential("custom_name", new Input(4),
                new Dense(6, activation: "selu", useBias: false, kernelInitializer: new RandomNormal(1, 0.5),
                    name: "first", dtype: DType.Float64, generator: g),
                new Dense(5, activation: "leaky_relu", kernelInitializer: new Orthogonal(2),
                    biasInitializer: new Constant(0.25), dtype: DType.Float64, generator: g),
                new Dense(3, activation: "exponential", kernelInitializer: new RandomUniform(-0.1, 0.1),
                    biasInitializer: "ones", dtype: DType.Float64, generator: g)), Tensor.Randn([5, 4], g)),
            "conv" => (new Sequential(new Input(8, 8, 3),
                new Conv2D(4, 3, padding: "same", activation: "relu", kernelInitializer: "he_normal", generator: g),
                new MaxPooling2D(),
                new Conv2D(2, (2, 3), activation: "tanh", useBias: false, generator: g),
                new AveragePooling2D((1, 2)),
                new MaxPooling2D(2, 1, padding: "same"),
                new Flatten(), new Dense(2, generator: g)), Tensor.Randn([3, 8, 8, 3], g)),
            "channels first" => (new Sequential(new Input(3, 6, 6),
                new Conv2D(2, 3, strides: 1, dataFormat: DataFormat.ChannelsFirst, activation: "sigmoid",
                    generator: g),
                new MaxPooling2D(3, 2, padding: "same", dataFormat: DataFormat.ChannelsFirst),
                new BatchNormalization(momentum: 0.9, epsilon: 1e-2, dataFormat: DataFormat.ChannelsFirst),
                new GlobalAveragePooling2D(DataFormat.ChannelsFirst, keepDims: true),
                new Flatten(), new Dense(2, generator: g)), Tensor.Randn([4, 3, 6, 6], g)),
            "normalization" => (new Sequential(new Input(6), new Dense(8, generator: g), new BatchNormalization(),
                new Activation("gelu"), new Dropout(0.3), new BatchNormalization(center: false, scale: false),
                new Activation("linear"), new Dense(2, generator: g), new Activation("log_softmax")),
                Tensor.Randn([6, 6], g)),
            "embedding" => (new Sequential(new Input([5], DType.Int64), new Embedding(10, 4, generator: g),
                new Flatten(), new Dense(3, activation: "softplus", generator: g)),
                Tensor.RandInt(10, [4, 5], g)),
            "nested" => (new Sequential(new Input(4),
                new Sequential("inner", new Dense(3, activation: "swish", generator: g), new Activation("elu")),
                new Dense(2, generator: g)), Tensor.Randn([3, 4], g)),
            "modules" => (new Sequential(new Input(4), new Dense(3, activation: new ReLU(), generator: g),
                new Activation(new Sigmoid()), new Dense(2, activation: (Module?)null, generator: g)),
                Tensor.Randn([3, 4], g)),
            _ => throw new ArgumentException(kind),
        };
    }

    private static double[] Predict(Sequential model, Tensor x)
    {
        model.Eval();
        using var noGrad = Autograd.NoGrad();
        return Values(model.Call(x));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RoundTripGivesIdenticalPredictions(string kind)
    {
        var (model, x) = Make(kind);
        // A few training-mode passes move the batch-norm statistics off their initial values.
        model.Train();
        for (int i = 0; i < 3; i++) model.Call(x);
        double[] expected = Predict(model, x);
        string path = _dir.File("model.safetensors");

        model.Save(path);
        Sequential loaded = KerasModel.Load(path);

        Assert.Equal(model.Name, loaded.Name);
        Assert.Equal(model.LayerNames, loaded.LayerNames);
        Assert.Equal(model.InputShape, loaded.InputShape);
        Assert.Equal(model.StateDict().Keys, loaded.StateDict().Keys);
        Assert.Equal(model.StateDict().Values.Select(t => t.DType), loaded.StateDict().Values.Select(t => t.DType));
        Assert.Equal(expected, Predict(loaded, x));
        Assert.Equal(KerasModel.ToJson(model), KerasModel.ToJson(loaded));
        for (int i = 0; i < model.Count; i++) Assert.Equal(model[i].GetType(), loaded[i].GetType());
    }

    [Fact]
    public void EveryKerasLayerTypeIsCoveredByTheRoundTrip()
    {
        var covered = new HashSet<Type>();
        foreach (string kind in Kinds)
            foreach (var m in Make(kind).Model.Modules()) covered.Add(m.GetType());
        var keras = typeof(Dense).Assembly.GetTypes().Where(t => t.Namespace == "Ember.Keras" && t.IsPublic &&
            !t.IsAbstract && typeof(Module).IsAssignableFrom(t) && t != typeof(Input));
        Assert.All(keras, t => Assert.Contains(t, covered));
    }

    [Fact]
    public void TheFileIsAPlainSafetensorsFileWithTheArchitectureInItsMetadata()
    {
        var (model, x) = Make("dense");
        string path = _dir.File("m.safetensors");
        model.Save(path);
        var meta = Safetensors.LoadMetadata(path);
        Assert.Equal(KerasModel.FormatName, meta["format"]);
        Assert.Equal("1", meta["format_version"]);
        var arch = JsonNode.Parse(meta["model"])!;
        Assert.Equal("Sequential", (string)arch["class_name"]!);
        Assert.Equal("Dense", (string)arch["config"]!["layers"]![0]!["class_name"]!);
        Assert.Equal(8, (int)arch["config"]!["layers"]![0]!["config"]!["units"]!);
        Assert.Equal(["dense.weight", "dense.bias", "dense_1.weight", "dense_1.bias"], Safetensors.Load(path).Keys);
        // The weights load by name into an equivalent model built by hand.
        var (twin, _) = Make("dense");
        twin.LoadWeights(path);
        Assert.Equal(Predict(model, x), Predict(twin, x));
    }

    [Fact]
    public void FromJsonRebuildsTheArchitectureWithFreshWeights()
    {
        var (model, _) = Make("conv");
        string json = KerasModel.ToJson(model);
        Sequential again = KerasModel.FromJson(json);
        Assert.Equal(json, KerasModel.ToJson(again));
        Assert.True(again.Built);
    }

    [Fact]
    public void OmittedOptionalFieldsTakeKerasDefaults()
    {
        var model = KerasModel.FromJson("{\"class_name\":\"Sequential\",\"config\":{\"name\":\"m\"," +
            "\"input_shape\":[4],\"layers\":[{\"class_name\":\"Dense\",\"config\":{\"name\":\"d\"," +
            "\"units\":2,\"activation\":\"linear\"}},{\"class_name\":\"BatchNormalization\",\"config\":" +
            "{\"name\":\"bn\"}}]}}");
        var dense = Assert.IsType<Dense>(model[0]);
        Assert.True(dense.UseBias);
        Assert.Equal(DType.Float32, dense.DType);
        var bn = Assert.IsType<BatchNormalization>(model[1]);
        Assert.Equal((0.99, 1e-3, true, true, DataFormat.ChannelsLast),
            (bn.Momentum, bn.Epsilon, bn.Center, bn.Scale, bn.DataFormat));
    }

    [Fact]
    public void CustomLayersRoundTripThroughARegisteredFactory()
    {
        KerasModel.Register("TestScale", c => new TestScale((double)c["factor"]!, (string?)c["name"]));
        Assert.True(KerasModel.IsRegistered("TestScale"));
        var g = new Generator(3);
        var model = new Sequential(new Input(4), new Dense(3, generator: g), new TestScale(2.5));
        Init.Constant_(((TestScale)model[1]).Scale, 0.75);
        var x = Tensor.Randn([2, 4], g);
        double[] expected = Predict(model, x);
        string path = _dir.File("custom.safetensors");
        model.Save(path);

        var loaded = KerasModel.Load(path);
        var scale = Assert.IsType<TestScale>(loaded[1]);
        Assert.Equal(2.5, scale.Factor);
        Assert.Equal("test_scale", scale.Name);
        Assert.Equal(expected, Predict(loaded, x));
        Assert.Throws<ArgumentException>(() => KerasModel.Register("Dense", _ => new Unregistered()));
    }

    [Fact]
    public void UnregisteredCustomLayerIsRefusedAtSave()
    {
        var model = new Sequential(new Input(2), new Unregistered());
        var e = Assert.Throws<NotSupportedException>(() => model.Save(_dir.File("u.safetensors")));
        Assert.Contains("no factory is registered as 'Unregistered'", e.Message, StringComparison.Ordinal);
        Assert.Contains("KerasModel.Register", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("u.safetensors")));
    }

    [Fact]
    public void UnknownLayerTypeIsACleanError()
    {
        string path = KerasModelHostileTests.Mutate(_dir, json => json.Replace("\"Dense\"", "\"NoSuchLayer\"",
            StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => KerasModel.Load(path));
        Assert.Contains("unknown layer type 'NoSuchLayer'", e.Message, StringComparison.Ordinal);
        Assert.Contains("KerasModel.Register(\"NoSuchLayer\"", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnbuiltModelsAndUnrecordableActivationsAreRefusedAtSave()
    {
        var unbuilt = new Sequential(new Dense(3));
        var e = Assert.Throws<InvalidOperationException>(() => unbuilt.Save(_dir.File("a.safetensors")));
        Assert.Contains("not built", e.Message, StringComparison.Ordinal);
        var odd = new Sequential(new Input(2), new Dense(2, activation: new Softmax(0)));
        var n = Assert.Throws<NotSupportedException>(() => odd.Save(_dir.File("b.safetensors")));
        Assert.Contains("activation module of type Softmax", n.Message, StringComparison.Ordinal);
    }
}
