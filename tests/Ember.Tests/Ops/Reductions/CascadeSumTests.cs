using System;
using System.Linq;
using System.Text.Json;
using Ember.Tests.Support;

namespace Ember.Tests.Ops.Reductions;

/// <summary>
/// Sums match PyTorch 1.13's cascade summation bit for bit (tools/golden/cascade_sum.py), stay close to the exact
/// (float64) sum, and do not depend on the thread count.
/// </summary>
[Collection(SerialCollection.Name)]
public class CascadeSumTests
{
    // The generator tools/golden/cascade_sum.py evaluates identically in Python.
    private static double Value(long i, double scale) => ((i * 2654435761L % 1000003) / 1000003.0 - 0.37) * scale;

    private static Tensor Make(int[] shape, string dtype, double scale)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Value(i, scale);
        return dtype == "float32" ? Tensor.From(v.Select(d => (float)d).ToArray(), shape) : Tensor.From(v, shape);
    }

    [Fact]
    public void FullPointOneColumnSumMatchesPyTorch()
    {
        // The issue's case: adding the rows one at a time gave 409.61578.
        float[] got = Tensor.Full([4096, 2], 0.1f).Sum(0).ToArray<float>();
        Assert.Equal(409.60007f, got[0]);
        Assert.Equal(409.60007f, got[1]);
        Assert.Equal((float)Golden.Load("cascade_sum.json").GetProperty("full_0p1_4096x2_sum0").GetDouble(), got[0]);
    }

    [Fact]
    public void SumsMatchPyTorchBitForBit()
    {
        foreach (JsonElement c in Golden.Load("cascade_sum.json").GetProperty("cases").EnumerateArray())
        {
            int[] shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            string dtype = c.GetProperty("dtype").GetString()!;
            JsonElement dimEl = c.GetProperty("dim");
            Tensor x = Make(shape, dtype, c.GetProperty("scale").GetDouble());
            Tensor r = dimEl.ValueKind == JsonValueKind.Null ? x.Sum() : x.Sum(dimEl.GetInt32());
            double[] want = c.GetProperty("result").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double[] got = dtype == "float32" ? r.ToArray<float>().Select(f => (double)f).ToArray()
                : r.ToArray<double>();
            Assert.True(want.SequenceEqual(got), $"sum of [{string.Join(", ", shape)}] over {dimEl}: got "
                + $"[{string.Join(", ", got.Take(4))}...], PyTorch [{string.Join(", ", want.Take(4))}...]");
        }
    }

    [Theory]
    [InlineData(1_000_000, 1)]
    [InlineData(100_000, 7)]
    [InlineData(7, 100_000)]
    [InlineData(3, 300_000)]
    public void FloatSumsStayCloseToTheFloat64Sum(int rows, int cols)
    {
        // All-positive data: the exact sum is the worst case for naive accumulation (error grows like n·ε).
        var r = new Random(3);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(0.1 + r.NextDouble());
        Tensor x = Tensor.From(v, [rows, cols]);
        double[] exact0 = new double[cols], exact1 = new double[rows];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) { exact0[j] += v[i * cols + j]; exact1[i] += v[i * cols + j]; }
        float[] s0 = x.Sum(0).ToArray<float>(), s1 = x.Sum(1).ToArray<float>(), mean0 = x.Mean(0).ToArray<float>();
        double total = exact0.Sum();
        // Cascade summation: a few float ulps at most (naive row-by-row summation of 10⁶ rows is ~1e-4 off).
        const double rel = 4e-7;
        for (int j = 0; j < cols; j++)
        {
            Assert.True(Math.Abs(s0[j] - exact0[j]) <= rel * exact0[j], $"sum(0)[{j}] = {s0[j]}, exact {exact0[j]}");
            Assert.True(Math.Abs(mean0[j] - exact0[j] / rows) <= rel * exact0[j] / rows, $"mean(0)[{j}]");
        }
        for (int i = 0; i < rows; i++)
            Assert.True(Math.Abs(s1[i] - exact1[i]) <= rel * exact1[i], $"sum(1)[{i}] = {s1[i]}, exact {exact1[i]}");
        float all = x.Sum().ToArray<float>()[0];
        Assert.True(Math.Abs(all - total) <= rel * total, $"sum() = {all}, exact {total}");
    }

    [Fact]
    public void SumsVarNormAndBiasGradientAreIdenticalAcrossThreadCounts()
    {
        var g = new Generator(11);
        Tensor x = Tensor.Randn([3000, 70], g);
        var lin = new Ember.NN.Linear(70, 5, generator: g);
        int threads = Ember.Kernels.WorkerPool.ThreadCount;
        float[] Run(int t)
        {
            Ember.Kernels.WorkerPool.ThreadCount = t;
            lin.ZeroGrad();
            lin.Call(x).Square().Mean().Backward();
            return [.. x.Sum(0).ToArray<float>(), .. x.Sum(1).ToArray<float>(), .. x.Sum().ToArray<float>(),
                .. x.Var(0).ToArray<float>(), .. x.Norm().ToArray<float>(), .. lin.Bias!.Grad!.ToArray<float>()];
        }
        try
        {
            float[] one = Run(1);
            Assert.Equal(one, Run(2));
            Assert.Equal(one, Run(5));
        }
        finally
        {
            Ember.Kernels.WorkerPool.ThreadCount = threads;
        }
    }

    [Theory]
    [InlineData(1600, 512)]
    [InlineData(100, 37)]
    [InlineData(50, 2048)]
    [InlineData(9, 3)]
    public void ColumnRangesGiveTheWholeSumsBits(int n, int inner)
    {
        // Columns cascade independently of each other, so any split of the columns (how a bias-sized sum is spread
        // over threads) gives the bits of the whole sum.
        var r = new Random(5);
        float[] f = new float[n * inner];
        double[] d = new double[n * inner];
        for (int i = 0; i < f.Length; i++) (f[i], d[i]) = ((float)(r.NextDouble() - 0.4), r.NextDouble() - 0.4);
        Assert.Equal(WholeSum(f, n, inner), SplitSum(f, n, inner));
        Assert.Equal(WholeSum(d, n, inner), SplitSum(d, n, inner));
    }

    private static T[] WholeSum<T>(T[] x, int n, int inner) where T : unmanaged, System.Numerics.INumber<T>
    {
        var dst = new T[inner];
        Ember.Kernels.CascadeSum.Columns<T>(x, n, inner, dst);
        return dst;
    }

    private static T[] SplitSum<T>(T[] x, int n, int inner) where T : unmanaged, System.Numerics.INumber<T>
    {
        var dst = new T[inner];
        // Uneven pieces, not aligned to vectors: 5 columns, then 10, then 15, ...
        for (int begin = 0, k = 1; begin < inner; begin += 5 * k++)
        {
            int width = Math.Min(inner, begin + 5 * k) - begin;
            Ember.Kernels.CascadeSum.ColumnRange<T>(x, n, inner, begin, width, dst.AsSpan(begin, width));
        }
        return dst;
    }

    [Fact]
    public void BiasSizedAndLargeSumsAreIdenticalAcrossThreadCounts()
    {
        // Issue 17's bias gradients ([T·B, 4H] and [T, B·4H] over dim 0) and output sum ([T, B, H], every element).
        var g = new Generator(12);
        Tensor a = Tensor.Randn([1600, 512], g), b = Tensor.Randn([50, 16384], g), c = Tensor.Randn([50, 32, 128], g);
        int threads = Ember.Kernels.WorkerPool.ThreadCount;
        float[] Run(int t)
        {
            Ember.Kernels.WorkerPool.ThreadCount = t;
            return [.. a.Sum(0).ToArray<float>(), .. b.Sum(0).ToArray<float>(), .. c.Sum().ToArray<float>(),
                .. c.Sum(1).ToArray<float>()];
        }
        try
        {
            float[] one = Run(1);
            Assert.Equal(one, Run(2));
            Assert.Equal(one, Run(4));
        }
        finally
        {
            Ember.Kernels.WorkerPool.ThreadCount = threads;
        }
    }
}
