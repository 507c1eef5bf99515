using System;
using System.Linq;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// The recurrent modules beyond the PyTorch goldens: float64 GradCheck of outputs against inputs, states and every
/// parameter; variable lengths equal to running each sequence alone; dropout between layers; casting and errors.
/// </summary>
public class RecurrentModuleTests
{
    private static Tensor Flat(Tensor[] outs) => Tensor.Cat(outs.Select(o => o.Reshape(-1)).ToArray(), 0);

    private static Tensor Rand(Generator g, params int[] shape) =>
        Tensor.Randn(shape, g, DType.Float64).RequiresGrad_();

    [Fact]
    public void LstmWithProjectionPassesGradCheck()
    {
        var g = new Generator(1);
        var m = new LSTM(2, 3, numLayers: 2, bidirectional: true, projSize: 2, dtype: DType.Float64, generator: g);
        Tensor x = Rand(g, 3, 2, 2), h0 = Rand(g, 4, 2, 2), c0 = Rand(g, 4, 2, 3);
        Tensor[] inputs = [x, h0, c0, .. m.Parameters()];
        Assert.True(Autograd.GradCheck(xs =>
        {
            var (o, (h, c)) = m.Call(xs[0], (xs[1], xs[2]));
            return Flat([o, h, c]);
        }, inputs));
    }

    [Fact]
    public void GruAndRnnWithLengthsPassGradCheck()
    {
        var g = new Generator(2);
        var gru = new GRU(2, 3, bidirectional: true, batchFirst: true, dtype: DType.Float64, generator: g);
        Tensor x = Rand(g, 2, 3, 2), h0 = Rand(g, 2, 2, 3);
        Assert.True(Autograd.GradCheck(xs =>
        {
            var (o, h) = gru.Call(xs[0], [3, 2], xs[1]);
            return Flat([o, h]);
        }, [x, h0, .. gru.Parameters()]));
        var rnn = new RNN(2, 3, numLayers: 2, dtype: DType.Float64, generator: g);
        Tensor x2 = Rand(g, 3, 2, 2);
        Assert.True(Autograd.GradCheck(xs =>
        {
            var (o, h) = rnn.Call(xs[0], [1, 3]);
            return Flat([o, h]);
        }, [x2, .. rnn.Parameters()]));
    }

