using System;
using System.Collections.Generic;
using Ember.Data;
using Ember.Distributed;

namespace Ember.Distributed.Tests;

public class SamplerTests
{
    private sealed class Range(int n) : Dataset<int>
    {
        public override int Count => n;
        public override int this[int index] => index;
    }

    private static List<int> Read(DistributedSampler<int> s)
    {
        var xs = new List<int>();
        foreach (int x in s) xs.Add(x);
        return xs;
    }

    [Theory]
    [InlineData(10, 2, false)]
    [InlineData(10, 3, false)]
    [InlineData(10, 3, true)]
    [InlineData(7, 4, false)]
    public void Ranks_GetEqualCounts_CoveringTheDataSet(int n, int world, bool dropLast)
    {
        var all = new List<int>();
        int expected = dropLast ? n / world : (n + world - 1) / world;
        for (int r = 0; r < world; r++)
        {
            var s = new DistributedSampler<int>(new Range(n), world, r, shuffle: true, seed: 5, dropLast: dropLast);
            var xs = Read(s);
            Assert.Equal(expected, xs.Count);
            all.AddRange(xs);
        }
        var distinct = new HashSet<int>(all);
        if (dropLast)
            Assert.Equal(all.Count, distinct.Count);               // disjoint, the tail dropped
        else
            Assert.Equal(n, distinct.Count);                       // every sample, a few repeated as padding
        Assert.Equal(expected * world, all.Count);
    }

    [Fact]
    public void Padding_RepeatsTheFirstIndices_WithoutShuffle()
    {
        var r0 = Read(new DistributedSampler<int>(new Range(5), 2, 0, shuffle: false));
        var r1 = Read(new DistributedSampler<int>(new Range(5), 2, 1, shuffle: false));
        Assert.Equal([0, 2, 4], r0);
        Assert.Equal([1, 3, 0], r1);
    }

    [Fact]
    public void SetEpoch_ChangesTheOrder_TheSameWayOnEveryRank()
    {
        var a0 = new DistributedSampler<int>(new Range(100), 2, 0, seed: 1);
        var a1 = new DistributedSampler<int>(new Range(100), 2, 1, seed: 1);
        var epoch0 = Read(a0);
        a0.SetEpoch(1);
        a1.SetEpoch(1);
        var epoch1 = Read(a0);
        Assert.NotEqual(epoch0, epoch1);
        var union = new HashSet<int>(epoch1);
        union.UnionWith(Read(a1));
        Assert.Equal(100, union.Count);                            // still a partition after the reshuffle
        var again = new DistributedSampler<int>(new Range(100), 2, 0, seed: 1);
        again.SetEpoch(1);
        Assert.Equal(epoch1, Read(again));                          // reproducible from (seed, epoch)
        Assert.NotEqual(epoch1, Read(new DistributedSampler<int>(new Range(100), 2, 0, seed: 2)));
    }

    [Fact]
    public void GlobalBatch_OfTwoRanks_IsTheSingleRankBatchOfTwiceTheSize()
    {
        var single = new DistributedSampler<int>(new Range(64), 1, 0, seed: 3).Indices.ToArray();
        var r0 = new DistributedSampler<int>(new Range(64), 2, 0, seed: 3).Indices.ToArray();
        var r1 = new DistributedSampler<int>(new Range(64), 2, 1, seed: 3).Indices.ToArray();
        for (int k = 0; k < 4; k++)
        {
            var global = new HashSet<int>(r0.AsSpan(k * 8, 8).ToArray());
            global.UnionWith(r1.AsSpan(k * 8, 8).ToArray());
            Assert.True(global.SetEquals(single.AsSpan(k * 16, 16).ToArray()));
        }
    }

    [Fact]
    public void BadRank_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler<int>(new Range(4), 2, 2));
        Assert.Contains("rank 2", e.Message, StringComparison.Ordinal);
    }
}
