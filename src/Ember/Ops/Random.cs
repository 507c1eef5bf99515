using System;
using Ember.Core;

namespace Ember;

public partial class Tensor
{
    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<int> shape, Generator? generator = null, DType dtype = DType.Float32,
        bool requiresGrad = false)
        => Uniform(shape, 0, 1, generator, dtype, requiresGrad);

    /// <summary>Uniform samples in [0, 1) (float32, default generator).</summary>
    public static Tensor Rand(params int[] shape) => Rand(shape.AsSpan());

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(ReadOnlySpan<int> shape, double low, double high, Generator? generator = null,
        DType dtype = DType.Float32, bool requiresGrad = false)
    {
        CheckFloat(dtype, "uniform");
        CheckShape(shape, "uniform");
        generator ??= Generator.Default;
        var r = RawTensor.Empty(dtype, shape.ToArray());
        using (generator.Acquire())
            for (int i = 0; i < r.NumEl; i++) RawOps.SetFlat(r, i, low + (high - low) * generator.DrawDouble());
        return Leaf(r, requiresGrad);
    }

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(ReadOnlySpan<int> shape, Generator? generator = null, DType dtype = DType.Float32,
        bool requiresGrad = false)
        => Normal(shape, 0, 1, generator, dtype, requiresGrad);

    /// <summary>Standard normal samples (float32, default generator).</summary>
    public static Tensor Randn(params int[] shape) => Randn(shape.AsSpan());

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor Normal(ReadOnlySpan<int> shape, double mean, double std, Generator? generator = null,
        DType dtype = DType.Float32, bool requiresGrad = false)
    {
        CheckFloat(dtype, "normal");
        CheckShape(shape, "normal");
        generator ??= Generator.Default;
        var r = RawTensor.Empty(dtype, shape.ToArray());
        using (generator.Acquire())
            for (int i = 0; i < r.NumEl; i++) RawOps.SetFlat(r, i, mean + std * generator.DrawNormal());
        return Leaf(r, requiresGrad);
    }

    /// <summary>Seeds the default generator (PyTorch's <c>torch.manual_seed</c>).</summary>
    public static void ManualSeed(long seed) => Generator.SetGlobalSeed(seed);

    /// <summary>Uniform random integers in [<paramref name="low"/>, <paramref name="high"/>) (int64 unless
    /// <paramref name="dtype"/> says otherwise).</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<int> shape, Generator? generator = null,
        DType dtype = DType.Int64)
    {
        if (high <= low)
            throw new ArgumentException($"randint: expected low < high, but got low = {low}, high = {high}.");
        CheckShape(shape, "randint");
        generator ??= Generator.Default;
        var r = RawTensor.Empty(dtype, shape.ToArray());
        using (generator.Acquire())
            for (int i = 0; i < r.NumEl; i++) RawOps.SetFlat(r, i, low + generator.DrawInt64(high - low));
        return Leaf(r, false);
    }

    /// <summary>Uniform random integers in [0, <paramref name="high"/>).</summary>
    public static Tensor RandInt(long high, ReadOnlySpan<int> shape, Generator? generator = null,
        DType dtype = DType.Int64) =>
        RandInt(0, high, shape, generator, dtype);

    /// <summary>A random permutation of <c>0 .. n-1</c> (int64; Fisher–Yates).</summary>
    public static Tensor RandPerm(int n, Generator? generator = null, DType dtype = DType.Int64)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"randperm: n must be non-negative, got {n}.");
        generator ??= Generator.Default;
        var perm = new long[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        using (generator.Acquire())
        {
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)generator.DrawInt64(i + 1);
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }
        }
        return Leaf(RawOps.Cast(RawTensor.FromArray(perm, [n]), dtype), false);
    }

    /// <summary>
    /// Draws 0 or 1 for each element, 1 with the probability the element holds (in [0, 1]); the result has this
    /// tensor's shape and floating dtype and is not part of the graph.
    /// </summary>
    public Tensor Bernoulli(Generator? generator = null)
    {
        if (!DType.IsFloatingPoint())
            throw new ArgumentException(
                $"bernoulli: expected a floating-point tensor of probabilities, got {DType.TorchName()}.");
        generator ??= Generator.Default;
        var p = RawOps.Contiguous(Raw);
        var r = RawTensor.Empty(DType, Raw.Shape);
        for (int i = 0; i < r.NumEl; i++)
        {
            double pi = p.GetAsDouble(i);
            if (!(pi >= 0 && pi <= 1))
                throw new ArgumentException(
                    $"bernoulli: all elements of the input should be between 0 and 1, got {pi} at flat position {i}.");
            RawOps.SetFlat(r, i, generator.NextDouble() < pi ? 1 : 0);
        }
        return new Tensor(r);
    }

    /// <summary>0/1 samples of <paramref name="shape"/>, each 1 with probability <paramref name="p"/>.</summary>
    public static Tensor Bernoulli(ReadOnlySpan<int> shape, double p, Generator? generator = null,
        DType dtype = DType.Float32) =>
        Full(shape, p, dtype).Bernoulli(generator);

    /// <summary>
    /// Samples <paramref name="numSamples"/> category indices (int64) from the non-negative weights of each row of this
    /// 1-D <c>[C]</c> or 2-D <c>[N, C]</c> tensor; the result is <c>[numSamples]</c> or <c>[N, numSamples]</c>. Without
    /// <paramref name="replacement"/> a category is drawn at most once per row.
    /// </summary>
    public Tensor Multinomial(int numSamples, bool replacement = false, Generator? generator = null)
    {
        if (Dim is < 1 or > 2)
            throw new ArgumentException(
                $"multinomial: prob_dist must be 1 or 2 dim, got shape {Shapes.Format(Raw.Shape)}.");
        if (numSamples <= 0)
            throw new ArgumentOutOfRangeException(nameof(numSamples),
                $"multinomial: cannot sample {numSamples} <= 0 samples.");
        generator ??= Generator.Default;
        int rows = Dim == 1 ? 1 : Raw.Shape[0], c = Raw.Shape[^1];
        if (!replacement && numSamples > c)
            throw new ArgumentException(
                $"multinomial: cannot sample n_sample ({numSamples}) > prob_dist.size(-1) ({c}) samples without " +
                $"replacement (shape {Shapes.Format(Raw.Shape)}).");
        double[] w = ToArray<double>();
        var result = new long[rows * numSamples];
        var weights = new double[c];
        for (int r = 0; r < rows; r++)
        {
            double total = 0;
            int positive = 0;
            for (int j = 0; j < c; j++)
            {
                double v = w[r * c + j];
                if (!(v >= 0) || double.IsInfinity(v))
                    throw new ArgumentException(
                        $"multinomial: probability tensor contains either inf, nan or an element < 0 (row {r}, " +
                        $"category {j}: {v}).");
                weights[j] = v;
                total += v;
                if (v > 0) positive++;
            }
            if (total <= 0)
                throw new ArgumentException(
                    $"multinomial: invalid distribution (sum of probabilities <= 0) in row {r}.");
            if (!replacement && positive < numSamples)
                throw new ArgumentException(
                    "multinomial: invalid distribution (with replacement=False, not enough non-negative categories " +
                    $"to sample): row {r} has {positive} categories with positive weight, {numSamples} samples " +
                    "requested.");
            for (int s = 0; s < numSamples; s++)
            {
                double u = generator.NextDouble() * total, acc = 0;
                int pick = -1;
                for (int j = 0; j < c; j++)
                {
                    if (weights[j] <= 0) continue;
                    acc += weights[j];
                    pick = j;
                    if (u < acc) break;
                }
                result[r * numSamples + s] = pick;
                if (!replacement) { total -= weights[pick]; weights[pick] = 0; }
            }
        }
        return new Tensor(RawTensor.FromArray(result, Dim == 1 ? [numSamples] : [rows, numSamples]));
    }

    /// <summary>Uniform [0, 1) samples with the shape and dtype of <paramref name="t"/> (a floating dtype).</summary>
    public static Tensor RandLike(Tensor t, Generator? generator = null) => Rand(t.Shape, generator, t.DType);

    /// <summary>Standard normal samples with the shape and dtype of <paramref name="t"/> (a floating dtype).</summary>
    public static Tensor RandnLike(Tensor t, Generator? generator = null) => Randn(t.Shape, generator, t.DType);

    private static void CheckFloat(DType dtype, string op)
    {
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point dtype, got {dtype.TorchName()}.");
    }
}
