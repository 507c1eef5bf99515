using System;
using System.Threading;
using Ember.NN;

namespace Ember.Tests.Graph;

/// <summary>
/// Several threads run backward through their own graphs into shared leaves (issue 13, item 1). Every value is
/// exactly representable and every partial sum stays an exact float, so the totals must be exact.
/// </summary>
public class ConcurrentBackwardTests
{
    private const int Threads = 4;
    private const int Passes = 150;

    private static void RunConcurrently(Action<int> body)
    {
        using var barrier = new Barrier(Threads);
        var errors = new Exception?[Threads];
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                barrier.SignalAndWait();
                try { body(id); }
                catch (Exception e) { errors[id] = e; }
            });
            threads[t].Start();
        }
        foreach (var th in threads) th.Join();
        foreach (var e in errors) if (e is not null) throw new InvalidOperationException("a backward thread failed", e);
    }

    [Fact]
    public void SharedAndSeparateParametersGetExactTotals()
    {
        const int n = 1 << 16;
        var shared = Tensor.Zeros([n], requiresGrad: true);
        var own = new Tensor[Threads];
        for (int t = 0; t < Threads; t++) own[t] = Tensor.Zeros([n], requiresGrad: true);
        var half = Tensor.Full([n], 0.5);
        RunConcurrently(t =>
        {
            var scale = Tensor.Full([n], t + 1);
            for (int i = 0; i < Passes; i++)
                (shared * half + own[t] * scale).Sum().Backward();
        });
        Assert.All(shared.Grad!.ToArray<float>(), g => Assert.Equal(Threads * Passes * 0.5f, g));
        for (int t = 0; t < Threads; t++)
        {
            float expected = Passes * (t + 1);
            Assert.All(own[t].Grad!.ToArray<float>(), g => Assert.Equal(expected, g));
        }
    }

    [Fact]
    public void SharedLinearLayerGetsEveryPass()
    {
        var layer = new Linear(256, 256, generator: new Generator(1));
        var x = Tensor.Full([8, 256], 0.25);
        RunConcurrently(_ =>
        {
            for (int i = 0; i < Passes; i++) layer.Call(x).Sum().Backward();
        });
        // dL/dW[o, i] = sum over the batch of x = 8 * 0.25 per pass; dL/db[o] = 8 per pass.
        Assert.All(layer.Weight.Grad!.ToArray<float>(), g => Assert.Equal(Threads * Passes * 2f, g));
        Assert.All(layer.Bias!.Grad!.ToArray<float>(), g => Assert.Equal(Threads * Passes * 8f, g));
    }

    [Fact]
    public void ConcurrentCreateGraphBackwardAccumulatesEveryPass()
    {
        var w = Tensor.Zeros([1 << 16], DType.Float64, requiresGrad: true);
        var two = Tensor.Full([1 << 16], 2.0, DType.Float64);
        RunConcurrently(_ =>
        {
            for (int i = 0; i < Passes; i++) (w * two).Sum().Backward(createGraph: true);
        });
        Assert.All(w.Grad!.ToArray<double>(), g => Assert.Equal(Threads * Passes * 2.0, g));
    }

    [Fact]
    public void RetainedGradientOfASharedIntermediateGetsEveryPass()
    {
        // One non-leaf reached by graphs on several threads: RetainGrad's hook must add every pass into .Grad.
        const int n = 1 << 16;
        var w = Tensor.Ones([n], requiresGrad: true);
        var y = w * Tensor.Full([n], 0.5);
        y.RetainGrad();
        RunConcurrently(t =>
        {
            var scale = Tensor.Full([n], t + 1);
            for (int i = 0; i < Passes; i++) (y * scale).Sum().Backward(retainGraph: true);
        });
        // Each thread t adds (t + 1) per pass: Passes * (1 + 2 + ... + Threads) in all.
        float expected = Passes * Threads * (Threads + 1) / 2f;
        Assert.All(y.Grad!.ToArray<float>(), g => Assert.Equal(expected, g));
        Assert.All(w.Grad!.ToArray<float>(), g => Assert.Equal(expected * 0.5f, g));
    }
}
