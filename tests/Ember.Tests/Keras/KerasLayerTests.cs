using System;
using System.Linq;
using Ember.Keras;
using Ember.NN;
using Ember.Optim;

namespace Ember.Tests.Keras;

public sealed class KerasLayerTests
{
    [Fact]
    public void SequentialNamesChildrenAsKerasDoes()
    {
        var model = new Ember.Keras.Sequential(new Input(4), new Dense(8, activation: "relu"), new Dense(8),
            new Ember.Keras.Dropout(0.1), new Dense(3, name: "output"), new Activation("softmax"),
            new Ember.Keras.Flatten(), new Linear(3, 2));
        Assert.Equal(["dense", "dense_1", "dropout", "output", "activation", "flatten", "linear"], model.LayerNames);
        Assert.Equal(["dense.weight", "dense.bias", "dense_1.weight", "dense_1.bias", "output.weight", "output.bias",
            "linear.weight", "linear.bias"], model.NamedParameters().Select(p => p.Name));
        Assert.Equal([4], model.InputShape!);
        Assert.Equal([8, 4], model.GetLayer("dense").Parameters().First().Shape.ToArray());   // PyTorch's [out, in]
        Assert.Throws<ArgumentException>(() => model.Add(new Dense(2, name: "output")));
        Assert.Throws<ArgumentException>(() => model.Add(new Input(3)));
    }

    [Fact]
    public void DenseIsLazyUntilItsFirstCall()
    {
        var dense = new Dense(5, generator: new Generator(1));
        Assert.False(dense.Built);
        Assert.True(dense.Weight.IsUninitialized);
        Assert.Equal(0, dense.ParameterCount());
        var y = dense.Call(Tensor.Ones(2, 3).To(DType.Float64));   // float64 input cast to the float32 layer
        Assert.True(dense.Built);
        Assert.Equal([2, 5], y.Shape.ToArray());
        Assert.Equal([5, 3], dense.Weight.Shape.ToArray());
        Assert.Equal(new float[5], dense.Bias!.ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => dense.Call(Tensor.Ones(2, 4)));
        Assert.Contains("(None, ..., 3)", e.Message);
    }

    [Fact]
    public void DenseMatchesLinearWithTheSameWeights()
    {
        var dense = new Dense(3, activation: "relu");
        dense.Build(4);
        var linear = new Linear(4, 3);
        linear.Weight.CopyFrom(dense.Weight);
        linear.Bias!.CopyFrom(dense.Bias!);
        var x = Tensor.Randn(5, 4);
        Assert.Equal(linear.Call(x).ReLU().ToArray<float>(), dense.Call(x).ToArray<float>());
        Assert.Equal(["weight", "bias"], dense.StateDict().Keys.Take(2));
    }

    [Fact]
    public void OptimizerOnAnUnbuiltModelNamesTheFix()
    {
        var model = new Ember.Keras.Sequential(new Dense(4), new Dense(1));
        var e = Assert.Throws<InvalidOperationException>(() => new SGD(model.Parameters(), lr: 0.1));
        Assert.Contains("SGD", e.Message);
        Assert.Contains("new Input(shape)", e.Message);
        Assert.Contains("model.Build(shape)", e.Message);
        model.Build(6);
        Assert.True(model.Built);
        _ = new SGD(model.Parameters(), lr: 0.1);
        Assert.Equal(6 * 4 + 4 + 4 + 1, model.ParameterCount());
    }

    [Fact]
    public void InitializersFollowKerasFormulas()
    {
        var g = new Generator(3);
        var w = Tensor.Zeros(200, 300);
        new GlorotUniform().Fill(w, g);
        double bound = Math.Sqrt(6.0 / 500);
        var v = w.ToArray<float>();
        Assert.True(v.Max() <= bound && v.Min() >= -bound && v.Max() > 0.95 * bound);
        new RandomNormal(mean: 1).Fill(w, g);
        Assert.Equal(1, w.Mean().Item<float>(), 2);
        Assert.Equal(0.05, Std(w), 2);
        new HeNormal().Fill(w, g);
        Assert.Equal(Math.Sqrt(2.0 / 300), Std(w), 3);         // truncated at 2σ, rescaled to the target std
        Assert.True(w.Abs().Max().Item<float>() <= 2 * Math.Sqrt(2.0 / 300) / 0.8796256610342398 + 1e-6);
        new LecunNormal().Fill(w, g);
        Assert.Equal(Math.Sqrt(1.0 / 300), Std(w), 3);
        new HeUniform().Fill(w, g);
        Assert.True(w.Abs().Max().Item<float>() <= Math.Sqrt(6.0 / 300));
        new Orthogonal().Fill(w, g);
        var wwT = w.MatMul(w.T).ToArray<float>();
        Assert.Equal(1, wwT[0], 4);
        Assert.Equal(0, wwT[1], 4);
        new Constant(2.5).Fill(w);
        Assert.All(w.ToArray<float>(), x => Assert.Equal(2.5f, x));
        Assert.IsType<GlorotNormal>((Initializer)"glorot_normal");
        Assert.Throws<ArgumentException>(() => Initializer.FromName("xavier"));
    }

