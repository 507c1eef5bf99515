using System;

namespace Ember.Tests.Graph;

/// <summary>
/// Issue 12: the engine may make a gradient a parameter's <c>.Grad</c> without copying it only when nothing else can
/// see that gradient. These check the cases where it must still copy: a gradient shared by two leaves (an add), one
/// seen by a hook, and that later accumulation into one <c>.Grad</c> never shows up in another tensor.
/// </summary>
public class GradientOwnershipTests
{
    [Fact]
    public void LeavesThatReceiveTheSameGradientGetSeparateGrads()
    {
        Tensor a = Tensor.From([1f, 2f], requiresGrad: true), b = Tensor.From([3f, 4f], requiresGrad: true);
        (a + b).Sum().Backward();
        using (Autograd.NoGrad()) a.Grad!.Add_(10);
        Assert.Equal([11f, 11f], a.Grad!.ToArray<float>());
        Assert.Equal([1f, 1f], b.Grad!.ToArray<float>());
    }

    [Fact]
    public void AGradientSeenByAHookIsCopiedIntoGrad()
    {
        Tensor w = Tensor.From([1f, 2f], requiresGrad: true);
        Tensor? seen = null;
        w.RegisterHook(g => { seen = g; return null; });
        (w * 3).Sum().Backward();
        (w * 3).Sum().Backward(); // accumulates into .Grad in place
        Assert.Equal([6f, 6f], w.Grad!.ToArray<float>());
        Assert.Equal([3f, 3f], seen!.ToArray<float>());
    }

    [Fact]
    public void LinearWeightGradientsArriveContiguousAndAccumulate()
    {
        var g = new Generator(0);
        var fc = new Ember.NN.Linear(3, 2, generator: g);
        Tensor x = Tensor.Rand([4, 3], g);
        fc.Call(x).Sum().Backward();
        Tensor first = fc.Weight.Grad!;
        Assert.True(first.IsContiguous);
        float[] once = first.ToArray<float>();
        fc.Call(x).Sum().Backward();
        Assert.Same(first, fc.Weight.Grad); // accumulated in place
        float[] twice = fc.Weight.Grad!.ToArray<float>();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i]);
        // dL/dW = column sums of x for every output row (L = sum of outputs).
        float[] xs = x.ToArray<float>();
        for (int j = 0; j < 3; j++)
        {
            float sum = 0;
            for (int r = 0; r < 4; r++) sum += xs[r * 3 + j];
            Assert.Equal(sum, once[j], 5);
        }
    }

    [Fact]
    public void GradientsOfAWeightUsedAtEveryStepSumInPlaceCorrectly()
    {
        // As an RNN's weight_hh: one transposed gradient per use, summed by the engine into a buffer it owns.
        var g = new Generator(1);
        Tensor w = Tensor.Rand([3, 2], g).RequiresGrad_();
        Tensor[] xs = [Tensor.Rand([4, 3], g), Tensor.Rand([4, 3], g), Tensor.Rand([4, 3], g)];
        Tensor loss = Tensor.Zeros([]);
        foreach (var x in xs) loss = loss + x.Mm(w).Sum();
        loss.Backward();
        // d/dw Σ_t sum(x_t w) = Σ_t x_tᵀ 1.
        Tensor expected = Tensor.Zeros([3, 2]);
        foreach (var x in xs) expected = expected + x.T.Mm(Tensor.Ones([4, 2]));
        Assert.Equal(expected.ToArray<float>(), w.Grad!.ToArray<float>(), (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public void ABroadcastGradientIsNeverAddedIntoInPlace()
    {
        // The later-recorded branch runs first: sum's backward hands y's node an expanded (stride 0) view of a
        // fresh scalar, which the engine owns; the products' gradients arrive after it and must not be added into
        // that view in place (every element aliases one slot).
        Tensor x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        Tensor y = x * 1;
        ((y * y).Sum() + (y.Sum() * 2)).Backward();
        Assert.Equal([4f, 6f, 8f], x.Grad!.ToArray<float>());
    }
}
