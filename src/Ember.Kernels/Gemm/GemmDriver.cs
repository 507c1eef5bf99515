using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// Blocked, packed GEMM (GotoBLAS/BLIS loop structure) on raw pointers.
/// </summary>
/// <remarks>
/// <para>
/// Loop nest: jc (NC columns) -> pc (KC depth; pack the B block, KC x NC, once, shared by all threads)
/// -> [parallel over output chunks] ic (MC rows; pack the A block into thread-private scratch) -> jr (NR)
/// -> ir (MR) -> micro-kernel. In parallel runs each (jc, pc) step is two
/// <see cref="WorkerPool.For{TTask}(int, ref TTask)"/>
/// calls: B packing split over panels, then the output split into chunks of whole micro-tiles (row ranges
/// that are multiples of MR, column ranges that are multiples of NR, anchored at (0, 0)).
/// </para>
/// <para>
/// When the (jc, pc) steps are small (large k, small m*n) or B is read in place, a barrier-free scheme is
/// used instead: one parallel call whose chunks each run the whole jc/pc loop over their own tiles with
/// their own packed B. For small m (at most <see cref="DirectBMaxRows"/>) a non-transposed B is not packed
/// at all: the kernel reads its rows in place (packing would cost as much as the product).
/// </para>
/// <para>
/// Depth blocking (KC) does not depend on the thread count and work is never split over k, so every
/// element of C is produced by the same sequence of FMAs whatever the number of threads: results are
/// bit-identical. Edge tiles run the same kernel into a small scratch tile (alpha = 1, beta = 0, which is
/// exact) and are merged with the same alpha/beta formula as the kernel.
/// </para>
/// </remarks>
internal static unsafe class GemmDriver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Below this many flops (2mnk) the whole product runs on the calling thread.</summary>
    private const double ParallelFlops = 2e6;

    /// <summary>
    /// With several depth blocks, (jc, pc) steps below this many flops use the barrier-free scheme
    /// (chunks run the whole depth loop) instead of two parallel calls per step. An LSTM's dW_hh = dGᵀ·H
    /// (512x128x1600: seven 30 Mflop steps) runs ~3% faster barrier-free (one parallel call instead of 14, each
    /// thread packing B, 0.8 MB, itself); the scheme does not change any element's FMAs.
    /// </summary>
    private const double PhasedStepFlops = 32e6;

    /// <summary>Smallest amount of work (flops) worth a chunk of its own.</summary>
    private const double ChunkFlops = 1e6;

    /// <summary>Chunks per thread in the compute phase (dynamic assignment evens out noisy cores).</summary>
    private static double ChunksPerThread => GemmSetup.TuneChunksPerThread > 0 ? GemmSetup.TuneChunksPerThread : 1;

    [ThreadStatic] private static T[]? t_aBuf;
    [ThreadStatic] private static T[]? t_bBuf;
    [ThreadStatic] private static T[]? t_eBuf;

    /// <summary>
    /// Up to this many rows, a non-transposed B is read in place instead of packed: with so few rows to
    /// reuse it, packing B would cost about as much as the product.
    /// </summary>
    internal static int DirectBMaxRows = 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc)
    {
        GemmConfig<T> cfg = GemmSetup.Get<T>();

        // Depth blocks of (nearly) equal size, at most KC; independent of the thread count.
        int kBlocks = (k + cfg.KC - 1) / cfg.KC;
        int kcb = (k + kBlocks - 1) / kBlocks;
        int nr = cfg.NR;

        var t = new Ctx
        {
            Cfg = cfg, TransA = transA, TransB = transB, M = m, N = n, K = k,
            DirectB = !transB && m <= DirectBMaxRows,
            Alpha = alpha, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
        };
        int ncMax = Math.Min(cfg.NC, (n + nr - 1) / nr * nr);
        int threads = WorkerPool.ThreadCount;
        int mTiles = (m + cfg.MR - 1) / cfg.MR;
        double totalFlops = 2.0 * m * n * k;

        if (threads == 1 || totalFlops < ParallelFlops)
        {
            T* bp1 = t.DirectB ? null : Scratch(ref t_bBuf, ncMax * kcb);
            for (int jc = 0; jc < n; jc += cfg.NC)
            {
                int nc = Math.Min(cfg.NC, n - jc);
                for (int pc = 0; pc < k; pc += kcb)
                {
                    int kc = Math.Min(kcb, k - pc);
                    if (!t.DirectB)
                        GemmPacking.PackB(bp1, b, ldb, transB, pc, kc, jc, nc, nr);
                    Macro(in t, bp1, pc, kc, jc, nc, 0, nc, 0, m, pc == 0 ? beta : T.One);
                }
            }
            return;
        }

        double stepFlops = 2.0 * m * Math.Min(n, cfg.NC) * kcb;
        // Tall products with steps up to twice that (dX = dG·W of an LSTM: 1600x64x512, 52 Mflop steps) skip
        // the barriers too: re-packing B in each row part costs under 1/16 of a part's work once
        // m >= 16·PackWeight·threads.
        bool cheapB = stepFlops < 2 * PhasedStepFlops && (long)m >= 16L * PackWeight * threads;
        if (t.DirectB || (kBlocks > 1 && (stepFlops < PhasedStepFlops || cheapB)))
        {
            // B read in place, or many small (jc, pc) steps: one parallel call, each chunk runs the whole
            // depth loop on its own output tiles with its own packed B (no barriers; B is re-packed once per
            // row part when it is packed at all).
            int nTilesAll = (n + nr - 1) / nr;
            // Each chunk packs its own rows of A and (unless read in place) its own columns of B, so the
            // split weighs that packing too: for small m (Linear layers' batch rows) splitting columns packs
            // B once in all instead of once per row part.
            int packB = t.DirectB ? 0 : PackWeight;
            var (lastRows, lastCols) = EdgeCost(in cfg, m - (mTiles - 1) * cfg.MR, n - (nTilesAll - 1) * nr);
            ChooseSplit(mTiles, nTilesAll, Target(threads, totalFlops), out int mp, out int np,
                cfg.MR, nr, PackWeight, packB, lastRows, lastCols);
            var ind = new IndependentTask
            {
                X = t, Kcb = kcb, Beta = beta, MTiles = mTiles, NTiles = nTilesAll, MParts = mp, NParts = np
            };
            WorkerPool.For(mp * np, ref ind);
            return;
        }

        T* bp = Scratch(ref t_bBuf, ncMax * kcb);
        for (int jc = 0; jc < n; jc += cfg.NC)
        {
            int nc = Math.Min(cfg.NC, n - jc);
            int nTiles = (nc + nr - 1) / nr;
            var (lastRows, lastCols) = EdgeCost(in cfg, m - (mTiles - 1) * cfg.MR, nc - (nTiles - 1) * nr);
            // Each chunk packs the A rows of its own tiles, so a column split packs every row twice: weigh that
            // packing (B is packed once, shared). Small n (dW = dGᵀ·X, dX = dG·W of an LSTM: n = 64 or 128, k or m
            // in the thousands) would otherwise split the columns for a sliver of balance and pack A twice.
            ChooseSplit(mTiles, nTiles, Target(threads, 2.0 * m * nc * kcb), out int mParts, out int nParts,
                cfg.MR, nr, PackWeight, 0, lastRows, lastCols);
            for (int pc = 0; pc < k; pc += kcb)
            {
                int kc = Math.Min(kcb, k - pc);
                T betaEff = pc == 0 ? beta : T.One;

                // Phase 1: pack the shared B block, split over panels.
                var pack = new PackBTask
                {
                    X = t, Bp = bp, Pc = pc, Kc = kc, Jc = jc, Nc = nc, Parts = Math.Min(nTiles, threads)
                };
                WorkerPool.For(pack.Parts, ref pack);

                // Phase 2: output tiles (each chunk packs only its own rows of A).
                var task = new ComputeTask
                {
                    X = t, Bp = bp, Pc = pc, Kc = kc, Jc = jc, Nc = nc, Beta = betaEff,
                    MTiles = mTiles, NTiles = nTiles, MParts = mParts, NParts = nParts,
                };
                WorkerPool.For(mParts * nParts, ref task);
            }
        }
    }

    /// <summary>
    /// Cost of packing one element of A or B, in multiply-adds of compute time (packing gathers and
    /// transposes at a few GB/s; the micro-kernel does about 50 multiply-adds per nanosecond).
    /// </summary>
    internal const int PackWeight = 16;

    private static int Target(int threads, double flops)
        => (int)Math.Max(1, Math.Min(ChunksPerThread * threads, flops / ChunkFlops));

    /// <summary>
    /// Splits an mTiles x nTiles grid into about <paramref name="target"/> parts, minimizing the largest part:
    /// its micro-tiles (mr x nr multiply-adds per depth step) plus, per depth step, <paramref name="packA"/>
    /// per row and <paramref name="packB"/> per column it packs on its own (0 when that operand is shared or
    /// read in place). Ties go to more row parts, which share packed B and pack disjoint rows of A.
    /// </summary>
    /// <remarks>
    /// <paramref name="lastRows"/> and <paramref name="lastCols"/> (0: a whole tile) are what the last row and column
    /// tiles cost in rows and columns of the kernel that runs them (<see cref="EdgeKernel"/>): a part that ends with a
    /// ragged tile is lighter, so an even split of the tiles would leave the other thread the longer part.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ChooseSplit(int mTiles, int nTiles, int target, out int mParts, out int nParts,
        int mr = 1, int nr = 1, int packA = 0, int packB = 0, int lastRows = 0, int lastCols = 0)
    {
        mParts = 1;
        nParts = 1;
        long best = long.MaxValue;
        for (int mp = 1; mp <= Math.Min(target, mTiles); mp++)
        {
            int np = Math.Min(nTiles, (target + mp - 1) / mp);
            long rows = LargestPart(mTiles, mp, mr, lastRows), cols = LargestPart(nTiles, np, nr, lastCols);
            long cost = rows * cols + packA * rows + packB * cols;
            if (cost <= best)
            {
                best = cost;
                mParts = mp;
                nParts = np;
            }
        }
    }

    /// <summary>Extent of the largest of <paramref name="parts"/> runs of tiles (split as the tasks split them)
    /// when the last tile costs <paramref name="last"/> instead of <paramref name="unit"/> (0: a whole tile).</summary>
    private static long LargestPart(int tiles, int parts, int unit, int last)
    {
        long largest = 0;
        for (int p = 0; p < parts; p++)
        {
            int t0 = (int)((long)tiles * p / parts), t1 = (int)((long)tiles * (p + 1) / parts);
            long extent = (long)(t1 - t0) * unit;
            if (p == parts - 1 && last > 0) extent -= unit - last;
            largest = Math.Max(largest, extent);
        }
        return largest;
    }

    /// <summary>What the last row tile (<paramref name="rows"/> real rows) and the last column tile costs in rows and
    /// columns of the kernel <see cref="EdgeKernel"/> picks for it.</summary>
    private static (int Rows, int Cols) EdgeCost(in GemmConfig<T> cfg, int rows, int cols)
    {
        int r = rows <= 4 && cfg.Rows4 != null ? 4 : rows <= 8 && cfg.Rows8 != null ? 8 : cfg.MR;
        int c = cols <= cfg.NR / 2 && cfg.HalfWidth != null ? cfg.NR / 2 : cfg.NR;
        return (Math.Min(r, cfg.MR), c);
    }

    private struct IndependentTask : IParallelTask
    {
        public Ctx X;
        public int Kcb;
        public T Beta;
        public int MTiles, NTiles, MParts, NParts;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int chunk)
        {
            int mp = chunk / NParts, np = chunk % NParts;
            GemmConfig<T> cfg = X.Cfg;
            int mr = cfg.MR, nr = cfg.NR;
            int i0 = (int)((long)MTiles * mp / MParts) * mr;
            int i1 = Math.Min(X.M, (int)((long)MTiles * (mp + 1) / MParts) * mr);
            int j0 = (int)((long)NTiles * np / NParts) * nr;
            int j1 = Math.Min(X.N, (int)((long)NTiles * (np + 1) / NParts) * nr);
            if (i0 >= i1 || j0 >= j1)
                return;
            T* bp = X.DirectB ? null : Scratch(ref t_bBuf, Math.Min(cfg.NC, (j1 - j0 + nr - 1) / nr * nr) * Kcb);
            for (int jc = j0; jc < j1; jc += cfg.NC)
            {
                int nc = Math.Min(cfg.NC, j1 - jc);
                for (int pc = 0; pc < X.K; pc += Kcb)
                {
                    int kc = Math.Min(Kcb, X.K - pc);
                    if (!X.DirectB)
                        GemmPacking.PackB(bp, X.B, X.Ldb, X.TransB, pc, kc, jc, nc, nr);
                    Macro(in X, bp, pc, kc, jc, nc, 0, nc, i0, i1, pc == 0 ? Beta : T.One);
                }
            }
        }
    }

    /// <summary>Per-call constants.</summary>
    private struct Ctx
    {
        public GemmConfig<T> Cfg;
        public bool TransA, TransB;
        /// <summary>B is read in place (not packed): op(B) rows are contiguous and m is small.</summary>
        public bool DirectB;
        public int M, N, K;
        public T Alpha;
        public T* A, B, C;
        public nint Lda, Ldb, Ldc;
    }

    private struct PackBTask : IParallelTask
    {
        public Ctx X;
        public T* Bp;
        public int Pc, Kc, Jc, Nc, Parts;

        public readonly void Execute(int chunk)
        {
            int nr = X.Cfg.NR;
            int panels = (Nc + nr - 1) / nr;
            int p0 = panels * chunk / Parts, p1 = panels * (chunk + 1) / Parts;
            int j0 = p0 * nr, j1 = Math.Min(Nc, p1 * nr);
            if (j0 < j1)
                GemmPacking.PackB(Bp + (nint)j0 * Kc, X.B, X.Ldb, X.TransB, Pc, Kc, Jc + j0, j1 - j0, nr);
        }
    }

    private struct ComputeTask : IParallelTask
    {
        public Ctx X;
        public T* Bp;
        public int Pc, Kc, Jc, Nc;
        public T Beta;
        public int MTiles, NTiles, MParts, NParts;

        public readonly void Execute(int chunk)
        {
            int mp = chunk / NParts, np = chunk % NParts;
            int mr = X.Cfg.MR, nr = X.Cfg.NR;
            int i0 = (int)((long)MTiles * mp / MParts) * mr;
            int i1 = Math.Min(X.M, (int)((long)MTiles * (mp + 1) / MParts) * mr);
            int j0 = (int)((long)NTiles * np / NParts) * nr;
            int j1 = Math.Min(Nc, (int)((long)NTiles * (np + 1) / NParts) * nr);
            if (i0 < i1 && j0 < j1)
                Macro(in X, Bp, Pc, Kc, Jc, Nc, j0, j1, i0, i1, Beta);
        }
    }

    /// <summary>A 64-byte aligned start of <paramref name="buf"/>, grown to hold <paramref name="elements"/>.</summary>
    internal static T* Scratch(ref T[]? buf, int elements)
    {
        // Pinned arrays (never moved), over-allocated so the start can be aligned to 64 bytes.
        int pad = 64 / sizeof(T);
        if (buf is null || buf.Length < elements + pad)
            buf = GC.AllocateUninitializedArray<T>(elements + pad, pinned: true);
        return Aligned(buf);
    }

    /// <summary>The first 64-byte aligned element of a pinned, over-allocated array.</summary>
    internal static T* Aligned(T[] buf)
    {
        T* p = (T*)Unsafe.AsPointer(ref buf[0]);
        return (T*)(((nuint)p + 63) & ~(nuint)63);
    }

    /// <summary>
    /// Macro-kernel: with B block [pc, pc+kc) x [jc, jc+nc) packed in <paramref name="bp"/>, updates C rows
    /// [i0, i1) x columns [jc+j0, jc+j1) (i0, j0 multiples of MR, NR), packing A per MC rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro(in Ctx t, T* bp, int pc, int kc, int jc, int nc, int j0, int j1, int i0, int i1, T beta)
    {
        GemmConfig<T> cfg = t.Cfg;
        int mr = cfg.MR, nr = cfg.NR;
        int mcMax = Math.Min(cfg.MC, (i1 - i0 + mr - 1) / mr * mr);
        T* ap = Scratch(ref t_aBuf, mcMax * kc);
        T* tile = stackalloc T[mr * nr];
        T* edge = null;
        T alpha = t.Alpha;
        nint ldc = t.Ldc;

        for (int ic = i0; ic < i1; ic += cfg.MC)
        {
            int mc = Math.Min(cfg.MC, i1 - ic);
            GemmPacking.PackA(ap, t.A, t.Lda, t.TransA, ic, mc, pc, kc, mr);
            for (int jr = j0; jr < j1; jr += nr)
            {
                int ncols = Math.Min(nr, j1 - jr);
                T* bpanel = bp + (nint)jr * kc;
                nint bs = nr;
                if (t.DirectB)
                {
                    if (ncols == nr)
                    {
                        bpanel = t.B + pc * t.Ldb + jc + jr;
                        bs = t.Ldb;
                    }
                    else
                    {
                        // The ragged last panel is packed (zero-padded) once per call.
                        if (edge == null)
                        {
                            edge = Scratch(ref t_eBuf, nr * kc);
                            GemmPacking.PackB(edge, t.B, t.Ldb, false, pc, kc, jc + jr, ncols, nr);
                        }
                        bpanel = edge;
                    }
                }
                PanelTiles(in cfg, ap, mc, kc, bpanel, bs, ncols, t.C + jc + jr + ic * ldc, ldc, alpha, beta, tile);
            }
        }
    }

    /// <summary>
    /// The tiles of one column panel: <paramref name="mc"/> packed rows of A (<paramref name="ap"/>) times one panel
    /// of <paramref name="ncols"/> columns of B (<paramref name="bpanel"/>, row step <paramref name="bs"/>) into C
    /// from <paramref name="c"/>; full tiles by the main kernel, ragged ones by <see cref="EdgeKernel"/> through
    /// <paramref name="tile"/> (MR·NR scratch). Every blocked product's tiles go through here, so a caller that
    /// schedules the blocks itself (<see cref="GemmPart"/>) gets the driver's values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PanelTiles(in GemmConfig<T> cfg, T* ap, int mc, int kc, T* bpanel, nint bs, int ncols, T* c,
        nint ldc, T alpha, T beta, T* tile)
    {
        int mr = cfg.MR, nr = cfg.NR;
        var kernel = cfg.Kernel;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int nrows = Math.Min(mr, mc - ir);
            T* apanel = ap + (nint)ir * kc;
            T* cTile = c + ir * ldc;
            if (nrows == mr && ncols == nr)
            {
                kernel(kc, apanel, bpanel, bs, cTile, ldc, alpha, beta);
            }
            else
            {
                EdgeKernel(in cfg, nrows, ncols)(kc, apanel, bpanel, bs, tile, nr, T.One, T.Zero);
                MergeTile(tile, nr, cTile, ldc, nrows, ncols, alpha, beta);
            }
        }
    }

    /// <summary>
    /// The cheapest kernel that covers a ragged <paramref name="rows"/> x <paramref name="cols"/> tile: a ragged last
    /// row tile of a Linear layer's batch (128 = 9·14 + 2 rows) or a narrow output (10 classes of a 32-wide tile)
    /// would otherwise cost a full MR x NR tile. Every kernel computes each element with the same multiply-adds in
    /// the same order, and the tile goes through <see cref="MergeTile"/> as before, so the results do not change.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static delegate*<nint, T*, T*, nint, T*, nint, T, T, void> EdgeKernel(in GemmConfig<T> cfg, int rows,
        int cols)
    {
        if (cols <= cfg.NR / 2 && cfg.HalfWidth != null && rows > 8) return cfg.HalfWidth;
        if (rows <= 4 && cfg.Rows4 != null) return cfg.Rows4;
        if (rows <= 8 && cfg.Rows8 != null) return cfg.Rows8;
        return cols <= cfg.NR / 2 && cfg.HalfWidth != null ? cfg.HalfWidth : cfg.Kernel;
    }

    /// <summary>C = alpha*tile + beta*C with the kernels' rounding: beta == 0 ? alpha*x : fma(x, alpha,
    /// beta*c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MergeTile(T* tile, int ldt, T* c, nint ldc, int rows, int cols, T alpha, T beta)
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
