using System;
using System.Collections.Generic;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>The strided/broadcast drivers against a plain scalar reference over many lengths and layouts.</summary>
public class ElementwiseDriverTests
{
    private static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 4 - 2);
        return a;
    }

    public static IEnumerable<object[]> Lengths()
    {
        for (int n = 0; n <= 257; n += n < 20 ? 1 : 17) yield return [n];
        yield return [257];
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ContiguousBinaryMatchesScalar(int n)
    {
        float[] x = Random(n, 1), y = Random(n, 2), z = new float[n];
        ElementwiseDriver.Binary<float, MultiplyOperator<float>>(x, 0, [1], y, 0, [1], z, [n]);
        for (int i = 0; i < n; i++) Assert.Equal(x[i] * y[i], z[i]);
        ElementwiseDriver.Binary<float, SubtractOperator<float>>(x, 0, [1], y, 0, [0], z, [n]);
        for (int i = 0; i < n; i++) Assert.Equal(x[i] - y[0], z[i]);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void StridedUnaryMatchesScalar(int n)
    {
        // Every third element of a longer buffer, starting at offset 2.
        float[] x = Random(3 * n + 3, 3), y = new float[n];
        ElementwiseDriver.Unary<float, ExpOperator<float>>(x, 2, [3], y, [n]);
        for (int i = 0; i < n; i++) Assert.Equal(MathF.Exp(x[2 + 3 * i]), y[i], 6);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4, 1 }, new[] { 0, 1 })]      // [3,4] + [4]
    [InlineData(new[] { 3, 4 }, new[] { 1, 3 }, new[] { 1, 0 })]      // transposed [4,3] viewed as [3,4] + [3,1]
    [InlineData(new[] { 2, 4, 3 }, new[] { 3, 0, 1 }, new[] { 0, 1, 0 })] // [2,1,3] broadcast with [4,1]
    [InlineData(new[] { 5, 7, 17 }, new[] { 119, 17, 1 }, new[] { 0, 0, 1 })]
    [InlineData(new[] { 7, 1, 129 }, new[] { 129, 129, 1 }, new[] { 1, 0, 7 })]
    public void BroadcastAndStridedBinaryMatchesScalar(int[] shape, int[] xs, int[] ys)
    {
        int n = shape[0] * shape[1] * shape[2 % shape.Length];
        if (shape.Length == 2) n = shape[0] * shape[1];
        float[] x = Random(4096, 4), y = Random(4096, 5), z = new float[n];
        ElementwiseDriver.Binary<float, AddOperator<float>>(x, 1, xs, y, 2, ys, z, shape);
        int k = 0;
        foreach (var idx in Indices(shape))
        {
            int px = 1, py = 2;
            for (int d = 0; d < shape.Length; d++) { px += idx[d] * xs[d]; py += idx[d] * ys[d]; }
            Assert.Equal(x[px] + y[py], z[k++]);
        }
        Assert.Equal(n, k);
    }

    [Fact]
    public void ScatterWritesIntoAStridedView()
    {
        float[] src = [1, 2, 3, 4, 5, 6], dst = new float[12];
        // dst viewed as the transpose of a [3, 4] buffer's first two columns: shape [2, 3], strides [1, 4].
        ElementwiseDriver.Scatter<float>(src, dst, 0, [1, 4], [2, 3]);
        Assert.Equal(new float[] { 1, 4, 0, 0, 2, 5, 0, 0, 3, 6, 0, 0 }, dst);
    }

    [Fact]
    public void MapAndCompareConvertTypes()
    {
        float[] x = [-1.7f, 0f, 2.9f];
        var l = new long[3];
        ElementwiseDriver.Map<float, long, ConvertOperator<float, long>>(x, 0, [1], l, [3]);
        Assert.Equal(new long[] { -1, 0, 2 }, l);
        var b = new bool[3];
        ElementwiseDriver.Compare<float, GreaterThanOperator<float>>(x, 0, [1], [0f], 0, [0], b, [3]);
        Assert.Equal(new[] { false, false, true }, b);
    }

    [Fact]
    public void ZeroSizedAndScalarShapes()
    {
        ElementwiseDriver.Unary<float, NegateOperator<float>>([], 0, [1, 1], [], [0, 5]);
        float[] one = new float[1];
        ElementwiseDriver.Binary<float, AddOperator<float>>([2f], 0, [], [3f], 0, [], one, []);
        Assert.Equal(5f, one[0]);
    }

    private static IEnumerable<int[]> Indices(int[] shape)
    {
        var idx = new int[shape.Length];
        int total = 1;
        foreach (int s in shape) total *= s;
        for (int k = 0; k < total; k++)
        {
            yield return (int[])idx.Clone();
            for (int d = shape.Length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
    }
}

public class ReductionKernelTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 1)]
    [InlineData(2, 5, 17)]
    [InlineData(1, 257, 3)]
    [InlineData(4, 0, 2)]
    public void SumMaxAndSoftmaxMatchScalar(int outer, int n, int inner)
    {
        var r = new Random(outer * 1000 + n * 10 + inner);
        var x = new double[outer * n * inner];
        for (int i = 0; i < x.Length; i++) x[i] = r.NextDouble() * 10 - 5;
        var sum = new double[outer * inner];
        Reduce.Sum<double>(x, outer, n, inner, sum);
        var max = new double[outer * inner];
        var idx = new long[outer * inner];
        if (n > 0) Reduce.Max<double>(x, outer, n, inner, max, idx);
        var sm = new double[x.Length];
        var lsm = new double[x.Length];
        SoftmaxKernel.Softmax<double>(x, outer, n, inner, sm);
        SoftmaxKernel.LogSoftmax<double>(x, outer, n, inner, lsm);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double s = 0, m = double.NegativeInfinity, es = 0;
                long mi = 0;
                for (int k = 0; k < n; k++)
                {
                    double v = x[(o * n + k) * inner + i];
                    s += v;
                    if (v > m) { m = v; mi = k; }
                }
                for (int k = 0; k < n; k++) es += Math.Exp(x[(o * n + k) * inner + i] - m);
                Assert.Equal(s, sum[o * inner + i], 9);
                if (n == 0) continue;
                Assert.Equal(m, max[o * inner + i]);
                Assert.Equal(mi, idx[o * inner + i]);
                for (int k = 0; k < n; k++)
                {
                    int p = (o * n + k) * inner + i;
                    Assert.Equal(Math.Exp(x[p] - m) / es, sm[p], 12);
                    Assert.Equal(x[p] - m - Math.Log(es), lsm[p], 12);
                }
            }
    }

    [Fact]
    public void MaxPropagatesNaNAndPicksTheFirstMaximum()
    {
        double[] x = [1, 3, 3, double.NaN, 2, 2];
        var v = new double[2];
        var i = new long[2];
        Reduce.Max<double>(x, 2, 3, 1, v, i);
        Assert.Equal(3, v[0]);
        Assert.Equal(1, i[0]);
        Assert.True(double.IsNaN(v[1]));
        Assert.Equal(0, i[1]);
    }
}

public class OptimizerKernelTests
{
    [Fact]
    public void AdamFirstStepMovesEachParameterByAboutTheLearningRate()
    {
        // With bias correction, the first Adam step is lr * g / (|g| + eps') ≈ lr * sign(g).
        float[] p = [1f, -1f, 0.5f], g = [0.3f, -2f, 1e-3f], m = new float[3], v = new float[3];
        OptimizerKernels.Adam<float>(p, g, m, v, default, 1, 0.01, 0.9, 0.999, 1e-8, 0, false, false);
        Assert.Equal(0.99f, p[0], 5);
        Assert.Equal(-0.99f, p[1], 5);
        Assert.Equal(0.49f, p[2], 4);
    }

    [Fact]
    public void SgdNesterovUsesTheLookAhead()
    {
        float[] p = [1f], g = [1f], buf = new float[1];
        OptimizerKernels.Sgd<float>(p, g, buf, true, 0.1, 0.9, 0, 0, nesterov: true, maximize: false);
        Assert.Equal(1f - 0.1f * (1 + 0.9f), p[0], 6);
        Assert.Equal(1f, buf[0]);
    }
}
