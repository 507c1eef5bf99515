using System;

namespace Ember.Kernels;

/// <summary>
/// General matrix multiply on row-major spans: <c>C = alpha * op(A) * op(B) + beta * C</c>,
/// where <c>op(X)</c> is <c>X</c> or <c>Xᵀ</c>. <c>op(A)</c> is <c>[m, k]</c>, <c>op(B)</c> is <c>[k, n]</c>, <c>C</c> is <c>[m, n]</c>.
/// Leading dimensions are the row strides of the stored (untransposed) matrices. When <c>beta</c> is zero,
/// <c>C</c> is not read, so it may hold garbage (NaN included).
/// </summary>
public static class Gemm
{
    /// <summary>Single-precision GEMM.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j];
            }
    }

    /// <summary>Double-precision GEMM.</summary>
    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j];
            }
    }
}
