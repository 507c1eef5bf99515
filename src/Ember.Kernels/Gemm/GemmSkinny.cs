using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Kernels;

/// <summary>
/// Matrix-vector-like products with at most <see cref="MaxRows"/> rows in op(A) (and, through
/// <c>Cᵀ = op(B)ᵀ·op(A)ᵀ</c>, at most that many columns in op(B)). They are bound by streaming the big
/// operand once, so packing it (what the blocked path does) would only add memory traffic. No work is split
/// over k, and each element's operation sequence does not depend on how columns are chunked, so results do
/// not depend on the thread count.
/// </summary>
internal static unsafe class GemmSkinny<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Largest m handled here.</summary>
    public const int MaxRows = 8;

    private const int MaxColBlock = 1024;
    private const double ParallelFlops = 1e6;

    [ThreadStatic] private static T[]? t_aRows;

    /// <summary>C[i*csr + j*csc] = alpha * (op(A) op(B))[i, j] + beta * C; m &lt;= <see cref="MaxRows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint csr, nint csc)
    {
        int threads = WorkerPool.ThreadCount;
        double flops = 2.0 * m * n * k;
        var task = new Task
        {
            M = m, N = n, K = k, Alpha = alpha, Beta = beta, B = b, Ldb = ldb, C = c, Csr = csr, Csc = csc
        };
        int parts = threads > 1 && flops >= ParallelFlops ? threads : 1;

        if (!transB)
        {
            // Axpy form: acc[i, j-block] += A(i,p) * B[p, j-block], streaming rows of B.
            task.A = a;
            task.AStrideRow = transA ? 1 : lda;
            task.AStrideDepth = transA ? lda : 1;
            int block = Math.Min(MaxColBlock, RoundUp((n + parts - 1) / parts, 16));
            task.ColBlock = block;
            task.Dot = false;
            int blocks = (n + block - 1) / block;
            if (parts == 1)
            {
                for (int i = 0; i < blocks; i++)
                    task.Execute(i);
            }
            else
            {
                WorkerPool.For(blocks, ref task);
            }
        }
        else
        {
            // Dot form: C[i, j] = <op(A) row i, stored B row j>; op(A) rows made contiguous first.
            T* rows = a;
            nint rowStride = lda;
            if (transA)
            {
                int len = m * k;
                T[] buf = t_aRows is { } s && s.Length >= len ? s
                    : (t_aRows = GC.AllocateUninitializedArray<T>(len, pinned: true));
                rows = (T*)Unsafe.AsPointer(ref buf[0]);
                rowStride = k;
                for (int p = 0; p < k; p++)
                    for (int i = 0; i < m; i++)
                        rows[i * k + p] = a[p * lda + i];
            }
            task.A = rows;
            task.AStrideRow = rowStride;
            task.Dot = true;
            int chunks = parts == 1 ? 1 : Math.Min(n, 4 * parts);
            task.ColBlock = (n + chunks - 1) / chunks;
            WorkerPool.For((n + task.ColBlock - 1) / task.ColBlock, ref task);
        }
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    private struct Task : IParallelTask
    {
        public int M, N, K, ColBlock;
        public bool Dot;
        public T Alpha, Beta;
        public T* A, B, C;
        public nint AStrideRow, AStrideDepth, Ldb, Csr, Csc;

        public readonly void Execute(int chunk)
        {
            int j0 = chunk * ColBlock;
            int j1 = Math.Min(N, j0 + ColBlock);
            if (Dot)
                DotColumns(in this, j0, j1);
            else
                Axpy(in this, j0, j1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fmadd(Vector256<T> x, Vector256<T> y, Vector256<T> z)
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(float))
                return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
            return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
        }
        return x * y + z;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> FusedExact(Vector256<T> x, Vector256<T> y, Vector256<T> z)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Fmadd(T x, T y, T z) => Fma.IsSupported ? T.FusedMultiplyAdd(x, y, z) : x * y + z;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(in Task t, int i, int j, T acc)
    {
        T* dst = t.C + i * t.Csr + j * t.Csc;
        *dst = t.Beta == T.Zero ? acc * t.Alpha : T.FusedMultiplyAdd(acc, t.Alpha, t.Beta * *dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy(in Task t, int j0, int j1)
    {
        int m = t.M, k = t.K, jb = j1 - j0;
        int w = Vector256<T>.Count;
        int vecEnd = jb - jb % w;
        T* acc = stackalloc T[MaxRows * MaxColBlock];
        new Span<T>(acc, MaxRows * MaxColBlock).Clear();
        int p = 0;
        for (; p + 4 <= k; p += 4)
        {
            // Four rows of B per pass: acc is loaded and stored once per four FMAs (same FMA order as one by one).
            T* b0 = t.B + p * t.Ldb + j0;
            T* b1 = b0 + t.Ldb, b2 = b1 + t.Ldb, b3 = b2 + t.Ldb;
            for (int i = 0; i < m; i++)
            {
                T* ap = t.A + i * t.AStrideRow + p * t.AStrideDepth;
                T s0 = ap[0], s1 = ap[t.AStrideDepth], s2 = ap[2 * t.AStrideDepth], s3 = ap[3 * t.AStrideDepth];
                Vector256<T> v0 = Vector256.Create(s0), v1 = Vector256.Create(s1), v2 = Vector256.Create(s2),
                    v3 = Vector256.Create(s3);
                T* ar = acc + i * MaxColBlock;
                int j = 0;
                for (; j < vecEnd; j += w)
                {
                    Vector256<T> x = Vector256.Load(ar + j);
                    x = Fmadd(v0, Vector256.Load(b0 + j), x);
                    x = Fmadd(v1, Vector256.Load(b1 + j), x);
                    x = Fmadd(v2, Vector256.Load(b2 + j), x);
                    x = Fmadd(v3, Vector256.Load(b3 + j), x);
                    Vector256.Store(x, ar + j);
                }
                for (; j < jb; j++)
                {
                    T x = ar[j];
                    x = Fmadd(s0, b0[j], x);
                    x = Fmadd(s1, b1[j], x);
                    x = Fmadd(s2, b2[j], x);
                    x = Fmadd(s3, b3[j], x);
                    ar[j] = x;
                }
            }
        }
        for (; p < k; p++)
        {
            T* brow = t.B + p * t.Ldb + j0;
            for (int i = 0; i < m; i++)
            {
                T s = t.A[i * t.AStrideRow + p * t.AStrideDepth];
                Vector256<T> vs = Vector256.Create(s);
                T* ar = acc + i * MaxColBlock;
                int j = 0;
                for (; j < vecEnd; j += w)
                    Vector256.Store(Fmadd(vs, Vector256.Load(brow + j), Vector256.Load(ar + j)), ar + j);
                for (; j < jb; j++)
                    ar[j] = Fmadd(s, brow[j], ar[j]);
            }
        }
        for (int i = 0; i < m; i++)
        {
            T* ar = acc + i * MaxColBlock;
            if (t.Csc == 1)
            {
                T* cr = t.C + i * t.Csr + j0;
                Vector256<T> va = Vector256.Create(t.Alpha), vb = Vector256.Create(t.Beta);
                int j = 0;
                for (; j < vecEnd; j += w)
                {
                    Vector256<T> x = Vector256.Load(ar + j);
                    Vector256.Store(t.Beta == T.Zero ? x * va : FusedExact(x, va, vb * Vector256.Load(cr + j)), cr + j);
                }
                for (; j < jb; j++)
                    Store(in t, i, j0 + j, ar[j]);
            }
            else
            {
                for (int j = 0; j < jb; j++)
                    Store(in t, i, j0 + j, ar[j]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotColumns(in Task t, int j0, int j1)
    {
        int m = t.M, k = t.K;
        int w = Vector256<T>.Count;
        int vecEnd = k - k % (2 * w);
        for (int j = j0; j < j1; j++)
        {
            T* bj = t.B + j * t.Ldb;
            for (int i = 0; i < m; i++)
            {
                T* ai = t.A + i * t.AStrideRow;
                Vector256<T> s0 = Vector256<T>.Zero, s1 = Vector256<T>.Zero;
                int p = 0;
                for (; p < vecEnd; p += 2 * w)
                {
                    s0 = Fmadd(Vector256.Load(ai + p), Vector256.Load(bj + p), s0);
                    s1 = Fmadd(Vector256.Load(ai + p + w), Vector256.Load(bj + p + w), s1);
                }
                T acc = Vector256.Sum(s0 + s1);
                for (; p < k; p++)
                    acc = Fmadd(ai[p], bj[p], acc);
                Store(in t, i, j, acc);
            }
        }
    }
}
