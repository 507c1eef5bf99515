using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

/// <summary>
/// General matrix multiply on row-major spans: <c>C = alpha * op(A) * op(B) + beta * C</c>,
/// where <c>op(X)</c> is <c>X</c> or <c>Xᵀ</c>. <c>op(A)</c> is <c>[m, k]</c>, <c>op(B)</c> is <c>[k, n]</c>, <c>C</c>
/// is <c>[m, n]</c>. Leading dimensions are the row strides of the stored (untransposed) matrices. When <c>beta</c> is
/// zero, <c>C</c> is not read, so it may hold garbage (NaN included).
/// </summary>
/// <remarks>
/// Large products use packed panels, a register-blocked FMA micro-kernel (AVX-512, AVX2+FMA, or a portable
/// fallback, picked at startup) and the <see cref="WorkerPool"/>; work is split over output tiles only, so
/// results are bit-identical whatever <see cref="WorkerPool.ThreadCount"/> is. Tiny products take a direct,
/// unpacked, single-threaded path. When <c>alpha</c> is zero or <c>k</c> is zero, A and B are not read and
/// C becomes <c>beta * C</c> (zero when <c>beta</c> is zero).
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>At or below this many multiply-adds (m*n*k) the direct unpacked path is always used.</summary>
    internal static long DirectMacs = 16 * 1024;

    /// <summary>
    /// Skinny products (k or n at most <see cref="DirectSkinny"/>) up to this many multiply-adds also take the
    /// direct path: the packed kernels' wide tiles would be mostly padding there.
    /// </summary>
    internal static long DirectSkinnyMacs = 64 * 1024;

    /// <summary>See <see cref="DirectSkinnyMacs"/>.</summary>
    internal const int DirectSkinny = 8;

    /// <summary>Single-precision GEMM.</summary>
    /// <param name="transA">Use Aᵀ: A is stored as <c>[k, m]</c> instead of <c>[m, k]</c>.</param>
    /// <param name="transB">Use Bᵀ: B is stored as <c>[n, k]</c> instead of <c>[k, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Stored A.</param>
    /// <param name="lda">Row stride of stored A.</param>
    /// <param name="b">Stored B.</param>
    /// <param name="ldb">Row stride of stored B.</param>
    /// <param name="beta">Scale of the previous C; 0 means C is not read.</param>
    /// <param name="c">C, <c>[m, n]</c>.</param>
    /// <param name="ldc">Row stride of C.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = &MemoryMarshal.GetReference(a))
        fixed (float* pb = &MemoryMarshal.GetReference(b))
        fixed (float* pc = &MemoryMarshal.GetReference(c))
            Core(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    /// <summary>Double-precision GEMM.</summary>
    /// <param name="transA">Use Aᵀ: A is stored as <c>[k, m]</c> instead of <c>[m, k]</c>.</param>
    /// <param name="transB">Use Bᵀ: B is stored as <c>[n, k]</c> instead of <c>[k, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Stored A.</param>
    /// <param name="lda">Row stride of stored A.</param>
    /// <param name="b">Stored B.</param>
    /// <param name="ldb">Row stride of stored B.</param>
    /// <param name="beta">Scale of the previous C; 0 means C is not read.</param>
    /// <param name="c">C, <c>[m, n]</c>.</param>
    /// <param name="ldc">Row stride of C.</param>
    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (double* pa = &MemoryMarshal.GetReference(a))
        fixed (double* pb = &MemoryMarshal.GetReference(b))
        fixed (double* pc = &MemoryMarshal.GetReference(c))
            Core(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    /// <summary>
    /// <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float,
    /// Span{float}, int)"/>
    /// or its double-precision twin, chosen by <typeparamref name="T"/>, for callers generic in the element type.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The packed kernels are generated per precision; the JIT folds this test away for each T.
        if (typeof(T) == typeof(float))
            Sgemm(transA, transB, m, n, k, float.CreateTruncating(alpha), MemoryMarshal.Cast<T, float>(a), lda,
                MemoryMarshal.Cast<T, float>(b), ldb, float.CreateTruncating(beta), MemoryMarshal.Cast<T, float>(c),
                ldc);
        else if (typeof(T) == typeof(double))
            Dgemm(transA, transB, m, n, k, double.CreateTruncating(alpha), MemoryMarshal.Cast<T, double>(a), lda,
                MemoryMarshal.Cast<T, double>(b), ldb, double.CreateTruncating(beta), MemoryMarshal.Cast<T, double>(c),
                ldc);
        else throw new NotSupportedException($"GEMM supports float and double elements, not {typeof(T).Name}.");
    }

    /// <summary><see cref="SgemmBias"/> or <see cref="DgemmBias"/>, chosen by <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBias<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, ReadOnlySpan<T> bias, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            SgemmBias(transA, transB, m, n, k, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b),
                ldb, MemoryMarshal.Cast<T, float>(bias), MemoryMarshal.Cast<T, float>(c), ldc);
        else if (typeof(T) == typeof(double))
            DgemmBias(transA, transB, m, n, k, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b),
                ldb, MemoryMarshal.Cast<T, double>(bias), MemoryMarshal.Cast<T, double>(c), ldc);
        else throw new NotSupportedException($"GEMM supports float and double elements, not {typeof(T).Name}.");
    }

    /// <summary>Single-precision GEMM on raw pointers (no bounds checks; the memory must stay valid and
    /// pinned).</summary>
    /// <param name="transA">Use Aᵀ: A is stored as <c>[k, m]</c> instead of <c>[m, k]</c>.</param>
    /// <param name="transB">Use Bᵀ: B is stored as <c>[n, k]</c> instead of <c>[k, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Stored A.</param>
    /// <param name="lda">Row stride of stored A.</param>
    /// <param name="b">Stored B.</param>
    /// <param name="ldb">Row stride of stored B.</param>
    /// <param name="beta">Scale of the previous C; 0 means C is not read.</param>
    /// <param name="c">C, <c>[m, n]</c>.</param>
    /// <param name="ldc">Row stride of C.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        ValidateShape(transA, transB, m, n, k, lda, ldb, ldc);
        Core(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>Double-precision GEMM on raw pointers (no bounds checks; the memory must stay valid and
    /// pinned).</summary>
    /// <param name="transA">Use Aᵀ: A is stored as <c>[k, m]</c> instead of <c>[m, k]</c>.</param>
    /// <param name="transB">Use Bᵀ: B is stored as <c>[n, k]</c> instead of <c>[k, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Stored A.</param>
    /// <param name="lda">Row stride of stored A.</param>
    /// <param name="b">Stored B.</param>
    /// <param name="ldb">Row stride of stored B.</param>
    /// <param name="beta">Scale of the previous C; 0 means C is not read.</param>
    /// <param name="c">C, <c>[m, n]</c>.</param>
    /// <param name="ldc">Row stride of C.</param>
    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
        double* a, int lda, double* b, int ldb, double beta, double* c, int ldc)
    {
        ValidateShape(transA, transB, m, n, k, lda, ldb, ldc);
        Core(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>
    /// <c>C = op(A)·op(B) + bias</c> with the row vector <paramref name="bias"/> (length n) added to every row — a
    /// Linear layer's forward. C is not read. Tiny products add the bias inside the kernel; others copy it into C
    /// first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SgemmBias(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, ReadOnlySpan<float> bias, Span<float> c,
        int ldc)
    {
        if (bias.Length < n)
            throw new ArgumentException($"SgemmBias: bias has {bias.Length} elements, expected {n}.", nameof(bias));
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            CoreBias(transA, transB, m, n, k, pa, lda, pb, ldb, pbias, pc, ldc);
    }

    /// <summary>Double-precision <see cref="SgemmBias"/>.</summary>
    public static void DgemmBias(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, ReadOnlySpan<double> bias, Span<double> c,
        int ldc)
    {
        if (bias.Length < n)
            throw new ArgumentException($"DgemmBias: bias has {bias.Length} elements, expected {n}.", nameof(bias));
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (double* pa = a, pb = b, pc = c, pbias = bias)
            CoreBias(transA, transB, m, n, k, pa, lda, pb, ldb, pbias, pc, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CoreBias<T>(bool transA, bool transB, int m, int n, int k,
        T* a, nint lda, T* b, nint ldb, T* bias, T* c, nint ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        long macs = (long)m * n * k;
        if (k > 0 && (macs <= DirectMacs || (macs <= DirectSkinnyMacs && (k <= DirectSkinny || n <= DirectSkinny))))
        {
            GemmDirect<T>.Run(transA, transB, m, n, k, T.One, a, lda, b, ldb, T.Zero, c, ldc, bias);
            return;
        }
        GemmBiasFill<T>.Run(m, n, bias, c, ldc);
        Core(transA, transB, m, n, k, T.One, a, lda, b, ldb, T.One, c, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Core<T>(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0)
            return;
        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        long macs = (long)m * n * k;
        if (macs <= DirectMacs || (macs <= DirectSkinnyMacs && (k <= DirectSkinny || n <= DirectSkinny)))
            GemmDirect<T>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else if (m <= GemmSkinny<T>.MaxRows && Vector256.IsHardwareAccelerated)
            GemmSkinny<T>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1);
        else if (n <= GemmSkinny<T>.MaxRows && Vector256.IsHardwareAccelerated)
            GemmSkinny<T>.Run(!transB, !transA, n, m, k, alpha, b, ldb, a, lda, beta, c, 1, ldc); // Cᵀ = op(B)ᵀ op(A)ᵀ
        else
            GemmDriver<T>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleC<T>(int m, int n, T beta, T* c, nint ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<T>(c + i * ldc, n);
            if (beta == T.Zero)
                row.Clear();
            else if (beta != T.One)
                for (int j = 0; j < row.Length; j++)
                    row[j] *= beta;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ValidateShape(bool transA, bool transB, int m, int n, int k, int lda, int ldb, int ldc)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m));
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n));
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k));
        if (lda < Math.Max(1, transA ? m : k)) throw new ArgumentOutOfRangeException(nameof(lda));
        if (ldb < Math.Max(1, transB ? k : n)) throw new ArgumentOutOfRangeException(nameof(ldb));
        if (ldc < Math.Max(1, n)) throw new ArgumentOutOfRangeException(nameof(ldc));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ValidateShape(transA, transB, m, n, k, lda, ldb, ldc);
        if (m == 0 || n == 0)
            return;
        if (cLength < Need(m, n, ldc)) throw new ArgumentException("C is too short for m, n and ldc.", "c");
        if (k == 0)
            return;
        if (aLength < (transA ? Need(k, m, lda) : Need(m, k, lda)))
            throw new ArgumentException("A is too short for its shape and lda.", "a");
        if (bLength < (transB ? Need(n, k, ldb) : Need(k, n, ldb)))
            throw new ArgumentException("B is too short for its shape and ldb.", "b");

        static long Need(int rows, int cols, int ld) => (long)(rows - 1) * ld + cols;
    }
}
