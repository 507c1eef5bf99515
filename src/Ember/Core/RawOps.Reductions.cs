using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>
/// Reductions: sum, max/min (over all, a dim, or several dims), argmax, prod, var, logsumexp, any/all. Every
/// kernel takes a contiguous <c>[outer, n, inner]</c> block with the reduced dim in the middle.
/// </summary>
internal static partial class RawOps
{
    /// <summary>
    /// Splits <paramref name="shape"/> around <paramref name="dim"/> into the <c>[outer, n, inner]</c> block the
    /// reduction kernels take.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Outer, int N, int Inner) Block(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape.Length == 0 ? 1 : shape[dim], inner);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] ReducedShape(int[] shape, int dim, bool keepDim)
    {
        if (shape.Length == 0) return [];
        if (keepDim) { var s = shape.AsSpan().ToArray(); s[dim] = 1; return s; }
        var r = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++) if (i != dim) r[j++] = shape[i];
        return r;
    }

    /// <summary>float16/bfloat16: stored compactly, computed in float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsHalfPrecision(RawTensor a) => a.DType is DType.Float16 or DType.BFloat16;

    /// <summary>Sum of all elements as a 0-dim tensor; integers and bools sum to int64, as in PyTorch.</summary>
    public static RawTensor SumAll(RawTensor a) => Accumulate(a, AllDims, keepDim: false, AxisKernel.Sum, "sum");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Sum(RawTensor a, int dim, bool keepDim) =>
        Accumulate(a, Shapes.WrapDim(dim, a.Rank, "sum"), keepDim, AxisKernel.Sum, "sum");

    public static RawTensor Prod(RawTensor a, int dim, bool keepDim) =>
        Accumulate(a, Shapes.WrapDim(dim, a.Rank, "prod"), keepDim, AxisKernel.Prod, "prod");

    /// <summary>
    /// Sums a gradient of a broadcast result back to <paramref name="shape"/> (leading dims and size-1 dims).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor SumToShape(RawTensor g, ReadOnlySpan<int> shape)
    {
        if (g.Shape.AsSpan().SequenceEqual(shape)) return g;
        int lead = g.Rank - shape.Length;
        if (lead < 0)
            throw new InvalidOperationException(
                $"sum_to_size: gradient of shape {Shapes.Format(g.Shape)} cannot be reduced " +
                $"to {Shapes.Format(shape)}.");
        RawTensor r = g;
        for (int i = g.Rank - 1; i >= lead; i--)
            if (shape[i - lead] == 1 && g.Shape[i] != 1) r = Sum(r, i, keepDim: true);
        for (int i = 0; i < lead; i++) r = Sum(r, 0, keepDim: false);
        if (!r.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidOperationException(
                $"sum_to_size: gradient of shape {Shapes.Format(g.Shape)} cannot be reduced " +
                $"to {Shapes.Format(shape)}.");
        return r;
    }

    /// <summary>Wraps, sorts and de-duplicates a list of dims (null means all dims).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            if (r[i] == r[i - 1])
                throw new ArgumentException($"{op}: dim {r[i]} appears multiple times in the list of dims.");
        return r;
    }

    /// <summary>Sum over several dims (all when <paramref name="dims"/> is empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor SumDims(RawTensor a, int[] dims, bool keepDim)
    {
        if (a.Rank == 0) return Sum(a, 0, keepDim);
        RawTensor r = a;
        for (int i = dims.Length - 1; i >= 0; i--) r = Sum(r, dims[i], keepDim: true);
        return keepDim ? r : SqueezeDims(r, dims);
    }

    /// <summary>Removes the listed size-1 dims (sorted ascending).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor SqueezeDims(RawTensor a, int[] dims)
    {
        for (int i = dims.Length - 1; i >= 0; i--) a = Squeeze(a, dims[i]);
        return a;
    }

    /// <summary>Maximum over all elements (NaN propagates).</summary>
    public static RawTensor MaxAll(RawTensor a)
    {
        if (a.NumEl == 0)
            throw new ArgumentException(
                "max(): expected a non-empty tensor; max of an empty tensor is undefined (use Max(dim) on a " +
                "non-empty dim).");
        return Extremum(Reshape(a, [a.NumEl]), 0, keepDim: false, wantIndices: false, max: true).Values;
    }

    public static RawTensor MinAll(RawTensor a)
    {
        if (a.NumEl == 0) throw new ArgumentException("min(): expected a non-empty tensor.");
        return Extremum(Reshape(a, [a.NumEl]), 0, keepDim: false, wantIndices: false, max: false).Values;
    }

    /// <summary>Maximum along a dim with the index of its first occurrence.</summary>
    public static (RawTensor Values, RawTensor? Indices) MaxDim(RawTensor a, int dim, bool keepDim,
        bool wantIndices = true) =>
        Extremum(a, dim, keepDim, wantIndices, max: true);

    /// <summary>Minimum along a dim with the index of its first occurrence.</summary>
    public static (RawTensor Values, RawTensor Indices) MinDim(RawTensor a, int dim, bool keepDim)
    {
        var (values, indices) = Extremum(a, dim, keepDim, wantIndices: true, max: false);
        return (values, indices!);
    }

    public static RawTensor Argmax(RawTensor a, int? dim, bool keepDim)
    {
        if (dim is null) return MaxDim(Reshape(a, [a.NumEl]), 0, false).Indices!;
        return MaxDim(a, dim.Value, keepDim).Indices!;
    }

    /// <summary>Maximum (or minimum) over several dims, keeping values only (PyTorch's amax/amin).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor AmaxAmin(RawTensor a, int[] dims, bool keepDim, bool max)
    {
        RawTensor r = a;
        for (int i = dims.Length - 1; i >= 0; i--)
            r = Extremum(r, dims[i], keepDim: true, wantIndices: false, max).Values;
        return keepDim ? r : SqueezeDims(r, dims);
    }

    private static (RawTensor Values, RawTensor? Indices) Extremum(RawTensor a, int dim, bool keepDim,
        bool wantIndices, bool max)
    {
        string op = max ? "max" : "min";
        dim = Shapes.WrapDim(dim, a.Rank, op);
        if (a.Rank > 0 && a.Shape[dim] == 0)
            throw new ArgumentException(
                $"{op}(): cannot reduce over dimension {dim} of size 0 (input shape {Shapes.Format(a.Shape)}).");
        if (a.DType.ComputeType() != a.DType)
        {
            var (v, vi) = Extremum(Cast(a, a.DType.ComputeType()), dim, keepDim, wantIndices, max);
            return (Cast(v, a.DType), vi);
        }
        if (a.DType == DType.Bool) a = Cast(a, DType.Int32);
        a = Contiguous(a);
        int[] shape = ReducedShape(a.Shape, dim, keepDim);
        var values = RawTensor.Empty(a.DType, shape);
        RawTensor? idx = wantIndices ? RawTensor.Empty(DType.Int64, shape) : null;
        DTypeDispatch.Compute<ExtremumFunc, RawTensor>(a.DType, new(a, values, idx, Block(a.Shape, dim), max), op);
        return (values, idx);
    }

    /// <summary>
    /// Exact product backward along <paramref name="dim"/>; <paramref name="grad"/> has the keep-dim reduced shape.
    /// </summary>
    public static RawTensor ProdBackward(RawTensor x, RawTensor grad, int dim) =>
        AxisBackward(x, grad, dim, cumulative: false);

    /// <summary>Logical any/all over a dim (or all elements when <paramref name="dim"/> is null).</summary>
    public static RawTensor AnyAll(RawTensor a, int? dim, bool keepDim, bool all)
    {
        var b = Contiguous(Cast(a, DType.Bool));
        if (dim is null) b = Reshape(b, [b.NumEl]);
        int d = dim is int dd ? Shapes.WrapDim(dd, b.Rank, all ? "all" : "any") : 0;
        var (outer, n, inner) = Block(b.Shape, d);
        var r = RawTensor.Empty(DType.Bool, dim is null ? [] : ReducedShape(b.Shape, d, keepDim));
        Reduce.AnyAll(b.Span<bool>(), outer, n, inner, r.Span<bool>(), all);
        return r;
    }

    /// <summary>log Σ exp along dims, shifted by the maximum for stability (infinite maxima are not shifted).</summary>
    public static RawTensor LogSumExp(RawTensor a, int[] dims, bool keepDim)
    {
        a = FloatOnly(a, "logsumexp");
        var shift = Clone(AmaxAmin(a, dims, keepDim: true, max: true));
        // An infinite maximum must not be subtracted (inf - inf = NaN): such slices are not shifted.
        DTypeDispatch.Floating<ZeroNonFiniteFunc, RawTensor>(shift.DType, new(shift), "logsumexp");
        var r = Add(Log(SumDims(Exp(Sub(a, shift)), dims, keepDim: true)), shift);
        return keepDim ? r : SqueezeDims(r, dims);
    }

    /// <summary>Variance over dims with Bessel's <paramref name="correction"/> (1 = unbiased).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    private static RawTensor FloatOnly(RawTensor a, string op)
    {
        if (!a.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{op}: expected a floating-point tensor, got {a.DType.TorchName()}; convert with .To(DType.Float32).");
        return Contiguous(IsHalfPrecision(a) ? Cast(a, DType.Float32) : a);
    }

    // ---- the accumulating kernels shared by reductions and scans ----

    private const int AllDims = -1;

    private enum AxisKernel { Sum, Prod, Cumsum, ReverseCumsum, Cumprod }

    /// <summary>
    /// Runs a sum, product or scan along <paramref name="dim"/> (<see cref="AllDims"/>: a sum of every element) in
    /// PyTorch's accumulation type: floating types as they are (float16/bfloat16 through float32), integers and bool
    /// in int64. Reductions drop (or keep as size 1) the dim; scans keep the shape.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RawTensor Accumulate(RawTensor a, int dim, bool keepDim, AxisKernel kernel, string op)
    {
        if (IsHalfPrecision(a)) return Cast(Accumulate(Cast(a, DType.Float32), dim, keepDim, kernel, op), a.DType);
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DType.Int64);
        a = Contiguous(a);
        int[] shape = dim == AllDims ? [] : kernel is AxisKernel.Sum or AxisKernel.Prod
            ? ReducedShape(a.Shape, dim, keepDim) : a.Shape;
        var r = RawTensor.Empty(a.DType, shape);
        return DTypeDispatch.Compute<AccumulateFunc, RawTensor>(a.DType, new(a, r, dim, kernel), op);
    }

    /// <summary>
    /// The exact backward of prod (<paramref name="cumulative"/> false) or cumprod along <paramref name="dim"/>.
    /// </summary>
    private static RawTensor AxisBackward(RawTensor x, RawTensor grad, int dim, bool cumulative)
    {
        string op = cumulative ? "cumprod backward" : "prod backward";
        x = FloatOnly(x, op);
        grad = Contiguous(Cast(grad, x.DType));
        var r = RawTensor.Empty(x.DType, x.Shape);
        return DTypeDispatch.Floating<AxisBackwardFunc, RawTensor>(x.DType, new(x, grad, r, Block(x.Shape,
            dim), cumulative), op);
    }

    private readonly struct AccumulateFunc(RawTensor a, RawTensor r, int dim,
        AxisKernel kernel) : INumericFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            if (dim == AllDims)
            {
                r.Span<T>()[0] = ParallelReduce.Sum(a.Data<T>(), a.Offset, a.NumEl);
                return r;
            }
            var (outer, n, inner) = Block(a.Shape, dim);
            switch (kernel)
            {
                case AxisKernel.Sum: ParallelReduce.SumAxis(a.Data<T>(), a.Offset, outer, n, inner, r.Data<T>()); break;
                case AxisKernel.Prod: Reduce.Prod(a.Span<T>(), outer, n, inner, r.Span<T>()); break;
                case AxisKernel.Cumprod: AxisKernels.Cumprod(a.Span<T>(), outer, n, inner, r.Span<T>()); break;
                default:
                    AxisKernels.Cumsum(a.Span<T>(), outer, n, inner, r.Span<T>(), kernel == AxisKernel.ReverseCumsum);
                    break;
            }
            return r;
        }
    }

    private readonly struct AxisBackwardFunc(RawTensor x, RawTensor dy, RawTensor r, (int Outer, int N, int Inner) b,
        bool cumulative) : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (cumulative) AxisKernels.CumprodBackward(x.Span<T>(), dy.Span<T>(), b.Outer, b.N, b.Inner, r.Span<T>());
            else Reduce.ProdBackward(x.Span<T>(), dy.Span<T>(), b.Outer, b.N, b.Inner, r.Span<T>());
            return r;
        }
    }

    private readonly struct ExtremumFunc(RawTensor a, RawTensor values, RawTensor? idx, (int Outer, int N, int Inner) b,
        bool max) : INumericFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            Span<long> ix = idx is null ? default : idx.Span<long>();
            if (max) Reduce.Max(a.Span<T>(), b.Outer, b.N, b.Inner, values.Span<T>(), ix);
            else Reduce.Min(a.Span<T>(), b.Outer, b.N, b.Inner, values.Span<T>(), ix);
            return values;
        }
    }

    private readonly struct ZeroNonFiniteFunc(RawTensor m) : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var s = m.Span<T>();
            for (int i = 0; i < s.Length; i++) if (!T.IsFinite(s[i])) s[i] = T.Zero;
            return m;
        }
    }
}
