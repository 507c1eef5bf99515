using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Sorting along a dim: sort, argsort and topk share one stable kernel.</summary>
internal static partial class RawOps
{
    /// <summary>
    /// Sorted values and their indices along <paramref name="dim"/>, keeping the first <paramref name="k"/> (all when
    /// null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            throw new ArgumentOutOfRangeException(nameof(k),
                $"{op}: k ({keep}) is out of range for dimension {dim} of size {n} (input " +
                $"shape {Shapes.Format(a.Shape)}).");
        int[] shape = a.Shape.AsSpan().ToArray();
        if (shape.Length > 0) shape[dim] = keep;
        var values = RawTensor.Empty(a.DType, shape);
        var idx = RawTensor.Empty(DType.Int64, shape);
        var (outer, _, inner) = Block(a.Shape, dim);
        var f = new SortFunc(a, (outer, n, inner), keep, descending, values, idx);
        DTypeDispatch.Compute<SortFunc, RawTensor>(a.DType, f, op);
        return (values, idx);
    }

    private readonly struct SortFunc(RawTensor a, (int Outer, int N, int Inner) b, int keep, bool descending,
        RawTensor values, RawTensor idx) : INumericFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            AxisKernels.Sort(a.Span<T>(), b.Outer, b.N, b.Inner, keep, descending, values.Span<T>(), idx.Span<long>());
            return values;
        }
    }
}
