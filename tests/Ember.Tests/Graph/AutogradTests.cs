using System;

namespace Ember.Tests.Graph;

public class AutogradTests
{
    [Fact]
    public void NoGradScopesNestAndRestore()
    {
        var x = Tensor.Ones(2).RequiresGrad_();
        Assert.True(Autograd.IsGradEnabled);
        using (Autograd.NoGrad())
        {
            Assert.Null((x * 2.0).GradFn);
            using (Autograd.EnableGrad())
                Assert.Equal("MulBackward0", (x * 2.0).GradFn!.Name);
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(Autograd.IsGradEnabled);
        Assert.NotNull((x * 2.0).GradFn);
    }

    [Fact]
    public void GradModeIsPerThread()
    {
        // A scope follows the code that opened it (and what that code starts), not other running threads.
        using var started = new System.Threading.ManualResetEventSlim();
        using var go = new System.Threading.ManualResetEventSlim();
        bool other = false;
        var token = TestContext.Current.CancellationToken;
        var thread = new System.Threading.Thread(() =>
        {
            started.Set();
            go.Wait(token);
            other = Autograd.IsGradEnabled;
        });
        thread.Start();
        started.Wait(token);
        using (Autograd.NoGrad())
        {
            go.Set();
            thread.Join();
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(other);
    }

    [Fact]
    public void DetachCutsTheGraphButSharesStorage()
    {
        var x = Tensor.Ones(3).RequiresGrad_();
        var y = x * 2.0;
        var d = y.Detach();
        Assert.True(d.IsLeaf);
        Assert.False(d.RequiresGrad);
        Assert.Null(d.GradFn);
        Assert.Equal(y.ToArray<float>(), d.ToArray<float>());
        var z = (d * x).Sum();
        z.Backward();
        Assert.Equal(new[] { 2f, 2f, 2f }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void GradientsOfTwoPathsAreSummedAndBroadcastsReduced()
    {
        var a = Tensor.From(new double[] { 1, 2, 3 }, requiresGrad: true);
        var b = Tensor.From(new double[,] { { 1 }, { 2 } }, requiresGrad: true);   // [2, 1] broadcasts against [3]
        var y = (a * b + a).Sum();
        y.Backward();
        Assert.Equal(new[] { 5.0, 5.0, 5.0 }, a.Grad!.ToArray<double>());   // Σb (3) + one per broadcast row (2)
        Assert.Equal(new[] { 6.0, 6.0 }, b.Grad!.ToArray<double>());
        Assert.Equal(new[] { 2, 1 }, b.Grad!.Shape.ToArray());
    }

    [Fact]
    public void CreateGraphGivesSecondDerivatives()
    {
        var x = Tensor.From(new double[] { 2.0 }, requiresGrad: true);
        var y = x.Pow(3).Sum();
        y.Backward(createGraph: true);
        var dydx = x.Grad!;
        Assert.Equal(12.0, dydx.Item<double>(), 12);        // 3x²
        Assert.NotNull(dydx.GradFn);
        x.Grad = null;
        dydx.Sum().Backward();
        Assert.Equal(12.0, x.Grad!.Item<double>(), 12);     // 6x
    }

    [Fact]
    public void NonLeafTensorsHaveNoGradAndLeavesAccumulate()
    {
        var x = Tensor.Ones(2).RequiresGrad_();
        var h = x * 3.0;
        h.Sum().Backward();
        h = x * 3.0;
        h.Sum().Backward();
        Assert.Null(h.Grad);
        Assert.Equal(new[] { 6f, 6f }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void DeepChainsBackpropagateWithoutRecursion()
    {
        var x = Tensor.From(new double[] { 1.0 }, requiresGrad: true);
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) y = y * 1.0;
        y.Sum().Backward();
        Assert.Equal(1.0, x.Grad!.Item<double>());
    }

    [Fact]
    public void PrintingFollowsPyTorch()
    {
        Assert.Equal("tensor([1., 2., 3.])", Tensor.From(new float[] { 1, 2, 3 }).ToString());
        Assert.Equal("tensor([0.1000, 2.5000], dtype=torch.float64)",
            Tensor.From(new double[] { 0.1, 2.5 }).ToString());
        Assert.Equal("tensor([[0, 1],\n        [2, 3]])", Tensor.Arange(4).View(2, 2).ToString());
        Assert.Equal("tensor([1., 1.], requires_grad=True)", Tensor.Ones(2).RequiresGrad_().ToString());
        Assert.Equal("tensor(2., grad_fn=<SumBackward0>)", Tensor.Ones(2).RequiresGrad_().Sum().ToString());
        Assert.Equal("tensor([ True, False])", Tensor.From(new[] { true, false }).ToString());
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00])", Tensor.From(new float[] { 1e-5f, 1f }).ToString());
    }
}
