using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    /// <summary>
    /// Describes a 2-D operand to GEMM without copying: row-major (<c>trans = false</c>) or a transposed
    /// row-major matrix (<c>trans = true</c>, e.g. a <c>.T</c> view). Other layouts are made contiguous.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (RawTensor T, bool Trans, int Ld) GemmOperand(RawTensor a)
    {
        int rows = a.Shape[0], cols = a.Shape[1];
        if (a.Strides[1] == 1 && (a.Strides[0] >= Math.Max(cols, 1) || rows == 1)) return (a, false,
            Math.Max(a.Strides[0], Math.Max(cols, 1)));
        if (a.Strides[0] == 1 && (a.Strides[1] >= Math.Max(rows, 1) || cols == 1)) return (a, true,
            Math.Max(a.Strides[1], Math.Max(rows, 1)));
        var c = Clone(a);
        return (c, false, Math.Max(cols, 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckMatmulTypes(RawTensor a, RawTensor b, string op)
    {
        if (a.DType != b.DType)
            throw new ArgumentException(
                $"{op}: expected both operands to have the same dtype, but " +
                $"got {a.DType.TorchName()} {Shapes.Format(a.Shape)} " +
                $"and {b.DType.TorchName()} {Shapes.Format(b.Shape)}; convert one with .To(...).");
        if (!a.DType.IsFloatingPoint())
            throw new NotSupportedException(
                $"{op}: matrix products need floating-point tensors, got {a.DType.TorchName()}; convert with " +
                ".To(DType.Float32).");
    }

    /// <summary>
    /// <c>out = beta * bias + alpha * (a @ b)</c> for 2-D <paramref name="a"/> <c>[m, k]</c> and <paramref name="b"/>
    /// <c>[k, n]</c>; <paramref name="bias"/> broadcasts to <c>[m, n]</c> or is null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Addmm(RawTensor? bias, RawTensor a, RawTensor b, double beta, double alpha, string op)
    {
        if (a.Rank != 2 || b.Rank != 2)
            throw new ArgumentException(
                $"{op}: expected 2-D matrices, got shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        if (a.Shape[1] != b.Shape[0])
            throw new ArgumentException(
                $"{op}: mat1 and mat2 shapes cannot be multiplied ({a.Shape[0]}x{a.Shape[1]} " +
                $"and {b.Shape[0]}x{b.Shape[1]}).");
        CheckMatmulTypes(a, b, op);
        if (IsHalfPrecision(a))
            return Cast(Addmm(bias is null ? null : Cast(bias, DType.Float32), Cast(a, DType.Float32),
                Cast(b, DType.Float32), beta, alpha, op), a.DType);
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        var r = RawTensor.Empty(a.DType, [m, n]);
        double gemmBeta = 0;
        if (bias is not null && beta != 0)
        {
            if (bias.DType != a.DType)
                throw new ArgumentException(
                    $"{op}: bias dtype {bias.DType.TorchName()} does not match matrix dtype {a.DType.TorchName()}.");
            Shapes.Broadcast(bias.Shape, r.Shape, op);
            if (beta == 1 && alpha == 1 && bias.IsContiguous && bias.NumEl == n
                && (bias.Rank == 1 || bias.Shape[0] == 1)
                && n > 0 && m > 0)
            {
                // The Linear case: a bias row added to every row of the product, inside the GEMM kernel.
                return DTypeDispatch.Floating<GemmFunc, RawTensor>(a.DType,
                    new(GemmOperand(a), GemmOperand(b), m, n, k, 1, 0, bias, r, 0), op);
            }
            CopyFrom(r, bias);
            gemmBeta = beta;
        }
        if (m == 0 || n == 0) return r;
        if (k == 0)
        {
            if (gemmBeta == 0) Fill(r, 0); else if (gemmBeta != 1) r = Mul(r, Scalar(gemmBeta, r.DType));
            return r;
        }
        return DTypeDispatch.Floating<GemmFunc, RawTensor>(a.DType,
            new(GemmOperand(a), GemmOperand(b), m, n, k, alpha, gemmBeta, null, r, 0), op);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Mm(RawTensor a, RawTensor b) => Addmm(null, a, b, 0, 1, "mm");

    /// <summary>Batched matrix product <c>[B, m, k] @ [B, k, n] = [B, m, n]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Bmm(RawTensor a, RawTensor b)
    {
        if (a.Rank != 3 || b.Rank != 3)
            throw new ArgumentException(
                $"bmm: expected 3-D tensors, got shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        if (a.Shape[0] != b.Shape[0] || a.Shape[2] != b.Shape[1])
            throw new ArgumentException(
                $"bmm: batch1 and batch2 shapes cannot be multiplied ({Shapes.Format(a.Shape)} " +
                $"and {Shapes.Format(b.Shape)}); expected [B, m, k] and [B, k, n].");
        CheckMatmulTypes(a, b, "bmm");
        int batch = a.Shape[0], m = a.Shape[1], k = a.Shape[2], n = b.Shape[2];
        var r = RawTensor.Empty(a.DType, [batch, m, n]);
        if (r.NumEl == 0) return r;
        if (k == 0) { Fill(r, 0); return r; }
        for (int i = 0; i < batch; i++)
        {
            var f = new GemmFunc(GemmOperand(Select(a, 0, i, "bmm")), GemmOperand(Select(b, 0, i, "bmm")), m, n, k, 1,
                0, null, r, i * m * n);
            DTypeDispatch.Floating<GemmFunc, RawTensor>(a.DType, f, "bmm");
        }
        return r;
    }

    /// <summary>
    /// <c>r[rOffset..] = alpha·op(A)·op(B) + beta·r</c>, or <c>op(A)·op(B) + bias</c> when <paramref name="bias"/> is
    /// given (a row added to every row).
    /// </summary>
    private readonly struct GemmFunc((RawTensor T, bool Trans, int Ld) a, (RawTensor T, bool Trans, int Ld) b,
        int m, int n, int k, double alpha, double beta, RawTensor? bias, RawTensor r,
            int rOffset) : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> sa = a.T.Data<T>().AsSpan(a.T.Offset), sb = b.T.Data<T>().AsSpan(b.T.Offset);
            Span<T> c = r.Span<T>().Slice(rOffset, m * n);
            if (bias is not null) Gemm.MultiplyBias(a.Trans, b.Trans, m, n, k, sa, a.Ld, sb, b.Ld,
                bias.Span<T>(), c, n);
            else Gemm.Multiply(a.Trans, b.Trans, m, n, k, T.CreateTruncating(alpha), sa, a.Ld, sb, b.Ld,
                T.CreateTruncating(beta), c, n);
            return r;
        }
    }
}
