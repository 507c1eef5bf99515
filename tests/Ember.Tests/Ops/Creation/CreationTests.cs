using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Tests.Ops.Creation;

/// <summary>Creation: From overloads (jagged, span, enumerable), random creation with explicit generators, *Like
/// helpers.</summary>
public class CreationTests
{
    [Fact]
    public void FromJaggedSpanAndEnumerable()
    {
        var f = Tensor.From(new[] { new[] { 1f, 2f }, new[] { 3f, 4f }, new[] { 5f, 6f } });
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal(new[] { 3, 2 }, f.Shape.ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, f.ToArray<float>());
        Assert.Equal(DType.Float64, Tensor.From(new[] { new[] { 1.0 } }, requiresGrad: true).DType);
        Assert.Equal(DType.Int64, Tensor.From(new[] { new[] { 1L, 2L } }).DType);
        Assert.Equal(DType.Int32, Tensor.From(new[] { new[] { 1 }, new[] { 2 } }).DType);
        Assert.Equal(DType.Bool, Tensor.From(new[] { new[] { true } }).DType);
        Assert.Equal(new[] { 0, 0 }, Tensor.From(Array.Empty<double[]>()).Shape.ToArray());
        var e = Assert.Throws<ArgumentException>(() => Tensor.From(new[] { new[] { 1.0, 2.0 }, new[] { 3.0 } }));
        Assert.Contains("ragged: row 1 has length 1, expected 2", e.Message);

        ReadOnlySpan<double> span = stackalloc double[] { 1, 2, 3 };
        var s = Tensor.From(span);
        Assert.Equal(new double[] { 1, 2, 3 }, s.ToArray<double>());
        var list = new List<long> { 4, 5 };
        var l = Tensor.From(list);
        Assert.Equal(DType.Int64, l.DType);
        Assert.Equal(new long[] { 4, 5 }, l.ToArray<long>());
        Assert.Equal(new float[] { 0, 1, 4 },
            Tensor.From(Enumerable.Range(0, 3).Select(i => (float)(i * i))).ToArray<float>());
        // The data is copied.
        var arr = new[] { 1.0, 2.0 };
        var t = Tensor.From(arr.AsSpan());
        arr[0] = 9;
        Assert.Equal(1.0, t.ToArray<double>()[0]);
    }

    [Fact]
    public void EyeAndLinspaceEdgeCases()
    {
        Assert.Equal(new float[] { 1, 0, 0, 1 }, Tensor.Eye(2).ToArray<float>());
        Assert.Equal(new[] { 0, 3 }, Tensor.Eye(0, 3).Shape.ToArray());
        Assert.Empty(Tensor.Linspace(0, 1, 0).ToArray<float>());
        Assert.Equal(new long[] { 0, 2, 5, 7, 10 }, Tensor.Linspace(0, 10, 5, DType.Int64).ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Linspace(0, 1, -1));
    }

    [Fact]
    public void RandomCreationIsReproducibleWithAGenerator()
    {
        Assert.Equal(Tensor.RandInt(0, 10, [50], new Generator(3)).ToArray<long>(),
            Tensor.RandInt(0, 10, [50], new Generator(3)).ToArray<long>());
        Assert.Equal(Tensor.RandPerm(20, new Generator(3)).ToArray<long>(),
            Tensor.RandPerm(20, new Generator(3)).ToArray<long>());
        var p = Tensor.Full([100], 0.3, DType.Float64);
        Assert.Equal(p.Bernoulli(new Generator(5)).ToArray<double>(), p.Bernoulli(new Generator(5)).ToArray<double>());
        var w = Tensor.From(new[] { 0.1, 0.5, 0.4 });
        Assert.Equal(w.Multinomial(10, true, new Generator(9)).ToArray<long>(),
            w.Multinomial(10, true, new Generator(9)).ToArray<long>());
        var like = Tensor.Zeros([2, 3], DType.Float64);
        Assert.Equal(Tensor.RandLike(like, new Generator(1)).ToArray<double>(),
            Tensor.RandLike(like, new Generator(1)).ToArray<double>());
        Assert.Equal(Tensor.RandnLike(like, new Generator(1)).ToArray<double>(),
            Tensor.RandnLike(like, new Generator(1)).ToArray<double>());
    }

    [Fact]
    public void RandomCreationHasTheRightSupportAndShape()
    {
        var g = new Generator(11);
        long[] r = Tensor.RandInt(-3, 4, [2000], g).ToArray<long>();
        Assert.All(r, v => Assert.InRange(v, -3, 3));
        Assert.Equal(7, r.Distinct().Count());
        Assert.Equal(DType.Int32, Tensor.RandInt(5, [2, 2], g, DType.Int32).DType);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i),
            Tensor.RandPerm(30, g).ToArray<long>().OrderBy(v => v));
        double[] b = Tensor.Bernoulli([4000], 0.25, g, DType.Float64).ToArray<double>();
        Assert.All(b, v => Assert.True(v is 0 or 1));
        Assert.InRange(b.Average(), 0.21, 0.29);
        Assert.Equal(new[] { 2, 3 }, Tensor.FullLike(Tensor.Zeros(2, 3), 7).Shape.ToArray());
        Assert.Equal(7f, Tensor.FullLike(Tensor.Zeros(2, 3), 7).ToArray<float>()[5]);
        Assert.Equal(DType.Int64, Tensor.FullLike(Tensor.Zeros(2, 3), 7, DType.Int64).DType);
        Assert.Throws<ArgumentException>(() => Tensor.From(new[] { 1.5 }).Bernoulli(g));
    }

    [Fact]
    public void MultinomialFollowsTheWeights()
    {
        var g = new Generator(21);
        var w = Tensor.From(new[,] { { 0.0, 1.0, 3.0 }, { 5.0, 0.0, 0.0 } });
        var s = w.Multinomial(4000, replacement: true, generator: g);
        Assert.Equal(new[] { 2, 4000 }, s.Shape.ToArray());
        long[] row0 = s[0].ToArray<long>(), row1 = s[1].ToArray<long>();
        Assert.DoesNotContain(0L, row0);
        Assert.InRange(row0.Count(v => v == 2) / 4000.0, 0.71, 0.79);
        Assert.All(row1, v => Assert.Equal(0L, v));
        // Without replacement each category appears at most once.
        long[] once = Tensor.From(new[] { 1.0, 1.0, 1.0, 1.0 }).Multinomial(4, generator: g).ToArray<long>();
        Assert.Equal(new long[] { 0, 1, 2, 3 }, once.OrderBy(v => v));
        var e = Assert.Throws<ArgumentException>(() => Tensor.From(new[] { 1.0, 0.0 }).Multinomial(2, generator: g));
        Assert.Contains("not enough non-negative categories", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.From(new[] { 1.0, -1.0 }).Multinomial(1, generator: g));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 2, 2]).Multinomial(1, generator: g));
        Assert.Contains("randint: expected low < high",
            Assert.Throws<ArgumentException>(() => Tensor.RandInt(3, 3, [1])).Message);
    }
}
