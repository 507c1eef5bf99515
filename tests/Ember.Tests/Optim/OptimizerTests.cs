using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests.Optim;

/// <summary>SGD and Adam against PyTorch 1.13 (tools/golden/optim.py): six steps from fixed gradients.</summary>
public class OptimizerTests
{
    private static readonly JsonElement s_cases = Golden.Load("optim.json").GetProperty("cases");

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StepsMatchPyTorch(string name)
    {
        JsonElement c = s_cases.EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        JsonElement o = c.GetProperty("options");
        var ps = c.GetProperty("initial").EnumerateArray().Select(t => new Parameter(Golden.Tensor(t))).ToArray();
        Optimizer opt = c.GetProperty("optimizer").GetString() == "SGD"
            ? new SGD(ps, lr: o.GetProperty("lr").GetDouble(), momentum: o.GetProperty("momentum").GetDouble(),
                dampening: o.GetProperty("dampening").GetDouble(),
                weightDecay: o.GetProperty("weight_decay").GetDouble(),
                nesterov: o.GetProperty("nesterov").GetBoolean(), maximize: o.GetProperty("maximize").GetBoolean())
            : new Adam(ps, lr: o.GetProperty("lr").GetDouble(),
                betas: (o.GetProperty("betas")[0].GetDouble(), o.GetProperty("betas")[1].GetDouble()),
                eps: o.GetProperty("eps").GetDouble(), weightDecay: o.GetProperty("weight_decay").GetDouble(),
                amsgrad: o.GetProperty("amsgrad").GetBoolean(), maximize: o.GetProperty("maximize").GetBoolean());
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        var steps = c.GetProperty("steps").EnumerateArray().ToArray();
        for (int t = 0; t < steps.Length; t++)
        {
            var g = grads[t].EnumerateArray().ToArray();
            for (int i = 0; i < ps.Length; i++) ps[i].Grad = Golden.Tensor(g[i]);
            opt.Step();
            var expected = steps[t].EnumerateArray().ToArray();
            for (int i = 0; i < ps.Length; i++)
                Close.Equal(Golden.Tensor(expected[i]), ps[i], 2e-6, 1e-6, $"{name} step {t} param {i}");
        }
    }

    [Fact]
    public void ParamGroupsOverrideTheDefaults()
    {
        var a = new Parameter(Tensor.Ones(2));
        var b = new Parameter(Tensor.Ones(2));
        var opt = new SGD([a], lr: 0.1);
        opt.AddParamGroup([b], o => o.Lr = 1.0);
        a.Grad = Tensor.Ones(2);
        b.Grad = Tensor.Ones(2);
        opt.Step();
        Assert.Equal(new[] { 0.9f, 0.9f }, a.ToArray<float>());
        Assert.Equal(new[] { 0f, 0f }, b.ToArray<float>());
        Assert.Equal(2, opt.ParamGroups.Count);
        Assert.Equal(1.0, opt.ParamGroups[1].Lr);
        var ex = Assert.Throws<ArgumentException>(() => opt.AddParamGroup([a]));
        Assert.Contains("more than one parameter group", ex.Message);
    }

    [Fact]
    public void ParametersWithoutGradientsAreSkipped()
    {
        var a = new Parameter(Tensor.Ones(3));
        var opt = new Adam([a], lr: 0.1);
        opt.Step();
        Assert.Equal(new[] { 1f, 1f, 1f }, a.ToArray<float>());
    }

    [Fact]
    public void InvalidHyperParametersAreRejectedWithTheirValue()
    {
        var p = new Parameter(Tensor.Ones(1));
        Assert.Contains("-0.5", Assert.Throws<ArgumentException>(() => new SGD([p], lr: 0.1, momentum: -0.5)).Message);
        Assert.Contains("1.5", Assert.Throws<ArgumentException>(() => new Adam([p], betas: (1.5, 0.9))).Message);
        Assert.Contains("Nesterov",
            Assert.Throws<ArgumentException>(() => new SGD([p], lr: 0.1, nesterov: true)).Message);
    }
}
