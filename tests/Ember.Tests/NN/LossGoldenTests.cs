using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// Every loss with every option against PyTorch 1.13 (tools/golden/losses.py): value, input and target gradients and
/// the node name; through the loss modules (float64 and float32) and GradCheck in float64.
/// </summary>
public class LossGoldenTests
{
    private static readonly JsonElement[] s_cases = Golden.Load("losses.json").GetProperty("cases").EnumerateArray()
        .ToArray();

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => s_cases.First(c => c.GetProperty("name").GetString() == name);

    private static Reduction Red(string r) => r switch
    {
        "sum" => Reduction.Sum,
        "none" => Reduction.None,
        "batchmean" => Reduction.BatchMean,
        _ => Reduction.Mean,
    };

    /// <summary>The loss module a case describes.</summary>
    internal static Loss Module(JsonElement c, DType dtype)
    {
        JsonElement a = c.GetProperty("args");
        Reduction r = Red(a.GetProperty("reduction").GetString()!);
        var extra = c.GetProperty("extra");
        Tensor? W(string k) => extra.TryGetProperty(k, out var t) ? Golden.Tensor(t).To(dtype) : null;
        double Num(string k, double d) => a.TryGetProperty(k, out var v) ? v.GetDouble() : d;
        return c.GetProperty("op").GetString() switch
        {
            "cross_entropy" =>
                new CrossEntropyLoss(W("w"), (long)Num("ignore_index", -100), r, Num("label_smoothing", 0)),
            "nll_loss" => new NLLLoss(W("w"), (long)Num("ignore_index", -100), r),
            "binary_cross_entropy" => new BCELoss(W("w"), r),
            "binary_cross_entropy_with_logits" => new BCEWithLogitsLoss(W("w"), r, W("pw")),
            "mse_loss" => new MSELoss(r),
            "l1_loss" => new L1Loss(r),
            "smooth_l1_loss" => new SmoothL1Loss(r, Num("beta", 1)),
            "huber_loss" => new HuberLoss(r, Num("delta", 1)),
            "kl_div" => new KLDivLoss(r, a.TryGetProperty("log_target", out var lt) && lt.GetBoolean()),
            var op => throw new NotSupportedException(op),
        };
    }

