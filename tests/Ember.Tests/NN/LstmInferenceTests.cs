using Ember.Core;
using Ember.NN;

namespace Ember.Tests.NN;

/// <summary>
/// An LSTM forward that records nothing (no-grad mode, or nothing requires grad) runs its steps on reused buffers
/// (<c>LstmInference</c>); its outputs and final states are bit for bit those of the recorded forward.
/// </summary>
public class LstmInferenceTests
{
    [Theory]
    [InlineData(1, false, true, false, DType.Float32, 32, 128, 9)]
    [InlineData(2, true, true, false, DType.Float32, 5, 12, 7)]
    [InlineData(2, false, false, true, DType.Float32, 40, 33, 4)]
    [InlineData(1, true, true, true, DType.Float64, 32, 64, 6)]
    public void NoGradForward_EqualsRecordedForward(int layers, bool bidirectional, bool bias, bool withState,
        DType dtype, int batch, int hidden, int steps)
    {
        Tensor.ManualSeed(11);
        var lstm = new LSTM(10, hidden, numLayers: layers, bias: bias, bidirectional: bidirectional, dtype: dtype);
        int dirs = bidirectional ? 2 : 1;
        Tensor x = Tensor.Randn(steps, batch, 10).To(dtype);
        (Tensor H, Tensor C)? state = withState
            ? (Tensor.Randn(layers * dirs, batch, hidden).To(dtype),
                Tensor.Randn(layers * dirs, batch, hidden).To(dtype))
            : null;
        (Tensor Output, (Tensor H, Tensor C) State) Run(Tensor input) =>
            state is { } s ? lstm.Call(input, s) : lstm.Call(input);
        var recorded = Run(x.Detach().RequiresGrad_());
        Assert.NotNull(recorded.Output.GradFn);
        (Tensor Output, (Tensor H, Tensor C) State) plain;
        using (Autograd.NoGrad()) plain = Run(x);
        Assert.Null(plain.Output.GradFn);
        Assert.Equal(recorded.Output.Shape, plain.Output.Shape);
        Tensor[] want = [recorded.Output.Detach(), recorded.State.H.Detach(), recorded.State.C.Detach()];
        Tensor[] got = [plain.Output, plain.State.H, plain.State.C];
        for (int i = 0; i < want.Length; i++)
            Assert.Equal(want[i].To(DType.Float64).ToArray<double>(), got[i].To(DType.Float64).ToArray<double>());
        // Again (the reused buffers, the cached packed weight): the same values.
        using (Autograd.NoGrad())
            Assert.Equal(plain.Output.To(DType.Float64).ToArray<double>(),
                Run(x).Output.To(DType.Float64).ToArray<double>());
        // Grad mode on (the parameters require grad, so the steps are recorded): the same values.
        Assert.Equal(plain.Output.To(DType.Float64).ToArray<double>(),
            Run(x).Output.To(DType.Float64).ToArray<double>());
    }

    /// <summary>The per-thread state blocks are reused for the same shape and not kept when large (a thread that ran
    /// one big model once must not hold its blocks for good).</summary>
    [Fact]
    public void StateBlockPair_IsReusedButNotKeptWhenLarge()
    {
        RawTensor[] small = LstmInference.Pair(DType.Float32, 4, 8);
        Assert.Same(small, LstmInference.Pair(DType.Float32, 4, 8));
        Assert.Equal(2L * 9 * 4 * 8 * sizeof(float), LstmInference.KeptPairBytes);
        RawTensor[] large = LstmInference.Pair(DType.Float32, 512, 512); // 2 x 9 MiB
        Assert.Equal([9, 512, 512], large[0].Shape);
        Assert.Equal(0, LstmInference.KeptPairBytes);
        Assert.NotSame(large, LstmInference.Pair(DType.Float32, 512, 512));
    }
}
