using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Kernels;

/// <summary>
/// Direct (implicit-GEMM) float convolution forward for few output channels, on AVX-512. In
/// <see cref="ConvWide"/>'s layout the column row of tap <c>(c, i, j)</c> is the padded plane from
/// <c>c·Hp·Wp + i·Wp + j</c> on, so the kernel reads the padded image in place through a table of tap offsets:
/// no column matrix, no packing of it, and a 6-row by 64-column register tile that 6 or 16 output channels fill
/// (the packed GEMM's 14-row tile is 43% used by 6 channels). Each output is one fused multiply-add chain over the
/// taps in order from zero, then the bias, exactly as the packed AVX-512 GEMM and <see cref="ConvWide"/> compute
/// it, so results are bit for bit the same as that path.
/// </summary>
internal static unsafe class ConvDirect
{
    /// <summary>Rows of the register tile.</summary>
    private const int MR = 6;

    /// <summary>Floats per vector.</summary>
    private const int VL = 16;

    /// <summary>Groups with at most this many output channels take this path.</summary>
    public const int MaxOutChannels = 16;

    /// <summary>Off switch for the A/B bench: <c>EMBER_CONV_DIRECT=0</c> runs the im2col + GEMM path
    /// instead.</summary>
    internal static readonly bool Enabled = Environment.GetEnvironmentVariable("EMBER_CONV_DIRECT") != "0";

    /// <summary>Whether a float convolution of <paramref name="g"/> runs here.</summary>
    public static bool Applies(in ConvGeometry g) =>
        Enabled && GemmSetup.Isa == GemmIsa.Avx512 && ConvWide.Applies(g) && g.GroupOutChannels <= MaxOutChannels;

    private static int PaddedW(in ConvGeometry g) => g.OutW + g.KW - 1;

    private static int PaddedH(in ConvGeometry g) => g.OutH + g.KH - 1;

    /// <summary>Wide columns rounded up to whole vectors.</summary>
    private static int Columns(in ConvGeometry g) => (ConvWide.WideN(g) + VL - 1) / VL * VL;

    private static int RowsPadded(in ConvGeometry g) => (g.GroupOutChannels + MR - 1) / MR * MR;

