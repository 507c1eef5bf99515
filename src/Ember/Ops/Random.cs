using System;
using System.Collections.Generic;
using Ember.Core;

namespace Ember;

public partial class Tensor
{
    /// <summary>A 1-D tensor over a copy of <paramref name="data"/> (float, double, long, int or bool elements).</summary>
    public static Tensor From<T>(ReadOnlySpan<T> data, bool requiresGrad = false) where T : unmanaged
    {
        DTypes.Of<T>();
        return Leaf(RawTensor.FromArray(data.ToArray(), [data.Length]), requiresGrad);
    }

    /// <summary>A 1-D tensor of the enumerated values (float, double, long, int or bool elements).</summary>
    public static Tensor From<T>(IEnumerable<T> data, bool requiresGrad = false) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        DTypes.Of<T>();
        var list = new List<T>(data);
        return Leaf(RawTensor.FromArray(list.ToArray(), [list.Count]), requiresGrad);
    }

    /// <summary>A 2-D float32 tensor <c>[rows, cols]</c> from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(float[][] rows, bool requiresGrad = false) => FromJagged(rows, requiresGrad);
    /// <summary>A 2-D float64 tensor <c>[rows, cols]</c> from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(double[][] rows, bool requiresGrad = false) => FromJagged(rows, requiresGrad);
    /// <summary>A 2-D int64 tensor from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(long[][] rows) => FromJagged(rows, false);
    /// <summary>A 2-D int32 tensor from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(int[][] rows) => FromJagged(rows, false);
    /// <summary>A 2-D bool tensor from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(bool[][] rows) => FromJagged(rows, false);

    private static Tensor FromJagged<T>(T[][] rows, bool requiresGrad) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(rows);
        int cols = rows.Length == 0 ? 0 : (rows[0] ?? throw new ArgumentNullException(nameof(rows), "Tensor.From: row 0 is null.")).Length;
        var flat = new T[rows.Length * cols];
        for (int i = 0; i < rows.Length; i++)
        {
            T[] row = rows[i] ?? throw new ArgumentNullException(nameof(rows), $"Tensor.From: row {i} is null.");
            if (row.Length != cols)
                throw new ArgumentException($"Tensor.From: the jagged array is ragged: row {i} has length {row.Length}, expected {cols} (the length of row 0); a tensor needs shape [{rows.Length}, {cols}].");
            row.CopyTo(flat, i * cols);
        }
        return Leaf(RawTensor.FromArray(flat, [rows.Length, cols]), requiresGrad);
    }

    /// <summary>
    /// <paramref name="steps"/> evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive,
    /// computed as PyTorch does (the first half forward from start, the second half back from end).
    /// </summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), $"linspace: number of steps must be non-negative, got {steps}.");
        var r = RawTensor.Empty(dtype, [steps]);
        if (dtype == DType.Float32) LinspaceInto(r.Span<float>(), (float)start, (float)end, steps);
        else if (dtype == DType.Float64) LinspaceInto(r.Span<double>(), start, end, steps);
        else
        {
            var d = new double[steps];
            LinspaceInto<double>(d, start, end, steps);
            for (int i = 0; i < steps; i++) RawOps.SetFlat(r, i, Math.Truncate(d[i]));
        }
        return Leaf(r, requiresGrad);
    }

    private static void LinspaceInto<T>(Span<T> dst, T start, T end, int steps) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        if (steps == 0) return;
        if (steps == 1) { dst[0] = start; return; }
        T step = (end - start) / T.CreateTruncating(steps - 1);
        int half = steps / 2;
        for (int i = 0; i < steps; i++)
            dst[i] = i < half ? start + step * T.CreateTruncating(i) : end - step * T.CreateTruncating(steps - i - 1);
    }

    /// <summary>An <c>[n, m]</c> matrix with ones on the main diagonal (<paramref name="m"/> defaults to <paramref name="n"/>).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        int cols = m ?? n;
        if (n < 0 || cols < 0) throw new ArgumentException($"eye: sizes must be non-negative, got n = {n}, m = {cols}.");
        var r = RawOps.Full([n, cols], 0, dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) RawOps.SetFlat(r, i * cols + i, 1);
        return Leaf(r, requiresGrad);
    }

    /// <summary>Uniform random integers in [<paramref name="low"/>, <paramref name="high"/>) (int64 unless <paramref name="dtype"/> says otherwise).</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<int> shape, Generator? generator = null, DType dtype = DType.Int64)
    {
        if (high <= low) throw new ArgumentException($"randint: expected low < high, but got low = {low}, high = {high}.");
        CheckShape(shape, "randint");
        generator ??= Generator.Default;
        var r = RawTensor.Empty(dtype, shape.ToArray());
        for (int i = 0; i < r.NumEl; i++) RawOps.SetFlat(r, i, low + generator.NextInt64(high - low));
        return Leaf(r, false);
    }

    /// <summary>Uniform random integers in [0, <paramref name="high"/>).</summary>
    public static Tensor RandInt(long high, ReadOnlySpan<int> shape, Generator? generator = null, DType dtype = DType.Int64) =>
        RandInt(0, high, shape, generator, dtype);

    /// <summary>A random permutation of <c>0 .. n-1</c> (int64; Fisher–Yates).</summary>
    public static Tensor RandPerm(int n, Generator? generator = null, DType dtype = DType.Int64)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"randperm: n must be non-negative, got {n}.");
        generator ??= Generator.Default;
        var perm = new long[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return Leaf(RawOps.Cast(RawTensor.FromArray(perm, [n]), dtype), false);
    }

    /// <summary>
    /// Draws 0 or 1 for each element, 1 with the probability the element holds (in [0, 1]); the result has this
    /// tensor's shape and floating dtype and is not part of the graph.
    /// </summary>
    public Tensor Bernoulli(Generator? generator = null)
    {
        if (!DType.IsFloatingPoint()) throw new ArgumentException($"bernoulli: expected a floating-point tensor of probabilities, got {DType.TorchName()}.");
        generator ??= Generator.Default;
        var p = RawOps.Contiguous(Raw);
        var r = RawTensor.Empty(DType, Raw.Shape);
        for (int i = 0; i < r.NumEl; i++)
        {
            double pi = p.GetAsDouble(i);
            if (!(pi >= 0 && pi <= 1)) throw new ArgumentException($"bernoulli: all elements of the input should be between 0 and 1, got {pi} at flat position {i}.");
            RawOps.SetFlat(r, i, generator.NextDouble() < pi ? 1 : 0);
        }
        return new Tensor(r);
    }

    /// <summary>0/1 samples of <paramref name="shape"/>, each 1 with probability <paramref name="p"/>.</summary>
    public static Tensor Bernoulli(ReadOnlySpan<int> shape, double p, Generator? generator = null, DType dtype = DType.Float32) =>
        Full(shape, p, dtype).Bernoulli(generator);

    /// <summary>
    /// Samples <paramref name="numSamples"/> category indices (int64) from the non-negative weights of each row of this
    /// 1-D <c>[C]</c> or 2-D <c>[N, C]</c> tensor; the result is <c>[numSamples]</c> or <c>[N, numSamples]</c>. Without
    /// <paramref name="replacement"/> a category is drawn at most once per row.
    /// </summary>
    public Tensor Multinomial(int numSamples, bool replacement = false, Generator? generator = null)
    {
        if (Dim is < 1 or > 2) throw new ArgumentException($"multinomial: prob_dist must be 1 or 2 dim, got shape {Shapes.Format(Raw.Shape)}.");
        if (numSamples <= 0) throw new ArgumentOutOfRangeException(nameof(numSamples), $"multinomial: cannot sample {numSamples} <= 0 samples.");
        generator ??= Generator.Default;
        int rows = Dim == 1 ? 1 : Raw.Shape[0], c = Raw.Shape[^1];
        if (!replacement && numSamples > c)
            throw new ArgumentException($"multinomial: cannot sample n_sample ({numSamples}) > prob_dist.size(-1) ({c}) samples without replacement (shape {Shapes.Format(Raw.Shape)}).");
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
                if (!(v >= 0) || double.IsInfinity(v)) throw new ArgumentException($"multinomial: probability tensor contains either inf, nan or an element < 0 (row {r}, category {j}: {v}).");
                weights[j] = v;
                total += v;
                if (v > 0) positive++;
            }
            if (total <= 0) throw new ArgumentException($"multinomial: invalid distribution (sum of probabilities <= 0) in row {r}.");
            if (!replacement && positive < numSamples)
                throw new ArgumentException($"multinomial: invalid distribution (with replacement=False, not enough non-negative categories to sample): row {r} has {positive} categories with positive weight, {numSamples} samples requested.");
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

    /// <summary><paramref name="value"/> with the shape of <paramref name="t"/> and its dtype (or <paramref name="dtype"/>).</summary>
    public static Tensor FullLike(Tensor t, double value, DType? dtype = null) => Full(t.Shape, value, dtype ?? t.DType);
}
