using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.Graph;

/// <summary>Issue 5: in-place ops and version counters, functional Grad and higher derivatives, hooks, anomaly mode,
/// inference mode, custom functions.</summary>
public class AutogradSemanticsTests
{
    private static readonly JsonElement s_golden = Golden.Load("autograd.json");

    private static Tensor G(JsonElement e, bool requiresGrad = false) => Golden.Tensor(e, requiresGrad);

    [Fact]
    public void SecondDerivativesMatchPyTorch()
    {
        var cube = s_golden.GetProperty("cube");
        var x = G(cube.GetProperty("x"), true);
        var g = Autograd.Grad(x.Pow(3).Sum(), x, createGraph: true);
        Close.Equal(G(cube.GetProperty("grad")), g, 1e-12);
        Close.Equal(G(cube.GetProperty("grad2")), Autograd.Grad(g.Sum(), x), 1e-12);

        var tanh = s_golden.GetProperty("tanh");
        var t = G(tanh.GetProperty("x"), true);
        var tg = Autograd.Grad(t.Tanh().Sum(), t, createGraph: true);
        Close.Equal(G(tanh.GetProperty("grad")), tg, 1e-12);
        Close.Equal(G(tanh.GetProperty("grad_of_grad_sq")), Autograd.Grad((tg * tg).Sum(), t), 1e-12);
    }

