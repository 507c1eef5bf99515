using System;
using System.Numerics.Tensors;
using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    /// <summary>Splits <paramref name="shape"/> around <paramref name="dim"/> into the <c>[outer, n, inner]</c> block the reduction kernels take.</summary>
    private static (int Outer, int N, int Inner) Block(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape.Length == 0 ? 1 : shape[dim], inner);
    }

    private static int[] ReducedShape(int[] shape, int dim, bool keepDim)
    {
        if (shape.Length == 0) return [];
        if (keepDim) { var s = shape.AsSpan().ToArray(); s[dim] = 1; return s; }
        var r = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++) if (i != dim) r[j++] = shape[i];
        return r;
    }

    /// <summary>Sum of all elements as a 0-dim tensor; integers and bools sum to int64, as in PyTorch.</summary>
    public static RawTensor SumAll(RawTensor a)
    {
        if (IsHalfPrecision(a)) return Cast(SumAll(Cast(a, DType.Float32)), a.DType);
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DType.Int64);
        a = Contiguous(a);
        var r = RawTensor.Empty(a.DType, []);
        switch (a.DType)
        {
            case DType.Float32: r.Span<float>()[0] = ParallelReduce.Sum(a.Data<float>(), a.Offset, a.NumEl); break;
            case DType.Float64: r.Span<double>()[0] = ParallelReduce.Sum(a.Data<double>(), a.Offset, a.NumEl); break;
            default: r.Span<long>()[0] = ParallelReduce.Sum(a.Data<long>(), a.Offset, a.NumEl); break;
        }
        return r;
    }

    public static RawTensor Sum(RawTensor a, int dim, bool keepDim)
    {
        if (IsHalfPrecision(a)) return Cast(Sum(Cast(a, DType.Float32), dim, keepDim), a.DType);
        dim = Shapes.WrapDim(dim, a.Rank, "sum");
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DType.Int64);
        a = Contiguous(a);
        var (outer, n, inner) = Block(a.Shape, dim);
        var r = RawTensor.Empty(a.DType, ReducedShape(a.Shape, dim, keepDim));
        switch (a.DType)
        {
            case DType.Float32: ParallelReduce.SumAxis(a.Data<float>(), a.Offset, outer, n, inner, r.Data<float>()); break;
            case DType.Float64: ParallelReduce.SumAxis(a.Data<double>(), a.Offset, outer, n, inner, r.Data<double>()); break;
            default: ParallelReduce.SumAxis(a.Data<long>(), a.Offset, outer, n, inner, r.Data<long>()); break;
        }
        return r;
    }

    /// <summary>Sums a gradient of a broadcast result back to <paramref name="shape"/> (leading dims and size-1 dims).</summary>
    public static RawTensor SumToShape(RawTensor g, ReadOnlySpan<int> shape)
    {
        if (g.Shape.AsSpan().SequenceEqual(shape)) return g;
        int lead = g.Rank - shape.Length;
        if (lead < 0)
            throw new InvalidOperationException($"sum_to_size: gradient of shape {Shapes.Format(g.Shape)} cannot be reduced to {Shapes.Format(shape)}.");
        RawTensor r = g;
        for (int i = g.Rank - 1; i >= lead; i--)
            if (shape[i - lead] == 1 && g.Shape[i] != 1) r = Sum(r, i, keepDim: true);
        for (int i = 0; i < lead; i++) r = Sum(r, 0, keepDim: false);
        if (!r.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidOperationException($"sum_to_size: gradient of shape {Shapes.Format(g.Shape)} cannot be reduced to {Shapes.Format(shape)}.");
        return r;
    }

    /// <summary>Maximum over all elements (NaN propagates).</summary>
    public static RawTensor MaxAll(RawTensor a)
    {
        if (a.NumEl == 0) throw new ArgumentException("max(): expected a non-empty tensor; max of an empty tensor is undefined (use Max(dim) on a non-empty dim).");
        var flat = Reshape(a, [a.NumEl]);
        var (values, _) = MaxDim(flat, 0, keepDim: false, wantIndices: false);
        return values;
    }

    /// <summary>Maximum along a dim with the index of its first occurrence.</summary>
    public static (RawTensor Values, RawTensor? Indices) MaxDim(RawTensor a, int dim, bool keepDim, bool wantIndices = true)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "max");
        if (a.Rank > 0 && a.Shape[dim] == 0)
            throw new ArgumentException($"max(): cannot reduce over dimension {dim} of size 0 (input shape {Shapes.Format(a.Shape)}).");
        if (a.DType.ComputeType() != a.DType)
        {
            var (v, vi) = MaxDim(Cast(a, a.DType.ComputeType()), dim, keepDim, wantIndices);
            return (Cast(v, a.DType), vi);
        }
        if (a.DType == DType.Bool) a = Cast(a, DType.Int32);
        a = Contiguous(a);
        var (outer, n, inner) = Block(a.Shape, dim);
        int[] shape = ReducedShape(a.Shape, dim, keepDim);
        var values = RawTensor.Empty(a.DType, shape);
        RawTensor? idx = wantIndices ? RawTensor.Empty(DType.Int64, shape) : null;
        Span<long> ix = idx is null ? default : idx.Span<long>();
        switch (a.DType)
        {
            case DType.Float32: Reduce.Max(a.Span<float>(), outer, n, inner, values.Span<float>(), ix); break;
            case DType.Float64: Reduce.Max(a.Span<double>(), outer, n, inner, values.Span<double>(), ix); break;
            case DType.Int32: Reduce.Max(a.Span<int>(), outer, n, inner, values.Span<int>(), ix); break;
            case DType.Int64: Reduce.Max(a.Span<long>(), outer, n, inner, values.Span<long>(), ix); break;
        }
        return (values, idx);
    }

    public static RawTensor Argmax(RawTensor a, int? dim, bool keepDim)
    {
        if (dim is null) return MaxDim(Reshape(a, [a.NumEl]), 0, false).Indices!;
        return MaxDim(a, dim.Value, keepDim).Indices!;
    }

    public static RawTensor Softmax(RawTensor a, int dim, bool log)
    {
        string op = log ? "log_softmax" : "softmax";
        if (IsHalfPrecision(a)) return Cast(Softmax(Cast(a, DType.Float32), dim, log), a.DType);
        dim = Shapes.WrapDim(dim, a.Rank, op);
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DTypes.DefaultFloat);
        a = Contiguous(a);
        var (outer, n, inner) = Block(a.Shape, dim);
        var r = RawTensor.Empty(a.DType, a.Shape);
        if (a.DType == DType.Float32)
        {
            if (log) SoftmaxKernel.LogSoftmax(a.Span<float>(), outer, n, inner, r.Span<float>());
            else SoftmaxKernel.Softmax(a.Span<float>(), outer, n, inner, r.Span<float>());
        }
        else
        {
            if (log) SoftmaxKernel.LogSoftmax(a.Span<double>(), outer, n, inner, r.Span<double>());
            else SoftmaxKernel.Softmax(a.Span<double>(), outer, n, inner, r.Span<double>());
        }
        return r;
    }

    /// <summary>float16/bfloat16: stored compactly, computed in float32.</summary>
    private static bool IsHalfPrecision(RawTensor a) => a.DType is DType.Float16 or DType.BFloat16;
}
