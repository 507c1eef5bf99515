using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Kernels;

/// <summary>
/// Unpacked, single-threaded GEMM for tiny products (no packing, no threading). C is computed row by row,
/// vectorized across columns: <c>C[i, j..j+w) = sum_p A(i,p) * B[p, j..j+w)</c>, with a masked tail on AVX.
/// When B is transposed, op(B) (at most a few thousand elements here) is first copied into thread-local
/// scratch. Each element's sum runs over k in order, so results do not depend on the thread count.
/// </summary>
internal static unsafe class GemmDirect<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static T[]? t_scratch;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, T* bias = null)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            if (bias != null) FillRows(m, n, bias, c, ldc);
            Scalar(transA, transB, m, n, k, alpha, a, lda, b, ldb, bias != null ? T.One : beta, c, ldc);
            return;
        }
        if (transB)
        {
            // op(B)[p, j] = b[j*ldb + p] -> contiguous [k, n] copy.
            int len = k * n;
            T[] buf = t_scratch is { } s && s.Length >= len ? s
                : (t_scratch = GC.AllocateUninitializedArray<T>(Math.Max(len, 256), pinned: true));
            T* bt = (T*)Unsafe.AsPointer(ref buf[0]);
            for (int j = 0; j < n; j++)
            {
                T* src = b + j * ldb;
                for (int p = 0; p < k; p++)
                    bt[p * n + j] = src[p];
            }
            Rows(transA, m, n, k, alpha, a, lda, bt, n, beta, c, ldc, bias);
        }
        else
        {
            Rows(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
        }
    }

    /// <summary>Copies the row vector <paramref name="bias"/> into every row of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillRows(int m, int n, T* bias, T* c, nint ldc)
    {
        for (int i = 0; i < m; i++) new ReadOnlySpan<T>(bias, n).CopyTo(new Span<T>(c + i * ldc, n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> LoadTail(T* p, Vector256<T> mask)
    {
        if (typeof(T) == typeof(float))
            return Avx.MaskLoad((float*)p, mask.AsSingle()).As<float, T>();
        return Avx.MaskLoad((double*)p, mask.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTail(T* p, Vector256<T> mask, Vector256<T> v)
    {
        if (typeof(T) == typeof(float))
            Avx.MaskStore((float*)p, mask.AsSingle(), v.AsSingle());
        else
            Avx.MaskStore((double*)p, mask.AsDouble(), v.AsDouble());
    }

    /// <summary>op(B) rows contiguous (row stride ldb).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(bool transA, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, T* bias)
    {
        // With a bias row (C = alpha·A·B + bias, C not read), the bias is added from its own memory: reading C back
        // right after the row copies would stall on the masked tail loads.
        bool hasBias = bias != null;
        nint aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        int w = Vector256<T>.Count;
        int tail = n % w;
        int full = n - tail;
        bool masked = tail != 0 && Avx.IsSupported;
        Vector256<T> mask = default;
        if (masked)
        {
            // Lanes < tail have the sign bit set.
            Vector256<T> idx = Vector256<T>.Indices;
            mask = Vector256.LessThan(idx, Vector256.Create(T.CreateTruncating(tail)));
        }
        Vector256<T> va = Vector256.Create(alpha), vb = Vector256.Create(beta);
        bool noBeta = beta == T.Zero;

        for (int i = 0; i < m; i++)
        {
            T* ai = a + i * aRow;
            T* ci = c + i * ldc;
            int j = 0;
            for (; j < full; j += w)
            {
                // Four independent partial sums (p mod 4) hide the add latency on long k.
                Vector256<T> acc = Vector256<T>.Zero, acc1 = Vector256<T>.Zero;
                T* bp = b + j;
                Vector256<T> acc2 = Vector256<T>.Zero, acc3 = Vector256<T>.Zero;
                int p = 0;
                for (; p + 3 < k; p += 4)
                {
                    acc += Vector256.Create(ai[p * aCol]) * Vector256.Load(bp);
                    acc1 += Vector256.Create(ai[(p + 1) * aCol]) * Vector256.Load(bp + ldb);
                    acc2 += Vector256.Create(ai[(p + 2) * aCol]) * Vector256.Load(bp + 2 * ldb);
                    acc3 += Vector256.Create(ai[(p + 3) * aCol]) * Vector256.Load(bp + 3 * ldb);
                    bp += 4 * ldb;
                }
                for (; p < k; p++, bp += ldb) acc += Vector256.Create(ai[p * aCol]) * Vector256.Load(bp);
                acc = (acc + acc1) + (acc2 + acc3);
                if (hasBias)
                    Vector256.Store(acc * va + Vector256.Load(bias + j), ci + j);
                else if (noBeta)
                    Vector256.Store(acc * va, ci + j);
                else
                    Vector256.Store(acc * va + vb * Vector256.Load(ci + j), ci + j);
            }
            if (masked)
            {
                Vector256<T> acc = Vector256<T>.Zero, acc1 = Vector256<T>.Zero;
                T* bp = b + j;
                Vector256<T> acc2 = Vector256<T>.Zero, acc3 = Vector256<T>.Zero;
                int p = 0;
                for (; p + 3 < k; p += 4)
                {
                    acc += Vector256.Create(ai[p * aCol]) * LoadTail(bp, mask);
                    acc1 += Vector256.Create(ai[(p + 1) * aCol]) * LoadTail(bp + ldb, mask);
                    acc2 += Vector256.Create(ai[(p + 2) * aCol]) * LoadTail(bp + 2 * ldb, mask);
                    acc3 += Vector256.Create(ai[(p + 3) * aCol]) * LoadTail(bp + 3 * ldb, mask);
                    bp += 4 * ldb;
                }
                for (; p < k; p++, bp += ldb) acc += Vector256.Create(ai[p * aCol]) * LoadTail(bp, mask);
                acc = (acc + acc1) + (acc2 + acc3);
                if (hasBias)
                    StoreTail(ci + j, mask, acc * va + LoadTail(bias + j, mask));
                else if (noBeta)
                    StoreTail(ci + j, mask, acc * va);
                else
                    StoreTail(ci + j, mask, acc * va + vb * LoadTail(ci + j, mask));
            }
            else
            {
                for (; j < n; j++)
                {
                    T acc = T.Zero;
                    T* bp = b + j;
                    for (int p = 0; p < k; p++)
                        acc += ai[p * aCol] * bp[p * ldb];
                    ci[j] = hasBias ? acc * alpha + bias[j] : noBeta ? acc * alpha : acc * alpha + beta * ci[j];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scalar(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc)
    {
        nint aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        nint bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
        for (int i = 0; i < m; i++)
        {
            T* ai = a + i * aRow;
            T* ci = c + i * ldc;
            for (int j = 0; j < n; j++)
            {
                T* bj = b + j * bCol;
                T acc = T.Zero;
                for (int p = 0; p < k; p++)
                    acc += ai[p * aCol] * bj[p * bRow];
                ci[j] = beta == T.Zero ? acc * alpha : acc * alpha + beta * ci[j];
            }
        }
    }
}
