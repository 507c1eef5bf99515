using System;
using System.Collections.Generic;
using System.Linq;
using Ember.NN;
using Ember.Optim;
using static Ember.Onnx.Tests.Import.ImportHarness;
using static Ember.Onnx.Tests.OrtHarness;
using NNSequential = Ember.NN.Sequential;

namespace Ember.Onnx.Tests.Import;

/// <summary>Ember model → export → import: equal outputs at two batch sizes, the same state dict, and training works.
/// </summary>
public class RoundTripTests
{
    private static NNSequential Cnn() => new NNSequential(
        new Conv2d(1, 4, 3, padding: 1, generator: new Generator(1)), new BatchNorm2d(4), new ReLU(),
        new MaxPool2d(2), new NN.Dropout(0.25), new Conv2d(4, 6, 3, stride: 2, generator: new Generator(2)),
        new BatchNorm2d(6), new ReLU(), new NN.Flatten(), new Linear(6, 5, generator: new Generator(3)));

    public static TheoryData<string> OpNames() => [.. OpExportTests.Cases.Keys];

    public static TheoryData<string> DataDependentNames() => [.. DataDependentExportTests.CaseNames];

    [Theory]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(21)]
    public void Mlp_round_trips_with_its_state_dict_names(int opset)
    {
        Module mlp = ModelExportTests.Mlp();
        OnnxModule imported = AssertRoundTrip(mlp, Randn(4), opset);
        Assert.Equal(mlp.StateDict().Keys.ToArray(), imported.StateDict().Keys.ToArray());
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], imported.NamedParameters().Select(p => p.Name));
        foreach (var (name, value) in mlp.StateDict())
            AssertClose(value, imported.StateDict()[name], name, 0, 0);
    }

    [Fact]
    public void Cnn_with_batchnorm_round_trips_with_running_stats_as_buffers()
    {
        NNSequential cnn = Cnn();
        cnn.Train();
        using (Autograd.NoGrad())
        {
            for (int i = 0; i < 3; i++) cnn.Call(Tensor.Randn([4, 1, 8, 8], new Generator(i)) * 2.0 + 0.5);
        }
        OnnxModule imported = AssertRoundTrip(cnn, Randn(1, 8, 8));
        string[] buffers = imported.NamedBuffers().Select(b => b.Name).ToArray();
        Assert.Equal(["1.running_mean", "1.running_var", "6.running_mean", "6.running_var"], buffers);
        Assert.Contains("1.weight", imported.NamedParameters().Select(p => p.Name));
        // All of the state dict but BatchNorm's num_batches_tracked, which the inference graph does not use.
        Assert.Equal(14, imported.Parameters().Count() + buffers.Length);
    }

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Op_round_trips(string name)
    {
        var (input, model) = OpExportTests.Cases[name];
        AssertRoundTrip(model(), input);
    }

    [Theory]
    [InlineData("sum_dims_keep", 13)]
    [InlineData("mean_dim", 13)]
    [InlineData("amax", 13)]
    [InlineData("mean_dim", 18)]
    [InlineData("amin", 18)]
    [InlineData("logsumexp", 18)]
    [InlineData("sum_all", 18)]
    [InlineData("layer_norm_2d", 13)]
    [InlineData("gelu", 20)]
    [InlineData("gelu_tanh", 21)]
    [InlineData("unsqueeze_squeeze", 13)]
    [InlineData("softmax", 13)]
    public void Op_round_trips_at_other_opsets(string name, int opset)
    {
        var (input, model) = OpExportTests.Cases[name];
        AssertRoundTrip(model(), input, opset);
    }

    [Theory]
    [MemberData(nameof(DataDependentNames))]
    public void Data_dependent_op_round_trips(string name)
    {
        var (input, model) = DataDependentExportTests.Case(name);
        AssertRoundTrip(model, input);
    }

    [Fact]
    public void Keras_models_round_trip_channels_last_and_integer_input()
    {
        var cnn = new Keras.Sequential(
            new Keras.Conv2D(4, 3, padding: "same", activation: "relu", generator: new Generator(1)),
            new Keras.MaxPooling2D(padding: "same"), new Keras.BatchNormalization(),
            new Keras.Conv2D(6, 3, strides: 2, activation: "tanh", generator: new Generator(2)),
            new Keras.GlobalAveragePooling2D(), new Keras.Dense(4, activation: "softmax", generator: new Generator(3)));
        AssertRoundTrip(cnn, Randn(9, 9, 2));
        var emb = new Keras.Sequential(new Keras.Embedding(10, 4), new Keras.Flatten(),
            new Keras.Dense(2, generator: new Generator(3)));
        // Integer input goes in uncast: the file declares an int64 input.
        AssertRoundTrip(emb, n => Tensor.RandInt(10, [n, 3], new Generator(n)));
    }

    [Fact]
    public void Gradients_of_the_imported_model_equal_the_original_and_sgd_reduces_the_loss()
    {
        Module mlp = ModelExportTests.Mlp();
        OnnxModule imported = OnnxImporter.Load(OnnxExporter.ExportToBytes(mlp, Tensor.Randn(2, 4)));
        Tensor x = Tensor.Randn([16, 4], new Generator(5));
        Tensor y = Tensor.RandInt(3, [16], new Generator(6));

        // One backward on both models: the imported graph's gradients are the original's.
        mlp.Train();
        imported.Train();
        F.NllLoss(mlp.Call(x), y).Backward();
        F.NllLoss(imported.Call(x), y).Backward();
        foreach (var (name, p) in mlp.NamedParameters())
        {
            Parameter q = imported.NamedParameters().Single(n => n.Name == name).Parameter;
            Assert.NotNull(q.Grad);
            AssertClose(p.Grad!, q.Grad!, name + ".grad", 1e-6, 1e-5);
        }

        imported.ZeroGrad();
        var opt = new SGD(imported.Parameters(), lr: 0.1, momentum: 0.9);
        var losses = new List<double>();
        for (int step = 0; step < 20; step++)
        {
            opt.ZeroGrad();
            Tensor loss = F.NllLoss(imported.Call(x), y);
            loss.Backward();
            opt.Step();
            losses.Add(loss.Item<float>());
        }
        Assert.True(losses[^1] < 0.5 * losses[0], $"loss {losses[0]} -> {losses[^1]}");
    }

    [Fact]
    public void Training_mode_uses_batch_statistics_and_updates_the_running_buffers()
    {
        // No dropout: Ember's exporter writes the eval graph, where dropout is gone.
        var cnn = new NNSequential(new Conv2d(1, 4, 3, padding: 1, generator: new Generator(1)), new BatchNorm2d(4),
            new ReLU(), new NN.Flatten(), new Linear(256, 5, generator: new Generator(3)));
        cnn.Eval();
        OnnxModule imported = OnnxImporter.Load(OnnxExporter.ExportToBytes(cnn, Tensor.Randn(2, 1, 8, 8)));
        Tensor before = imported.StateDict()["1.running_mean"].Clone();
        Tensor x = Tensor.Randn([4, 1, 8, 8], new Generator(3)) + 2.0;
        cnn.Train();
        imported.Train();
        Tensor expected = cnn.Call(x);
        Tensor actual = imported.Call(x);
        AssertClose(expected, actual, "train mode");
        Assert.False(before.Eq(imported.StateDict()["1.running_mean"]).All().Item<bool>());
        AssertClose(cnn.StateDict()["1.running_mean"], imported.StateDict()["1.running_mean"], "running mean");
    }

    [Fact]
    public void Load_state_dict_and_to_float64_act_on_what_runs()
    {
        Module mlp = ModelExportTests.Mlp();
        OnnxModule imported = OnnxImporter.Load(OnnxExporter.ExportToBytes(mlp, Tensor.Randn(2, 4)));
        var other = new NNSequential(new Linear(4, 16, generator: new Generator(8)), new ReLU(),
            new Linear(16, 3, generator: new Generator(9)), new LogSoftmax(1));
        other.Eval();
        imported.LoadStateDict(other.StateDict());
        Tensor x = Tensor.Randn([3, 4], new Generator(1));
        using (Autograd.NoGrad()) AssertClose(other.Call(x), imported.Call(x), "after LoadStateDict");
    }

    [Fact]
    public void Load_from_a_stream_and_a_path_equal_load_from_bytes()
    {
        byte[] bytes = OnnxExporter.ExportToBytes(ModelExportTests.Mlp(), Tensor.Randn(2, 4));
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ember-import-{Guid.NewGuid():N}.onnx");
        System.IO.File.WriteAllBytes(path, bytes);
        try
        {
            Tensor x = Tensor.Randn([2, 4], new Generator(4));
            Tensor a = OnnxImporter.Load(bytes).Call(x);
            Tensor b = OnnxImporter.Load(path).Call(x);
            using var stream = new System.IO.MemoryStream(bytes);
            Tensor c = OnnxImporter.Load(stream).Call(x);
            AssertClose(a, b, "path", 0, 0);
            AssertClose(a, c, "stream", 0, 0);
            Assert.Equal("input", OnnxImporter.Load(bytes).InputName);
            Assert.Equal(17, OnnxImporter.Load(bytes).Opset);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }
}
