using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// BatchNorm (train and eval, running statistics included), LayerNorm, GroupNorm and Embedding against PyTorch 1.13
/// (tools/golden/layers_norm.py); GradCheck and second derivatives of the normalizations; Dropout's semantics.
/// </summary>
public class NormalizationGoldenTests
{
    private static readonly JsonElement s_golden = Golden.Load("layers_norm.json");

    public static IEnumerable<object[]> NormCases() =>
        s_golden.GetProperty("norm_cases").EnumerateArray()
        .Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static Module Create(string name) => name switch
    {
        "bn2d" => new BatchNorm2d(3, dtype: DType.Float64),
        "bn2d_cumulative" => new BatchNorm2d(2, eps: 1e-3, momentum: null, dtype: DType.Float64),
        "bn1d_2d" => new BatchNorm1d(5, momentum: 0.3, dtype: DType.Float64),
        "bn1d_3d" => new BatchNorm1d(3, dtype: DType.Float64),
        "bn2d_no_affine" => new BatchNorm2d(3, affine: false, dtype: DType.Float64),
        "bn2d_no_stats" => new BatchNorm2d(3, trackRunningStats: false, dtype: DType.Float64),
        "ln_last" => new LayerNorm(6, dtype: DType.Float64),
        "ln_chw" => new LayerNorm([3, 4, 5], eps: 1e-3, dtype: DType.Float64),
        "ln_no_affine" => new LayerNorm(7, elementwiseAffine: false, dtype: DType.Float64),
        "gn" => new GroupNorm(2, 6, dtype: DType.Float64),
        "gn_3d" => new GroupNorm(3, 3, eps: 1e-4, dtype: DType.Float64),
        "gn_no_affine" => new GroupNorm(4, 8, affine: false, dtype: DType.Float64),
        _ => throw new NotSupportedException(name),
    };

    private static Dictionary<string, Tensor> State(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => Golden.Tensor(p.Value));

    [Theory]
    [MemberData(nameof(NormCases))]
    public void TrainAndEvalMatchPyTorch(string name)
    {
        var c = s_golden.GetProperty("norm_cases").EnumerateArray()
            .First(x => x.GetProperty("name").GetString() == name);
        var m = Create(name);
        m.LoadStateDict(State(c.GetProperty("initial")));
        int step = 0;
        foreach (var s in c.GetProperty("steps").EnumerateArray())
        {
            string what = $"{name} step {step++} ({s.GetProperty("mode").GetString()})";
            m.Train(s.GetProperty("mode").GetString() == "train");
            m.ZeroGrad();
            var x = Golden.Tensor(s.GetProperty("x")).RequiresGrad_();
            var y = m.Call(x);
            Close.Equal(Golden.Tensor(s.GetProperty("out")), y, 1e-10, 1e-12, what + " out");
            Assert.Equal(s.GetProperty("grad_fn").GetString(), y.GradFn!.Name);
            (y * Golden.Tensor(s.GetProperty("grad_out"))).Sum().Backward();
            Close.Equal(Golden.Tensor(s.GetProperty("grad_x")), x.Grad!, 1e-9, 1e-11, what + " grad x");
            var parameters = m.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            foreach (var g in s.GetProperty("grads").EnumerateObject())
                Close.Equal(Golden.Tensor(g.Value), parameters[g.Name].Grad!, 1e-9, 1e-11, $"{what} grad {g.Name}");
            var state = m.StateDict();
            var expected = State(s.GetProperty("state_after"));
            Assert.Equal(expected.Keys, state.Keys);
            foreach (var (k, v) in expected)
            {
                Assert.Equal(v.DType, state[k].DType);
                Close.Equal(v, state[k], 1e-10, 1e-12, $"{what} state {k}");
            }
        }
    }

    [Fact]
    public void NormalizationsPassGradCheckAndSecondDerivatives()
    {
        var g = new Generator(3);
        Tensor R(params int[] shape) => Tensor.Randn(shape, g, DType.Float64).RequiresGrad_();
        var x4 = R(3, 2, 3, 2);
        var w2 = R(2);
        var b2 = R(2);
        Assert.True(Autograd.GradCheck(xs => F.BatchNorm(xs[0], null, null, xs[1], xs[2], training: true),
            [x4, w2, b2]));
        var rm = Tensor.Randn([2], g, DType.Float64);
        var rv = Tensor.Rand([2], g, DType.Float64) + 0.5;
        Assert.True(Autograd.GradCheck(xs => F.BatchNorm(xs[0], rm, rv, xs[1], xs[2], training: false), [x4, w2, b2]));
        var w6 = R(3, 2);
        var b6 = R(3, 2);
        Assert.True(Autograd.GradCheck(xs => F.LayerNorm(xs[0], [3, 2], xs[1], xs[2]), [R(2, 2, 3, 2), w6, b6]));
        var w4 = R(4);
        var b4 = R(4);
        Assert.True(Autograd.GradCheck(xs => F.GroupNorm(xs[0], 2, xs[1], xs[2]), [R(2, 4, 3), w4, b4]));

        double[] x0 = Enumerable.Range(0, 24).Select(i => Math.Sin(i * 1.7) * 2).ToArray();
        var wt = Tensor.From(new[] { 1.5, -0.7 });
        var wl = Tensor.From(Enumerable.Range(0, 6).Select(i => 1.0 + 0.1 * i).ToArray(), [3, 2]);
        LossGoldenTests.CheckHessianVectorProduct(x =>
            F.BatchNorm(x, null, null, wt, null, training: true).Pow(3).Sum(), x0, [3, 2, 2, 2]);
        LossGoldenTests.CheckHessianVectorProduct(x => F.LayerNorm(x, [3, 2], wl).Pow(3).Sum(), x0, [4, 3, 2]);
        LossGoldenTests.CheckHessianVectorProduct(x =>
            F.GroupNorm(x, 2, Tensor.From(new[] { 1.0, 2, 3, 4 })).Pow(3).Sum(), x0, [2, 4, 3]);
    }

