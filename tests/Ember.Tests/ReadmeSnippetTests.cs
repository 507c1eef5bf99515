using Ember.NN;

namespace Ember.Tests;

/// <summary>The README's code, compiled and run, so the documentation cannot drift from the API.</summary>
public class ReadmeSnippetTests
{
    [Fact]
    public void TourOfTensorsAndAutogradRuns()
    {
        var x = Tensor.Randn(4, 5);
        var rows = x[1..3, ^2..];
        Assert.Equal(new[] { 2, 2 }, rows.Shape.ToArray());
        x[.., 0] = Tensor.From(0.0f);
        Assert.Equal(0f, x[2, 0].Item<float>());
        var (top, idx) = x.TopK(2, dim: 1);
        Assert.Equal(new[] { 4, 2 }, idx.Shape.ToArray());
        var y = Tensor.Cat([x, x], dim: 0).Softmax(-1);
        Assert.Equal(new[] { 8, 5 }, y.Shape.ToArray());

        var w = Tensor.Randn([3], requiresGrad: true);
        var g = Autograd.Grad((w * w * w).Sum(), w, createGraph: true);
        Assert.NotNull(g.GradFn);
        var h = w * 2.0;
        h.RegisterHook(grad => grad * 0.5);
        h[0..1].Mul_(10.0);
        Assert.Equal("CopySlices", h.GradFn!.Name);
        h.Sum().Backward();
        Assert.Equal(new[] { 10f, 1f, 1f }, w.Grad!.ToArray<float>());
    }

    [Fact]
    public void GraphSectionPrintsPyTorchsNames()
    {
        var clf = new Clf();
        var loss = new CrossEntropyLoss().Call(clf.Call(Tensor.Randn(5, 4)), Tensor.From(new long[] { 0, 1, 2, 0, 1 }));
        Assert.Equal("NllLossBackward0", loss.GradFn!.ToString());
        Assert.Equal("(LogSoftmaxBackward0, 0)", loss.GradFn.NextFunctions[0].ToString());
    }
}
