using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Ember.Data;

namespace Ember.Tests.Data;

/// <summary>
/// Randomness drawn inside a data set (issue 13, item 2) and the lifetime of the prefetching thread (item 8).
/// </summary>
public class DataLoaderBackgroundTests
{
    /// <summary>
    /// Each sample is fresh noise from the default generator, as a user's augmentation would draw it.
    /// </summary>
    private sealed class Noise(int n) : Dataset<Tensor[]>
    {
        public override int Count => n;
        public override Tensor[] this[int index] => [Tensor.Rand(3), Tensor.Randn(2)];
    }

    private static List<float[]> Epochs(int prefetch, long seed, int epochs = 2, bool shuffle = false)
    {
        var loader = DataLoader.Create(new Noise(20), 4, shuffle: shuffle, generator: new Generator(seed),
            prefetch: prefetch);
        var r = new List<float[]>();
        for (int e = 0; e < epochs; e++)
            foreach (var b in loader) r.Add([.. b[0].ToArray<float>(), .. b[1].ToArray<float>()]);
        return r;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void RandomSamplesAreFreshEveryEpoch(int prefetch)
    {
        var r = Epochs(prefetch, seed: 1);
        Assert.NotEqual(r.Take(5).SelectMany(x => x), r.Skip(5).SelectMany(x => x));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomSamplesDoNotDependOnPrefetchAndReproduceWithTheSeed(bool shuffle)
    {
        var plain = Epochs(0, seed: 4, shuffle: shuffle);
        Assert.Equal(plain, Epochs(2, seed: 4, shuffle: shuffle));
        Assert.Equal(plain, Epochs(1, seed: 4, shuffle: shuffle));
        Assert.NotEqual(plain, Epochs(0, seed: 5, shuffle: shuffle));
    }

    [Fact]
    public void LoadingDoesNotDrawFromTheCallersStreamBetweenBatches()
    {
        // The training loop's own draws (dropout, ...) stay on the default generator: a batch's generator is in
        // effect only while that batch is read and collated.
        var loader = DataLoader.Create(new Noise(8), 4, generator: new Generator(2));
        var seen = new List<float[]>();
        foreach (var b in loader) seen.Add(b[0].ToArray<float>());
        var loader2 = DataLoader.Create(new Noise(8), 4, generator: new Generator(2));
        var again = new List<float[]>();
        foreach (var b in loader2)
        {
            again.Add(b[0].ToArray<float>());
            _ = Tensor.Rand(5); // the caller drawing in between must not shift the data's stream
        }
        Assert.Equal(seen, again);
    }

    /// <summary>Remembers every thread that read a sample.</summary>
    private sealed class ThreadRecorder(int n) : Dataset<int>
    {
        public readonly ConcurrentDictionary<Thread, bool> Readers = new();
        public override int Count => n;
        public override int this[int index]
        {
            get
            {
                Readers.TryAdd(Thread.CurrentThread, true);
                return index;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StartAndAbandon(DataLoader<int, int[]> loader, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var e = loader.GetEnumerator();
            Assert.True(e.MoveNext());
        }
    }

    [Fact]
    public void AnAbandonedPrefetchingEnumeratorDoesNotKeepItsThread()
    {
        var ds = new ThreadRecorder(1000);
        var loader = DataLoader.Create(ds, 2, s => s.ToArray(), prefetch: 1);
        StartAndAbandon(loader, 8);
        var producers = ds.Readers.Keys.Where(t => t != Thread.CurrentThread).ToList();
        Assert.Equal(8, producers.Count);
        bool allGone = SpinWait.SpinUntil(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
            return producers.All(t => !t.IsAlive);
        }, TimeSpan.FromSeconds(20));
        Assert.True(allGone, $"{producers.Count(t => t.IsAlive)} of 8 producer threads outlived their enumerators");
    }
}
