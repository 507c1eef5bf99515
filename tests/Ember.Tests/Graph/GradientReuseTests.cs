namespace Ember.Tests.Graph;

/// <summary>
/// Issue 12: ReLU's backward writes into the gradient it receives when only the engine holds that gradient. Wherever
/// anything else can see the incoming gradient (a retained grad, a hook, a second consumer, a recorded graph), the
/// result must be a new tensor and the seen gradient unchanged.
/// </summary>
public class GradientReuseTests
{
    private static (Tensor X, Tensor W) Inputs()
    {
        var x = Tensor.From<float>([-1f, 2f, -3f, 4f, 0f, 6f], [2, 3]);
        x.RequiresGrad = true;
        var w = Tensor.From<float>([1f, 2f, 3f, 4f, 5f, 6f], [2, 3]);
        return (x, w);
    }

    private static readonly float[] s_masked = [0f, 2f, 0f, 4f, 0f, 6f];

    [Fact]
    public void AnOwnedGradientGivesTheSameResult()
    {
        var (x, w) = Inputs();
        (x.ReLU() * w).Sum().Backward();
        Assert.Equal(s_masked, x.Grad!.ToArray<float>());
    }

    [Theory]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float64)]
    public void AnOwnedGradientIsMaskedInEveryFloatingDType(DType dtype)
    {
        // Half precision computes in float32 and casts back, so the kernel cannot write into the incoming gradient;
        // the node must still return the masked result, not the gradient it received.
        var (x32, w32) = Inputs();
        Tensor x = x32.Detach().To(dtype), w = w32.To(dtype);
        x.RequiresGrad = true;
        (x.ReLU() * w).Sum().Backward();
        Assert.Equal(s_masked, x.Grad!.To(DType.Float32).ToArray<float>());
    }

    [Fact]
    public void ARetainedGradOfTheReluOutputIsNotOverwritten()
    {
        var (x, w) = Inputs();
        Tensor r = x.ReLU();
        r.RetainGrad();
        (r * w).Sum().Backward();
        Assert.Equal(w.ToArray<float>(), r.Grad!.ToArray<float>());
        Assert.Equal(s_masked, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void AHookSeesTheUnmaskedGradient()
    {
        var (x, w) = Inputs();
        Tensor r = x.ReLU();
        Tensor? seen = null;
        r.RegisterHook(g =>
        {
            seen = g;
            return null;
        });
        (r * w).Sum().Backward();
        Assert.Equal(w.ToArray<float>(), seen!.ToArray<float>());
        Assert.Equal(s_masked, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void TwoConsumersOfOneGradientEachGetTheirOwn()
    {
        // AddBackward hands one gradient to both ReLUs: neither may overwrite it.
        var (x, w) = Inputs();
        var x2 = Tensor.From<float>([1f, -2f, 3f, -4f, 5f, -6f], [2, 3]);
        x2.RequiresGrad = true;
        ((x.ReLU() + x2.ReLU()) * w).Sum().Backward();
        Assert.Equal(s_masked, x.Grad!.ToArray<float>());
        Assert.Equal([1f, 0f, 3f, 0f, 5f, 0f], x2.Grad!.ToArray<float>());
    }

    [Fact]
    public void ACapturedGradientIsNotOverwritten()
    {
        var (x, w) = Inputs();
        Tensor r = x.ReLU();
        Tensor?[] g = Autograd.Grad([(r * w).Sum()], [r, x]);
        Assert.Equal(w.ToArray<float>(), g[0]!.ToArray<float>());
        Assert.Equal(s_masked, g[1]!.ToArray<float>());
    }
}