    [Fact]
    public void CellsPassGradCheck()
    {
        var g = new Generator(3);
        var lstm = new LSTMCell(2, 3, dtype: DType.Float64, generator: g);
        var gru = new GRUCell(2, 3, dtype: DType.Float64, generator: g);
        var rnn = new RNNCell(2, 3, bias: false, dtype: DType.Float64, generator: g);
        Tensor x = Rand(g, 2, 2), h = Rand(g, 2, 3), c = Rand(g, 2, 3);
        Assert.True(Autograd.GradCheck(xs =>
        {
            var (hy, cy) = lstm.Call(xs[0], (xs[1], xs[2]));
            return Flat([hy, cy]);
        }, [x, h, c, .. lstm.Parameters()]));
        Assert.True(Autograd.GradCheck(xs => gru.Call(xs[0], xs[1]), [x, h, .. gru.Parameters()]));
        Assert.True(Autograd.GradCheck(xs => rnn.Call(xs[0], xs[1]), [x, h, .. rnn.Parameters()]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LengthsGiveWhatEachSequenceGivesAlone(bool batchFirst)
    {
        var g = new Generator(4);
        var m = new LSTM(3, 4, numLayers: 2, bidirectional: true, batchFirst: batchFirst, dtype: DType.Float64,
            generator: g);
        int[] lengths = [4, 2, 3];
        Tensor x = Tensor.Randn([5, 3, 3], g, DType.Float64);
        Tensor h0 = Tensor.Randn([4, 3, 4], g, DType.Float64), c0 = Tensor.Randn([4, 3, 4], g, DType.Float64);
        var (output, (hN, cN)) = m.Call(batchFirst ? x.Transpose(0, 1) : x, lengths, (h0, c0));
        if (batchFirst) output = output.Transpose(0, 1);
        Assert.Equal([5, 3, 8], output.Shape.ToArray());
        for (int b = 0; b < 3; b++)
        {
            Tensor xb = x.Narrow(0, 0, lengths[b]).Select(1, b);
            if (batchFirst) xb = xb.Unsqueeze(0);
            else xb = xb.Unsqueeze(1);
            Tensor hb = h0.Narrow(1, b, 1), cb = c0.Narrow(1, b, 1);
            var (ob, (hbN, cbN)) = m.Call(xb, (hb, cb));
            ob = batchFirst ? ob.Select(0, 0) : ob.Select(1, 0);
            Close.Equal(ob, output.Narrow(0, 0, lengths[b]).Select(1, b), 1e-12, 1e-12, $"output {b}");
            Assert.Equal(0.0, output.Narrow(0, lengths[b], 5 - lengths[b]).Select(1, b).Abs().Sum().Item<double>());
            Close.Equal(hbN.Select(1, 0), hN.Select(1, b), 1e-12, 1e-12, $"h_n {b}");
            Close.Equal(cbN.Select(1, 0), cN.Select(1, b), 1e-12, 1e-12, $"c_n {b}");
        }
    }

    [Fact]
    public void DropoutActsBetweenLayersInTrainingOnly()
    {
        var g = new Generator(5);
        var m = new GRU(3, 8, numLayers: 2, dropout: 0.5, generator: g);
        var plain = new GRU(3, 8, numLayers: 2);
        plain.LoadStateDict(m.StateDict());
        Tensor x = Tensor.Randn([6, 2, 3], g);
        var (trained, _) = m.Call(x);
        var (reference, _) = plain.Call(x);
        Assert.True(trained.Sub(reference).Abs().Max().Item<float>() > 1e-3f);
        m.Eval();
        var (evaluated, _) = m.Call(x);
        Close.Equal(reference, evaluated, 0, 0, "eval output");
        // One layer: nothing to drop between layers.
        var single = new LSTM(3, 4, dropout: 0.5);
        var single0 = new LSTM(3, 4);
        single0.LoadStateDict(single.StateDict());
        Close.Equal(single0.Call(x).Output, single.Call(x).Output, 0, 0, "single layer");
    }

    [Fact]
    public void FloatInputIsCastAndBadInputIsRejected()
    {
        var m = new LSTM(3, 4, numLayers: 2);
        var (o, (h, c)) = m.Call(Tensor.Randn([5, 2, 3], null, DType.Float64));
        Assert.Equal(DType.Float32, o.DType);
        Assert.Equal([5, 2, 4], o.Shape.ToArray());
        Assert.Equal([2, 2, 4], h.Shape.ToArray());
        Assert.Equal([2, 2, 4], c.Shape.ToArray());
        var size = Assert.Throws<ArgumentException>(() => m.Call(Tensor.Zeros(5, 2, 4)));
        Assert.Contains("LSTM", size.Message, StringComparison.Ordinal);
        Assert.Contains("Expected 3, got 4", size.Message, StringComparison.Ordinal);
        var state = Assert.Throws<ArgumentException>(() => m.Call(Tensor.Zeros(5, 2, 3),
            (Tensor.Zeros(1, 2, 4), Tensor.Zeros(2, 2, 4))));
        Assert.Contains("[2, 2, 4]", state.Message, StringComparison.Ordinal);
        var ints = Assert.Throws<ArgumentException>(() => m.Call(Tensor.From(new long[30]).Reshape(5, 2, 3)));
        Assert.Contains("To(DType.Float32)", ints.Message, StringComparison.Ordinal);
        var len = Assert.Throws<ArgumentException>(() => m.Call(Tensor.Zeros(5, 2, 3), [6, 1]));
        Assert.Contains("[1, 5]", len.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LSTM(3, 4, projSize: 4));
        Assert.Throws<ArgumentException>(() => new RNN(3, 4, nonlinearity: "gelu"));
        var cell = new GRUCell(3, 4);
        var cellErr = Assert.Throws<ArgumentException>(() => cell.Call(Tensor.Zeros(2, 5)));
        Assert.Contains("GRUCell", cellErr.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrintsAsPyTorch()
    {
        Assert.Equal("LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)",
            new LSTM(3, 4, numLayers: 2, batchFirst: true, bidirectional: true).ToString());
        Assert.Equal("LSTM(3, 4, proj_size=2)", new LSTM(3, 4, projSize: 2).ToString());
        Assert.Equal("GRU(3, 4, bias=False, dropout=0.25)", new GRU(3, 4, bias: false, dropout: 0.25).ToString());
        Assert.Equal("RNNCell(3, 4, nonlinearity=relu)", new RNNCell(3, 4, nonlinearity: "relu").ToString());
        Assert.Equal("LSTMCell(3, 4, bias=False)", new LSTMCell(3, 4, bias: false).ToString());
    }

    [Fact]
    public void ForwardHooksSeeTheTupleInputAndOutput()
    {
        var m = new GRU(3, 4);
        int seen = 0;
        m.RegisterForwardHook((mod, input, output) =>
        {
            seen = input.Input.Shape[0] * 10 + output.H.Shape[0];
            return output;
        });
        m.Call(Tensor.Zeros(5, 2, 3));
        Assert.Equal(51, seen);
    }

    [Fact]
    public void LstmLearnsToCountASymbol()
    {
        // Each sequence is 0/1 steps; the target is whether more than half are 1. An MLP on the last step alone
        // cannot do better than chance, so reaching low loss needs the recurrence.
        var g = new Generator(6);
        var lstm = new LSTM(1, 8, batchFirst: true, generator: g);
        var head = new Linear(8, 2, generator: g);
        var opt = new Ember.Optim.Adam([.. lstm.Parameters(), .. head.Parameters()], lr: 0.05);
        var lossFn = new CrossEntropyLoss();
        Tensor x = Tensor.Rand([64, 7, 1], g).Gt(0.5).To(DType.Float32);
        Tensor y = x.Sum(1).Squeeze(1).Gt(3.5).To(DType.Int64);
        float first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            var (_, (h, _)) = lstm.Call(x);
            Tensor loss = lossFn.Call(head.Call(h.Select(0, 0)), y);
            if (step == 0) first = loss.Item<float>();
            last = loss.Item<float>();
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        }
        Assert.True(last < 0.2f * first, $"loss {first} -> {last}");
    }
}
