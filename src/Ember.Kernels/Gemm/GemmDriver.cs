using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Blocked, packed GEMM (GotoBLAS/BLIS loop structure) on raw pointers.
/// </summary>
/// <remarks>
/// <para>
/// The output is cut into chunks of whole micro-tiles (row ranges that are multiples of MR and column
/// ranges that are multiples of NR, anchored at (0, 0)); each chunk runs the full depth loop on its
/// own, packing its own A and B blocks into thread-private scratch, so chunks share nothing and need
/// no barrier. Depth blocking (KC) does not depend on the thread count, so every element of C is
/// produced by the same sequence of FMAs whatever the number of threads: results are bit-identical.
/// </para>
/// <para>
/// Loop nest inside a chunk: jc (NC columns) -> pc (KC depth, pack B block) -> ic (MC rows, pack A
/// block) -> jr (NR) -> ir (MR) -> micro-kernel. Edge tiles run the same kernel into a small scratch tile
/// (alpha = 1, beta = 0, which is exact) and are merged with the same alpha/beta formula as the kernel.
/// </para>
/// </remarks>
internal static unsafe class GemmDriver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Below this many flops (2mnk) the whole product runs on the calling thread.</summary>
    private const double ParallelFlops = 3e6;

    /// <summary>Smallest amount of work (flops) worth a chunk of its own.</summary>
    private const double ChunkFlops = 1.5e6;

    [ThreadStatic] private static T[]? t_aBuf;
    [ThreadStatic] private static T[]? t_bBuf;

    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc)
    {
        GemmConfig<T> cfg = GemmSetup.Get<T>();

        // Depth blocks of (nearly) equal size, at most KC.
        int kBlocks = (k + cfg.KC - 1) / cfg.KC;
        int kcb = (k + kBlocks - 1) / kBlocks;

        int mTiles = (m + cfg.MR - 1) / cfg.MR;
        int nTiles = (n + cfg.NR - 1) / cfg.NR;
        int mParts = 1, nParts = 1;
        int threads = WorkerPool.ThreadCount;
        double flops = 2.0 * m * n * k;
        if (threads > 1 && flops >= ParallelFlops)
        {
            int target = (int)Math.Min(4.0 * threads, flops / ChunkFlops);
            mParts = Math.Min(mTiles, target);
            nParts = Math.Min(nTiles, (target + mParts - 1) / mParts);
        }

        var task = new Task
        {
            Cfg = cfg, TransA = transA, TransB = transB, M = m, N = n, K = k, Kcb = kcb,
            Alpha = alpha, Beta = beta, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
            MTiles = mTiles, NTiles = nTiles, MParts = mParts, NParts = nParts,
        };
        WorkerPool.For(mParts * nParts, ref task);
    }

    private struct Task : IParallelTask
    {
        public GemmConfig<T> Cfg;
        public bool TransA, TransB;
        public int M, N, K, Kcb;
        public T Alpha, Beta;
        public T* A, B, C;
        public nint Lda, Ldb, Ldc;
        public int MTiles, NTiles, MParts, NParts;

        public readonly void Execute(int chunk)
        {
            int mp = chunk / NParts, np = chunk % NParts;
            int i0 = (int)((long)MTiles * mp / MParts) * Cfg.MR;
            int i1 = Math.Min(M, (int)((long)MTiles * (mp + 1) / MParts) * Cfg.MR);
            int j0 = (int)((long)NTiles * np / NParts) * Cfg.NR;
            int j1 = Math.Min(N, (int)((long)NTiles * (np + 1) / NParts) * Cfg.NR);
            if (i0 < i1 && j0 < j1)
                RunBlock(in this, i0, i1, j0, j1);
        }
    }

    private static T* Scratch(ref T[]? buf, int elements)
    {
        // Pinned arrays (never moved), over-allocated so the start can be aligned to 64 bytes.
        int pad = 64 / sizeof(T);
        if (buf is null || buf.Length < elements + pad)
            buf = GC.AllocateUninitializedArray<T>(elements + pad, pinned: true);
        T* p = (T*)Unsafe.AsPointer(ref buf[0]);
        return (T*)(((nuint)p + 63) & ~(nuint)63);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunBlock(in Task t, int i0, int i1, int j0, int j1)
    {
        GemmConfig<T> cfg = t.Cfg;
        int mr = cfg.MR, nr = cfg.NR;
        int kcb = t.Kcb;
        int ncMax = Math.Min(cfg.NC, (j1 - j0 + nr - 1) / nr * nr);
        int mcMax = Math.Min(cfg.MC, (i1 - i0 + mr - 1) / mr * mr);
        T* ap = Scratch(ref t_aBuf, mcMax * kcb);
        T* bp = Scratch(ref t_bBuf, ncMax * kcb);
        T* tile = stackalloc T[mr * nr];
        var kernel = cfg.Kernel;
        T alpha = t.Alpha;

        for (int jc = j0; jc < j1; jc += cfg.NC)
        {
            int nc = Math.Min(cfg.NC, j1 - jc);
            for (int pc = 0; pc < t.K; pc += kcb)
            {
                int kc = Math.Min(kcb, t.K - pc);
                T beta = pc == 0 ? t.Beta : T.One;
                GemmPacking.PackB(bp, t.B, t.Ldb, t.TransB, pc, kc, jc, nc, nr);
                for (int ic = i0; ic < i1; ic += cfg.MC)
                {
                    int mc = Math.Min(cfg.MC, i1 - ic);
                    GemmPacking.PackA(ap, t.A, t.Lda, t.TransA, ic, mc, pc, kc, mr);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int ncols = Math.Min(nr, nc - jr);
                        T* bpanel = bp + (nint)jr * kc;
                        T* cCol = t.C + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int nrows = Math.Min(mr, mc - ir);
                            T* apanel = ap + (nint)ir * kc;
                            T* cTile = cCol + (ic + ir) * t.Ldc;
                            if (nrows == mr && ncols == nr)
                            {
                                kernel(kc, apanel, bpanel, cTile, t.Ldc, alpha, beta);
                            }
                            else
                            {
                                kernel(kc, apanel, bpanel, tile, nr, T.One, T.Zero);
                                MergeTile(tile, nr, cTile, t.Ldc, nrows, ncols, alpha, beta);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>C = alpha*tile + beta*C with the kernels' rounding: beta == 0 ? alpha*x : fma(x, alpha, beta*c).</summary>
    private static void MergeTile(T* tile, int ldt, T* c, nint ldc, int rows, int cols, T alpha, T beta)
    {
        for (int r = 0; r < rows; r++)
        {
            T* tr = tile + r * ldt;
            T* cr = c + r * ldc;
            if (beta == T.Zero)
            {
                for (int j = 0; j < cols; j++)
                    cr[j] = tr[j] * alpha;
            }
            else
            {
                for (int j = 0; j < cols; j++)
                    cr[j] = T.FusedMultiplyAdd(tr[j], alpha, beta * cr[j]);
            }
        }
    }
}
