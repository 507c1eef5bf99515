using System;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Joins and rearrangements that copy: cat, flip, roll, triangular masks, batched matrix products.</summary>
internal static partial class RawOps
{
    /// <summary>
    /// Concatenates along <paramref name="dim"/>; the dtype is the promotion of all inputs. 1-D empty tensors
    /// are skipped, as in PyTorch.
    /// </summary>
    public static RawTensor Cat(RawTensor[] tensors, int dim)
    {
        if (tensors.Length == 0) throw new ArgumentException("cat: expected a non-empty list of tensors.");
        RawTensor? reference = null;
        DType dt = tensors[0].DType;
        foreach (var t in tensors)
        {
            dt = DTypes.Promote(dt, t.DType);
            if (reference is null && !(t.Rank == 1 && t.NumEl == 0)) reference = t;
        }
        reference ??= tensors[0];
        if (reference.Rank == 0) throw new ArgumentException("cat: zero-dimensional tensor (shape []) cannot be concatenated; Unsqueeze it or use Stack.");
        dim = Shapes.WrapDim(dim, reference.Rank, "cat");
        var shape = reference.Shape.AsSpan().ToArray();
        shape[dim] = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            if (t.Rank == 1 && t.NumEl == 0) continue;
            if (t.Rank != reference.Rank)
                throw new ArgumentException($"cat: tensors must have the same number of dimensions: got {reference.Rank} ({Shapes.Format(reference.Shape)}) and {t.Rank} ({Shapes.Format(t.Shape)}) for tensor number {i} in the list.");
            for (int d = 0; d < t.Rank; d++)
                if (d != dim && t.Shape[d] != reference.Shape[d])
                    throw new ArgumentException($"cat: sizes of tensors must match except in dimension {dim}. Expected size {reference.Shape[d]} but got size {t.Shape[d]} for tensor number {i} in the list (shapes {Shapes.Format(reference.Shape)} and {Shapes.Format(t.Shape)}).");
            shape[dim] += t.Shape[dim];
        }
        var r = RawTensor.Empty(dt, shape);
        int offset = 0;
        foreach (var t in tensors)
        {
            if (t.Rank == 1 && t.NumEl == 0) continue;
            int n = t.Shape[dim];
            CopyFrom(Slice(r, dim, offset, offset + n, 1), t);
            offset += n;
        }
        return r;
    }

    /// <summary>A copy with the order of elements reversed along each of <paramref name="dims"/>.</summary>
    public static RawTensor Flip(RawTensor a, ReadOnlySpan<int> dims)
    {
        var strides = a.Strides.AsSpan().ToArray();
        int offset = a.Offset;
        Span<bool> seen = stackalloc bool[Math.Max(a.Rank, 1)];
        foreach (int d0 in dims)
        {
            int d = Shapes.WrapDim(d0, a.Rank, "flip");
            if (seen[d]) throw new ArgumentException($"flip: dim {d} appears multiple times in the list of dims {Shapes.Format(dims)}.");
            seen[d] = true;
            if (a.Shape[d] == 0) continue;
            offset += (a.Shape[d] - 1) * strides[d];
            strides[d] = -strides[d];
        }
        // A negative-stride view read once into a fresh contiguous tensor.
        return Clone(a.WithLayout(a.Shape, strides, offset));
    }

    /// <summary>Rolls elements by <paramref name="shift"/> along <paramref name="dim"/> (those leaving one end re-enter at the other).</summary>
    public static RawTensor Roll(RawTensor a, int shift, int dim)
    {
        dim = Shapes.WrapDim(dim, a.Rank, "roll");
        int n = a.Shape[dim];
        if (n == 0) return Clone(a);
        int s = ((shift % n) + n) % n;
        if (s == 0) return Clone(a);
        return Cat([Slice(a, dim, n - s, n, 1), Slice(a, dim, 0, n - s, 1)], dim);
    }

    /// <summary>Keeps the lower (<paramref name="lower"/>) or upper triangle of the last two dims relative to diagonal <paramref name="k"/>, zeroing the rest.</summary>
    public static RawTensor Triangle(RawTensor a, int k, bool lower)
    {
        string op = lower ? "tril" : "triu";
        if (a.Rank < 2) throw new ArgumentException($"{op}: input tensor must have at least 2 dimensions, got shape {Shapes.Format(a.Shape)}.");
        int rows = a.Shape[^2], cols = a.Shape[^1];
        var mask = RawTensor.Empty(DType.Bool, [rows, cols]);
        Span<bool> m = mask.Span<bool>();
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                m[i * cols + j] = lower ? j - i <= k : j - i >= k;
        return Where(mask, a, Scalar(0, a.DType));
    }

    /// <summary>Batched matrix product <c>[B, m, k] @ [B, k, n] = [B, m, n]</c>.</summary>
    public static RawTensor Bmm(RawTensor a, RawTensor b)
    {
        if (a.Rank != 3 || b.Rank != 3)
            throw new ArgumentException($"bmm: expected 3-D tensors, got shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        if (a.Shape[0] != b.Shape[0] || a.Shape[2] != b.Shape[1])
            throw new ArgumentException($"bmm: batch1 and batch2 shapes cannot be multiplied ({Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}); expected [B, m, k] and [B, k, n].");
        CheckMatmulTypes(a, b, "bmm");
        int batch = a.Shape[0], m = a.Shape[1], k = a.Shape[2], n = b.Shape[2];
        var r = RawTensor.Empty(a.DType, [batch, m, n]);
        if (r.NumEl == 0) return r;
        if (k == 0) { Fill(r, 0); return r; }
        for (int i = 0; i < batch; i++)
        {
            var (ta, transA, lda) = GemmOperand(Select(a, 0, i, "bmm"));
            var (tb, transB, ldb) = GemmOperand(Select(b, 0, i, "bmm"));
            if (a.DType == DType.Float32)
                Gemm.Sgemm(transA, transB, m, n, k, 1f, ta.Data<float>().AsSpan(ta.Offset), lda,
                    tb.Data<float>().AsSpan(tb.Offset), ldb, 0f, r.Span<float>().Slice(i * m * n, m * n), n);
            else
                Gemm.Dgemm(transA, transB, m, n, k, 1.0, ta.Data<double>().AsSpan(ta.Offset), lda,
                    tb.Data<double>().AsSpan(tb.Offset), ldb, 0.0, r.Span<double>().Slice(i * m * n, m * n), n);
        }
        return r;
    }
}