    [Fact]
    public void HessianVectorProductOfASmallMlpMatchesPyTorch()
    {
        var h = s_golden.GetProperty("mlp_hvp");
        var ps = h.GetProperty("params").EnumerateArray().Select(p => G(p, true)).ToArray();
        var input = G(h.GetProperty("input"));
        var target = G(h.GetProperty("target"));
        var loss = F.MseLoss(F.Linear(F.Linear(input, ps[0], ps[1]).Tanh(), ps[2], ps[3]), target);
        Assert.Equal(h.GetProperty("loss").GetDouble(), loss.Item<double>(), 12);
        var grads = Autograd.Grad([loss], ps, createGraph: true);
        var expectedGrads = h.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++) Close.Equal(G(expectedGrads[i]), grads[i]!, 1e-10);
        var v = h.GetProperty("v").EnumerateArray().Select(e => G(e)).ToArray();
        Tensor dot = grads.Select((g, i) => (g! * v[i]).Sum()).Aggregate((a, b) => a + b);
        var hvp = Autograd.Grad([dot], ps);
        var expected = h.GetProperty("hvp").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++) Close.Equal(G(expected[i]), hvp[i]!, 1e-9, 1e-12, $"hvp {i}");
    }

    [Fact]
    public void InPlaceOpsThroughViewsMatchPyTorch()
    {
        var e = s_golden.GetProperty("inplace_view");
        var a = G(e.GetProperty("a"), true);
        var b = G(e.GetProperty("b"), true);
        var y = a * 2.0;
        y[1..3].Mul_(b);
        y.ReLU_();
        Assert.Equal(e.GetProperty("y_grad_fn").GetString(), y.GradFn!.Name);
        var z = (y * y).Sum() + y[0];
        Assert.Equal(e.GetProperty("z").GetDouble(), z.Item<double>(), 12);
        z.Backward();
        Close.Equal(G(e.GetProperty("grad_a")), a.Grad!, 1e-12);
        Close.Equal(G(e.GetProperty("grad_b")), b.Grad!, 1e-12);

        var f = s_golden.GetProperty("inplace_assign");
        var a2 = G(f.GetProperty("a"), true);
        var v = G(f.GetProperty("v"), true);
        var h = a2 * 3.0;
        h[1] = v;
        h.Clamp_(max: 1.5);
        Assert.Equal(f.GetProperty("h_grad_fn").GetString(), h.GradFn!.Name);
        Close.Equal(G(f.GetProperty("h")), h, 1e-12);
        (h * Tensor.Arange(0, 12, 1, DType.Float64).View(3, 4)).Sum().Backward();
        Close.Equal(G(f.GetProperty("grad_a")), a2.Grad!, 1e-12);
        Close.Equal(G(f.GetProperty("grad_v")), v.Grad!, 1e-12);
    }

    [Fact]
    public void InPlaceErrorsNameTheTensorTheOpAndTheVersions()
    {
        var a = Tensor.From(new double[] { 1, 2 }, requiresGrad: true);
        var leaf = Assert.Throws<InvalidOperationException>(() => a.Add_(1.0));
        Assert.Contains("a leaf Variable that requires grad is being used in an in-place operation", leaf.Message);
        var view = Assert.Throws<InvalidOperationException>(() => a[0..1].Mul_(2.0));
        Assert.Contains("a view of a leaf Variable that requires grad", view.Message);

        var h = a.Exp();                 // saves its output
        var loss = h.Sum();
        h.Mul_(2.0);
        var saved = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("modified by an inplace operation", saved.Message);
        Assert.Contains("ExpBackward0", saved.Message);
        Assert.Contains("is at version 1; expected version 0", saved.Message);

        var expanded = Tensor.Ones([3]).Expand(2, 3);
        Assert.Contains("refers to a single memory location",
            Assert.Throws<InvalidOperationException>(() => expanded.Add_(1.0)).Message);
        var ints = Tensor.Arange(3);
        Assert.Contains("can't be cast to the desired output type",
            Assert.Throws<InvalidOperationException>(() => ints.Mul_(0.5)).Message);
    }

    [Fact]
    public void InPlaceOpsWorkOutsideAutogradAndBumpTheSharedVersion()
    {
        var x = Tensor.Zeros(2, 3);
        var row = x[1];
        int v0 = x.Version;
        row.Fill_(2).Add_(1.0);
        x.Clamp_(max: 2.5).MaskedFill_(x.Eq(0.0), -1);
        Assert.Equal(new float[] { -1, -1, -1, 2.5f, 2.5f, 2.5f }, x.ToArray<float>());
        Assert.True(x.Version >= v0 + 4);
        Assert.Equal(x.Version, row.Version);
        x.Zero_();
        Assert.All(x.ToArray<float>(), v => Assert.Equal(0f, v));
        var w = new Parameter(Tensor.Ones(2));
        using (Autograd.NoGrad()) w.Mul_(3.0);   // how optimizers update parameters
        Assert.Equal(new float[] { 3, 3 }, w.ToArray<float>());
    }

    [Fact]
    public void ViewsMadeBeforeAnInPlaceWriteSeeTheNewHistory()
    {
        var a = Tensor.From(new double[] { 1, 2, 3, 4 }, requiresGrad: true);
        var y = a * 1.0;
        var first = y[0..2];             // made before the write
        y[2..4].Mul_(10.0);
        var z = (first * 1.0).Sum() + (y * 1.0).Sum();
        z.Backward();
        Assert.Equal(new double[] { 2, 2, 10, 10 }, a.Grad!.ToArray<double>());
    }

    [Fact]
    public void GradReturnsGradientsWithoutTouchingDotGrad()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 }, requiresGrad: true);
        var w = Tensor.From(new double[] { 4, 5, 6 }, requiresGrad: true);
        var h = x * w;
        var y = h.Sum();
        var grads = Autograd.Grad([y], [x, h], retainGraph: true);
        Assert.Equal(new double[] { 4, 5, 6 }, grads[0]!.ToArray<double>());
        Assert.Equal(new double[] { 1, 1, 1 }, grads[1]!.ToArray<double>());
        Assert.Null(x.Grad);
        Assert.Null(w.Grad);
        var unused = Tensor.From(new double[] { 1 }, requiresGrad: true);
        Assert.Contains("appears to not have been used in the graph",
            Assert.Throws<InvalidOperationException>(() => Autograd.Grad([y], [unused], retainGraph: true)).Message);
        Assert.Null(Autograd.Grad([y], [unused], allowUnused: true, retainGraph: true)[0]);
        // Gradient penalty: the norm of a gradient, differentiated again.
        var gx = Autograd.Grad((x * x * w).Sum(), x, createGraph: true);   // 2xw
        var penalty = (gx * gx).Sum();                                      // Σ 4x²w²
        penalty.Backward();
        Assert.Equal(new double[] { 8 * 16, 16 * 25, 24 * 36 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void TensorHooksSeeAndReplaceGradientsAndCanBeRemoved()
    {
        var x = Tensor.From(new double[] { 1, 2 }, requiresGrad: true);
        var seen = new List<string>();
        var h = x * 3.0;
        h.RetainGrad();
        var handle = h.RegisterHook(g => { seen.Add("h"); return g * 2.0; });
        x.RegisterHook(g => { seen.Add("x"); return null; });
        h.Sum().Backward();
        Assert.Equal(new[] { "h", "x" }, seen);
        Assert.Equal(new double[] { 6, 6 }, x.Grad!.ToArray<double>());
        Assert.Equal(new double[] { 1, 1 },
            h.Grad!.ToArray<double>());   // hooks run in registration order: RetainGrad saw it first
        handle.Remove();
        x.Grad = null;
        var h2 = x * 3.0;
        h2.Sum().Backward();
        Assert.Equal(new double[] { 3, 3 }, x.Grad!.ToArray<double>());
        Assert.Contains("doesn't require gradient",
            Assert.Throws<InvalidOperationException>(() => Tensor.Ones(1).RegisterHook(g => g)).Message);
    }

    [Fact]
    public void ModuleHooksFireInPyTorchsOrder()
    {
        var lin = new Linear(2, 2, generator: new Generator(1));
        var log = new List<string>();
        lin.RegisterForwardPreHook((m, x) => { log.Add("pre"); return x; });
        lin.RegisterForwardHook((m, x, y) => { log.Add("fwd"); return y * 2.0; });
        lin.RegisterFullBackwardHook((m, gin, gout) =>
        {
            log.Add($"bwd:{gin is not null}:{string.Join(",", gout.Shape.ToArray())}"); return null;
        });
        var x = Tensor.Ones([1, 2], requiresGrad: true);
        var y = lin.Call(x);
        y.Sum().Backward();
        Assert.Equal(new[] { "pre", "fwd", "bwd:True:1,2" }, log);
        var direct = lin.Forward(x);   // Forward skips the hooks, as .forward() does in PyTorch
        Assert.Equal(3, log.Count);
        Close.Equal(direct * 2.0, lin.Call(Tensor.Ones(1, 2)).Detach(), 1e-6);
    }

    [Fact]
    public void AnomalyModeNamesTheForwardOpThatProducedNaN()
    {
        var x = Tensor.From(new double[] { 0.0, 1.0 }, requiresGrad: true);
        using (Autograd.DetectAnomaly())
        {
            var y = x.Sqrt();        // d sqrt/dx at 0 is infinite
            var ex = Assert.Throws<AnomalyException>(() => y.Sum().Backward());
            Assert.Contains("SqrtBackward0", ex.Message);
            Assert.Contains(nameof(AnomalyModeNamesTheForwardOpThatProducedNaN),
                ex.Message);   // the C# stack of the forward call
        }
        x.Sqrt().Sum().Backward();    // outside anomaly mode: no check
        Assert.True(double.IsInfinity(x.Grad!.ToArray<double>()[0]));
    }

    [Fact]
    public void InferenceTensorsRefuseAutogradLater()
    {
        Tensor t;
        using (Autograd.InferenceMode())
        {
            t = Tensor.Ones(2) * 2.0;
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(t.IsInference);
        Assert.Contains("inference tensor",
            Assert.Throws<InvalidOperationException>(() => t.RequiresGrad = true).Message);
        var w = Tensor.Ones([2], requiresGrad: true);
        Assert.Contains("Inference tensors cannot be saved for backward",
            Assert.Throws<InvalidOperationException>(() => w * t).Message);
        Assert.False(t.Clone().IsInference);
    }

    private sealed class Cube : Function
    {
        public override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return inputs[0] * inputs[0] * inputs[0];
        }

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            var x = ctx.SavedTensors[0];
            return [ctx.NeedsInputGrad(0) ? gradOutput * 3.0 * x * x : null];
        }
    }

    [Fact]
    public void CustomFunctionsJoinTheGraphAndSupportDoubleBackward()
    {
        var x = Tensor.From(new double[] { 1, -2, 0.5 }, requiresGrad: true);
        var y = new Cube().Apply(x);
        Assert.Equal("CubeBackward", y.GradFn!.Name);
        Assert.True(Autograd.GradCheck(xs => new Cube().Apply(xs[0]), [x]));
        Assert.True(Autograd.GradGradCheck(xs => new Cube().Apply(xs[0]), [x]));
        var g = Autograd.Grad(y.Sum(), x, createGraph: true);
        Assert.Equal(new double[] { 3, 12, 0.75 }, g.ToArray<double>());
        y.Sum().Backward();
        Assert.Contains("second time", Assert.Throws<InvalidOperationException>(() => y.Sum().Backward()).Message);
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("exp")]
    [InlineData("log_softmax")]
    [InlineData("softmax")]
    [InlineData("mul")]
    [InlineData("div")]
    [InlineData("matmul")]
    [InlineData("mse")]
    [InlineData("gelu")]
    public void GradGradCheckPassesForTwiceDifferentiableOps(string op)
    {
        var gen = new Generator(5);
        var a = Tensor.Randn([2, 3], gen, DType.Float64).RequiresGrad_();
        var b = (Tensor.Rand([2, 3], gen, DType.Float64) + 0.5).RequiresGrad_();
        Func<Tensor[], Tensor> f = op switch
        {
            "tanh" => x => x[0].Tanh(),
            "sigmoid" => x => x[0].Sigmoid(),
            "exp" => x => x[0].Exp(),
            "log_softmax" => x => x[0].LogSoftmax(1),
            "softmax" => x => x[0].Softmax(0),
            "mul" => x => x[0] * x[1],
            "div" => x => x[0] / x[1],
            "matmul" => x => x[0].MatMul(x[1].T),
            "mse" => x => F.MseLoss(x[0], x[1]),
            "gelu" => x => F.GELU(x[0]),
            _ => throw new ArgumentException(op),
        };
        Assert.True(Autograd.GradGradCheck(f, [a, b]));
    }

    [Fact]
    public void AHundredThousandNodeChainBackpropagatesAndFreesAsItGoes()
    {
        var x = Tensor.From(new double[] { 1.0 }, requiresGrad: true);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) y = y * 1.0 + 0.0;
        y.Sum().Backward();
        Assert.Equal(1.0, x.Grad!.Item<double>());
    }
}

