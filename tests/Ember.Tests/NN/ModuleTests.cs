using System;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

public class ModuleTests
{
    private sealed class Naming : Module
    {
        public Linear Fc1 { get; } = new(2, 3);
        private readonly Linear _fc2 = new(3, 3);
        private readonly Linear m_fc3 = new(3, 1);
        [StateName("head")] public Linear Custom { get; } = new(1, 1);
        public override Tensor Forward(Tensor x) => Custom.Call(m_fc3.Call(_fc2.Call(Fc1.Call(x))));
    }

    private class Base : Module
    {
        public readonly Linear b1 = new(1, 1);
        public override Tensor Forward(Tensor x) => b1.Call(x);
    }

    private sealed class Derived : Base
    {
        public readonly Linear d1 = new(1, 1);
    }

    [Fact]
    public void ParametersAreNamedAsPyTorchWouldInDeclarationOrder()
    {
        var names = new Naming().NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias",
            "head.weight", "head.bias" }, names);
        Assert.Equal(new[] { "b1.weight", "b1.bias", "d1.weight", "d1.bias" },
            new Derived().NamedParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void SequentialNamesChildrenByIndexIncludingParameterFreeLayers()
    {
        var model = new Sequential(new Linear(4, 10), new ReLU(), new Linear(10, 3));
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" },
            model.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(4 * 10 + 10 + 10 * 3 + 3, model.ParameterCount());
    }

    [Fact]
    public void ReprLooksLikePyTorchs()
    {
        var model = new Sequential(new Linear(4, 10), new ReLU(), new Linear(10, 3, bias: false));
        Assert.Equal(
            "Sequential(\n  (0): Linear(in_features=4, out_features=10, bias=True)\n  (1): ReLU()\n  (2): " +
            "Linear(in_features=10, out_features=3, bias=False)\n)",
            model.ToString());
        Assert.Equal("Clf(\n  (fc1): Linear(in_features=4, out_features=10, bias=True)\n  (fc2): " +
            "Linear(in_features=10, out_features=3, bias=True)\n)", new Clf().ToString());
    }

    [Fact]
    public void TrainAndEvalPropagateToChildren()
    {
        var model = new Sequential(new Linear(1, 1), new Sequential(new ReLU()));
        model.Eval();
        Assert.All(model.NamedModules(), m => Assert.False(m.Module.Training));
        model.Train();
        Assert.All(model.NamedModules(), m => Assert.True(m.Module.Training));
    }

    [Fact]
    public void LinearDefaultInitStaysWithinPyTorchsBounds()
    {
        foreach (var layer in Golden.Load("init.json").GetProperty("layers").EnumerateArray())
        {
            int fin = layer.GetProperty("in").GetInt32(), fout = layer.GetProperty("out").GetInt32();
            var lin = new Linear(fin, fout, generator: new Generator(fin));
            double wb = layer.GetProperty("weight_bound_simple").GetDouble(),
                bb = layer.GetProperty("bias_bound").GetDouble();
            float[] w = lin.Weight.ToArray<float>(), b = lin.Bias!.ToArray<float>();
            Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, wb));
            Assert.All(b, v => Assert.InRange(Math.Abs(v), 0, bb));
            if (w.Length > 10_000)
            {
                // U(-b, b) has mean 0 and variance b²/3.
                double mean = w.Average(v => (double)v), variance = w.Average(v => (double)v * v);
                Assert.InRange(mean, -0.01 * wb, 0.01 * wb);
                Assert.InRange(variance, 0.97 * wb * wb / 3, 1.03 * wb * wb / 3);
            }
        }
        Assert.Equal(Math.Sqrt(2.0), Init.CalculateGain("relu"), 12);
        Assert.Equal(5.0 / 3, Init.CalculateGain("tanh"), 12);
        Assert.Equal(Math.Sqrt(2.0 / (1 + 5)), Init.CalculateGain("leaky_relu", Math.Sqrt(5)), 12);
    }

    [Fact]
    public void SameGeneratorSeedGivesTheSameWeights()
    {
        var a = new Linear(5, 7, generator: new Generator(42));
        var b = new Linear(5, 7, generator: new Generator(42));
        Assert.Equal(a.Weight.ToArray<float>(), b.Weight.ToArray<float>());
        // Reproducibility through Tensor.ManualSeed is in GeneratorTests (the default generator is process-wide).
    }
}
