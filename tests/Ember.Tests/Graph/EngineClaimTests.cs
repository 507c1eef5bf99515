using System;
using System.Threading;
using Ember.Graph;

namespace Ember.Tests.Graph;

/// <summary>
/// The engine keeps a pass's bookkeeping in the nodes it claims (<see cref="Node.EnginePass"/>); a node another pass
/// holds (another thread's, or the pass a hook runs inside) goes to that pass's tables instead. These passes share
/// nodes on purpose: values must be exact and every claim released.
/// </summary>
public class EngineClaimTests
{
    private const int Threads = 4;

    private static (Tensor W, Tensor Y, Node[] Chain) SharedChain(int length)
    {
        var w = Tensor.Ones([4], requiresGrad: true);
        Tensor y = w;
        var chain = new Node[length];
        var one = Tensor.Ones([4]);
        for (int i = 0; i < length; i++)
        {
            y = i % 2 == 0 ? y * one : y + 0.0;
            chain[i] = y.GradFn!;
        }
        return (w, y, chain);
    }

    [Fact]
    public void ThreadsSharingAChainGetExactTotalsAndReleaseEveryNode()
    {
        const int passes = 400;
        var (w, y, chain) = SharedChain(64);
        var errors = new Exception?[Threads];
        using var barrier = new Barrier(Threads);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                barrier.SignalAndWait();
                try
                {
                    var scale = Tensor.Full([4], id + 1);
                    for (int i = 0; i < passes; i++) (y * scale).Sum().Backward(retainGraph: true);
                }
                catch (Exception e) { errors[id] = e; }
            });
            threads[t].Start();
        }
        foreach (var th in threads) th.Join();
        foreach (var e in errors) Assert.Null(e);
        // Each thread t adds (t + 1) per pass.
        Assert.All(w.Grad!.ToArray<float>(), g => Assert.Equal(passes * Threads * (Threads + 1) / 2f, g));
        Assert.All(chain, n => Assert.Equal(0L, n.EnginePass));
    }

    [Fact]
    public void APassInsideAHookOverTheSameNodesMatchesOneRunAlone()
    {
        var (w, y, chain) = SharedChain(16);
        Tensor mid = y * 3.0;
        Tensor other = (y * 5.0).Sum();
        Tensor?[]? inner = null;
        long outerPass = 0;
        mid.RegisterHook(g =>
        {
            // The outer pass holds every node of the chain now: the inner one must use its tables.
            outerPass = chain[0].EnginePass;
            inner = Autograd.Grad([other], [w], retainGraph: true);
            return null;
        });
        mid.Sum().Backward(retainGraph: true);
        Assert.NotEqual(0L, outerPass);
        Assert.All(inner![0]!.ToArray<float>(), g => Assert.Equal(5f, g));
        Assert.All(w.Grad!.ToArray<float>(), g => Assert.Equal(3f, g));
        // The same graph run again, after the claims were released, still gives the same.
        mid.Sum().Backward();
        Assert.All(w.Grad!.ToArray<float>(), g => Assert.Equal(6f, g));
        Assert.All(chain, n => Assert.Equal(0L, n.EnginePass));
    }

    [Fact]
    public void AFailingPassReleasesItsNodes()
    {
        var (w, y, chain) = SharedChain(8);
        Tensor z = y * 2.0;
        using (z.RegisterHook(_ => throw new InvalidOperationException("boom")))
            Assert.Throws<InvalidOperationException>(() => z.Sum().Backward(retainGraph: true));
        Assert.All(chain, n => Assert.Equal(0L, n.EnginePass));
        z.Sum().Backward();
        Assert.All(w.Grad!.ToArray<float>(), g => Assert.Equal(2f, g));
    }
}
