using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Ember.Data;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>
/// The default generator is one process-wide stream (issue 13, item 2). These tests reseed it, so they run alone.
/// </summary>
[Collection(SerialCollection.Name)]
public class GeneratorTests
{
    private static T OnNewThread<T>(Func<T> f)
    {
        T result = default!;
        var t = new Thread(() => result = f());
        t.Start();
        t.Join();
        return result;
    }

    [Fact]
    public void TwoThreadsDoNotDrawTheSameStream()
    {
        Tensor.ManualSeed(11);
        float[] a = OnNewThread(() => Tensor.Rand(64).ToArray<float>());
        float[] b = OnNewThread(() => Tensor.Rand(64).ToArray<float>());
        Assert.NotEqual(a, b);
        // Both came from the one seeded stream, one after the other.
        var reference = new Generator(11);
        var expected = Enumerable.Range(0, 128).Select(_ => (float)reference.NextDouble()).ToArray();
        Assert.Equal(expected, a.Concat(b).ToArray());
    }

    [Fact]
    public void ConcurrentDrawsShareOutTheStreamWithoutRepeatsOrLosses()
    {
        const int threads = 4, draws = 20000;
        Tensor.ManualSeed(123);
        var got = new ulong[threads][];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = new ulong[draws];
            for (int i = 0; i < draws; i++) mine[i] = Generator.Default.NextUInt64();
            got[t] = mine;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var reference = new Generator(123);
        var expected = Enumerable.Range(0, threads * draws).Select(_ => reference.NextUInt64()).Order().ToArray();
        Assert.Equal(expected, got.SelectMany(g => g).Order().ToArray());
    }

    [Fact]
    public void EachRandomOpDrawsAContiguousRunOfTheStream()
    {
        const int threads = 4, ops = 50, size = 257;
        Tensor.ManualSeed(5);
        var tensors = new List<float[]>[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            tensors[t] = [];
            for (int i = 0; i < ops; i++) tensors[t].Add(Tensor.Rand(size).ToArray<float>());
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var reference = new Generator(5);
        var runs = new HashSet<string>();
        for (int k = 0; k < threads * ops; k++)
        {
            var run = new float[size];
            for (int i = 0; i < size; i++) run[i] = (float)reference.NextDouble();
            runs.Add(string.Join(",", run));
        }
        var drawn = tensors.SelectMany(t => t).Select(values => string.Join(",", values)).ToList();
        Assert.All(drawn, values => Assert.Contains(values, runs));
        Assert.Equal(threads * ops, drawn.Distinct().Count());
    }

    [Fact]
    public void ManualSeedMakesDefaultInitializationReproducible()
    {
        Tensor.ManualSeed(3);
        var c = new Linear(5, 7);
        Tensor.ManualSeed(3);
        var d = new Linear(5, 7);
        Assert.Equal(c.Weight.ToArray<float>(), d.Weight.ToArray<float>());
    }

    [Fact]
    public void ManualSeedMakesTheDefaultShuffleReproducible()
    {
        var data = new TensorDataset(Tensor.Arange(30));
        Tensor.ManualSeed(7);
        var a = DataLoader.Create(data, 30, shuffle: true).First()[0].ToArray<long>();
        Tensor.ManualSeed(7);
        var b = DataLoader.Create(data, 30, shuffle: true).First()[0].ToArray<long>();
        Assert.Equal(a, b);
        Assert.NotEqual(Enumerable.Range(0, 30).Select(i => (long)i), a);
    }
}
