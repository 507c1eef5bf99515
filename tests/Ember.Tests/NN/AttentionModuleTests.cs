using System;
using System.Linq;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// Attention beyond the PyTorch goldens: float64 GradCheck through MultiheadAttention and the encoder layer,
/// dropout, the causal mask helper, when the encoder's eval fast path applies, and errors.
/// </summary>
public class AttentionModuleTests
{
    [Fact]
    public void MultiheadAttentionPassesGradCheck()
    {
        var g = new Generator(7);
        var m = new MultiheadAttention(4, 2, kdim: 3, vdim: 2, dtype: DType.Float64, generator: g);
        Tensor q = Tensor.Randn([3, 2, 4], g, DType.Float64).RequiresGrad_();
        Tensor k = Tensor.Randn([4, 2, 3], g, DType.Float64).RequiresGrad_();
        Tensor v = Tensor.Randn([4, 2, 2], g, DType.Float64).RequiresGrad_();
        Tensor kpm = Tensor.From(new[,] { { false, false, false, true }, { false, false, false, false } });
        Assert.True(Autograd.GradCheck(xs =>
        {
            var (o, w) = m.Call(xs[0], xs[1], xs[2], kpm);
            return Tensor.Cat([o.Reshape(-1), w!.Reshape(-1)], 0);
        }, [q, k, v, .. m.Parameters()]));
    }

    [Fact]
    public void EncoderLayerPassesGradCheck()
    {
        var g = new Generator(8);
        var layer = new TransformerEncoderLayer(4, 2, 6, dropout: 0, activation: "gelu", normFirst: true,
            dtype: DType.Float64, generator: g);
        Tensor x = Tensor.Randn([3, 2, 4], g, DType.Float64).RequiresGrad_();
        Tensor mask = Transformer.GenerateSquareSubsequentMask(3, DType.Float64);
        Assert.True(Autograd.GradCheck(xs => layer.Call(xs[0], mask), [x, .. layer.Parameters()]));
    }

    [Fact]
    public void ScaledDotProductAttentionDropoutAndCausalMask()
    {
        var g = new Generator(9);
        Tensor q = Tensor.Randn([2, 5, 4], g), k = Tensor.Randn([2, 5, 4], g), v = Tensor.Randn([2, 5, 3], g);
        Tensor plain = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        // The first query sees only the first key: its output is that key's value.
        Close.Equal(v.Select(1, 0), plain.Select(1, 0), 1e-6, 1e-6, "first step");
        Tensor viaMask = F.ScaledDotProductAttention(q, k, v, Tensor.Ones([5, 5], DType.Bool).Tril());
        Close.Equal(plain, viaMask, 1e-6, 1e-7, "bool mask = causal");
        Tensor dropped = F.ScaledDotProductAttention(q, k, v, dropoutP: 0.5, isCausal: true, generator: g);
        Assert.True(dropped.Sub(plain).Abs().Max().Item<float>() > 1e-3f);
        Tensor mask = Transformer.GenerateSquareSubsequentMask(3);
        Assert.Equal(new float[] { 0, float.NegativeInfinity, float.NegativeInfinity, 0, 0, float.NegativeInfinity,
            0, 0, 0 }, mask.ToArray<float>());
    }

    [Fact]
    public void EncoderZeroesPaddingOnlyOnPyTorchsFastPath()
    {
        var g = new Generator(10);
        var layer = new TransformerEncoderLayer(8, 2, 16, dropout: 0, batchFirst: true, generator: g);
        var enc = new TransformerEncoder(layer, 2);
        Tensor x = Tensor.Randn([2, 4, 8], g);
        Tensor kpm = Tensor.From(new[,] { { false, false, true, true }, { false, false, false, false } });
        float PaddedNorm(Tensor y) => y.Select(0, 0).Narrow(0, 2, 2).Abs().Sum().Item<float>();
        Assert.True(PaddedNorm(enc.Call(x, null, kpm)) > 0, "training: no fast path");
        enc.Eval();
        Assert.True(PaddedNorm(enc.Call(x, null, kpm)) > 0, "parameters require grad: no fast path");
        Tensor fast;
        using (Autograd.NoGrad()) fast = enc.Call(x, null, kpm);
        Assert.Equal(0f, PaddedNorm(fast));
        Tensor notLeftAligned = Tensor.From(new[,] { { true, false, false, false }, { false, false, false, false } });
        using (Autograd.NoGrad())
            Assert.True(enc.Call(x, null, notLeftAligned).Select(0, 0).Select(0, 0).Abs().Sum().Item<float>() > 0);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new MultiheadAttention(6, 4));
        var m = new MultiheadAttention(8, 2);
        var shape = Assert.Throws<ArgumentException>(() => m.Call(Tensor.Zeros(5, 2, 6), Tensor.Zeros(5, 2, 6),
            Tensor.Zeros(5, 2, 6)));
        Assert.Contains("MultiheadAttention", shape.Message, StringComparison.Ordinal);
        var mask = Assert.Throws<ArgumentException>(() => m.Call(Tensor.Zeros(5, 2, 8), Tensor.Zeros(5, 2, 8),
            Tensor.Zeros(5, 2, 8), attnMask: Tensor.Zeros(4, 5)));
        Assert.Contains("attnMask", mask.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new TransformerEncoderLayer(8, 2, activation: "tanh"));
        var t = new Transformer(8, 2, 1, 1, 16);
        Assert.Equal(["encoder", "decoder"], t.NamedChildren().Select(c => c.Name));
    }
}
