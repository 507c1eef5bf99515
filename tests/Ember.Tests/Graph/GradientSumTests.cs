namespace Ember.Tests.Graph;

/// <summary>
/// Issue 17: when a second gradient reaches an input and only the engine holds it, the engine adds the first one into
/// it instead of allocating their sum, even when the first is a view of a shared gradient (a stack's piece of the
/// user's gradient). The shared gradient must stay unchanged and every observer must see the true sum.
/// </summary>
public class GradientSumTests
{
    private static readonly float[] s_userGrad = [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f];

    // h = 2x; out = stack([h, 3h]): StackBackward0 (newest) sends its first piece, a view of the user's gradient G, to
    // h's node, then 3h's node sends a fresh 3·G₁: the sum G₀ + 3·G₁ lands in that fresh tensor.
    private static (Tensor X, Tensor H, Tensor Out) Graph()
    {
        var x = Tensor.From<float>([1f, -2f, 3f, -4f], [2, 2]);
        x.RequiresGrad = true;
        Tensor h = x * 2f;
        return (x, h, Tensor.Stack([h, h * 3f], 0));
    }

    private static float[] Expected()
    {
        var e = new float[4];
        for (int i = 0; i < 4; i++) e[i] = 2f * (s_userGrad[i] + 3f * s_userGrad[4 + i]);
        return e;
    }

    [Fact]
    public void TheSumIsRightAndTheUsersGradientIsUntouched()
    {
        var (x, _, output) = Graph();
        Tensor g = Tensor.From(s_userGrad, [2, 2, 2]);
        output.Backward(g);
        Assert.Equal(Expected(), x.Grad!.ToArray<float>());
        Assert.Equal(s_userGrad, g.ToArray<float>());
    }

    [Fact]
    public void ABroadcastFirstGradientWorks()
    {
        // Sum's backward hands the stack an expanded scalar: its pieces are stride-0 views.
        var (x, _, output) = Graph();
        output.Sum().Backward();
        Assert.Equal([8f, 8f, 8f, 8f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void AHookAndARetainedGradSeeTheSum()
    {
        var (x, h, output) = Graph();
        h.RetainGrad();
        Tensor? seen = null;
        h.RegisterHook(t =>
        {
            seen = t;
            return null;
        });
        output.Backward(Tensor.From(s_userGrad, [2, 2, 2]));
        float[] sum = [.. Expected()];
        for (int i = 0; i < 4; i++) sum[i] /= 2f;
        Assert.Equal(sum, seen!.ToArray<float>());
        Assert.Equal(sum, h.Grad!.ToArray<float>());
        Assert.Equal(Expected(), x.Grad!.ToArray<float>());
    }

    [Fact]
    public void ALeafKeepsTheSumAsItsGrad()
    {
        // The sum reaches AccumulateGrad owned: it may become .Grad, and later passes must not write into it.
        var x = Tensor.From<float>([1f, 2f], [2]);
        x.RequiresGrad = true;
        Tensor.Stack([x, x * 3f], 0).Backward(Tensor.From<float>([1f, 2f, 3f, 4f], [2, 2]));
        Tensor first = x.Grad!;
        Assert.Equal([10f, 14f], first.ToArray<float>());
        x.Grad = null;
        Tensor.Stack([x, x * 3f], 0).Backward(Tensor.From<float>([0f, 0f, 1f, 1f], [2, 2]));
        Assert.Equal([10f, 14f], first.ToArray<float>());
        Assert.Equal([3f, 3f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void DoubleAndRecordedPassesAgree()
    {
        var x = Tensor.From<double>([0.5, -1.5], [2]);
        x.RequiresGrad = true;
        Tensor h = x * x;
        Tensor output = Tensor.Stack([h, h * 3.0], 0);
        Tensor?[] g = Autograd.Grad([output.Sum()], [x], createGraph: true);
        Assert.Equal([4.0, -12.0], g[0]!.ToArray<double>());
        g[0]!.Sum().Backward();
        Assert.Equal([8.0, 8.0], x.Grad!.ToArray<double>());
    }
}
