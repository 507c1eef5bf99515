using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>
/// Graph-free tensor operations. Every method takes and returns <see cref="RawTensor"/>s; the public
/// <c>Tensor</c> wraps these with autograd nodes. This part: views and copies that change layout (view, reshape,
/// transpose, permute, expand, squeeze, contiguous, flip, roll, tril/triu) and dtype conversion.
/// </summary>
internal static partial class RawOps
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Contiguous(RawTensor a) => a.IsContiguous ? a : Clone(a);

    /// <summary>A new contiguous tensor with the same values.</summary>
    public static RawTensor Clone(RawTensor a)
    {
        var r = RawTensor.Empty(a.DType, a.Shape);
        CopyInto(a, r);
        return r;
    }

    /// <summary>Copies the elements of <paramref name="src"/> (any layout) into contiguous <paramref name="dst"/> of
    /// the same dtype and element count.</summary>
    private static void CopyInto(RawTensor src, RawTensor dst) =>
        src.Storage.CopyStridedTo(src.Offset, src.Strides, src.Shape, dst.Storage);

    /// <summary>Writes <paramref name="src"/> (broadcast to <paramref name="dst"/>'s shape, same dtype) into
    /// <paramref name="dst"/>, which may be strided.</summary>
    public static void CopyFrom(RawTensor dst, RawTensor src)
    {
        if (src.DType != dst.DType) src = Cast(src, dst.DType);
        if (!src.Shape.AsSpan().SequenceEqual(dst.Shape)) src = Expand(src, dst.Shape, "copy_");
        if (ReferenceEquals(src.Storage.Array, dst.Storage.Array))
            src = Clone(src);   // overlapping source and destination
        if (dst.IsContiguous)
        {
            // Read the (possibly broadcast) source straight into the destination, without materializing it first.
            src.Storage.CopyStridedTo(src.Offset, src.Strides, src.Shape, dst.Storage, dst.Offset);
        }
        else
        {
            src = Contiguous(src);
            dst.Storage.ScatterFrom(src.Storage, src.Offset, dst.Offset, dst.Strides, dst.Shape);
        }
        dst.Storage.Version++;
    }

    /// <summary>A view with a new shape, or null when the strides cannot express it without a copy (ATen's
    /// <c>computeStride</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor? TryView(RawTensor a, int[] shape)
    {
        if (a.IsContiguous) return a.WithLayout(shape, Shapes.ContiguousStrides(shape), a.Offset);
        int[]? strides = ComputeViewStrides(a.Shape, a.Strides, shape);
        return strides is null ? null : a.WithLayout(shape, strides, a.Offset);
    }

    public static RawTensor View(RawTensor a, ReadOnlySpan<int> requested)
    {
        int[] shape = Shapes.InferSize(requested, a.NumEl, "view");
        return TryView(a, shape) ?? throw new InvalidOperationException(
            $"view: shape {Shapes.Format(shape)} is not compatible with input of shape {Shapes.Format(a.Shape)} and " +
            $"strides {Shapes.Format(a.Strides)} (at least one dimension spans across two contiguous subspaces). " +
            "Use Reshape(...) instead.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Reshape(RawTensor a, ReadOnlySpan<int> requested)
    {
        int[] shape = Shapes.InferSize(requested, a.NumEl, "reshape");
        return TryView(a, shape) ?? Clone(a).WithLayout(shape, Shapes.ContiguousStrides(shape), 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[]? ComputeViewStrides(int[] oldShape, int[] oldStrides, int[] newShape)
    {
        var newStrides = new int[newShape.Length];
        if (oldShape.Length == 0) { Array.Fill(newStrides, 1); return newStrides; }
        int numel = Shapes.NumEl(oldShape);
        if (numel == 0) return Shapes.ContiguousStrides(newShape);
        int viewD = newShape.Length - 1;
        long chunkBaseStride = oldStrides[^1], tensorNumel = 1, viewNumel = 1;
        for (int tensorD = oldShape.Length - 1; tensorD >= 0; tensorD--)
        {
            tensorNumel *= oldShape[tensorD];
            if (tensorD == 0
                || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride))
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1))
                {
                    newStrides[viewD] = (int)(viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (tensorD > 0)
                {
                    chunkBaseStride = oldStrides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Transpose(RawTensor a, int dim0, int dim1)
    {
        dim0 = Shapes.WrapDim(dim0, a.Rank, "transpose");
        dim1 = Shapes.WrapDim(dim1, a.Rank, "transpose");
        if (a.Rank == 0) return a;
        var shape = a.Shape.AsSpan().ToArray();
        var strides = a.Strides.AsSpan().ToArray();
        (shape[dim0], shape[dim1]) = (shape[dim1], shape[dim0]);
        (strides[dim0], strides[dim1]) = (strides[dim1], strides[dim0]);
        return a.WithLayout(shape, strides, a.Offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Permute(RawTensor a, ReadOnlySpan<int> dims)
    {
        if (dims.Length != a.Rank)
            throw new ArgumentException(
                $"permute: number of dims don't match: input has {a.Rank} dims, got {dims.Length} " +
                $"({Shapes.Format(dims)}).");
        var shape = new int[a.Rank];
        var strides = new int[a.Rank];
        Span<bool> seen = stackalloc bool[a.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            int d = Shapes.WrapDim(dims[i], a.Rank, "permute");
            if (seen[d]) throw new ArgumentException($"permute: repeated dim {d} in {Shapes.Format(dims)}.");
            seen[d] = true;
            shape[i] = a.Shape[d];
            strides[i] = a.Strides[d];
        }
        return a.WithLayout(shape, strides, a.Offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Expand(RawTensor a, ReadOnlySpan<int> size, string op = "expand")
    {
        if (size.Length < a.Rank)
            throw new ArgumentException(
                $"{op}: the number of sizes provided ({size.Length}) must be greater or equal to the number of " +
                $"dimensions in the tensor ({a.Rank}); shape {Shapes.Format(a.Shape)} to {Shapes.Format(size)}.");
        int lead = size.Length - a.Rank;
        var shape = new int[size.Length];
        var strides = new int[size.Length];
        for (int i = 0; i < size.Length; i++)
        {
            int have = i < lead ? 1 : a.Shape[i - lead];
            int want = size[i] == -1 ? have : size[i];
            if (size[i] < -1)
                throw new ArgumentException(
                    $"{op}: the expanded size {size[i]} at dimension {i} is invalid: sizes must be non-negative, or " +
                    $"-1 to keep the existing size; shape {Shapes.Format(a.Shape)} to {Shapes.Format(size)}.");
            if (i < lead && size[i] == -1)
                throw new ArgumentException(
                    $"{op}: -1 is not allowed in a leading, non-existing dimension; shape {Shapes.Format(a.Shape)} " +
                    $"to {Shapes.Format(size)}.");
            if (have != want && have != 1)
                throw new ArgumentException(
                    $"{op}: the expanded size of the tensor ({want}) must match the existing size ({have}) at " +
                    $"non-singleton dimension {i}; shape {Shapes.Format(a.Shape)} to {Shapes.Format(size)}.");
            shape[i] = want;
            strides[i] = i < lead || (have == 1 && want != 1) ? 0 : a.Strides[i - lead];
        }
        return a.WithLayout(shape, strides, a.Offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Unsqueeze(RawTensor a, int dim)
    {
        dim = Shapes.WrapDim(dim, a.Rank + 1, "unsqueeze");
        var shape = new int[a.Rank + 1];
        var strides = new int[a.Rank + 1];
        for (int i = 0, j = 0; i < shape.Length; i++)
        {
            if (i == dim)
            {
                shape[i] = 1;
                strides[i] = dim < a.Rank ? a.Shape[dim] * a.Strides[dim] : 1;
                continue;
            }
            shape[i] = a.Shape[j];
            strides[i] = a.Strides[j++];
        }
        return a.WithLayout(shape, strides, a.Offset);
    }

    /// <summary>Removes dimension <paramref name="dim"/> if it has size 1, or every size-1 dimension when
    /// <paramref name="dim"/> is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Squeeze(RawTensor a, int? dim)
    {
        int d0 = dim is int d ? Shapes.WrapDim(d, a.Rank, "squeeze") : -1;
        if (d0 >= 0 && (a.Rank == 0 || a.Shape[d0] != 1)) return a;
        int keep = 0;
        for (int i = 0; i < a.Rank; i++) if (!(a.Shape[i] == 1 && (d0 < 0 || i == d0))) keep++;
        var shape = new int[keep];
        var strides = new int[keep];
        for (int i = 0, j = 0; i < a.Rank; i++)
        {
            if (a.Shape[i] == 1 && (d0 < 0 || i == d0)) continue;
            shape[j] = a.Shape[i];
            strides[j++] = a.Strides[i];
        }
        return a.WithLayout(shape, strides, a.Offset);
    }

    /// <summary>A copy with the order of elements reversed along each of <paramref name="dims"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Flip(RawTensor a, ReadOnlySpan<int> dims)
    {
        var strides = a.Strides.AsSpan().ToArray();
        int offset = a.Offset;
        Span<bool> seen = stackalloc bool[Math.Max(a.Rank, 1)];
        foreach (int d0 in dims)
        {
            int d = Shapes.WrapDim(d0, a.Rank, "flip");
            if (seen[d])
                throw new ArgumentException(
                    $"flip: dim {d} appears multiple times in the list of dims {Shapes.Format(dims)}.");
            seen[d] = true;
            if (a.Shape[d] == 0) continue;
            offset += (a.Shape[d] - 1) * strides[d];
            strides[d] = -strides[d];
        }
        // A negative-stride view read once into a fresh contiguous tensor.
        return Clone(a.WithLayout(a.Shape, strides, offset));
    }

    /// <summary>Rolls elements by <paramref name="shift"/> along <paramref name="dim"/> (those leaving one end re-enter
    /// at the other).</summary>
    public static RawTensor Roll(RawTensor a, int shift, int dim)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "roll");
        int n = a.Shape[dim];
        if (n == 0) return Clone(a);
        int s = ((shift % n) + n) % n;
        if (s == 0) return Clone(a);
        return Cat([Slice(a, dim, n - s, n, 1), Slice(a, dim, 0, n - s, 1)], dim);
    }

    /// <summary>Keeps the lower (<paramref name="lower"/>) or upper triangle of the last two dims relative to diagonal
    /// <paramref name="k"/>, zeroing the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Triangle(RawTensor a, int k, bool lower)
    {
        string op = lower ? "tril" : "triu";
        if (a.Rank < 2)
            throw new ArgumentException(
                $"{op}: input tensor must have at least 2 dimensions, got shape {Shapes.Format(a.Shape)}.");
        int rows = a.Shape[^2], cols = a.Shape[^1];
        var mask = RawTensor.Empty(DType.Bool, [rows, cols]);
        Span<bool> m = mask.Span<bool>();
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                m[i * cols + j] = lower ? j - i <= k : j - i >= k;
        return Where(mask, a, Scalar(0, a.DType));
    }

    /// <summary>Converts to another dtype (a copy; the same tensor when the dtype already matches).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Cast(RawTensor a, DType dt)
    {
        if (a.DType == dt) return a;
        // bfloat16 has no generic-math type: it converts through float32, which holds every bfloat16 exactly.
        if (a.DType == DType.BFloat16) return Cast(BFloat16ToSingle(a), dt);
        if (dt == DType.BFloat16) return SingleToBFloat16(Cast(a, DType.Float32));
        var r = RawTensor.Empty(dt, a.Shape);
        return a.DType == DType.Bool
            ? DTypeDispatch.Numeric<FromBoolFunc, RawTensor>(dt, new(a, r), "to")
            : DTypeDispatch.Numeric<CastFromFunc, RawTensor>(a.DType, new(a, r), "to");
    }

    private static RawTensor BFloat16ToSingle(RawTensor a) =>
        RunMap<BFloat16, float, BFloat16ToSingleOperator>(a, RawTensor.Empty(DType.Float32, a.Shape));

    private static RawTensor SingleToBFloat16(RawTensor a) =>
        RunMap<float, BFloat16, SingleToBFloat16Operator>(a, RawTensor.Empty(DType.BFloat16, a.Shape));

    private readonly struct BFloat16ToSingleOperator : IMapOperator<BFloat16, float>
    {
        public static float Invoke(BFloat16 x) => (float)x;
    }

    private readonly struct SingleToBFloat16Operator : IMapOperator<float, BFloat16>
    {
        public static BFloat16 Invoke(float x) => (BFloat16)x;
    }

    private readonly struct FromBoolFunc(RawTensor a, RawTensor r) : INumericFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T> => RunMap<bool, T, FromBoolOperator<T>>(a, r);
    }

    /// <summary>Dispatches on the source type, then (nested) on the destination type.</summary>
    private readonly struct CastFromFunc(RawTensor a, RawTensor r) : INumericFunc<RawTensor>
    {
        public RawTensor Invoke<TIn>() where TIn : unmanaged, INumber<TIn> => r.DType == DType.Bool
            ? RunMap<TIn, bool, ToBoolOperator<TIn>>(a, r)
            : DTypeDispatch.Numeric<CastToFunc<TIn>, RawTensor>(r.DType, new(a, r), "to");
    }

    private readonly struct CastToFunc<TIn>(RawTensor a, RawTensor r) : INumericFunc<RawTensor>
        where TIn : unmanaged, INumber<TIn>
    {
        public RawTensor Invoke<TOut>() where TOut : unmanaged, INumber<TOut> =>
            RunMap<TIn, TOut, ConvertOperator<TIn, TOut>>(a, r);
    }
}