    [Fact]
    public void EmbeddingMatchesPyTorchWithPadding()
    {
        var e = s_golden.GetProperty("embedding");
        var emb = new Embedding(7, 4, paddingIdx: 2, dtype: DType.Float64);
        emb.Weight.CopyFrom(Golden.Tensor(e.GetProperty("weight")));
        foreach (var idx in new[] { Golden.Tensor(e.GetProperty("indices")),
            Golden.Tensor(e.GetProperty("indices")).To(DType.Int32) })
        {
            emb.ZeroGrad();
            var y = emb.Call(idx);
            Close.Equal(Golden.Tensor(e.GetProperty("out")), y, 0, 0);
            Assert.Equal(e.GetProperty("grad_fn").GetString(), y.GradFn!.Name);
            (y * Golden.Tensor(e.GetProperty("grad_out"))).Sum().Backward();
            Close.Equal(Golden.Tensor(e.GetProperty("grad_weight")), emb.Weight.Grad!, 1e-12, 1e-14);
        }
        var fresh = new Embedding(5, 3, paddingIdx: -1, generator: new Generator(1));
        Assert.Equal(4, fresh.PaddingIdx);
        Assert.All(fresh.Weight.ToArray<float>().Skip(12), v => Assert.Equal(0f, v));
        var oob = Assert.Throws<ArgumentException>(() => fresh.Call(Tensor.From(new long[] { 5 })));
        Assert.Contains("index 5 is out of range for 5 embeddings", oob.Message);
        var fl = Assert.Throws<ArgumentException>(() => fresh.Call(Tensor.Zeros(2)));
        Assert.Contains("expected indices of dtype int64 or int32", fl.Message);
        var w = Tensor.From(new[] { 0.5, -1, 2, 0.25, 1.5, -0.5 }, [3, 2], requiresGrad: true);
        Assert.True(Autograd.GradCheck(xs =>
            F.Embedding(Tensor.From(new long[] { 2, 0, 2 }), xs[0], paddingIdx: 1).Pow(2),
            [w]));   // the padding row is not looked up: its zero gradient is by design
        var frozen = Embedding.FromPretrained(Tensor.From(new[] { 1f, 2, 3, 4 }, [2, 2]));
        Assert.False(frozen.Weight.RequiresGrad);
    }

    [Fact]
    public void DropoutScalesKeptElementsAndIsIdentityInEval()
    {
        var x = Tensor.Ones([200, 100]).RequiresGrad_();
        var drop = new Dropout(0.3, new Generator(9));
        var y = drop.Call(x);
        Assert.Equal("MulBackward0", y.GradFn!.Name);
        float[] v = y.ToArray<float>();
        double zeros = v.Count(a => a == 0) / (double)v.Length;
        Assert.InRange(zeros, 0.28, 0.32);
        Assert.All(v.Where(a => a != 0), a => Assert.Equal(1 / 0.7f, a, 5));
        y.Sum().Backward();
        Assert.Equal(v, x.Grad!.ToArray<float>());
        Assert.Equal(v, new Dropout(0.3, new Generator(9)).Call(x).ToArray<float>());   // seeded: same mask
        drop.Eval();
        Assert.Same(x, drop.Call(x));
        Assert.All(F.Dropout(x, 1.0).ToArray<float>(), a => Assert.Equal(0f, a));
        Assert.Equal(x.ToArray<float>(), F.Dropout(x, 0.0).ToArray<float>());
        Assert.Throws<ArgumentException>(() => new Dropout(1.5));
        // With a freshly seeded generator per call the mask is fixed, so the op is checkable.
        Assert.True(Autograd.GradCheck(xs => F.Dropout(xs[0], 0.4, generator: new Generator(3)),
            [Tensor.Randn([4, 5], new Generator(1), DType.Float64).RequiresGrad_()]));
        Assert.Equal("Dropout(p=0.3, inplace=False)", new Dropout(0.3).ToString());
    }

    [Fact]
    public void BatchNormRejectsASingleValuePerChannelInTraining()
    {
        var bn = new BatchNorm1d(3);
        var ex = Assert.Throws<ArgumentException>(() => bn.Call(Tensor.Zeros(1, 3)));
        Assert.Contains("expected more than 1 value per channel when training", ex.Message);
        bn.Eval();
        Assert.Equal([1, 3], bn.Call(Tensor.Zeros(1, 3)).Shape.ToArray());
        var wrong = Assert.Throws<ArgumentException>(() => new BatchNorm2d(3).Call(Tensor.Zeros(2, 4, 2, 2)));
        Assert.Contains("expected input with 3 channels", wrong.Message);
        Assert.Throws<ArgumentException>(() => new LayerNorm(5).Call(Tensor.Zeros(2, 4)));
        Assert.Throws<ArgumentException>(() => new GroupNorm(3, 4));
    }
}