public class InPlaceStridedBaseTests
{
    [Fact]
    public void WritesThroughViewsOfAStridedBaseRouteGradientsToTheRightElements()
    {
        // A detached transposed tensor is a base with non-contiguous strides.
        var d = Tensor.Arange(0, 6, 1, DType.Float64).View(2, 3).T.Detach();   // [3, 2], strides [1, 3]
        Assert.False(d.IsContiguous);
        var w = Tensor.From(new double[] { 10, 20 }, requiresGrad: true);
        d[1] = w;                                     // writes row 1 of the transposed view
        Assert.Equal(new double[] { 0, 3, 10, 20, 2, 5 }, d.ToArray<double>());
        (d * Tensor.From(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } })).Sum().Backward();
        Assert.Equal(new double[] { 3, 4 }, w.Grad!.ToArray<double>());
    }
}

public class InPlaceOnBaseTests
{
    [Fact]
    public void ViewsMadeBeforeAnInPlaceOpOnTheirBaseSeeTheNewHistory()
    {
        var a = Tensor.From(new double[] { 1, 2, 3 }, requiresGrad: true);
        var y = a * 2.0;
        var v = y[0..2];          // a view taken before the write
        Assert.Equal("SliceBackward0", v.GradFn!.Name);
        y.Mul_(3.0);              // in place on the base itself
        Assert.Equal("AsStridedBackward0", v.GradFn!.Name);   // PyTorch regenerates the view's history too
        Assert.Equal(new double[] { 6, 12 }, v.Contiguous().ToArray<double>());
        v.Sum().Backward();
        Assert.Equal(new double[] { 6, 6, 0 }, a.Grad!.ToArray<double>());
    }
}
