using System;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.Graph;

/// <summary>
/// The pieces of one split (<c>Unbind</c>, <c>Split</c>, <c>UnsafeChunk</c>) share one gradient buffer per backward
/// pass: gradients stay exact with unused pieces, other consumers before and after the split, two splits of one
/// tensor, retained graphs and double backward; and backward through T per-step slices costs O(T) memory.
/// </summary>
public class SplitGradientTests
{
    private static Tensor X() =>
        Tensor.From([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).Reshape(4, 3).RequiresGrad_();

    // loss = sum(x) + 2 sum(x[0]) + 5 sum(x[2]) + 7 sum(x[:, 2]) + 3 sum(x): rows 1 and 3 reach no Unbind piece.
    private static Tensor Loss(Tensor x)
    {
        Tensor before = x.Sum();
        Tensor[] rows = x.Unbind(0);
        Tensor[] cols = x.Split(2, 1);
        Tensor after = (x * 3).Sum();
        return before + rows[0].Sum() * 2 + rows[2].Sum() * 5 + cols[1].Sum() * 7 + after;
    }

    private static double[] Expected(double scale)
    {
        var e = new double[12];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 3; c++)
                e[r * 3 + c] = scale * (4 + (r == 0 ? 2 : 0) + (r == 2 ? 5 : 0) + (c == 2 ? 7 : 0));
        return e;
    }

    [Fact]
    public void PiecesSumIntoOneExactGradient()
    {
        Tensor x = X();
        Tensor loss = Loss(x);
        Assert.Equal("UnbindBackward0", x.Unbind(0)[1].GradFn!.Name);
        loss.Backward(retainGraph: true);
        Close.Equal(Expected(1), x.Grad!.ToArray<double>());
        loss.Backward();
        Close.Equal(Expected(2), x.Grad!.ToArray<double>());
    }

    [Fact]
    public void AutogradGradAndDoubleBackwardStayExact()
    {
        Tensor x = X();
        Close.Equal(Expected(1), Autograd.Grad(Loss(x), x).ToArray<double>());
        Tensor[] rows = x.Unbind(0);
        Tensor g = Autograd.Grad(rows[1].Pow(2).Sum() + rows[3].Sum(), x, createGraph: true);
        Close.Equal([0, 0, 0, 8, 10, 12, 0, 0, 0, 1, 1, 1], g.ToArray<double>());
        Close.Equal([0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0], Autograd.Grad(g.Sum(), x).ToArray<double>());
    }

    private static long BackwardBytes(LSTM lstm, int seq)
    {
        var (y, (h, c)) = lstm.Call(Tensor.Randn([seq, 4, 8], new Generator(seq)).RequiresGrad_());
        Tensor loss = y.Sum() + h.Sum() + c.Sum();
        long before = GC.GetAllocatedBytesForCurrentThread();
        loss.Backward();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void LstmBackwardAllocatesLinearlyInSequenceLength()
    {
        var lstm = new LSTM(8, 16, generator: new Generator(0));
        BackwardBytes(lstm, 20);
        long b200 = BackwardBytes(lstm, 200), b400 = BackwardBytes(lstm, 400);
        double ratio = (double)b400 / b200;
        Assert.True(ratio < 2.5,
            $"backward allocated {b200} bytes at T=200 and {b400} at T=400 (ratio {ratio:F2}); expected O(T).");
    }
}
