using System;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Indexing: basic views (slice, select, diagonal), gather/scatter along a dim, advanced indexing,
/// where.</summary>
internal static partial class RawOps
{
    private static readonly Storage s_probeStorage = new Storage<bool>([]);

    /// <summary>
    /// A layout-only contiguous tensor of <paramref name="shape"/> with no elements behind it: view ops applied to it
    /// give the view's layout in the logical index space of any input of that shape (what backward scatters into).
    /// </summary>
    public static RawTensor Probe(int[] shape) => new(s_probeStorage, shape, Shapes.ContiguousStrides(shape), 0);

    /// <summary>Elements <c>start, start+step, ...</c> (below <paramref name="stop"/>) of dim <paramref name="dim"/>,
    /// as a view; bounds already clamped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Slice(RawTensor a, int dim, int start, int stop, int step)
    {
        var shape = a.Shape.AsSpan().ToArray();
        var strides = a.Strides.AsSpan().ToArray();
        shape[dim] = stop <= start ? 0 : (stop - start + step - 1) / step;
        strides[dim] = a.Strides[dim] * step;
        return a.WithLayout(shape, strides,
            a.Offset + (shape[dim] == 0 && a.Shape[dim] == 0 ? 0 : start * a.Strides[dim]));
    }

    /// <summary>Clamps Python-style slice bounds (null = open, negative = from the end) into
    /// <c>[0, size]</c>.</summary>
    public static (int Start, int Stop) ClampSlice(int size, int? start, int? stop)
    {
        int s = start ?? 0, e = stop ?? size;
        if (s < 0) s += size;
        if (e < 0) e += size;
        s = Math.Clamp(s, 0, size);
        e = Math.Clamp(e, s, size);
        return (s, e);
    }

    /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/> (that dim removed), as a
    /// view.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Select(RawTensor a, int dim, int index, string op = "select")
    {
        if (a.Rank == 0)
            throw new ArgumentOutOfRangeException(nameof(index), $"{op}: cannot index a 0-dim tensor (shape []).");
        dim = Shapes.WrapDim(dim, a.Rank, op);
        int size = a.Shape[dim];
        if (index < -size || index >= size)
            throw new ArgumentOutOfRangeException(nameof(index),
                $"{op}: index {index} is out of bounds for dimension {dim} with size {size} " +
                $"(shape {Shapes.Format(a.Shape)}).");
        if (index < 0) index += size;
        var shape = new int[a.Rank - 1];
        var strides = new int[a.Rank - 1];
        for (int i = 0, j = 0; i < a.Rank; i++)
        {
            if (i == dim) continue;
            shape[j] = a.Shape[i];
            strides[j++] = a.Strides[i];
        }
        return a.WithLayout(shape, strides, a.Offset + index * a.Strides[dim]);
    }

    /// <summary>The diagonal of dims <paramref name="dim1"/>, <paramref name="dim2"/> (moved to the end), as a
    /// view.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Diagonal(RawTensor a, int offset, int dim1, int dim2)
    {
        int d1 = Shapes.WrapDim(dim1, a.Rank, "diagonal"), d2 = Shapes.WrapDim(dim2, a.Rank, "diagonal");
        if (d1 == d2)
            throw new ArgumentException(
                $"diagonal: dimensions cannot be identical ({dim1}, {dim2}); shape {Shapes.Format(a.Shape)}.");
        int start = a.Offset, len;
        if (offset >= 0)
        {
            len = Math.Max(0, Math.Min(a.Shape[d1], a.Shape[d2] - offset));
            if (len > 0) start += offset * a.Strides[d2];
        }
        else
        {
            len = Math.Max(0, Math.Min(a.Shape[d1] + offset, a.Shape[d2]));
            if (len > 0) start -= offset * a.Strides[d1];
        }
        var shape = new int[a.Rank - 1];
        var strides = new int[a.Rank - 1];
        for (int i = 0, j = 0; i < a.Rank; i++)
        {
            if (i == d1 || i == d2) continue;
            shape[j] = a.Shape[i];
            strides[j++] = a.Strides[i];
        }
        shape[^1] = len;
        strides[^1] = a.Strides[d1] + a.Strides[d2];
        return a.WithLayout(shape, strides, start);
    }