    private static (Tensor X, Tensor T) Inputs(JsonElement c, DType dtype)
    {
        Tensor x = Golden.Tensor(c.GetProperty("input")).To(dtype).Detach().RequiresGrad_();
        Tensor t = Golden.Tensor(c.GetProperty("target"));
        if (t.DType.IsFloatingPoint())
            t = t.To(dtype).Detach().RequiresGrad_(c.GetProperty("grad_target").ValueKind != JsonValueKind.Null);
        return (x, t);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ValueAndGradientsMatchPyTorch(string name)
    {
        var c = Case(name);
        foreach (var (dtype, rtol, atol) in new[] { (DType.Float64, 1e-10, 1e-12), (DType.Float32, 2e-5, 1e-6) })
        {
            var (x, t) = Inputs(c, dtype);
            Tensor loss = Module(c, dtype).Call(x, t);
            Assert.Equal(dtype, loss.DType);
            Close.Equal(Golden.Tensor(c.GetProperty("out")), loss, rtol, atol, $"{name} {dtype} value");
            // PyTorch names division by a Python number DivBackward1; Ember's core names every division DivBackward0.
            Assert.Equal(c.GetProperty("grad_fn").GetString()!.Replace("DivBackward1", "DivBackward0"),
                loss.GradFn!.Name);
            (loss * Golden.Tensor(c.GetProperty("grad_out")).To(dtype)).Sum().Backward();
            Close.Equal(Golden.Tensor(c.GetProperty("grad_input")), x.Grad!, rtol, atol, $"{name} {dtype} input grad");
            if (c.GetProperty("grad_target").ValueKind != JsonValueKind.Null)
                Close.Equal(Golden.Tensor(c.GetProperty("grad_target")), t.Grad!, rtol, atol,
                    $"{name} {dtype} target grad");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckInFloat64(string name)
    {
        var c = Case(name);
        var (x, t) = Inputs(c, DType.Float64);
        Loss loss = Module(c, DType.Float64);
        // Keep the piecewise losses away from their kinks, where finite differences straddle two branches.
        Assert.True(Autograd.GradCheck(xs => loss.Call(xs[0], xs.Length > 1 ? xs[1] : t),
            t.RequiresGrad ? [x, t] : [x]));
    }

    /// <summary>H·v by double backward against a central difference of first-order gradients.</summary>
    internal static void CheckHessianVectorProduct(Func<Tensor, Tensor> f, double[] x0, int[] shape, double tol = 1e-6)
    {
        var v = x0.Select((_, i) => Math.Sin(i + 1.0)).ToArray();
        var x = Tensor.From((double[])x0.Clone(), shape, requiresGrad: true);
        f(x).Backward(createGraph: true);
        Tensor g = x.Grad!;
        Assert.NotNull(g.GradFn);
        x.Grad = null;
        (g * Tensor.From(v, shape)).Sum().Backward();
        double[] hv = x.Grad!.ToArray<double>();
        double[] Grad(double eps)
        {
            var xe = Tensor.From(x0.Select((xi, i) => xi + eps * v[i]).ToArray(), shape, requiresGrad: true);
            f(xe).Backward();
            return xe.Grad!.ToArray<double>();
        }
        double[] plus = Grad(1e-5), minus = Grad(-1e-5);
        for (int i = 0; i < hv.Length; i++) Assert.Equal((plus[i] - minus[i]) / 2e-5, hv[i], tol);
    }

    [Fact]
    public void SecondDerivativesOfLossesAreRecorded()
    {
        double[] x0 = [0.3, -1.2, 2.5, 0.7, -0.1, 1.9];
        var y = Tensor.From(new[] { 0.2, 0.9, 0.4, 0.1, 0.5, 0.8 }, [2, 3]);
        foreach (Loss loss in new Loss[] { new MSELoss(),
            new BCEWithLogitsLoss(posWeight: Tensor.From(new[] { 2.0, 1, 0.5 })), new BCEWithLogitsLoss(),
            new HuberLoss(delta: 3), new SmoothL1Loss(beta: 3), new BCELoss(), new KLDivLoss(Reduction.BatchMean),
            new L1Loss() })
        {
            Tensor Input(Tensor x) => loss is BCELoss ? x.Sigmoid() : loss is KLDivLoss ? x.LogSoftmax(1) : x;
            CheckHessianVectorProduct(x => loss.Call(Input(x), y), x0, [2, 3]);
        }
        var labels = Tensor.From(new long[] { 2, 0 });
        CheckHessianVectorProduct(x =>
            F.CrossEntropy(x, labels, weight: Tensor.From(new[] { 1.0, 2, 0.5 }), labelSmoothing: 0.1), x0, [2, 3]);
        CheckHessianVectorProduct(x => F.CrossEntropy(x, y.Softmax(1)), x0, [2, 3]);
    }

    [Fact]
    public void WrongTargetsSayWhatIsExpected()
    {
        var logits = Tensor.Zeros(4, 3);
        var floatLabels = Assert.Throws<ArgumentException>(() => new CrossEntropyLoss().Call(logits, Tensor.Zeros(4)));
        Assert.Contains("expected class-index targets of dtype int64 or int32, got torch.float32 [4]",
            floatLabels.Message);
        Assert.Contains("class probabilities must have the input's shape [4, 3]", floatLabels.Message);
        var rows = Assert.Throws<ArgumentException>(() => new NLLLoss().Call(logits, Tensor.From(new long[] { 0, 1 })));
        Assert.Contains("got input [4, 3] and target [2]", rows.Message);
        var mse = Assert.Throws<ArgumentException>(() => new MSELoss().Call(Tensor.Zeros(4, 1), Tensor.Zeros(4)));
        Assert.Contains("expected target of the same shape as the input [4, 1], got [4]", mse.Message);
        var bce = Assert.Throws<ArgumentException>(() => new BCELoss().Call(Tensor.Full([2], 1.5), Tensor.Zeros(2)));
        Assert.Contains("between 0 and 1", bce.Message);
        var oob =
            Assert.Throws<ArgumentOutOfRangeException>(() =>
            new CrossEntropyLoss().Call(logits, Tensor.From(new long[] { 0, 1, 2, 3 })));
        Assert.Contains("target 3 at position 3 is out of bounds for 3 classes", oob.Message);
        var weight =
            Assert.Throws<ArgumentException>(() =>
            new CrossEntropyLoss(weight: Tensor.Ones(2)).Call(logits, Tensor.From(new long[] { 0, 1, 2, 0 })));
        Assert.Contains("one value per class (3)", weight.Message);
        Assert.Throws<ArgumentException>(() => new MSELoss(Reduction.BatchMean));
    }
}