    /// <summary>
    /// The forward of images <c>[begin, end)</c>: <paramref name="x"/> <c>(N, C, InH, InW)</c>,
    /// <paramref name="w"/> <c>(O, C/groups, KH, KW)</c>, <paramref name="bias"/> <c>(O)</c> or empty,
    /// <paramref name="y"/> <c>(N, O, OutH, OutW)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        in ConvGeometry g, int begin, int end)
    {
        int cg = g.GroupInChannels, og = g.GroupOutChannels, k = g.ColRows, hp = PaddedH(g), wp = PaddedW(g),
            planeP = hp * wp, cols = Columns(g), mp = RowsPadded(g), ow = g.OutW, plane = g.OutPlane;
        // The padded image with a vector of zero slack (the last vector of a row may read up to VL - 1 past it),
        // the wide output, the weights packed tap-major in MR-row blocks.
        int srcSize = cg * planeP + VL, ywSize = mp * cols, packSize = mp * k;
        float[] scratch = ArrayPool<float>.Shared.Rent(srcSize + ywSize + packSize);
        int[] offsets = ArrayPool<int>.Shared.Rent(k);
        try
        {
            Span<float> src = scratch.AsSpan(0, srcSize), yw = scratch.AsSpan(srcSize, ywSize),
                pack = scratch.AsSpan(srcSize + ywSize, packSize);
            int r = 0;
            for (int c = 0; c < cg; c++)
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++)
                        offsets[r++] = c * planeP + i * wp + j;
            src.Clear();
            for (int gr = 0; gr < g.Groups; gr++)
            {
                Pack(w.Slice(gr * og * k, og * k), og, k, pack);
                for (int n = begin; n < end; n++)
                {
                    ReadOnlySpan<float> image = x.Slice((n * g.InChannels + gr * cg) * g.InPlane, cg * g.InPlane);
                    for (int c = 0; c < cg; c++)
                        for (int iy = 0; iy < g.InH && iy + g.PadH < hp; iy++)
                        {
                            int width = Math.Min(g.InW, wp - g.PadW);
                            image.Slice((c * g.InH + iy) * g.InW, width)
                                .CopyTo(src.Slice(c * planeP + (iy + g.PadH) * wp + g.PadW, width));
                        }
                    fixed (float* ps = src, pyw = yw, ppack = pack)
                    fixed (int* poff = offsets)
                        Tile(ps, poff, k, ppack, pyw, cols, mp);
                    Span<float> outG = y.Slice((n * g.OutChannels + gr * og) * plane, og * plane);
                    for (int o = 0; o < og; o++)
                        for (int oy = 0; oy < g.OutH; oy++)
                        {
                            ReadOnlySpan<float> s = yw.Slice(o * cols + oy * wp, ow);
                            Span<float> d = outG.Slice(o * plane + oy * ow, ow);
                            if (bias.IsEmpty) s.CopyTo(d);
                            else Im2Col.AddScalar(s, bias[gr * og + o], d);
                        }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Floats of padded planes and output gradients per pass of the weight gradient.</summary>
    private const int PassFloats = 12 * 1024;

    /// <summary>Taps per register block of the weight gradient.</summary>
    private const int RB = 4;

    /// <summary>Largest <c>ColRows</c> the weight gradient takes here (its vector accumulators,
    /// <c>RowsPadded · ColRows · 16</c> floats, stay within L2).</summary>
    public const int MaxWeightTaps = 1024;

    /// <summary>Whether a float weight gradient of <paramref name="g"/> runs here.</summary>
    public static bool AppliesWeight(in ConvGeometry g) => Applies(g) && g.ColRows <= MaxWeightTaps;

    /// <summary>
    /// The weight gradient of images <c>[begin, end)</c> into <paramref name="dw"/> <c>(O, C/groups, KH, KW)</c>
    /// (overwritten): <c>dw[o, t] = Σₙ Σₚ dy[n, o, p] · x[n, tap t at p]</c>. Every (o, t) pair has a vector of
    /// 16 partial sums that runs over the images in order and over each image's wide columns in vectors, then is
    /// summed across its lanes; the order depends only on the shapes and the range. Returns false, leaving
    /// <paramref name="dw"/> undefined, when an image is not finite (the extra wide columns multiply real pixels
    /// by zero, and an infinity there would leak a NaN): the caller then takes the exact im2col path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool BackwardWeight(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dw,
        in ConvGeometry g, int begin, int end)
    {
        int cg = g.GroupInChannels, og = g.GroupOutChannels, k = g.ColRows, hp = PaddedH(g), wp = PaddedW(g),
            planeP = hp * wp, cols = Columns(g), mp = RowsPadded(g), kp = (k + RB - 1) / RB * RB, ow = g.OutW,
            plane = g.OutPlane;
        for (int n = begin; n < end; n++)
            if (!AllFinite(x.Slice(n * g.InChannels * g.InPlane, g.InChannels * g.InPlane)))
                return false;
        int srcSize = cg * planeP + VL, dywSize = mp * cols, accSize = mp * kp * VL;
        // Images per pass: their padded planes and output gradients together about fill L1 (48 KB), so each
        // register block runs over several images between loads and stores of its accumulators.
        int pass = Math.Clamp(PassFloats / (srcSize + dywSize), 1, Math.Max(1, end - begin));
        float[] scratch = ArrayPool<float>.Shared.Rent(pass * (srcSize + dywSize) + accSize);
        int[] offsets = ArrayPool<int>.Shared.Rent(kp);
        try
        {
            Span<float> src = scratch.AsSpan(0, pass * srcSize), dyw = scratch.AsSpan(pass * srcSize, pass * dywSize);
            Span<float> acc = scratch.AsSpan(pass * (srcSize + dywSize), accSize);
            int r = 0;
            for (int c = 0; c < cg; c++)
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++)
                        offsets[r++] = c * planeP + i * wp + j;
            for (; r < kp; r++) offsets[r] = 0;
            src.Clear();
            dyw.Clear();
            for (int gr = 0; gr < g.Groups; gr++)
            {
                acc.Clear();
                for (int n0 = begin; n0 < end; n0 += pass)
                {
                    int images = Math.Min(pass, end - n0);
                    for (int b = 0; b < images; b++)
                    {
                        int n = n0 + b;
                        ReadOnlySpan<float> image =
                            x.Slice((n * g.InChannels + gr * cg) * g.InPlane, cg * g.InPlane);
                        Span<float> srcB = src.Slice(b * srcSize, srcSize), dywB = dyw.Slice(b * dywSize, dywSize);
                        for (int c = 0; c < cg; c++)
                            for (int iy = 0; iy < g.InH && iy + g.PadH < hp; iy++)
                            {
                                int width = Math.Min(g.InW, wp - g.PadW);
                                image.Slice((c * g.InH + iy) * g.InW, width)
                                    .CopyTo(srcB.Slice(c * planeP + (iy + g.PadH) * wp + g.PadW, width));
                            }
                        ReadOnlySpan<float> dyG = dy.Slice((n * g.OutChannels + gr * og) * plane, og * plane);
                        for (int o = 0; o < og; o++)
                            for (int oy = 0; oy < g.OutH; oy++)
                                dyG.Slice(o * plane + oy * ow, ow).CopyTo(dywB.Slice(o * cols + oy * wp, ow));
                    }
                    fixed (float* ps = src, pd = dyw, pa = acc)
                    fixed (int* poff = offsets)
                        for (int ob = 0; ob < mp; ob += MR)
                            for (int tb = 0; tb < kp; tb += RB)
                                WeightBlock(pd + ob * cols, cols, ps, poff + tb, cols / VL,
                                    pa + (ob * kp + tb * MR) * VL, images, dywSize, srcSize);
                }
                Span<float> dwG = dw.Slice(gr * og * k, og * k);
                for (int ob = 0; ob < mp; ob += MR)
                    for (int tb = 0; tb < kp; tb += RB)
                        for (int jo = 0; jo < MR && ob + jo < og; jo++)
                            for (int it = 0; it < RB && tb + it < k; it++)
                                dwG[(ob + jo) * k + tb + it] = Vector512.Sum(Vector512.Create<float>(
                                    acc.Slice((ob * kp + tb * MR + jo * RB + it) * VL, VL)));
            }
            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary><c>acc[j, i] += Σ_b Σ_v dyw_b[j, v] ⊙ src_b[off[i] + v]</c> for MR output channels and RB taps,
    /// over <paramref name="images"/> images (their buffers <paramref name="dywStride"/> and
    /// <paramref name="srcStride"/> apart) in order and <paramref name="vectors"/> vectors of columns each;
    /// <paramref name="acc"/> holds MR·RB vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightBlock(float* dyw, int ld, float* src, int* off, int vectors, float* acc, int images,
        int dywStride, int srcStride)
    {
        Vector512<float> a00 = Vector512.Load(acc), a01 = Vector512.Load(acc + VL),
            a02 = Vector512.Load(acc + 2 * VL), a03 = Vector512.Load(acc + 3 * VL);
        Vector512<float> a10 = Vector512.Load(acc + 4 * VL), a11 = Vector512.Load(acc + 5 * VL),
            a12 = Vector512.Load(acc + 6 * VL), a13 = Vector512.Load(acc + 7 * VL);
        Vector512<float> a20 = Vector512.Load(acc + 8 * VL), a21 = Vector512.Load(acc + 9 * VL),
            a22 = Vector512.Load(acc + 10 * VL), a23 = Vector512.Load(acc + 11 * VL);
        Vector512<float> a30 = Vector512.Load(acc + 12 * VL), a31 = Vector512.Load(acc + 13 * VL),
            a32 = Vector512.Load(acc + 14 * VL), a33 = Vector512.Load(acc + 15 * VL);
        Vector512<float> a40 = Vector512.Load(acc + 16 * VL), a41 = Vector512.Load(acc + 17 * VL),
            a42 = Vector512.Load(acc + 18 * VL), a43 = Vector512.Load(acc + 19 * VL);
        Vector512<float> a50 = Vector512.Load(acc + 20 * VL), a51 = Vector512.Load(acc + 21 * VL),
            a52 = Vector512.Load(acc + 22 * VL), a53 = Vector512.Load(acc + 23 * VL);
        for (int b = 0; b < images; b++, dyw += dywStride, src += srcStride)
        {
            float* d = dyw, s0 = src + off[0], s1 = src + off[1], s2 = src + off[2], s3 = src + off[3];
            for (int v = 0; v < vectors; v++, d += VL, s0 += VL, s1 += VL, s2 += VL, s3 += VL)
            {
                Vector512<float> d0 = Vector512.Load(d), d1 = Vector512.Load(d + ld),
                    d2 = Vector512.Load(d + 2 * ld), d3 = Vector512.Load(d + 3 * ld),
                    d4 = Vector512.Load(d + 4 * ld), d5 = Vector512.Load(d + 5 * ld);
                Vector512<float> s = Vector512.Load(s0);
                a00 = Avx512F.FusedMultiplyAdd(d0, s, a00); a10 = Avx512F.FusedMultiplyAdd(d1, s, a10);
                a20 = Avx512F.FusedMultiplyAdd(d2, s, a20); a30 = Avx512F.FusedMultiplyAdd(d3, s, a30);
                a40 = Avx512F.FusedMultiplyAdd(d4, s, a40); a50 = Avx512F.FusedMultiplyAdd(d5, s, a50);
                s = Vector512.Load(s1);
                a01 = Avx512F.FusedMultiplyAdd(d0, s, a01); a11 = Avx512F.FusedMultiplyAdd(d1, s, a11);
                a21 = Avx512F.FusedMultiplyAdd(d2, s, a21); a31 = Avx512F.FusedMultiplyAdd(d3, s, a31);
                a41 = Avx512F.FusedMultiplyAdd(d4, s, a41); a51 = Avx512F.FusedMultiplyAdd(d5, s, a51);
                s = Vector512.Load(s2);
                a02 = Avx512F.FusedMultiplyAdd(d0, s, a02); a12 = Avx512F.FusedMultiplyAdd(d1, s, a12);
                a22 = Avx512F.FusedMultiplyAdd(d2, s, a22); a32 = Avx512F.FusedMultiplyAdd(d3, s, a32);
                a42 = Avx512F.FusedMultiplyAdd(d4, s, a42); a52 = Avx512F.FusedMultiplyAdd(d5, s, a52);
                s = Vector512.Load(s3);
                a03 = Avx512F.FusedMultiplyAdd(d0, s, a03); a13 = Avx512F.FusedMultiplyAdd(d1, s, a13);
                a23 = Avx512F.FusedMultiplyAdd(d2, s, a23); a33 = Avx512F.FusedMultiplyAdd(d3, s, a33);
                a43 = Avx512F.FusedMultiplyAdd(d4, s, a43); a53 = Avx512F.FusedMultiplyAdd(d5, s, a53);
            }
        }
        Store4(acc, a00, a01, a02, a03);
        Store4(acc + 4 * VL, a10, a11, a12, a13);
        Store4(acc + 8 * VL, a20, a21, a22, a23);
        Store4(acc + 12 * VL, a30, a31, a32, a33);
        Store4(acc + 16 * VL, a40, a41, a42, a43);
        Store4(acc + 20 * VL, a50, a51, a52, a53);
    }

    private static bool AllFinite(ReadOnlySpan<float> s) =>
        // A sum is finite only if every term is (an overflowing sum merely takes the slower, exact path).
        float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(s));

    /// <summary><paramref name="w"/> <c>(og, k)</c> into MR-row blocks, each <c>k × MR</c> (tap-major), zero rows
    /// past <paramref name="og"/>.</summary>
    private static void Pack(ReadOnlySpan<float> w, int og, int k, Span<float> pack)
    {
        int mp = pack.Length / k;
        for (int mb = 0; mb < mp; mb += MR)
        {
            Span<float> block = pack.Slice(mb * k, MR * k);
            for (int t = 0; t < k; t++)
                for (int i = 0; i < MR; i++)
                    block[t * MR + i] = mb + i < og ? w[(mb + i) * k + t] : 0f;
        }
    }

    /// <summary><c>yw[m, n] = Σₜ pack[m, t] · src[off[t] + n]</c> for all <paramref name="mp"/> rows and
    /// <paramref name="cols"/> columns (a multiple of <see cref="VL"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* src, int* off, int k, float* pack, float* yw, int cols, int mp)
    {
        for (int mb = 0; mb < mp; mb += MR)
        {
            float* a = pack + mb * k, c = yw + mb * cols;
            int n = 0;
            for (; n + 4 * VL <= cols; n += 4 * VL) Block4(src + n, off, k, a, c + n, cols);
            for (; n < cols; n += VL) Block1(src + n, off, k, a, c + n, cols);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4(float* src, int* off, int k, float* a, float* c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;
        for (int t = 0; t < k; t++, a += MR)
        {
            float* s = src + off[t];
            Vector512<float> b0 = Vector512.Load(s), b1 = Vector512.Load(s + VL), b2 = Vector512.Load(s + 2 * VL),
                b3 = Vector512.Load(s + 3 * VL);
            Vector512<float> ar = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(ar, b2, c02); c03 = Avx512F.FusedMultiplyAdd(ar, b3, c03);
            ar = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(ar, b2, c12); c13 = Avx512F.FusedMultiplyAdd(ar, b3, c13);
            ar = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(ar, b2, c22); c23 = Avx512F.FusedMultiplyAdd(ar, b3, c23);
            ar = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(ar, b2, c32); c33 = Avx512F.FusedMultiplyAdd(ar, b3, c33);
            ar = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            c42 = Avx512F.FusedMultiplyAdd(ar, b2, c42); c43 = Avx512F.FusedMultiplyAdd(ar, b3, c43);
            ar = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            c52 = Avx512F.FusedMultiplyAdd(ar, b2, c52); c53 = Avx512F.FusedMultiplyAdd(ar, b3, c53);
        }
        Store4(c, c00, c01, c02, c03);
        Store4(c + ldc, c10, c11, c12, c13);
        Store4(c + 2 * ldc, c20, c21, c22, c23);
        Store4(c + 3 * ldc, c30, c31, c32, c33);
        Store4(c + 4 * ldc, c40, c41, c42, c43);
        Store4(c + 5 * ldc, c50, c51, c52, c53);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* c, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2,
        Vector512<float> v3)
    {
        Vector512.Store(v0, c);
        Vector512.Store(v1, c + VL);
        Vector512.Store(v2, c + 2 * VL);
        Vector512.Store(v3, c + 3 * VL);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1(float* src, int* off, int k, float* a, float* c, int ldc)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int t = 0; t < k; t++, a += MR)
        {
            Vector512<float> b = Vector512.Load(src + off[t]);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b, c5);
        }
        Vector512.Store(c0, c);
        Vector512.Store(c1, c + ldc);
        Vector512.Store(c2, c + 2 * ldc);
        Vector512.Store(c3, c + 3 * ldc);
        Vector512.Store(c4, c + 4 * ldc);
        Vector512.Store(c5, c + 5 * ldc);
    }
}
