using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;

namespace Ember.Tests.Ops.Indexing;

/// <summary>
/// Property-based checks (CsCheck) on random shapes: views, broadcasting, indexing and assignment agree with a naive
/// reference that walks multi-indices by hand. Tensors hold their own flat positions (0, 1, 2, ...), so a value says
/// which source element it came from.
/// </summary>
public class IndexingPropertyTests
{
    private static readonly Gen<(int[] Shape, int Seed)> s_shapeAndSeed =
        Gen.Select(Gen.Int[1, 4].Array[1, 4], Gen.Int[0, 1_000_000]);

    private const int Iterations = 150;

    private static Tensor Positions(int[] shape) =>
        Tensor.Arange(0, shape.Aggregate(1, (a, b) => a * b), 1, DType.Float64).Reshape(shape);

    private static int Flat(int[] shape, int[] idx)
    {
        int f = 0;
        for (int d = 0; d < shape.Length; d++) f = f * shape[d] + idx[d];
        return f;
    }

    /// <summary>Every multi-index of <paramref name="shape"/> in row-major order.</summary>
    private static IEnumerable<int[]> All(int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        for (int f = 0; f < n; f++)
        {
            var idx = new int[shape.Length];
            for (int d = shape.Length - 1, r = f; d >= 0; d--) { idx[d] = r % shape[d]; r /= shape[d]; }
            yield return idx;
        }
    }

    /// <summary>A result axis of basic indexing: the source dim and the source positions it walks (null source: a new
    /// axis).</summary>
    private sealed record Axis(int? Source, int[] Positions);

    /// <summary>Draws a random basic subscript and computes, by hand, what it selects.</summary>
    private static (TensorIndex[] Index, List<Axis> Axes, Dictionary<int, int> Fixed) RandomBasicIndex(int[] shape,
        Random rng)
    {
        var index = new List<TensorIndex>();
        var axes = new List<Axis>();
        var fix = new Dictionary<int, int>();
        int consumedBudget = rng.Next(shape.Length + 1), dim = 0;
        bool ellipsis = false;
        var entries = new List<int>(); // 0 int, 1 slice, 2 new axis, 3 ellipsis
        for (int i = 0; i < consumedBudget; i++) entries.Add(rng.Next(2));
        for (int i = rng.Next(2); i > 0; i--) entries.Insert(rng.Next(entries.Count + 1), 2);
        if (rng.Next(3) == 0) entries.Insert(rng.Next(entries.Count + 1), 3);
        int consumed = entries.Count(e => e < 2);
        foreach (int e in entries)
        {
            switch (e)
            {
                case 0:
                    {
                        int size = shape[dim], i = rng.Next(-size, size);
                        index.Add(rng.Next(2) == 0 ? (TensorIndex)i : i < 0 ? (TensorIndex)(^(-i))
                            : (TensorIndex)new Index(i));
                        fix[dim++] = i < 0 ? i + size : i;
                        break;
                    }
                case 1:
                    {
                        int size = shape[dim];
                        int? start = rng.Next(3) == 0 ? null : rng.Next(-size - 1, size + 2);
                        int? stop = rng.Next(3) == 0 ? null : rng.Next(-size - 1, size + 2);
                        int step = rng.Next(1, 4);
                        index.Add(TensorIndex.Slice(start, stop, step));
                        int s = start ?? 0, t = stop ?? size;
                        if (s < 0) s += size;
                        if (t < 0) t += size;
                        s = Math.Clamp(s, 0, size);
                        t = Math.Clamp(t, 0, size);
                        var pos = new List<int>();
                        for (int p = s; p < t; p += step) pos.Add(p);
                        axes.Add(new Axis(dim++, pos.ToArray()));
                        break;
                    }
                case 2:
                    index.Add(TensorIndex.NewAxis);
                    axes.Add(new Axis(null, [0]));
                    break;
                default:
                    index.Add(TensorIndex.Ellipsis);
                    ellipsis = true;
                    for (int k = 0; k < shape.Length - consumed; k++, dim++)
                        axes.Add(new Axis(dim, Enumerable.Range(0, shape[dim]).ToArray()));
                    break;
            }
        }
        for (; dim < shape.Length; dim++) axes.Add(new Axis(dim, Enumerable.Range(0, shape[dim]).ToArray()));
        _ = ellipsis;
        return (index.ToArray(), axes, fix);
    }

    private static int SourceFlat(int[] shape, List<Axis> axes, Dictionary<int, int> fix, int[] resultIdx)
    {
        var src = new int[shape.Length];
        foreach (var (d, p) in fix) src[d] = p;
        for (int a = 0; a < axes.Count; a++)
            if (axes[a].Source is int d) src[d] = axes[a].Positions[resultIdx[a]];
        return Flat(shape, src);
    }

