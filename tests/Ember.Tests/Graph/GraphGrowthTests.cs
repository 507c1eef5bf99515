using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Ember.Data;
using Ember.Graph;
using Ember.NN;
using Ember.Optim;

namespace Ember.Tests.Graph;

/// <summary>
/// The growing-graph warning: it fires for a tensor accumulated with its graph across steps (<c>total = total +
/// loss</c>) and stays silent for ordinary loops. Each loop runs on a thread of its own, because the warning is raised
/// once per thread and the test runner reuses threads.
/// </summary>
public class GraphGrowthTests
{
    /// <summary>The seed loop for <paramref name="steps"/> steps; <paramref name="keep"/> runs after each step.
    /// </summary>
    private static List<GraphGrowthEventArgs> SeedLoop(int steps, Action<Tensor> keep)
    {
        var events = new List<GraphGrowthEventArgs>();
        var thread = new Thread(() =>
        {
            int me = Environment.CurrentManagedThreadId;
            void OnDetected(object? sender, GraphGrowthEventArgs e)
            {
                if (Environment.CurrentManagedThreadId == me) events.Add(e);
            }
            GraphGrowth.Detected += OnDetected;
            try
            {
                var iris = Datasets.Iris();
                var (x, y) = (Tensor.From(iris.Data), Tensor.From(iris.Target));
                var clf = new Clf();
                var optimizer = new Adam(clf.Parameters(), lr: 0.01);
                var lossFn = new CrossEntropyLoss();
                for (int i = 0; i < steps; i++)
                {
                    var loss = lossFn.Call(clf.Call(x), y);
                    optimizer.ZeroGrad();
                    loss.Backward();
                    optimizer.Step();
                    keep(loss);
                }
            }
            finally
            {
                GraphGrowth.Detected -= OnDetected;
            }
        });
        thread.Start();
        thread.Join();
        return events;
    }

    [Fact]
    public void FiresOnceForTotalEqualsTotalPlusLossAndNamesTheFix()
    {
        Tensor total = Tensor.From(0f);
        var events = SeedLoop(50, loss => total = total + loss);
        var e = Assert.Single(events);
        Assert.Contains("total = total + loss", e.Message, StringComparison.Ordinal);
        Assert.Contains("loss.Item<float>()", e.Message, StringComparison.Ordinal);
        Assert.Equal(GraphGrowth.StepsBeforeWarning, e.Steps);
        Assert.True(e.Depth > GraphGrowth.StepsBeforeWarning, $"depth {e.Depth}");
        Assert.NotNull(total.GradFn); // the leak is real: the sum still holds every step's graph
    }

    [Fact]
    public void FiresWhenTheLeakIsOnlyEveryFewSteps()
    {
        Tensor total = Tensor.From(0f);
        int i = 0;
        var events = SeedLoop(100, loss => { if (i++ % 5 == 0) total = total + loss; });
        Assert.Single(events);
    }

    [Fact]
    public void SilentForTotalPlusEqualsItem()
    {
        float total = 0;
        Assert.Empty(SeedLoop(200, loss => total += loss.Item<float>()));
        Assert.True(total > 0);
    }

    [Fact]
    public void SilentForTheSeedLoopAndForDetachedSums()
    {
        Assert.Empty(SeedLoop(1000, _ => { }));
        Tensor total = Tensor.From(0f);
        Assert.Empty(SeedLoop(200, loss => total = total + loss.Detach()));
        Tensor kept = Tensor.From(0f);
        Assert.Empty(SeedLoop(200, loss => kept = loss)); // keeping the last loss is fine: its graph is replaced
    }

    /// <summary>A tensor built once from the graph and reused every step reaches back, but does not grow.</summary>
    [Fact]
    public void SilentForAConstantGraphReusedAcrossSteps()
    {
        var w = Tensor.Randn([3], requiresGrad: true);
        Tensor? shared = null;
        Assert.Empty(SeedLoop(200, loss => { shared ??= w * 2.0; _ = (shared * loss).Sum(); }));
        Tensor? fixedOld = null;
        Assert.Empty(SeedLoop(200, loss => { fixedOld ??= loss * 1.0; _ = fixedOld + loss; }));
    }

    [Fact]
    public void TheTraceSourceCarriesTheWarning()
    {
        var writer = new StringWriter();
        var listener = new TextWriterTraceListener(writer);
        GraphGrowth.Trace.Listeners.Add(listener);
        try
        {
            Tensor total = Tensor.From(0f);
            SeedLoop(30, loss => total = total + loss);
        }
        finally
        {
            GraphGrowth.Trace.Listeners.Remove(listener);
        }
        listener.Flush();
        Assert.Contains("Ember.Graph Warning: 1 : Ember: the autograd graph kept across optimizer steps",
            writer.ToString(), StringComparison.Ordinal);
    }
}
