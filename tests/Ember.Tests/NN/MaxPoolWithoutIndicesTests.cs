using System;
using Ember.NN;

namespace Ember.Tests.NN;

/// <summary>
/// <c>F.MaxPool2d</c> (no indices asked for) keeps no int64 index tensor: its node saves the input and recomputes
/// the indices in the backward with the forward kernel, so gradients are bit for bit those of the indexed path
/// (ties, NaN and padding included), double backward still works, and a step allocates less.
/// </summary>
public class MaxPoolWithoutIndicesTests
{
    private static Tensor Input(bool special)
    {
        var g = new Generator(3);
        Tensor x = Tensor.Randn([2, 3, 9, 8], g);
        if (!special) return x;
        float[] v = x.ToArray<float>();
        v[0] = v[1] = v[8] = v[9] = 0.5f; // a tie in the first window
        v[20] = float.NaN;
        v[100] = float.PositiveInfinity;
        v[101] = float.NegativeInfinity;
        return Tensor.From(v, [2, 3, 9, 8]);
    }

    public static TheoryData<int, int, int, bool> Windows => new()
    {
        // kernel, stride, padding, ceil mode
        { 2, 2, 0, false },
        { 3, 2, 1, false },
        { 3, 1, 1, false },
        { 2, 2, 0, true },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void GradientIsTheIndexedPathsBitForBit(int kernel, int stride, int padding, bool ceil)
    {
        foreach (bool special in new[] { false, true })
        {
            Tensor a = Input(special).RequiresGrad_(), b = Input(special).RequiresGrad_();
            Tensor ya = F.MaxPool2d(a, kernel, stride, padding, ceilMode: ceil);
            Tensor yb = F.MaxPool2dWithIndices(b, kernel, stride, padding, ceilMode: ceil).Output;
            Assert.Equal(yb.ToArray<float>(), ya.ToArray<float>());
            Assert.Equal("MaxPool2DWithIndicesBackward0", ya.GradFn!.Name);
            Tensor weights = Tensor.Randn(ya.Shape.ToArray(), new Generator(4));
            (ya * weights).Sum().Backward();
            (yb * weights).Sum().Backward();
            Assert.Equal(b.Grad!.ToArray<float>(), a.Grad!.ToArray<float>());
        }
    }

    [Fact]
    public void DoubleBackwardRecomputesTheIndices()
    {
        Tensor a = Input(false).RequiresGrad_(), b = Input(false).RequiresGrad_();
        Tensor ga = Autograd.Grad(F.MaxPool2d(a, 2).Pow(2).Sum(), a, createGraph: true);
        Tensor gb = Autograd.Grad(F.MaxPool2dWithIndices(b, 2).Output.Pow(2).Sum(), b, createGraph: true);
        Assert.Equal(gb.ToArray<float>(), ga.ToArray<float>());
        Assert.Equal(Autograd.Grad(gb.Sum(), b).ToArray<float>(), Autograd.Grad(ga.Sum(), a).ToArray<float>());
    }

    [Fact]
    public void AStepAllocatesNoIndexTensor()
    {
        Tensor x = Tensor.Randn([64, 6, 28, 28], new Generator(5)).RequiresGrad_();
        long Step(bool indexed)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Tensor y = indexed ? F.MaxPool2dWithIndices(x, 2).Output : F.MaxPool2d(x, 2);
            y.Sum().Backward();
            x.Grad = null;
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Step(false);
        Step(true); // warm up both paths (JIT, pooled buffers)
        long plain = Step(false), indexed = Step(true);
        long indexBytes = 64L * 6 * 14 * 14 * sizeof(long);
        Assert.True(plain <= indexed - indexBytes * 9 / 10,
            $"MaxPool2d step allocated {plain} bytes, the indexed one {indexed}; expected at least {indexBytes} less");
    }
}
