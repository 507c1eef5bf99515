using System;
using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    /// <summary>Wraps, sorts and de-duplicates a list of dims (null means all dims).</summary>
    public static int[] NormalizeDims(int[]? dims, int rank, string op)
    {
        if (dims is null || dims.Length == 0)
        {
            var all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        var r = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) r[i] = Shapes.WrapDim(dims[i], rank, op);
        Array.Sort(r);
        for (int i = 1; i < r.Length; i++)
            if (r[i] == r[i - 1]) throw new ArgumentException($"{op}: dim {r[i]} appears multiple times in the list of dims.");
        return r;
    }

    /// <summary>Sum over several dims (all when <paramref name="dims"/> is empty).</summary>
    public static RawTensor SumDims(RawTensor a, int[] dims, bool keepDim)
    {
        if (a.Rank == 0) return Sum(a, 0, keepDim);
        RawTensor r = a;
        for (int i = dims.Length - 1; i >= 0; i--) r = Sum(r, dims[i], keepDim: true);
        return keepDim ? r : SqueezeDims(r, dims);
    }

    /// <summary>Removes the listed size-1 dims (sorted ascending).</summary>
    public static RawTensor SqueezeDims(RawTensor a, int[] dims)
    {
        for (int i = dims.Length - 1; i >= 0; i--) a = Squeeze(a, dims[i]);
        return a;
    }

    private static RawTensor FloatOnly(RawTensor a, string op)
    {
        if (!a.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point tensor, got {a.DType.TorchName()}; convert with .To(DType.Float32).");
        return Contiguous(IsHalfPrecision(a) ? Cast(a, DType.Float32) : a);
    }

    public static (RawTensor Values, RawTensor Indices) MinDim(RawTensor a, int dim, bool keepDim)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "min");
        if (a.Rank > 0 && a.Shape[dim] == 0)
            throw new ArgumentException($"min(): cannot reduce over dimension {dim} of size 0 (input shape {Shapes.Format(a.Shape)}).");
        if (a.DType.ComputeType() != a.DType)
        {
            var (v, ix) = MinDim(Cast(a, a.DType.ComputeType()), dim, keepDim);
            return (Cast(v, a.DType), ix);
        }
        if (a.DType == DType.Bool) a = Cast(a, DType.Int32);
        a = Contiguous(a);
        var (outer, n, inner) = Block(a.Shape, dim);
        int[] shape = ReducedShape(a.Shape, dim, keepDim);
        var values = RawTensor.Empty(a.DType, shape);
        var idx = RawTensor.Empty(DType.Int64, shape);
        switch (a.DType)
        {
            case DType.Float32: AxisKernels.Min(a.Span<float>(), outer, n, inner, values.Span<float>(), idx.Span<long>()); break;
            case DType.Float64: AxisKernels.Min(a.Span<double>(), outer, n, inner, values.Span<double>(), idx.Span<long>()); break;
            case DType.Int32: AxisKernels.Min(a.Span<int>(), outer, n, inner, values.Span<int>(), idx.Span<long>()); break;
            case DType.Int64: AxisKernels.Min(a.Span<long>(), outer, n, inner, values.Span<long>(), idx.Span<long>()); break;
        }
        return (values, idx);
    }

    public static RawTensor MinAll(RawTensor a)
    {
        if (a.NumEl == 0) throw new ArgumentException("min(): expected a non-empty tensor.");
        return MinDim(Reshape(a, [a.NumEl]), 0, false).Values;
    }

    /// <summary>Maximum (or minimum) over several dims, keeping values only (PyTorch's amax/amin).</summary>
    public static RawTensor AmaxAmin(RawTensor a, int[] dims, bool keepDim, bool max)
    {
        RawTensor r = a;
        for (int i = dims.Length - 1; i >= 0; i--)
            r = max ? MaxDim(r, dims[i], true, wantIndices: false).Values : MinDim(r, dims[i], true).Values;
        return keepDim ? r : SqueezeDims(r, dims);
    }

    public static RawTensor Prod(RawTensor a, int dim, bool keepDim)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "prod");
        if (IsHalfPrecision(a)) return Cast(Prod(Cast(a, DType.Float32), dim, keepDim), a.DType);
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DType.Int64);
        a = Contiguous(a);
        var (outer, n, inner) = Block(a.Shape, dim);
        var r = RawTensor.Empty(a.DType, ReducedShape(a.Shape, dim, keepDim));
        switch (a.DType)
        {
            case DType.Float32: AxisKernels.Prod(a.Span<float>(), outer, n, inner, r.Span<float>()); break;
            case DType.Float64: AxisKernels.Prod(a.Span<double>(), outer, n, inner, r.Span<double>()); break;
            default: AxisKernels.Prod(a.Span<long>(), outer, n, inner, r.Span<long>()); break;
        }
        return r;
    }

    /// <summary>Exact product backward along <paramref name="dim"/>; <paramref name="grad"/> has the keep-dim reduced shape.</summary>
    public static RawTensor ProdBackward(RawTensor x, RawTensor grad, int dim)
    {
        x = FloatOnly(x, "prod backward");
        grad = Contiguous(Cast(grad, x.DType));
        var (outer, n, inner) = Block(x.Shape, dim);
        var r = RawTensor.Empty(x.DType, x.Shape);
        if (x.DType == DType.Float32) AxisKernels.ProdBackward(x.Span<float>(), grad.Span<float>(), outer, n, inner, r.Span<float>());
        else AxisKernels.ProdBackward(x.Span<double>(), grad.Span<double>(), outer, n, inner, r.Span<double>());
        return r;
    }

    public static RawTensor Cumsum(RawTensor a, int dim, bool reverse)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "cumsum");
        if (IsHalfPrecision(a)) return Cast(Cumsum(Cast(a, DType.Float32), dim, reverse), a.DType);
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DType.Int64);
        a = Contiguous(a);
        var (outer, n, inner) = Block(a.Shape, dim);
        var r = RawTensor.Empty(a.DType, a.Shape);
        switch (a.DType)
        {
            case DType.Float32: AxisKernels.Cumsum(a.Span<float>(), outer, n, inner, r.Span<float>(), reverse); break;
            case DType.Float64: AxisKernels.Cumsum(a.Span<double>(), outer, n, inner, r.Span<double>(), reverse); break;
            default: AxisKernels.Cumsum(a.Span<long>(), outer, n, inner, r.Span<long>(), reverse); break;
        }
        return r;
    }

    public static RawTensor Cumprod(RawTensor a, int dim)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "cumprod");
        if (IsHalfPrecision(a)) return Cast(Cumprod(Cast(a, DType.Float32), dim), a.DType);
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DType.Int64);
        a = Contiguous(a);
        var (outer, n, inner) = Block(a.Shape, dim);
        var r = RawTensor.Empty(a.DType, a.Shape);
        switch (a.DType)
        {
            case DType.Float32: AxisKernels.Cumprod(a.Span<float>(), outer, n, inner, r.Span<float>()); break;
            case DType.Float64: AxisKernels.Cumprod(a.Span<double>(), outer, n, inner, r.Span<double>()); break;
            default: AxisKernels.Cumprod(a.Span<long>(), outer, n, inner, r.Span<long>()); break;
        }
        return r;
    }

    public static RawTensor CumprodBackward(RawTensor x, RawTensor grad, int dim)
    {
        x = FloatOnly(x, "cumprod backward");
        grad = Contiguous(Cast(grad, x.DType));
        var (outer, n, inner) = Block(x.Shape, dim);
        var r = RawTensor.Empty(x.DType, x.Shape);
        if (x.DType == DType.Float32) AxisKernels.CumprodBackward(x.Span<float>(), grad.Span<float>(), outer, n, inner, r.Span<float>());
        else AxisKernels.CumprodBackward(x.Span<double>(), grad.Span<double>(), outer, n, inner, r.Span<double>());
        return r;
    }

    /// <summary>Sorted values and their indices along <paramref name="dim"/>, keeping the first <paramref name="k"/> (all when null).</summary>
    public static (RawTensor Values, RawTensor Indices) Sort(RawTensor a, int dim, bool descending, int? k, string op)
    {
        dim = Shapes.WrapDim(dim, a.Rank, op);
        if (a.DType.ComputeType() != a.DType)
        {
            var (v, ix) = Sort(Cast(a, a.DType.ComputeType()), dim, descending, k, op);
            return (Cast(v, a.DType), ix);
        }
        if (a.DType == DType.Bool) a = Cast(a, DType.Int32);
        a = Contiguous(a);
        int n = a.Rank == 0 ? 1 : a.Shape[dim];
        int keep = k ?? n;
        if (keep < 0 || keep > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"{op}: k ({keep}) is out of range for dimension {dim} of size {n} (input shape {Shapes.Format(a.Shape)}).");
        var (outer, _, inner) = Block(a.Shape, dim);
        int[] shape = a.Shape.AsSpan().ToArray();
        if (shape.Length > 0) shape[dim] = keep;
        var values = RawTensor.Empty(a.DType, shape);
        var idx = RawTensor.Empty(DType.Int64, shape);
        switch (a.DType)
        {
            case DType.Float32: AxisKernels.Sort(a.Span<float>(), outer, n, inner, keep, descending, values.Span<float>(), idx.Span<long>()); break;
            case DType.Float64: AxisKernels.Sort(a.Span<double>(), outer, n, inner, keep, descending, values.Span<double>(), idx.Span<long>()); break;
            case DType.Int32: AxisKernels.Sort(a.Span<int>(), outer, n, inner, keep, descending, values.Span<int>(), idx.Span<long>()); break;
            case DType.Int64: AxisKernels.Sort(a.Span<long>(), outer, n, inner, keep, descending, values.Span<long>(), idx.Span<long>()); break;
        }
        return (values, idx);
    }

    /// <summary>Logical any/all over a dim (or all elements when <paramref name="dim"/> is null).</summary>
    public static RawTensor AnyAll(RawTensor a, int? dim, bool keepDim, bool all)
    {
        var b = Contiguous(Cast(a, DType.Bool));
        if (dim is null) b = Reshape(b, [b.NumEl]);
        int d = dim is int dd ? Shapes.WrapDim(dd, b.Rank, all ? "all" : "any") : 0;
        var (outer, n, inner) = Block(b.Shape, d);
        var r = RawTensor.Empty(DType.Bool, dim is null ? [] : ReducedShape(b.Shape, d, keepDim));
        AxisKernels.AnyAll(b.Span<bool>(), outer, n, inner, r.Span<bool>(), all);
        return r;
    }

    /// <summary>log Σ exp along dims, shifted by the maximum for stability (infinite maxima are not shifted).</summary>
    public static RawTensor LogSumExp(RawTensor a, int[] dims, bool keepDim)
    {
        a = FloatOnly(a, "logsumexp");
        var shift = FiniteOrZero(AmaxAmin(a, dims, keepDim: true, max: true));
        var r = Add(Log(SumDims(Exp(Sub(a, shift)), dims, keepDim: true)), shift);
        return keepDim ? r : SqueezeDims(r, dims);
    }

    // An infinite maximum must not be subtracted (inf - inf = NaN): such slices are not shifted.
    private static RawTensor FiniteOrZero(RawTensor m)
    {
        var c = Clone(m);
        if (c.DType == DType.Float32) { var s = c.Span<float>(); for (int i = 0; i < s.Length; i++) if (!float.IsFinite(s[i])) s[i] = 0; }
        else { var s = c.Span<double>(); for (int i = 0; i < s.Length; i++) if (!double.IsFinite(s[i])) s[i] = 0; }
        return c;
    }

    /// <summary>Variance over dims with Bessel's <paramref name="correction"/> (1 = unbiased).</summary>
    public static RawTensor Var(RawTensor a, int[] dims, double correction, bool keepDim)
    {
        a = FloatOnly(a, "var");
        int count = 1;
        foreach (int d in dims) count *= a.Rank == 0 ? 1 : a.Shape[d];
        var mean = Div(SumDims(a, dims, keepDim: true), Scalar(count, a.DType));
        var diff = Sub(a, mean);
        var r = Div(SumDims(Mul(diff, diff), dims, keepDim: true), Scalar(Math.Max(count - correction, 0), a.DType));
        return keepDim ? r : SqueezeDims(r, dims);
    }

    /// <summary>One-hot encoding of int64 class indices: shape <c>[*, numClasses]</c>, int64.</summary>
    public static RawTensor OneHot(RawTensor indices, int numClasses)
    {
        if (indices.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"one_hot: expected int64 class indices, got {indices.DType.TorchName()}.");
        var ix = Contiguous(Cast(indices, DType.Int64));
        var span = ix.Span<long>();
        if (numClasses < 0)
        {
            long max = -1;
            foreach (long v in span) max = Math.Max(max, v);
            numClasses = (int)(max + 1);
        }
        int[] shape = [.. indices.Shape, numClasses];
        var r = Full(shape, 0, DType.Int64);
        var dst = r.Span<long>();
        for (int i = 0; i < span.Length; i++)
        {
            long k = span[i];
            if (k < 0 || k >= numClasses)
                throw new ArgumentOutOfRangeException(nameof(indices), $"one_hot: class index {k} is out of range for {numClasses} classes.");
            dst[i * numClasses + (int)k] = 1;
        }
        return r;
    }
}
