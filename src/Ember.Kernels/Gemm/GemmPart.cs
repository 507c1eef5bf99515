using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

/// <summary>
/// Parts of blocked products, each computed on the calling thread, for a caller that runs several products (and
/// other work) as the chunks of one parallel phase instead of one fork/join per product. Every element is the value
/// <see cref="Gemm.Multiply{T}"/> gives for the whole product whenever that product takes the blocked path
/// (<see cref="IsBlocked{T}"/>): the same depth blocks, the same row and column tiles, the same kernel per tile.
/// </summary>
public static unsafe class GemmPart
{
    /// <summary>
    /// Whether <see cref="Gemm.Multiply{T}"/> computes an <c>[m, k]·[k, n]</c> product with the blocked driver (not
    /// the direct loops for tiny products or the skinny kernels for at most 8 rows or columns): then
    /// <see cref="MultiplyRows{T}"/> reproduces its values.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="m">Rows of the product.</param>
    /// <param name="n">Columns of the product.</param>
    /// <param name="k">The depth.</param>
    /// <returns>True when the product is blocked.</returns>
    public static bool IsBlocked<T>(int m, int n, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= 0 || n <= 0 || k <= 0 || (typeof(T) != typeof(float) && typeof(T) != typeof(double))) return false;
        long macs = (long)m * n * k;
        if (macs <= Gemm.DirectMacs
            || (macs <= Gemm.DirectSkinnyMacs && (k <= Gemm.DirectSkinny || n <= Gemm.DirectSkinny)))
            return false;
        return !Vector256.IsHardwareAccelerated || (m > GemmSkinny<T>.MaxRows && n > GemmSkinny<T>.MaxRows);
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> (a run of whole row tiles) of
    /// <c>C1 = op(A)·B1</c> and, when <paramref name="n2"/> is positive, <c>C2 = op(A)·B2</c>: each depth block of
    /// A's rows is packed once and serves both products (the weight gradients <c>dGᵀ·X</c> and <c>dGᵀ·H</c> of a
    /// recurrent layer read one packing of <c>dGᵀ</c>). B1 and B2 are row-major <c>[k, n]</c>; C1 and C2 are
    /// overwritten in the part's rows.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="part">The part, <c>0 .. parts-1</c>.</param>
    /// <param name="parts">How many parts the rows are split into (the same for every part).</param>
    /// <param name="transA">Whether A is stored transposed (<c>[k, m]</c>).</param>
    /// <param name="m">Rows of the products.</param>
    /// <param name="k">The depth.</param>
    /// <param name="a">A, from its first element.</param>
    /// <param name="lda">A's leading dimension.</param>
    /// <param name="b1">B1, <c>[k, n1]</c>.</param>
    /// <param name="ldb1">B1's leading dimension.</param>
    /// <param name="n1">Columns of the first product.</param>
    /// <param name="c1">C1, <c>[m, n1]</c>.</param>
    /// <param name="ldc1">C1's leading dimension.</param>
    /// <param name="b2">B2, <c>[k, n2]</c> (empty when <paramref name="n2"/> is 0).</param>
    /// <param name="ldb2">B2's leading dimension.</param>
    /// <param name="n2">Columns of the second product; 0 for none.</param>
    /// <param name="c2">C2, <c>[m, n2]</c>.</param>
    /// <param name="ldc2">C2's leading dimension.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRows<T>(int part, int parts, bool transA, int m, int k, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b1, int ldb1, int n1, Span<T> c1, int ldc1,
        ReadOnlySpan<T> b2, int ldb2, int n2, Span<T> c2, int ldc2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parts < 1 || part < 0 || part >= parts)
            throw new ArgumentOutOfRangeException(nameof(part), part, $"GemmPart.MultiplyRows: part of {parts}.");
        if (m <= 0 || k <= 0 || n1 <= 0 || n2 < 0)
            throw new ArgumentOutOfRangeException(nameof(m),
                $"GemmPart.MultiplyRows: expected positive m, k, n1 and n2 >= 0, got {m}, {k}, {n1}, {n2}.");
        Check(transA ? Need(k, m, lda) : Need(m, k, lda), a.Length, "a");
        Check(Need(k, n1, ldb1), b1.Length, "b1");
        Check(Need(m, n1, ldc1), c1.Length, "c1");
        if (n2 > 0)
        {
            Check(Need(k, n2, ldb2), b2.Length, "b2");
            Check(Need(m, n2, ldc2), c2.Length, "c2");
        }
        fixed (T* pa = a, pb1 = b1, pc1 = c1, pb2 = b2, pc2 = c2)
            Rows(part, parts, transA, m, k, pa, lda, pb1, ldb1, n1, pc1, ldc1, pb2, ldb2, n2, pc2, ldc2);

        static long Need(int rows, int cols, int ld) => (long)(rows - 1) * ld + cols;

        static void Check(long need, int length, string name)
        {
            if (length < need)
                throw new ArgumentException(
                    $"GemmPart.MultiplyRows: {name} has {length} elements, expected at least {need}.", name);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<T>(int part, int parts, bool transA, int m, int k, T* a, nint lda,
        T* b1, nint ldb1, int n1, T* c1, nint ldc1, T* b2, nint ldb2, int n2, T* c2, nint ldc2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmConfig<T> cfg = GemmSetup.Get<T>();
        int mr = cfg.MR, nr = cfg.NR;
        // The driver's depth blocks (GemmDriver.Run) and its row tiles from row 0.
        int kBlocks = (k + cfg.KC - 1) / cfg.KC, kcb = (k + kBlocks - 1) / kBlocks;
        int mTiles = (m + mr - 1) / mr;
        int i0 = (int)((long)mTiles * part / parts) * mr;
        int i1 = Math.Min(m, (int)((long)mTiles * (part + 1) / parts) * mr);
        if (i0 >= i1) return;
        T* bp1 = GemmDriver<T>.Scratch(ref Buffers<T>.B1, (n1 + nr - 1) / nr * nr * kcb);
        T* bp2 = n2 > 0 ? GemmDriver<T>.Scratch(ref Buffers<T>.B2, (n2 + nr - 1) / nr * nr * kcb) : null;
        int mcMax = Math.Min(cfg.MC, (i1 - i0 + mr - 1) / mr * mr);
        T* ap = GemmDriver<T>.Scratch(ref Buffers<T>.A, mcMax * kcb);
        T* tile = stackalloc T[mr * nr];
        for (int pc = 0; pc < k; pc += kcb)
        {
            int kc = Math.Min(kcb, k - pc);
            T beta = pc == 0 ? T.Zero : T.One;
            GemmPacking.PackB(bp1, b1, ldb1, false, pc, kc, 0, n1, nr);
            if (n2 > 0) GemmPacking.PackB(bp2, b2, ldb2, false, pc, kc, 0, n2, nr);
            for (int ic = i0; ic < i1; ic += cfg.MC)
            {
                int mc = Math.Min(cfg.MC, i1 - ic);
                GemmPacking.PackA(ap, a, lda, transA, ic, mc, pc, kc, mr);
                Tiles(in cfg, ap, mc, kc, bp1, n1, c1 + ic * ldc1, ldc1, beta, tile);
                if (n2 > 0) Tiles(in cfg, ap, mc, kc, bp2, n2, c2 + ic * ldc2, ldc2, beta, tile);
            }
        }
    }

    /// <summary>The output tiles of one packed row block against one packed depth block of B (GemmDriver.Macro).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tiles<T>(in GemmConfig<T> cfg, T* ap, int mc, int kc, T* bp, int n, T* c, nint ldc, T beta,
        T* tile) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = cfg.NR;
        for (int jr = 0; jr < n; jr += nr)
            GemmDriver<T>.PanelTiles(in cfg, ap, mc, kc, bp + (nint)jr * kc, nr, Math.Min(nr, n - jr), c + jr, ldc,
                T.One, beta, tile);
    }

    private static class Buffers<T> where T : unmanaged
    {
        [ThreadStatic] public static T[]? A, B1, B2;
    }
}
