using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// State dicts, buffers and the module tree against PyTorch 1.13 (tools/golden/layers_norm.py): a CNN with BatchNorm
/// has
/// PyTorch's state-dict names, order, shapes and dtypes, loads PyTorch's trained weights and reproduces its outputs.
/// </summary>
public class StateDictTests
{
    private static readonly JsonElement s_golden = Golden.Load("layers_norm.json").GetProperty("state_dict");

    /// <summary>The PyTorch model of the fixture, member for member.</summary>
    private sealed class Net : Module
    {
        private readonly Sequential features = new(
            new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
            new Conv2d(4, 8, 3), new BatchNorm2d(8), new ReLU(), new AdaptiveAvgPool2d(1));

        private readonly Sequential classifier = new(new Flatten(), new Dropout(0.25), new Linear(8, 3));

        public Sequential Features => features;

        public override Tensor Forward(Tensor x) => classifier.Call(features.Call(x));
    }

    private static Dictionary<string, Tensor> Fixture(string name = "state") =>
        s_golden.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => Golden.Tensor(p.Value));

    [Fact]
    public void NamesShapesAndDtypesEqualPyTorch()
    {
        var net = new Net();
        var sd = net.StateDict();
        Assert.Equal(s_golden.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!), sd.Keys);
        foreach (var (k, v) in Fixture())
        {
            Assert.Equal(v.Shape.ToArray(), sd[k].Shape.ToArray());
            Assert.Equal(v.DType, sd[k].DType);
        }
        Assert.Equal(s_golden.GetProperty("named_modules").EnumerateArray().Select(k => k.GetString()!),
            net.NamedModules().Select(m => m.Name));
        Assert.Equal(s_golden.GetProperty("parameter_count").GetInt64(), net.ParameterCount());
        Assert.Equal(s_golden.GetProperty("repr").GetString(), net.ToString());
    }

    [Fact]
    public void LoadingPyTorchWeightsReproducesItsOutputs()
    {
        var net = new Net();
        var result = net.LoadStateDict(Fixture());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        var x = Golden.Tensor(s_golden.GetProperty("x"));
        net.Eval();
        using (Autograd.NoGrad())
            Close.Equal(Golden.Tensor(s_golden.GetProperty("eval_out")), net.Call(x), 1e-5, 1e-6, "eval output");
        net.Train();
        using (Autograd.NoGrad())
            Close.Equal(Golden.Tensor(s_golden.GetProperty("train_features")), net.Features.Call(x), 1e-5, 1e-6,
                "train features");
        var after = net.StateDict();
        foreach (var (k, v) in Fixture("state_after_train"))
            Close.Equal(v, after[k], 1e-5, 1e-6, k);
        Assert.Equal(3L, after["features.1.num_batches_tracked"].Item<long>());
    }

    [Fact]
    public void StateDictValuesAreDetachedAliases()
    {
        var lin = new Linear(2, 2);
        var sd = lin.StateDict();
        Assert.False(sd["weight"].RequiresGrad);
        Init.Constant_(lin.Weight, 3);
        Assert.All(sd["weight"].ToArray<float>(), v => Assert.Equal(3f, v));
        var snapshot = sd["weight"].Clone();
        Init.Constant_(lin.Weight, 4);
        Assert.All(snapshot.ToArray<float>(), v => Assert.Equal(3f, v));
    }

    [Fact]
    public void StrictLoadingReportsKeysAndShapesInPyTorchsWords()
    {
        var net = new Net();
        var sd = Fixture();
        sd.Remove("classifier.2.bias");
        sd["extra.weight"] = Tensor.Zeros(1);
        sd["features.0.weight"] = Tensor.Zeros(4, 1, 5, 5);
        var ex = Assert.Throws<ArgumentException>(() => net.LoadStateDict(sd));
        Assert.StartsWith("Error(s) in loading state_dict for Net:", ex.Message);
        Assert.Contains("Unexpected key(s) in state_dict: \"extra.weight\".", ex.Message);
        Assert.Contains("Missing key(s) in state_dict: \"classifier.2.bias\".", ex.Message);
        Assert.Contains("size mismatch for features.0.weight: copying a param with shape torch.Size([4, 1, 5, 5]) " +
            "from checkpoint, the shape in current model is torch.Size([4, 1, 3, 3]).", ex.Message);
        var before = net.StateDict()["features.1.weight"].Clone();
        Assert.Equal(before.ToArray<float>(),
            net.StateDict()["features.1.weight"].ToArray<float>());   // nothing copied on error
        sd["features.0.weight"] = Fixture()["features.0.weight"];
        var lenient = net.LoadStateDict(sd, strict: false);
        Assert.Equal(["classifier.2.bias"], lenient.MissingKeys);
        Assert.Equal(["extra.weight"], lenient.UnexpectedKeys);
        Close.Equal(Fixture()["features.1.weight"], net.StateDict()["features.1.weight"]);
    }

    private sealed class WithBuffers : Module
    {
        [Buffer] private readonly Tensor _scale = Tensor.Full([2], 2);
        [Buffer(persistent: false)] private readonly Tensor _cache = Tensor.Zeros(3);
        private readonly Linear _fc = new(2, 2);

        public WithBuffers() => RegisterBuffer("step", Tensor.Zeros([], DType.Int64));

        public Tensor Scale => _scale;

        public override Tensor Forward(Tensor x) => _fc.Call(x) * _scale;
    }

    [Fact]
    public void BuffersAreDiscoveredRegisteredAndOptionallyPersistent()
    {
        var m = new WithBuffers();
        Assert.Equal(["scale", "cache", "step"], m.NamedBuffers().Select(b => b.Name));
        Assert.Equal(["fc.weight", "fc.bias"], m.NamedParameters().Select(p => p.Name));
        Assert.Equal(["scale", "step", "fc.weight", "fc.bias"], m.StateDict().Keys);
        var m64 = m.To(DType.Float64);
        Assert.Same(m, m64);
        Assert.Equal(DType.Float64, m.Scale.DType);
        Assert.Equal(DType.Int64, m.StateDict()["step"].DType);
        Assert.All(m.Parameters(), p => Assert.Equal(DType.Float64, p.DType));
        Assert.All(m.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.Equal(DType.Float64, m.Call(Tensor.Ones(1, 2)).DType);
        Assert.Same(m, m.To(Device.Cpu));
    }

    [Fact]
    public void ConvertedCnnGivesTheSameOutputsInFloat64()
    {
        var net = new Net();
        net.LoadStateDict(Fixture());
        net.Eval();
        var x = Golden.Tensor(s_golden.GetProperty("x"));
        var y32 = net.Call(x);
        net.To(DType.Float64);
        Assert.Equal(DType.Int64, net.StateDict()["features.5.num_batches_tracked"].DType);
        var y64 = net.Call(x);
        Assert.Equal(DType.Float64, y64.DType);
        Close.Equal(y32, y64, 1e-5, 1e-6);
    }

    [Fact]
    public void FreezingApplyChildrenAndZeroGrad()
    {
        var net = new Net();
        Assert.Equal(2, net.Children().Count());
        Assert.Equal(14, net.Modules().Count());
        net.Features.RequiresGrad_(false);
        Assert.Equal(8 * 3 + 3, net.ParameterCount(trainableOnly: true));
        net.Call(Tensor.Randn(2, 1, 10, 10)).Sum().Backward();
        Assert.All(net.Features.Parameters(), p => Assert.Null(p.Grad));
        Assert.All(net.Parameters().Where(p => p.RequiresGrad), p => Assert.NotNull(p.Grad));
        net.ZeroGrad(setToNone: false);
        Assert.All(net.Parameters().Where(p => p.Grad is not null),
            p => Assert.All(p.Grad!.ToArray<float>(), v => Assert.Equal(0f, v)));
        var visited = new List<string>();
        net.Apply(m =>
        {
            visited.Add(m.GetType().Name);
            if (m is Conv2d c) Init.Zeros_(c.Weight);
        });
        Assert.Equal("Net", visited[^1]);
        Assert.Equal("Conv2d", visited[0]);
        Assert.All(net.Features.OfType<Conv2d>(), c => Assert.All(c.Weight.ToArray<float>(), v => Assert.Equal(0f, v)));
    }

    private sealed class Heads : Module
    {
        private readonly ModuleList<Linear> _layers = new(new Linear(3, 3), new Linear(3, 3));
        private readonly ModuleDict _heads =
            new() { ["cls"] = new Linear(3, 2), ["reg"] = new Sequential(new Linear(3, 1)) };

        public ModuleList<Linear> Layers => _layers;

        public ModuleDict HeadsDict => _heads;

        public override Tensor Forward(Tensor x)
        {
            foreach (var l in _layers) x = F.ReLU(l.Call(x));
            return _heads["cls"].Call(x);
        }
    }

    [Fact]
    public void ModuleListAndModuleDictNameTheirChildrenAsPyTorch()
    {
        var m = new Heads();
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "heads.cls.weight",
            "heads.cls.bias", "heads.reg.0.weight", "heads.reg.0.bias"],
            m.StateDict().Keys);
        m.Layers.Insert(0, new Linear(3, 3));
        m.Layers.RemoveAt(-1);
        Assert.Equal(["0", "1"], m.Layers.NamedChildren().Select(c => c.Name));
        Assert.Equal(2, m.Layers.Count);
        m.HeadsDict.Remove("reg");
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "heads.cls.weight",
            "heads.cls.bias"], m.StateDict().Keys);
        Assert.Equal([2, 2], m.Call(Tensor.Ones(2, 3)).Shape.ToArray());
        Assert.Throws<KeyNotFoundException>(() => m.HeadsDict["nope"]);
    }
}
