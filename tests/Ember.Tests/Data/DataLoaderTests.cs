using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Ember.Data;

namespace Ember.Tests.Data;

public class DataLoaderTests
{
    /// <summary>Sample i is i itself, so batches show exactly which samples they hold.</summary>
    private sealed class Numbers(int n) : Dataset<int>
    {
        public int Reads;

        public override int Count => n;

        public override int this[int index]
        {
            get
            {
                CheckIndex(index, n);
                Interlocked.Increment(ref Reads);
                return index;
            }
        }
    }

    private static int[] Ids(IReadOnlyList<int> samples) => samples.ToArray();

    private static DataLoader<int, int[]> Loader(int n, int batch, bool shuffle = true, bool dropLast = false,
        long seed = 1, int prefetch = 0) =>
        DataLoader.Create(new Numbers(n), batch, Ids, shuffle, dropLast, new Generator(seed), prefetch);

    private static List<int[]> Epoch(DataLoader<int, int[]> loader) => loader.ToList();

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 3)]
    public void EachSampleOncePerEpoch(bool shuffle, int prefetch)
    {
        var loader = Loader(103, 10, shuffle, prefetch: prefetch);
        Assert.Equal(11, loader.Count);
        for (int e = 0; e < 3; e++)
        {
            var batches = Epoch(loader);
            Assert.Equal(11, batches.Count);
            Assert.All(batches.Take(10), b => Assert.Equal(10, b.Length));
            Assert.Equal(3, batches[^1].Length);
            Assert.Equal(Enumerable.Range(0, 103), batches.SelectMany(b => b).Order());
            if (!shuffle) Assert.Equal(Enumerable.Range(0, 103), batches.SelectMany(b => b));
        }
    }

    [Fact]
    public void SameSeedSameOrderNewOrderEachEpoch()
    {
        var a = Loader(50, 8, seed: 42);
        var b = Loader(50, 8, seed: 42);
        var a1 = Epoch(a).SelectMany(x => x).ToArray();
        var a2 = Epoch(a).SelectMany(x => x).ToArray();
        Assert.Equal(a1, Epoch(b).SelectMany(x => x).ToArray());
        Assert.Equal(a2, Epoch(b).SelectMany(x => x).ToArray());
        Assert.NotEqual(a1, a2);
        Assert.NotEqual(a1, Enumerable.Range(0, 50).ToArray());
        Assert.NotEqual(a1, Epoch(Loader(50, 8, seed: 43)).SelectMany(x => x).ToArray());
    }

    [Fact]
    public void DropLastDropsOnlyAnIncompleteBatch()
    {
        var loader = Loader(103, 10, dropLast: true);
        Assert.Equal(10, loader.Count);
        var batches = Epoch(loader);
        Assert.Equal(10, batches.Count);
        Assert.All(batches, b => Assert.Equal(10, b.Length));
        Assert.Equal(100, batches.SelectMany(b => b).Distinct().Count());
        Assert.Equal(10, Loader(100, 10, dropLast: true).Count);
        Assert.Equal(0, Loader(5, 10, dropLast: true).Count);
        Assert.Single(Epoch(Loader(5, 10)));
    }

    [Fact]
    public void PrefetchDoesNotChangeResults()
    {
        // With a random transform drawing from its own generator inside the loader, too.
        static List<float[]> Run(int prefetch)
        {
            var flip = new RandomHorizontalFlip(0.5, new Generator(3));
            var images = new Numbers(40).Map(i => (new Image([(byte)i, (byte)(i + 1), 0], 1, 3), (long)i))
                .WithTransform<Image, Image>(flip);
            var loader =
                DataLoader.Create(images, 6, Collate.Images(), shuffle: true, generator: new Generator(9),
                prefetch: prefetch);
            var r = new List<float[]>();
            for (int e = 0; e < 2; e++)
                foreach (var (x, y) in loader)
                {
                    r.Add(x.ToArray<float>()); r.Add(y.ToArray<long>().Select(v => (float)v).ToArray());
                }
            return r;
        }
        var plain = Run(0);
        Assert.Equal(plain, Run(1));
        Assert.Equal(plain, Run(4));
    }

    [Fact]
    public void PrefetchRunsAheadAndStopsWhenTheLoopBreaks()
    {
        var ds = new Numbers(1000);
        var loader = DataLoader.Create(ds, 10, Ids, prefetch: 2);
        foreach (var b in loader)
        {
            // the producer fills the queue meanwhile (bounded wait: the machine may be busy)
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref ds.Reads) > 10, TimeSpan.FromSeconds(10)),
                "nothing was prefetched");
            break;
        }
        // Leaving the loop disposes the enumerator, which stops and joins the producer.
        int reads = ds.Reads;
        Assert.True(reads <= 40,
            $"the producer read {reads} samples: more than the consumed batch, 2 queued and 1 in progress");
        Thread.Sleep(30);
        Assert.Equal(reads, ds.Reads);
    }

    [Fact]
    public void ErrorsInTheProducerReachTheConsumer()
    {
        var loader =
            DataLoader.Create(new Numbers(30), 10,
            s => s[0] == 10 ? throw new InvalidOperationException("bad batch") : Ids(s), prefetch: 2);
        using var e = loader.GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal("bad batch", Assert.Throws<InvalidOperationException>(() => e.MoveNext()).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void SaveAndRestoreResumesMidEpoch(int prefetch)
    {
        var reference = Loader(57, 5, seed: 11, prefetch: prefetch);
        var epoch0 = Epoch(reference);
        var epoch1 = Epoch(reference);

        var loader = Loader(57, 5, seed: 11, prefetch: prefetch);
        var seen = new List<int[]>();
        foreach (var b in loader) { seen.Add(b); if (seen.Count == 4) break; }
        DataLoaderState state = loader.GetState();
        Assert.Equal((0, 4), (state.Epoch, state.BatchIndex));

        // Through JSON, as a checkpoint would store it, into a fresh loader with another seed.
        var restored = JsonSerializer.Deserialize<DataLoaderState>(JsonSerializer.Serialize(state))!;
        var resumed = Loader(57, 5, seed: 999, prefetch: prefetch);
        resumed.LoadState(restored);
        var rest = Epoch(resumed);
        Assert.Equal(epoch0, seen.Concat(rest).ToList());
        Assert.Equal((1, 0), (resumed.GetState().Epoch, resumed.GetState().BatchIndex));
        Assert.Equal(epoch1, Epoch(resumed));   // later epochs continue the same sequence
    }

    [Fact]
    public void StateAtAnEpochBoundaryAndANewLoopStartsANewEpoch()
    {
        var loader = Loader(20, 5);
        Assert.Equal(new DataLoaderState(0, 0, loader.GetState().Seed, null), loader.GetState());
        var first = Epoch(loader);
        Assert.Equal((1, 0), (loader.GetState().Epoch, loader.GetState().BatchIndex));
        foreach (var _ in loader) break;   // abandoned epoch 1 after one batch
        var again = Epoch(loader);         // as in PyTorch, a new loop is a new epoch (2), not a resume
        var reference = Loader(20, 5);
        Epoch(reference); Epoch(reference);
        Assert.Equal(Epoch(reference), again);
        Assert.NotEqual(first, again);
    }

    [Fact]
    public void LoadStateRejectsAStateFromAnotherDataSet()
    {
        var loader = Loader(20, 5);
        Assert.Throws<ArgumentException>(() => loader.LoadState(new DataLoaderState(0, 1, 0, new int[19])));
        Assert.Throws<ArgumentException>(() => loader.LoadState(new DataLoaderState(0, 5, 0, null)));
    }

    private sealed class Stream(int n) : IterableDataset<int>
    {
        public override IEnumerator<int> GetEnumerator()
        {
            for (int i = 0; i < n; i++) yield return i;
        }
    }

    [Fact]
    public void IterableDatasetBatchesConsecutiveSamplesAndResumes()
    {
        var loader = DataLoader.Create(new Stream(23), 5, Ids);
        var all = loader.ToList();
        Assert.Equal(5, all.Count);
        Assert.Equal(Enumerable.Range(0, 23), all.SelectMany(b => b));
        Assert.Equal(4,
            DataLoader.Create(new Stream(23), 5, Ids, dropLast: true).ToList()
            .Count); // enumerated: a stream has no length up front
        var resumed = DataLoader.Create(new Stream(23), 5, Ids, prefetch: 1);
        resumed.LoadState(new DataLoaderState(0, 3, 0, null));
        Assert.Equal(all.Skip(3), resumed.ToList());
    }

    [Fact]
    public void TensorDatasetRowsAndDefaultCollate()
    {
        var x = Tensor.From(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), [6, 2]);
        var y = Tensor.From(new long[] { 0, 1, 2, 3, 4, 5 });
        var ds = new TensorDataset(x, y);
        Assert.Equal(6, ds.Count);
        Assert.Equal(new float[] { 4, 5 }, ds[2][0].ToArray<float>());
        Assert.Equal(2L, ds[2][1].Item<long>());
        var batches = DataLoader.Create(ds, 4).ToList();
        Assert.Equal(new[] { 4, 2 }, batches[0][0].Shape.ToArray());
        Assert.Equal(new[] { 2, 2 }, batches[1][0].Shape.ToArray());
        Assert.Equal(new long[] { 4, 5 }, batches[1][1].ToArray<long>());
        Assert.Equal(DType.Int64, batches[0][1].DType);
        // Rows of a transposed (strided) tensor are copied correctly too.
        var xt = Tensor.From(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), [2, 6]).T;
        Assert.Equal(new float[] { 1, 7, 2, 8 },
            DataLoader.Create(new TensorDataset(xt), 6).First()[0].ToArray<float>()[2..6]);
        Assert.Contains("size mismatch",
            Assert.Throws<ArgumentException>(() => new TensorDataset(x, Tensor.From(new long[] { 1 }))).Message);
    }

    [Fact]
    public void SubsetRandomSplitAndConcat()
    {
        var ds = new Numbers(10);
        var parts = Dataset.RandomSplit(ds, new[] { 7, 3 }, new Generator(1));
        Assert.Equal(7, parts[0].Count);
        Assert.Equal(Enumerable.Range(0, 10), parts[0].Concat(parts[1]).Order());
        Assert.Equal(parts[0].Indices, Dataset.RandomSplit(ds, new[] { 7, 3 }, new Generator(1))[0].Indices);
        var byFraction = Dataset.RandomSplit(new Numbers(11), new[] { 0.5, 0.5 }, new Generator(1));
        Assert.Equal((6, 5),
            (byFraction[0].Count, byFraction[1].Count));   // PyTorch deals the remainder from the first part
        Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(ds, new[] { 7, 4 }));
        var cat = new ConcatDataset<int>(new Numbers(3), new Numbers(0), new Numbers(2));
        Assert.Equal(new[] { 0, 1, 2, 0, 1 }, cat.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => cat[5]);
        Assert.Equal(new[] { 4, 2 }, new Subset<int>(ds, new[] { 4, 2 }).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Subset<int>(ds, new[] { 10 }));
    }

    [Fact]
    public void FashionMnistSliceThroughTheLoader()
    {
        var ds = Datasets.FashionMnist(IdxTests.SliceDir, train: false);
        var loader = DataLoader.Create(ds, 32, Collate.Images(), dropLast: false);
        var (x, y) = loader.First();
        Assert.Equal(new[] { 32, 1, 28, 28 }, x.Shape.ToArray());
        Assert.Equal(DType.Float32, x.DType);
        Assert.Equal(DType.Int64, y.DType);
        float[] px = x.ToArray<float>();
        Assert.Equal(ds[0].Image.Pixels.Sum(b => (double)b) / 255, px.Take(784).Sum(v => (double)v), 1e-3);
        Assert.True(px.Min() >= 0 && px.Max() <= 1);
        // the per-sample transform path gives the same batch as the fused collate
        var t = new Compose<Image, Tensor>(new ToTensor(), new Normalize([0.5], [0.25]));
        var (x2, y2) = DataLoader.Create(ds.WithTransform(t), 32).First();
        var (x3, _) = DataLoader.Create(ds, 32, Collate.Images([0.5], [0.25])).First();
        Assert.Equal(x3.ToArray<float>(), x2.ToArray<float>());
        Assert.Equal(y.ToArray<long>(), y2.ToArray<long>());
    }
}
