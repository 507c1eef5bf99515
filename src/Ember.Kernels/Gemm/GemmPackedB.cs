using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// The B operand of a chain of products that all read it (a recurrent layer's hidden weight, used once per time
/// step), packed once into the micro-panels the GEMM kernels read, so each product packs only its A rows:
/// <c>C = op(A)·B</c> (plus a bias row). Products run on the calling thread; the packed copy does not follow later
/// writes to the source (pack again after one).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// Every element of C gets the same multiply-adds in the same order (the same depth blocks) as
/// <see cref="Gemm.Multiply{T}"/>'s packed path computes, so the results are the ones a plain product gives for
/// the shapes that path takes. With few rows (a batch of 32) a row tile of the AVX-512 kernels (14 rows) would
/// compute 42 rows, so such products use a short-tile kernel (8 rows) of the same width.
/// </remarks>
public sealed unsafe class GemmPackedB<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _buffer;
    private GemmConfig<T> _cfg;
    private int _kcb, _nPad;

    [ThreadStatic] private static T[]? t_aBuf;

    /// <summary>Depth (rows of the packed B); 0 before <see cref="Pack"/>.</summary>
    public int K { get; private set; }

    /// <summary>Columns of the packed B; 0 before <see cref="Pack"/>.</summary>
    public int N { get; private set; }

    /// <summary>Packs <c>op(B)</c> (<c>[k, n]</c>; stored as <c>[n, k]</c> when <paramref name="transB"/>),
    /// reusing this object's buffer when it is large enough.</summary>
    /// <param name="transB">Use Bᵀ: B is stored as <c>[n, k]</c>.</param>
    /// <param name="k">Rows of op(B).</param>
    /// <param name="n">Columns of op(B).</param>
    /// <param name="b">Stored B.</param>
    /// <param name="ldb">Row stride of stored B.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(bool transB, int k, int n, ReadOnlySpan<T> b, int ldb)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "GemmPackedB.Pack: k must be positive.");
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "GemmPackedB.Pack: n must be positive.");
        if (ldb < (transB ? k : n)) throw new ArgumentOutOfRangeException(nameof(ldb), ldb, "GemmPackedB.Pack: ldb.");
        long need = transB ? (long)(n - 1) * ldb + k : (long)(k - 1) * ldb + n;
        if (b.Length < need)
            throw new ArgumentException($"GemmPackedB.Pack: B has {b.Length} elements, expected at least {need}.",
                nameof(b));
        GemmConfig<T> cfg = GemmSetup.Get<T>();
        int kBlocks = (k + cfg.KC - 1) / cfg.KC;
        int kcb = (k + kBlocks - 1) / kBlocks;
        int nPad = (n + cfg.NR - 1) / cfg.NR * cfg.NR;
        int pad = 64 / sizeof(T);
        long len = (long)nPad * k + pad;
        if (len > Array.MaxLength) throw new ArgumentException("GemmPackedB.Pack: B is too large to pack.");
        if (_buffer is null || _buffer.Length < len)
            _buffer = GC.AllocateUninitializedArray<T>((int)len, pinned: true);
        (_cfg, _kcb, _nPad, K, N) = (cfg, kcb, nPad, k, n);
        T* dst = GemmDriver<T>.Aligned(_buffer);
        fixed (T* pb = b)
            for (int pc = 0; pc < k; pc += kcb)
                GemmPacking.PackB(dst + (nint)pc * nPad, pb, ldb, transB, pc, Math.Min(kcb, k - pc), 0, n,
                    cfg.NR);
    }

    /// <summary>
    /// <c>C = op(A)·B</c>, or <c>op(A)·B + bias</c> (the row <paramref name="bias"/> added to every row, as
    /// <see cref="Gemm.MultiplyBias{T}"/> adds it) when <paramref name="bias"/> is not empty; C is not read
    /// otherwise.
    /// </summary>
    /// <param name="transA">Use Aᵀ: A is stored as <c>[k, m]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="a">Stored A.</param>
    /// <param name="lda">Row stride of stored A.</param>
    /// <param name="bias">A row of <see cref="N"/> elements, or empty.</param>
    /// <param name="c">C, <c>[m, N]</c>.</param>
    /// <param name="ldc">Row stride of C.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply(bool transA, int m, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> bias, Span<T> c, int ldc)
    {
        if (!Check(transA, m, a, lda, bias, c, ldc)) return;
        fixed (T* pa = a, pc = c, pbias = bias)
        {
            var (mr, kernel) = TileFor(m);
            Run(transA, m, pa, lda, bias.IsEmpty ? null : pbias, pc, ldc, mr, kernel);
        }
    }

    /// <summary>Validates <see cref="Multiply"/>'s arguments; false when there is nothing to compute.</summary>
    private bool Check(bool transA, int m, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> bias, ReadOnlySpan<T> c,
        int ldc)
    {
        int k = K, n = N;
        if (_buffer is null) throw new InvalidOperationException("GemmPackedB.Multiply: nothing packed yet.");
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "GemmPackedB.Multiply: m is negative.");
        if (lda < (transA ? m : k) || lda < 1)
            throw new ArgumentOutOfRangeException(nameof(lda), lda, "GemmPackedB.Multiply: lda.");
        if (ldc < n) throw new ArgumentOutOfRangeException(nameof(ldc), ldc, "GemmPackedB.Multiply: ldc.");
        if (m == 0) return false;
        long needA = transA ? (long)(k - 1) * lda + m : (long)(m - 1) * lda + k;
        if (a.Length < needA)
            throw new ArgumentException($"GemmPackedB.Multiply: A has {a.Length} elements, expected {needA}.",
                nameof(a));
        if ((long)(m - 1) * ldc + n > c.Length)
            throw new ArgumentException($"GemmPackedB.Multiply: C has {c.Length} elements, expected " +
                $"{(long)(m - 1) * ldc + n}.", nameof(c));
        if (!bias.IsEmpty && bias.Length != n)
            throw new ArgumentException($"GemmPackedB.Multiply: bias has {bias.Length} elements, expected {n}.",
                nameof(bias));
        return true;
    }

    /// <summary>
    /// <see cref="Multiply"/> with its row tiles split into up to <paramref name="parts"/> contiguous ranges that
    /// <see cref="WorkerPool.For{TTask}(int, ref TTask)"/> spreads over the calling thread and the pool's workers;
    /// each range packs only its own A rows. Every element of C gets the same kernel, depth blocks and order of
    /// multiply-adds as in <see cref="Multiply"/>, so the results are the same bit for bit whatever the split.
    /// </summary>
    /// <param name="parts">The most ranges to split into (1 runs <see cref="Multiply"/>'s path).</param>
    /// <param name="transA">Use Aᵀ: A is stored as <c>[k, m]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="a">Stored A.</param>
    /// <param name="lda">Row stride of stored A.</param>
    /// <param name="bias">A row of <see cref="N"/> elements, or empty.</param>
    /// <param name="c">C, <c>[m, N]</c>.</param>
    /// <param name="ldc">Row stride of C.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MultiplySplit(int parts, bool transA, int m, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> bias,
        Span<T> c, int ldc)
    {
        // The tile of the whole product, also in every range (so each element gets the same kernel).
        var (mr, kernel) = _buffer is null ? (1, 0) : TileFor(m);
        int tiles = (m + mr - 1) / mr, chunks = Math.Min(parts, tiles);
        if (chunks < 2)
        {
            Multiply(transA, m, a, lda, bias, c, ldc);
            return;
        }
        Check(transA, m, a, lda, bias, c, ldc);
        fixed (T* pa = a, pc = c, pbias = bias)
        {
            var task = new SplitTask(this, transA, m, pa, lda, bias.IsEmpty ? null : pbias, pc, ldc, mr, kernel,
                (tiles + chunks - 1) / chunks * mr);
            WorkerPool.For((m + task.RowsPerChunk - 1) / task.RowsPerChunk, ref task);
        }
    }

    private readonly struct SplitTask(GemmPackedB<T> owner, bool transA, int m, T* a, nint lda, T* bias, T* c,
        nint ldc, int mr, nint kernel, int rowsPerChunk) : IParallelTask
    {
        public int RowsPerChunk => rowsPerChunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            int r0 = chunk * rowsPerChunk, rows = Math.Min(rowsPerChunk, m - r0);
            T* ar = transA ? a + r0 : a + r0 * lda;
            owner.Run(transA, rows, ar, lda, bias, c + r0 * ldc, ldc, mr, kernel);
        }
    }

    /// <summary>The row tile for <paramref name="m"/> rows: the short kernel when the regular tiles would compute
    /// more rows than it (weighted 9/8 for its lower register reuse).</summary>
    private (int Mr, nint Kernel) TileFor(int m)
    {
        GemmConfig<T> cfg = _cfg;
        nint main = (nint)cfg.Kernel;
        if (GemmSetup.Isa != GemmIsa.Avx512 || cfg.MR != (typeof(T) == typeof(float) ? GemmKernels.F512MR
                : GemmKernels.D512MR))
            return (cfg.MR, main);
        const int sr = 8; // GemmKernels.F512SMR == D512SMR
        long regular = (m + cfg.MR - 1) / cfg.MR * cfg.MR, shortRows = (m + sr - 1) / sr * sr;
        if (shortRows * 9 >= regular * 8) return (cfg.MR, main);
        nint shortKernel = typeof(T) == typeof(float)
            ? (nint)(delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)&GemmKernels.F512S
            : (nint)(delegate*<nint, double*, double*, nint, double*, nint, double, double, void>)&GemmKernels.D512S;
        return (sr, shortKernel);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(bool transA, int m, T* a, nint lda, T* bias, T* c, nint ldc, int mr, nint kernelPtr)
    {
        GemmConfig<T> cfg = _cfg;
        int k = K, n = N, nr = cfg.NR, kcb = _kcb;
        var kernel = (delegate*<nint, T*, T*, nint, T*, nint, T, T, void>)kernelPtr;
        int mcMax = Math.Max(mr, cfg.MC / mr * mr);
        int mcAlloc = Math.Min(mcMax, (m + mr - 1) / mr * mr);
        T* ap = GemmDriver<T>.Scratch(ref t_aBuf, mcAlloc * kcb);
        T* tile = stackalloc T[mr * nr];
        T* bp = GemmDriver<T>.Aligned(_buffer!);
        if (bias != null) GemmDirect<T>.FillRows(m, n, bias, c, ldc);
        for (int pc = 0; pc < k; pc += kcb)
        {
            int kc = Math.Min(kcb, k - pc);
            T beta = pc == 0 && bias == null ? T.Zero : T.One;
            T* block = bp + (nint)pc * _nPad;
            for (int ic = 0; ic < m; ic += mcMax)
            {
                int mc = Math.Min(mcMax, m - ic);
                GemmPacking.PackA(ap, a, lda, transA, ic, mc, pc, kc, mr);
                for (int jr = 0; jr < n; jr += nr)
                {
                    int ncols = Math.Min(nr, n - jr);
                    T* bpanel = block + (nint)jr * kc;
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int nrows = Math.Min(mr, mc - ir);
                        T* apanel = ap + (nint)ir * kc;
                        T* cTile = c + (ic + ir) * ldc + jr;
                        if (nrows == mr && ncols == nr)
                            kernel(kc, apanel, bpanel, nr, cTile, ldc, T.One, beta);
                        else
                        {
                            kernel(kc, apanel, bpanel, nr, tile, nr, T.One, T.Zero);
                            GemmDriver<T>.MergeTile(tile, nr, cTile, ldc, nrows, ncols, T.One, beta);
                        }
                    }
                }
            }
        }
    }
}
