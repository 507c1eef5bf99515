using Ember.NN;

namespace Ember.Tests.NN;

/// <summary>
/// The recurrent steps' products read the hidden weight from a copy packed once per forward (and once per backward
/// pass) for the layer's steps (<c>RawOps.MmSharedB</c>): the results are bit for bit those of the plain product, and
/// a write to the weight (which bumps its version) is seen by the next step.
/// </summary>
public class RecurrentPackedWeightTests
{
    [Theory]
    [InlineData(32, 128, true)]
    [InlineData(32, 128, false)]
    [InlineData(5, 20, true)]
    [InlineData(40, 33, true)]
    public void StepProductAndItsInputGradient_EqualThePlainProduct(int batch, int hidden, bool bias)
    {
        Tensor.ManualSeed(3);
        Tensor w = Tensor.Randn(4 * hidden, hidden).RequiresGrad_();
        Tensor? b = bias ? Tensor.Randn(4 * hidden).RequiresGrad_() : null;
        Tensor g = Tensor.Randn(batch, 4 * hidden);
        var group = new HiddenProjectionGroup(3);
        for (int step = 0; step < 3; step++)
        {
            Tensor h = Tensor.Randn(batch, hidden).RequiresGrad_();
            Tensor h2 = h.Detach().RequiresGrad_();
            Tensor want = F.Linear(h, w, b), got = HiddenProjectionGroup.Project(h2, w, b, group);
            Assert.Equal(want.Detach().ToArray<float>(), got.Detach().ToArray<float>());
            (want * g).Sum().Backward();
            (got * g).Sum().Backward();
            Assert.Equal(h.Grad!.ToArray<float>(), h2.Grad!.ToArray<float>());
        }
    }

    [Fact]
    public void AWriteToTheWeight_IsSeenByTheNextStep()
    {
        Tensor.ManualSeed(4);
        Tensor w = Tensor.Randn(512, 128), b = Tensor.Randn(512), h = Tensor.Randn(32, 128);
        var group = new HiddenProjectionGroup(2);
        using (Autograd.NoGrad())
        {
            Assert.Equal(F.Linear(h, w, b).ToArray<float>(),
                HiddenProjectionGroup.Project(h, w, b, group).ToArray<float>());
            w.Mul_(Tensor.Scalar(2.0));
            Assert.Equal(F.Linear(h, w, b).ToArray<float>(),
                HiddenProjectionGroup.Project(h, w, b, group).ToArray<float>());
        }
    }

    [Fact]
    public void LstmOutputs_DoNotDependOnWhatRanBefore()
    {
        // Two modules' forwards interleaved on one thread (each packs its own weight) give what each gives alone.
        Tensor.ManualSeed(6);
        var a = new LSTM(16, 24, numLayers: 2, bidirectional: true);
        var c = new LSTM(16, 24);
        Tensor x = Tensor.Randn(7, 5, 16);
        float[] aAlone = a.Call(x).Output.Detach().ToArray<float>();
        float[] cAlone = c.Call(x).Output.Detach().ToArray<float>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(cAlone, c.Call(x).Output.Detach().ToArray<float>());
            Assert.Equal(aAlone, a.Call(x).Output.Detach().ToArray<float>());
        }
    }
}