    private static RawTensor IndexAsInt64(RawTensor index, string op)
    {
        if (!index.DType.IsInteger())
            throw new ArgumentException(
                $"{op}: expected an int64 (or int32) index tensor, got {index.DType.TorchName()} of " +
                $"shape {Shapes.Format(index.Shape)}.");
        return Contiguous(Cast(index, DType.Int64));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckGatherShapes(RawTensor self, int dim, RawTensor index, RawTensor? src, string op)
    {
        if (index.Rank != Math.Max(self.Rank, 1) && !(self.Rank == 0 && index.Rank == 0))
            throw new ArgumentException(
                $"{op}: index tensor must have the same number of dimensions as the input; got " +
                $"input {Shapes.Format(self.Shape)} and index {Shapes.Format(index.Shape)}.");
        for (int d = 0; d < index.Rank && self.Rank > 0; d++)
        {
            if (d != dim && index.Shape[d] > self.Shape[d])
                throw new ArgumentException(
                    $"{op}: size of index {Shapes.Format(index.Shape)} does not match " +
                    $"input {Shapes.Format(self.Shape)} at dimension {d} (index size must not exceed the input's " +
                    $"except at dimension {dim}).");
            if (src is not null && index.Shape[d] > src.Shape[d])
                throw new ArgumentException(
                    $"{op}: size of index {Shapes.Format(index.Shape)} exceeds src {Shapes.Format(src.Shape)} at " +
                    $"dimension {d}.");
        }
        if (src is not null && src.Rank != index.Rank)
            throw new ArgumentException(
                $"{op}: src must have the same number of dimensions as index; got src {Shapes.Format(src.Shape)} and " +
                $"index {Shapes.Format(index.Shape)}.");
    }

    private static ArgumentOutOfRangeException IndexError(string op, long value, int dim, int size, int[] shape) =>
        new("index", $"{op}: index {value} is out of bounds for dimension {dim} with size {size} (input " +
            $"shape {Shapes.Format(shape)}).");

    /// <summary><c>out[i][j][k] = a[i][index[i][j][k]][k]</c> (for dim 1): the output has the index's shape.</summary>
    public static RawTensor GatherAlong(RawTensor a, int dim, RawTensor index)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "gather");
        if (a.DType.ComputeType() != a.DType)
            return Cast(GatherAlong(Cast(a, a.DType.ComputeType()), dim, index), a.DType);
        CheckGatherShapes(a, dim, index, null, "gather");
        var ix = IndexAsInt64(index, "gather");
        var r = RawTensor.Empty(a.DType, index.Shape);
        int size = a.Rank == 0 ? 1 : a.Shape[dim];
        int bad = DTypeDispatch.Stored<GatherAlongFunc, int>(a.DType, new(a, dim, size, ix, index.Shape, r));
        if (bad >= 0) throw IndexError("gather", ix.Span<long>()[bad], dim, size, a.Shape);
        return r;
    }

    /// <summary>
    /// A copy of <paramref name="a"/> with <c>out[i][index[i][j][k]][k] = src[i][j][k]</c> (dim 1), or <c>+=</c> when
    /// <paramref name="accumulate"/>. <paramref name="src"/> is read over the index's shape (it may be larger).
    /// </summary>
    public static RawTensor ScatterAlong(RawTensor a, int dim, RawTensor index, RawTensor src, bool accumulate)
    {
        string op = accumulate ? "scatter_add" : "scatter";
        dim = Shapes.WrapDim(dim, a.Rank, op);
        if (a.DType.ComputeType() != a.DType)
            return Cast(
                ScatterAlong(Cast(a, a.DType.ComputeType()), dim, index, Cast(src, a.DType.ComputeType()), accumulate),
                a.DType);
        bool scalarSrc = src.Rank == 0 && index.Rank > 0;
        CheckGatherShapes(a, dim, index, scalarSrc ? null : src, op);
        var ix = IndexAsInt64(index, op);
        // Read src over the index's region (src may be larger, or a broadcast value).
        RawTensor vals = Cast(src, a.DType);
        vals = scalarSrc ? Expand(vals, index.Shape, op) : SliceToShape(vals, index.Shape);
        vals = Contiguous(vals);
        var r = Clone(a);
        int size = a.Rank == 0 ? 1 : a.Shape[dim];
        var f = new ScatterAlongFunc(r, dim, size, ix, index.Shape, vals);
        int bad = accumulate
            ? DTypeDispatch.Compute<ScatterAlongFunc, int>(a.DType, f, op)
            : DTypeDispatch.Stored<ScatterAlongFunc, int>(a.DType, f);
        if (bad >= 0) throw IndexError(op, ix.Span<long>()[bad], dim, size, a.Shape);
        return r;
    }

    /// <summary>The leading <paramref name="shape"/> block of <paramref name="a"/> (same rank), as a view.</summary>
    public static RawTensor SliceToShape(RawTensor a, int[] shape)
    {
        if (a.Shape.AsSpan().SequenceEqual(shape)) return a;
        return a.WithLayout(shape, a.Strides, a.Offset);
    }

    /// <summary>
    /// The positions of the true elements of a bool tensor, one int64 tensor per dimension (PyTorch's
    /// <c>nonzero(as_tuple=True)</c>), in row-major order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor[] NonzeroPerDim(RawTensor mask)
    {
        var m = Contiguous(Cast(mask, DType.Bool));
        ReadOnlySpan<bool> v = m.Span<bool>();
        int count = 0;
        foreach (bool b in v) if (b) count++;
        int rank = m.Rank;
        var result = new RawTensor[rank];
        var data = new long[rank][];
        for (int d = 0; d < rank; d++) { data[d] = new long[count]; result[d] = RawTensor.FromArray(data[d], [count]); }
        Span<int> idx = stackalloc int[Math.Max(rank, 1)];
        idx.Clear();
        int k = 0;
        for (int f = 0; f < v.Length; f++)
        {
            if (v[f])
            {
                for (int d = 0; d < rank; d++) data[d][k] = idx[d];
                k++;
            }
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < m.Shape[d]) break;
                idx[d] = 0;
            }
        }
        return result;
    }

    /// <summary>The plan of an advanced-indexing op: where each result element comes from.</summary>
    internal sealed class IndexPlan
    {
        public int[] OuterShape = [], OuterStrides = [], InnerShape = [], InnerStrides = [], ResultShape = [];
        public int[] Offsets = [];
    }

    /// <summary>
    /// Plans <c>a[indices]</c> with one optional int64 index tensor per leading dim (null = the whole dim). Index
    /// tensors broadcast together; their result dims replace the indexed dims where those are adjacent, and go
    /// first otherwise (NumPy's and PyTorch's rule). Negative indices count from the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IndexPlan PlanIndex(RawTensor a, RawTensor?[] indices, string op)
    {
        if (indices.Length > a.Rank)
            throw new ArgumentOutOfRangeException(nameof(indices),
                $"{op}: too many indices for tensor of dimension {a.Rank} (shape {Shapes.Format(a.Shape)}).");
        int first = -1, last = -1, count = 0;
        int[] b = [];
        bool any = false;
        for (int d = 0; d < indices.Length; d++)
        {
            if (indices[d] is not RawTensor t) continue;
            if (!t.DType.IsInteger())
                throw new ArgumentException(
                    $"{op}: tensors used as indices must be int64, int32 or bool, got {t.DType.TorchName()} of " +
                    $"shape {Shapes.Format(t.Shape)}.");
            b = any ? Shapes.Broadcast(b, t.Shape, op + " (index tensors)") : t.Shape;
            any = true;
            if (first < 0) first = d;
            last = d;
            count++;
        }
        bool adjacent = count == last - first + 1;
        var plan = new IndexPlan();
        int nb = Shapes.NumEl(b);
        var offsets = new int[nb];
        for (int d = first; d <= last && any; d++)
        {
            if (indices[d] is not RawTensor t) continue;
            var ix = Contiguous(Cast(Expand(t, b, op), DType.Int64));
            ReadOnlySpan<long> v = ix.Span<long>();
            int size = a.Shape[d], stride = a.Strides[d];
            for (int i = 0; i < nb; i++)
            {
                long k = v[i];
                if (k < -size || k >= size) throw IndexError(op, k, d, size, a.Shape);
                offsets[i] += (int)(k < 0 ? k + size : k) * stride;
            }
        }
        plan.Offsets = offsets;
        int nOuter = adjacent ? first : 0;
        int nInner = a.Rank - count - nOuter;
        plan.OuterShape = new int[nOuter]; plan.OuterStrides = new int[nOuter];
        plan.InnerShape = new int[nInner]; plan.InnerStrides = new int[nInner];
        for (int d = 0, o = 0, i = 0; d < a.Rank; d++)
        {
            if (d < indices.Length && indices[d] is not null) continue;
            if (o < nOuter) { plan.OuterShape[o] = a.Shape[d]; plan.OuterStrides[o++] = a.Strides[d]; }
            else { plan.InnerShape[i] = a.Shape[d]; plan.InnerStrides[i++] = a.Strides[d]; }
        }
        plan.ResultShape = [.. plan.OuterShape, .. b, .. plan.InnerShape];
        return plan;
    }

    /// <summary>Advanced indexing <c>a[indices]</c> (a copy); see <see cref="PlanIndex"/>.</summary>
    public static RawTensor Index(RawTensor a, RawTensor?[] indices, string op = "index")
    {
        if (a.DType.ComputeType() != a.DType) return Cast(Index(Cast(a, a.DType.ComputeType()), indices, op), a.DType);
        var p = PlanIndex(a, indices, op);
        var r = RawTensor.Empty(a.DType, p.ResultShape);
        DTypeDispatch.Stored<IndexFunc, RawTensor>(a.DType, new(a, p, r));
        return r;
    }

    /// <summary>
    /// Writes <paramref name="values"/> (broadcast to the indexed result's shape) into <paramref name="dst"/> at
    /// <paramref name="indices"/>, in place; <c>+=</c> when <paramref name="accumulate"/> (repeated indices then add
    /// up).
    /// </summary>
    public static void IndexPut(RawTensor dst, RawTensor?[] indices, RawTensor values, bool accumulate,
        string op = "index_put_")
    {
        if (dst.DType.ComputeType() != dst.DType)
        {
            // Storage-only dtypes: update a compute-typed copy, then write it back (rare, so the copy is acceptable).
            var work = Clone(Cast(dst, dst.DType.ComputeType()));
            IndexPut(work, indices, values, accumulate, op);
            CopyFrom(dst, work);
            return;
        }
        var p = PlanIndex(dst, indices, op);
        var v = Cast(values, dst.DType);
        if (!v.Shape.AsSpan().SequenceEqual(p.ResultShape))
        {
            try { v = Expand(v, p.ResultShape, op); }
            catch (ArgumentException)
            {
                throw new ArgumentException(
                    $"{op}: shape mismatch: value tensor of shape {Shapes.Format(values.Shape)} cannot be broadcast " +
                    $"to indexing result of shape {Shapes.Format(p.ResultShape)}.");
            }
        }
        v = Contiguous(v);
        var f = new IndexPutFunc(dst, p, v);
        if (accumulate) DTypeDispatch.Compute<IndexPutFunc, RawTensor>(dst.DType, f, op);
        else DTypeDispatch.Stored<IndexPutFunc, RawTensor>(dst.DType, f);
        dst.Storage.Version++;
    }

    /// <summary><c>cond ? a : b</c> element-wise with broadcasting; the result has the promoted dtype of a and
    /// b.</summary>
    public static RawTensor Where(RawTensor cond, RawTensor a, RawTensor b)
    {
        if (cond.DType != DType.Bool)
            throw new ArgumentException(
                $"where: expected a bool condition, got {cond.DType.TorchName()} of " +
                $"shape {Shapes.Format(cond.Shape)}.");
        DType dt = ResultType(a, b);
        a = Cast(a, dt);
        b = Cast(b, dt);
        int[] shape = Shapes.Broadcast(Shapes.Broadcast(cond.Shape, a.Shape, "where"), b.Shape, "where");
        var r = RawTensor.Empty(dt, shape);
        DTypeDispatch.Stored<WhereFunc, RawTensor>(dt, new(cond, a, b, r));
        return r;
    }

    /// <summary>One-hot encoding of int64 class indices: shape <c>[*, numClasses]</c>, int64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"one_hot: class index {k} is out of range for {numClasses} classes.");
            dst[i * numClasses + (int)k] = 1;
        }
        return r;
    }

    // ---- the kernels by element type; assignments take any stored type, accumulation a numeric one ----

    private readonly struct GatherAlongFunc(RawTensor a, int dim, int size, RawTensor ix, int[] shape, RawTensor r)
        : IStoredFunc<int>
    {
        public int Invoke<T>() where T : unmanaged =>
            IndexKernels.GatherAlong<T>(a.Data<T>(), a.Offset, a.Strides, dim, size, ix.Span<long>(), shape,
                r.Span<T>());
    }

    private readonly struct ScatterAlongFunc(RawTensor r, int dim, int size, RawTensor ix, int[] shape, RawTensor vals)
        : IStoredFunc<int>, INumericFunc<int>
    {
        int IStoredFunc<int>.Invoke<T>() => Run<T, AssignAction<T>>();

        int INumericFunc<int>.Invoke<T>() => Run<T, AddAction<T>>();

        private int Run<T, TAction>() where TAction : IScatterAction<T> =>
            IndexKernels.ScatterAlong<T, TAction>(r.Span<T>(), 0, r.Strides, dim, size, ix.Span<long>(), shape,
                vals.Span<T>());
    }

    private readonly struct IndexFunc(RawTensor a, IndexPlan p, RawTensor r) : IStoredFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged
        {
            IndexKernels.GatherOffsets<T>(a.Data<T>(), a.Offset, p.OuterShape, p.OuterStrides, p.Offsets,
                p.InnerShape, p.InnerStrides, r.Span<T>());
            return r;
        }
    }

    private readonly struct IndexPutFunc(RawTensor dst, IndexPlan p, RawTensor v)
        : IStoredFunc<RawTensor>, INumericFunc<RawTensor>
    {
        RawTensor IStoredFunc<RawTensor>.Invoke<T>() => Run<T, AssignAction<T>>();

        RawTensor INumericFunc<RawTensor>.Invoke<T>() => Run<T, AddAction<T>>();

        private RawTensor Run<T, TAction>() where TAction : IScatterAction<T>
        {
            IndexKernels.ScatterOffsets<T, TAction>(dst.Data<T>(), dst.Offset, p.OuterShape, p.OuterStrides, p.Offsets,
                p.InnerShape, p.InnerStrides, v.Span<T>());
            return dst;
        }
    }

    private readonly struct WhereFunc(RawTensor cond, RawTensor a, RawTensor b, RawTensor r) : IStoredFunc<RawTensor>
    {
        public RawTensor Invoke<T>() where T : unmanaged
        {
            int[] shape = r.Shape;
            Span<int> sc = stackalloc int[shape.Length], sa = stackalloc int[shape.Length],
                sb = stackalloc int[shape.Length];
            BroadcastStrides(cond, shape, sc);
            BroadcastStrides(a, shape, sa);
            BroadcastStrides(b, shape, sb);
            IndexKernels.Where<T>(cond.Data<bool>(), cond.Offset, sc, a.Data<T>(), a.Offset, sa, b.Data<T>(), b.Offset,
                sb, r.Span<T>(), shape);
            return r;
        }
    }
}