    [Fact]
    public void BasicIndexingMatchesNaiveReference() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var rng = new Random(seed);
        var (index, axes, fix) = RandomBasicIndex(shape, rng);
        Tensor x = Positions(shape);
        Tensor y = x[index];
        int[] expectedShape = axes.Select(a => a.Positions.Length).ToArray();
        Assert.Equal(expectedShape, y.Shape.ToArray());
        double[] got = y.ToArray<double>();
        int k = 0;
        foreach (var idx in All(expectedShape)) Assert.Equal(SourceFlat(shape, axes, fix, idx), got[k++]);
    }, iter: Iterations, threads: 1);

    [Fact]
    public void BasicIndexingGivesViewsThatShareStorage() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var (index, axes, fix) = RandomBasicIndex(shape, new Random(seed));
        Tensor x = Positions(shape);
        Tensor y = x[index];
        if (y.NumEl == 0) return;
        // A write through the original shows up in the view: same storage.
        int[] first = new int[y.Dim];
        int src = SourceFlat(shape, axes, fix, first);
        x.View(-1)[src] = Tensor.From(-1.0);
        Assert.Equal(-1.0, y.ToArray<double>()[0]);
    }, iter: Iterations, threads: 1);

    [Fact]
    public void AssignmentThroughBasicIndexWritesExactlyTheSelectedElements() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var (index, axes, fix) = RandomBasicIndex(shape, new Random(seed));
        Tensor x = Tensor.Zeros(shape, DType.Float64);
        int[] viewShape = axes.Select(a => a.Positions.Length).ToArray();
        x[index] = Positions(viewShape) + 1000.0;
        var expected = new double[x.NumEl];
        int k = 0;
        foreach (var idx in All(viewShape)) expected[SourceFlat(shape, axes, fix, idx)] = 1000 + k++;
        Assert.Equal(expected, x.ToArray<double>());
    }, iter: Iterations, threads: 1);

    [Fact]
    public void IndexTensorAlongOneDimMatchesNaiveReference() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var rng = new Random(seed);
        int d = rng.Next(shape.Length), size = shape[d];
        int[] idxShape = Enumerable.Range(0, rng.Next(1, 3)).Select(_ => rng.Next(1, 4)).ToArray();
        long[] idx = Enumerable.Range(0, idxShape.Aggregate(1, (a, b) => a * b))
            .Select(_ => (long)rng.Next(-size, size)).ToArray();
        var subscript = Enumerable.Repeat((TensorIndex)(..), d).Append(Tensor.From(idx, idxShape)).ToArray();
        Tensor y = Positions(shape)[subscript];
        int[] expectedShape = [.. shape[..d], .. idxShape, .. shape[(d + 1)..]];
        Assert.Equal(expectedShape, y.Shape.ToArray());
        double[] got = y.ToArray<double>();
        int k = 0;
        foreach (var r in All(expectedShape))
        {
            int j = Flat(idxShape, r[d..(d + idxShape.Length)]);
            long p = idx[j] < 0 ? idx[j] + size : idx[j];
            int[] src = [.. r[..d], (int)p, .. r[(d + idxShape.Length)..]];
            Assert.Equal(Flat(shape, src), got[k++]);
        }
        // IndexSelect agrees for 1-D indices.
        if (idxShape.Length == 1 && idx.All(v => v >= 0))
            Assert.Equal(got, Positions(shape).IndexSelect(d, Tensor.From(idx)).ToArray<double>());
    }, iter: Iterations, threads: 1);

    [Fact]
    public void MaskSelectsTrueElementsInRowMajorOrder() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var rng = new Random(seed);
        bool[] m = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => rng.Next(2) == 0).ToArray();
        Tensor mask = Tensor.From(m, shape);
        double[] expected = m.Select((b, i) => (b, i)).Where(t => t.b).Select(t => (double)t.i).ToArray();
        Assert.Equal(expected, Positions(shape)[mask].ToArray<double>());
        Assert.Equal(expected, Positions(shape).MaskedSelect(mask).ToArray<double>());
        var filled = Positions(shape).MaskedFill(mask, -1.0).ToArray<double>();
        Assert.Equal(m.Select((b, i) => b ? -1.0 : i).ToArray(), filled);
        var x = Positions(shape);
        x[mask] = Tensor.From(-2.0);
        Assert.Equal(m.Select((b, i) => b ? -2.0 : i).ToArray(), x.ToArray<double>());
    }, iter: Iterations, threads: 1);

    /// <summary>A shape that broadcasts with <paramref name="shape"/>: some dims set to 1, some leading dims
    /// dropped.</summary>
    private static int[] Broadcastable(int[] shape, Random rng)
    {
        int drop = rng.Next(shape.Length);
        return shape[drop..].Select(s => rng.Next(2) == 0 ? 1 : s).ToArray();
    }

    private static int BroadcastFlat(int[] full, int[] small, int[] idx)
    {
        int lead = full.Length - small.Length, f = 0;
        for (int d = 0; d < small.Length; d++) f = f * small[d] + (small[d] == 1 ? 0 : idx[lead + d]);
        return f;
    }

    [Fact]
    public void BroadcastingMatchesNaiveReference() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var rng = new Random(seed);
        int[] bs = Broadcastable(shape, rng), cs = Broadcastable(shape, rng);
        Tensor a = Positions(shape), b = Positions(bs) * 1000.0;
        bool[] cond = Enumerable.Range(0, cs.Aggregate(1, (p, q) => p * q)).Select(_ => rng.Next(2) == 0).ToArray();
        Tensor c = Tensor.From(cond, cs);
        // Both orders of the operands broadcast to the full shape.
        double[] sum = (b + a).ToArray<double>(), where = Tensor.Where(c, b, a).ToArray<double>(),
            expanded = b.Expand(shape).Contiguous().ToArray<double>();
        int k = 0;
        foreach (var idx in All(shape))
        {
            double av = Flat(shape, idx), bv = 1000.0 * BroadcastFlat(shape, bs, idx);
            Assert.Equal(av + bv, sum[k]);
            Assert.Equal(cond[BroadcastFlat(shape, cs, idx)] ? bv : av, where[k]);
            Assert.Equal(bv, expanded[k]);
            k++;
        }
    }, iter: Iterations, threads: 1);

    [Fact]
    public void PermutedViewsReadLikeTheNaiveTranspose() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var rng = new Random(seed);
        int[] perm = Enumerable.Range(0, shape.Length).OrderBy(_ => rng.Next()).ToArray();
        Tensor y = Positions(shape).Permute(perm);
        int[] pshape = perm.Select(p => shape[p]).ToArray();
        double[] got = y.Reshape(-1).ToArray<double>();
        int k = 0;
        foreach (var idx in All(pshape))
        {
            var src = new int[shape.Length];
            for (int i = 0; i < perm.Length; i++) src[perm[i]] = idx[i];
            Assert.Equal(Flat(shape, src), got[k++]);
        }
        // Flip twice is the identity; Roll then roll back too.
        int d = rng.Next(shape.Length);
        Assert.Equal(y.Contiguous().ToArray<double>(), y.Flip(d).Flip(d).ToArray<double>());
        Assert.Equal(y.Contiguous().ToArray<double>(), y.Roll(3, d).Roll(-3, d).ToArray<double>());
    }, iter: Iterations, threads: 1);

    [Fact]
    public void SplitsAndJoinsRoundTrip() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var rng = new Random(seed);
        int d = rng.Next(shape.Length);
        Tensor x = Positions(shape);
        double[] all = x.ToArray<double>();
        Tensor[] pieces = x.Split(rng.Next(1, 4), d);
        Assert.Equal(all, Tensor.Cat(pieces, d).ToArray<double>());
        int chunks = rng.Next(1, 5);
        Tensor[] ch = x.Chunk(chunks, d);
        Assert.True(ch.Length <= chunks);
        Assert.Equal(all, Tensor.Cat(ch, d).ToArray<double>());
        Assert.Equal(all, Tensor.Stack(x.Unbind(d), d).ToArray<double>());
        Tensor rep = x.Repeat([.. Enumerable.Repeat(1, shape.Length - 1), 2]);
        Assert.Equal(all, rep.Narrow(-1, 0, shape[^1]).Contiguous().ToArray<double>());
        Assert.Equal(all, rep.Narrow(-1, shape[^1], shape[^1]).Contiguous().ToArray<double>());
    }, iter: Iterations, threads: 1);

    [Fact]
    public void GatherAndScatterMatchNaiveReference() => s_shapeAndSeed.Sample((shape, seed) =>
    {
        var rng = new Random(seed);
        int d = rng.Next(shape.Length);
        int[] ishape = shape.Select((s, i) => i == d ? rng.Next(1, 5) : rng.Next(1, s + 1)).ToArray();
        long[] idx = Enumerable.Range(0, ishape.Aggregate(1, (a, b) => a * b)).Select(_ => (long)rng.Next(shape[d]))
            .ToArray();
        Tensor index = Tensor.From(idx, ishape);
        double[] got = Positions(shape).Gather(d, index).ToArray<double>();
        double[] added = Tensor.Zeros(shape, DType.Float64).ScatterAdd(d, index, Tensor.Ones(ishape, DType.Float64))
            .ToArray<double>();
        var expectedAdded = new double[added.Length];
        int k = 0;
        foreach (var i in All(ishape))
        {
            int[] src = (int[])i.Clone();
            src[d] = (int)idx[k];
            Assert.Equal(Flat(shape, src), got[k]);
            expectedAdded[Flat(shape, src)] += 1;
            k++;
        }
        Assert.Equal(expectedAdded, added);
    }, iter: Iterations, threads: 1);
}
