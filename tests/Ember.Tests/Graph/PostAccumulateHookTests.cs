using System;
using System.Collections.Generic;
using Ember.NN;

namespace Ember.Tests.Graph;

/// <summary>
/// The seams a data-parallel wrapper hangs on: post-accumulate-grad hooks and end-of-backward callbacks.
/// </summary>
public class PostAccumulateHookTests
{
    [Fact]
    public void Hook_SeesTheAccumulatedGradient_AfterEachBackward()
    {
        var w = Tensor.From<float>([1f, 2f], [2], requiresGrad: true);
        var seen = new List<float>();
        using var handle = w.RegisterPostAccumulateGradHook(t => seen.Add(t.Grad!.AsReadOnlySpan<float>()[0]));
        (w * 3f).Sum().Backward();
        (w * 3f).Sum().Backward();
        Assert.Equal([3f, 6f], seen);
        handle.Remove();
        (w * 3f).Sum().Backward();
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void Hooks_RunInReverseRegistrationOrder_ForASequentialModel()
    {
        var net = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
        var order = new List<string>();
        foreach (var (name, p) in net.NamedParameters())
            p.RegisterPostAccumulateGradHook(_ => order.Add(name));
        net.Call(Tensor.Randn(5, 3)).Sum().Backward();
        // Backward reaches the last layer first: the order DDP's reverse-registration buckets rely on.
        Assert.Equal(4, order.Count);
        Assert.All(order[..2], n => Assert.StartsWith("2.", n, StringComparison.Ordinal));
        Assert.All(order[2..], n => Assert.StartsWith("0.", n, StringComparison.Ordinal));
    }

    [Fact]
    public void QueueCallback_RunsAfterEveryNode_OnceAndInOrder()
    {
        var a = Tensor.From<float>([1f], [1], requiresGrad: true);
        var b = Tensor.From<float>([2f], [1], requiresGrad: true);
        var log = new List<string>();
        a.RegisterPostAccumulateGradHook(_ =>
        {
            log.Add("a");
            Autograd.QueueCallback(() => log.Add("end1"));
        });
        b.RegisterPostAccumulateGradHook(_ =>
        {
            log.Add("b");
            Autograd.QueueCallback(() => log.Add("end2"));
        });
        (a * b).Sum().Backward();
        // Both hooks first, then the callbacks in the order they were queued.
        Assert.Equal(4, log.Count);
        string first = log[0] == "a" ? "end1" : "end2", second = log[0] == "a" ? "end2" : "end1";
        Assert.Equal([first, second], log[2..]);
        Assert.Equal(["a", "b"], Sorted(log[..2]));
    }

    [Fact]
    public void QueueCallback_OutsideBackward_Throws()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Autograd.QueueCallback(() => { }));
        Assert.Contains("no backward pass", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hook_OnNonLeaf_Throws()
    {
        var a = Tensor.From<float>([1f], [1], requiresGrad: true);
        var e = Assert.Throws<InvalidOperationException>(() => (a * 2f).RegisterPostAccumulateGradHook(_ => { }));
        Assert.Contains("leaf", e.Message, StringComparison.Ordinal);
    }

    private static List<string> Sorted(List<string> xs)
    {
        var copy = new List<string>(xs);
        copy.Sort(StringComparer.Ordinal);
        return copy;
    }
}
