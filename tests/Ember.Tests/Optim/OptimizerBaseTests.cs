using System;
using System.Linq;
using Ember.Optim;

namespace Ember.Tests.Optim;

/// <summary>What <see cref="Optimizer"/>'s loop does for every optimizer before the update rule runs.</summary>
public class OptimizerBaseTests
{
    [Fact]
    public void TheGradientIsCastAndMadeContiguousAndTheVersionBumped()
    {
        var p = new Parameter(Tensor.From(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
        var g = Tensor.From(new double[] { 10, 40, 20, 50, 30, 60 }, [3, 2]).T; // float64, strided
        Assert.False(g.IsContiguous);
        p.Grad = g;
        int version = p.Version;
        new SGD([p], lr: 0.5).Step();
        Assert.Equal(version + 1, p.Version);
        Assert.Equal(DType.Float32, p.DType);
        Assert.Equal(new float[] { -4, -8, -12, -16, -20, -24 }, p.ToArray<float>());
    }

    [Fact]
    public void AGradientOfAnotherShapeIsRejected()
    {
        var p = new Parameter(Tensor.Ones(2));
        var opt = new Adam([p]);
        p.Grad = Tensor.Ones(3);
        var ex = Assert.Throws<InvalidOperationException>(() => opt.Step());
        Assert.Contains("gradient of shape [3] does not match parameter of shape [2]", ex.Message);
    }

    [Fact]
    public void OnlyParametersWithGradientsGetStateAndStepsCountPerParameter()
    {
        var a = new Parameter(Tensor.Ones(2));
        var b = new Parameter(Tensor.Ones(2));
        var opt = new Adam([a]);
        opt.AddParamGroup([b]);
        a.Grad = Tensor.Ones(2);
        opt.Step();
        b.Grad = Tensor.Ones(2);
        opt.Step();
        var state = opt.StateDict().State;
        Assert.Equal(new[] { 0, 1 }, state.Keys.OrderBy(k => k));
        Assert.Equal(2L, state[0]["step"]);
        Assert.Equal(1L, state[1]["step"]);

        var sgd = new SGD([new Parameter(Tensor.Ones(2)) { Grad = Tensor.Ones(2) }], lr: 0.1);
        sgd.Step();
        Assert.Empty(sgd.StateDict().State); // SGD without momentum stores nothing, so keeps no entry
    }
}