    private static double Std(Tensor t)
    {
        var v = t.ToArray<float>().Select(x => (double)x).ToArray();
        double m = v.Average();
        return Math.Sqrt(v.Select(x => (x - m) * (x - m)).Average());
    }

    [Fact]
    public void ImageLayersAreChannelsLastByDefault()
    {
        var model = new Ember.Keras.Sequential(new Input(8, 8, 3),
            new Conv2D(4, 3, padding: "same", activation: "relu"),
            new MaxPooling2D(), new Conv2D(6, 3), new AveragePooling2D(), new GlobalAveragePooling2D(),
            new Dense(2));
        Assert.Equal(["conv2d", "max_pooling2d", "conv2d_1", "average_pooling2d", "global_average_pooling2d",
            "dense"], model.LayerNames);
        var y = model.Call(Tensor.Randn(5, 8, 8, 3));
        Assert.Equal([5, 2], y.Shape.ToArray());
        var conv = (Conv2D)model[0];
        Assert.Equal([4, 3, 3, 3], conv.Weight.Shape.ToArray());     // PyTorch's [out, in, kh, kw]
        // Channels-last Conv2D equals PyTorch's conv on the permuted input.
        var x = Tensor.Randn(2, 5, 5, 3);
        var expected = F.Conv2d(x.Permute(0, 3, 1, 2), conv.Weight, conv.Bias, padding: Padding.Same).ReLU()
            .Permute(0, 2, 3, 1);
        Assert.Equal(expected.Contiguous().ToArray<float>(), conv.Call(x).Contiguous().ToArray<float>());
        var pooled = new MaxPooling2D(padding: "same").Call(Tensor.Randn(1, 5, 5, 2));
        Assert.Equal([1, 3, 3, 2], pooled.Shape.ToArray());
        var first = new Conv2D(2, (3, 3), dataFormat: DataFormat.ChannelsFirst).Call(Tensor.Randn(1, 3, 6, 6));
        Assert.Equal([1, 2, 4, 4], first.Shape.ToArray());
    }

    [Fact]
    public void BatchNormalizationUsesKerasMomentumAndEpsilon()
    {
        var bn = new BatchNormalization();
        var x = Tensor.Randn(16, 4) * 3 + 2;
        var got = bn.Call(x);
        var torchStyle = new BatchNorm1d(4, eps: 1e-3, momentum: 0.01);   // Keras 0.99 keeps 99%: PyTorch's 0.01
        var expected = torchStyle.Call(x);
        Assert.Equal(expected.ToArray<float>(), got.ToArray<float>());
        Assert.Equal(torchStyle.RunningMean!.ToArray<float>(), bn.RunningMean!.ToArray<float>());
        Assert.Equal(torchStyle.RunningVar!.ToArray<float>(), bn.RunningVar!.ToArray<float>());
        // Channels-last images normalize over the last axis.
        var img = new BatchNormalization();
        var out4 = img.Call(Tensor.Randn(2, 3, 3, 5));
        Assert.Equal([2, 3, 3, 5], out4.Shape.ToArray());
        Assert.Equal([5], img.RunningMean!.Shape.ToArray());
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], img.StateDict().Keys);
    }

    [Fact]
    public void EmbeddingIsAThinKerasConstructor()
    {
        var e = new Ember.Keras.Embedding(10, 4, generator: new Generator(2));
        Assert.IsAssignableFrom<Ember.NN.Embedding>(e);
        Assert.True(e.Weight.Abs().Max().Item<float>() <= 0.05f);
        var model = new Ember.Keras.Sequential(new Input([3], DType.Int64), e, new Ember.Keras.Flatten(), new Dense(1));
        Assert.Equal(["embedding", "flatten", "dense"], model.LayerNames);
        Assert.Equal([2, 1], model.Call(Tensor.From(new long[,] { { 1, 2, 3 }, { 4, 5, 6 } })).Shape.ToArray());
    }

    [Theory]
    [InlineData("Dense", "dense")]
    [InlineData("Conv2D", "conv2d")]
    [InlineData("MaxPooling2D", "max_pooling2d")]
    [InlineData("GlobalAveragePooling2D", "global_average_pooling2d")]
    [InlineData("BatchNormalization", "batch_normalization")]
    [InlineData("ReLU", "re_lu")]
    [InlineData("LSTM", "lstm")]
    public void SnakeCaseMatchesKeras(string type, string expected) =>
        Assert.Equal(expected, LazyLayer.SnakeCase(type));
}
