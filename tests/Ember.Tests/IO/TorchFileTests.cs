using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ember.IO;
using Ember.NN;
using Ember.Tests.Support;
using static Ember.Tests.IO.IoTestUtil;

namespace Ember.Tests.IO;

/// <summary>PyTorch 1.13 files written by tools/golden/io_fixtures.py, read by <see cref="TorchFile"/>.</summary>
public class TorchFileTests
{
    internal static Sequential Mlp() => new(new Linear(4, 8), new ReLU(), new Linear(8, 3));

    internal static Sequential Cnn() => new(new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(),
        new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3));

    [Fact]
    public void EveryDTypeAndViewsIntoSharedStorage()
    {
        var golden = Golden.Load("io.json").GetProperty("dtypes");
        var loaded = TorchFile.LoadStateDict(FixturePath("dtypes.pt"));
        Assert.Equal(golden.EnumerateObject().Select(p => p.Name), loaded.Keys);
        foreach (var p in golden.EnumerateObject())
        {
            var t = loaded[p.Name];
            Assert.Equal(p.Value.GetProperty("dtype").GetString(), t.DType.TorchName());
            Assert.Equal(Golden.Shape(p.Value), t.Shape.ToArray());
            Assert.Equal(Golden.Data(p.Value), Values(t));
        }
        // Views keep PyTorch's layout: one storage, offsets and strides.
        Assert.Same(loaded["base"].Raw.Storage, loaded["transposed"].Raw.Storage);
        Assert.Same(loaded["base"].Raw.Storage, loaded["column"].Raw.Storage);
        Assert.Equal([1, 6], loaded["transposed"].Strides.ToArray());
        Assert.Equal(8, loaded["slice"].Raw.Offset);
        Assert.Equal([6], loaded["column"].Strides.ToArray());
    }

    [Theory]
    [InlineData("mlp.safetensors")]
    [InlineData("mlp.pt")]
    [InlineData("mlp_ckpt.pt")]
    public void PyTorchTrainedMlpReproducesPyTorchOutputs(string file)
    {
        var g = Golden.Load("io.json");
        var m = Mlp();
        m.LoadWeights(FixturePath(file));
        m.Eval();
        Close.Equal(Golden.Tensor(g.GetProperty("mlp_out")), m.Call(Golden.Tensor(g.GetProperty("mlp_in"))),
            rtol: 1e-5, atol: 1e-6, what: file);
    }

    [Theory]
    [InlineData("cnn.safetensors")]
    [InlineData("cnn.pt")]
    [InlineData("cnn_ckpt.pt")]
    [InlineData("cnn_pt2.pt")]
    public void PyTorchTrainedCnnWithBatchNormReproducesPyTorchOutputs(string file)
    {
        var g = Golden.Load("io.json");
        var m = Cnn();
        m.LoadWeights(FixturePath(file));
        m.Eval();
        Assert.Equal(4, m.StateDict()["1.num_batches_tracked"].Item<long>());
        Close.Equal(Golden.Tensor(g.GetProperty("cnn_out")), m.Call(Golden.Tensor(g.GetProperty("cnn_in"))),
            rtol: 1e-4, atol: 1e-5, what: file);
    }

    [Fact]
    public void CheckpointDictKeepsOptimizerStateAndEpoch()
    {
        var root = Assert.IsType<OrderedDictionary<object, object?>>(TorchFile.Load(FixturePath("cnn_ckpt.pt")));
        Assert.Equal(3L, root["epoch"]);
        var opt = Assert.IsType<OrderedDictionary<object, object?>>(root["optimizer"]);
        var state = Assert.IsType<OrderedDictionary<object, object?>>(opt["state"]);
        var p0 = Assert.IsType<OrderedDictionary<object, object?>>(state[0L]);
        Assert.Equal([4, 1, 3, 3], Assert.IsType<Tensor>(p0["exp_avg"]).Shape.ToArray());
        var group = Assert.IsType<OrderedDictionary<object, object?>>(
            Assert.IsType<System.Collections.Generic.List<object?>>(opt["param_groups"])[0]);
        Assert.Equal(0.01, group["lr"]);
        Assert.Equal(new object?[] { 0.9, 0.999 }, group["betas"]);
    }

    [Theory]
    [InlineData("legacy.pt", "legacy pre-1.6 format")]
    [InlineData("script.pt", "TorchScript archive")]
    [InlineData("module.pt", "pickled module object ('torch.nn.modules.linear.Linear')")]
    public void UnsupportedKindsAreNamed(string file, string expected)
    {
        string path = FixturePath(file);
        var ex = Assert.Throws<InvalidDataException>(() => Mlp().LoadWeights(path));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
