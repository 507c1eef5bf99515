using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

/// <summary>
/// Unpacked, single-threaded GEMM for tiny products (no packing, no scratch, no threading). Each element's
/// sum runs over k in order; results are independent of the thread count.
/// </summary>
internal static unsafe class GemmDirect<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc)
    {
        // Element strides of op(A) and op(B).
        nint aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        nint bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
        int w = Vector256<T>.Count;
        bool vec = Vector256.IsHardwareAccelerated && !transB;

        for (int i = 0; i < m; i++)
        {
            T* ai = a + i * aRow;
            T* ci = c + i * ldc;
            int j = 0;
            if (vec)
            {
                // Rows of op(B) are contiguous: C[i, j..j+w) = sum_p A(i,p) * B[p, j..j+w).
                Vector256<T> va = Vector256.Create(alpha), vb = Vector256.Create(beta);
                for (; j + w <= n; j += w)
                {
                    Vector256<T> acc = Vector256<T>.Zero;
                    T* bp = b + j;
                    for (int p = 0; p < k; p++)
                    {
                        acc += Vector256.Create(ai[p * aCol]) * Vector256.Load(bp);
                        bp += bRow;
                    }
                    if (beta == T.Zero)
                        Vector256.Store(acc * va, ci + j);
                    else
                        Vector256.Store(acc * va + vb * Vector256.Load(ci + j), ci + j);
                }
            }
            for (; j < n; j++)
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
