using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// The "wide" column layout of a stride-1, undilated convolution, a few images per GEMM. With the input zero-padded to
/// <c>(Hp, Wp) = (OutH + KH - 1, OutW + KW - 1)</c> (no copy when there is no padding), the column row of tap
/// <c>(c, i, j)</c> over output positions <c>y·Wp + x</c> is one contiguous run of the padded plane starting at
/// <c>i·Wp + j</c>, <see cref="WideN"/> long: one copy per tap instead of one per tap and output row (10-28
/// floats each for LeNet). The <c>Wp - OutW</c> extra columns per output row are computed by the GEMM and dropped
/// when the result is compacted into <c>(OutH, OutW)</c>; in the gradients they are zero in the expanded output
/// gradient, so they add exact zeros. Several images' matrices sit side by side, so one GEMM (and one packing of
/// the weight) serves them all: the input gradient is bit for bit the per-row im2col one. The weight gradient
/// multiplies those zeros by real input pixels, so it is used only when the image is finite (an infinity times
/// zero would otherwise leak a NaN); the caller falls back to plain im2col otherwise.
/// </summary>
internal static class ConvWide
{
    /// <summary>Whether <paramref name="g"/> takes the wide layout: stride 1, no dilation, not pointwise, and the
    /// extra columns at most as many as the real ones.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g is { StrideH: 1, StrideW: 1, DilH: 1, DilW: 1 } && !g.IsPointwise && g.OutH > 0 && g.OutW > 0
        && PaddedW(g) <= 2 * g.OutW;

    private static int PaddedW(in ConvGeometry g) => g.OutW + g.KW - 1;

    private static int PaddedH(in ConvGeometry g) => g.OutH + g.KH - 1;

    /// <summary>Columns of the wide matrix: <c>(OutH - 1)·Wp + OutW</c>.</summary>
    public static int WideN(in ConvGeometry g) => (g.OutH - 1) * PaddedW(g) + g.OutW;

    private static bool Pads(in ConvGeometry g) =>
        g.PadH != 0 || g.PadW != 0 || PaddedW(g) != g.InW || PaddedH(g) != g.InH;

    /// <summary>Images per GEMM: as many as keep the scratch near 256K elements (1 MB of float), at least
    /// one.</summary>
    public static int ImagesPerGemm(in ConvGeometry g) =>
        Math.Max(1, (1 << 18) / ((g.ColRows + g.GroupOutChannels) * WideN(g)));

    /// <summary>Scratch elements <paramref name="images"/> images of one group need (any pass).</summary>
    public static int ScratchSize(in ConvGeometry g, int images) =>
        images * (g.ColRows + g.GroupOutChannels) * WideN(g)
        + (Pads(g) ? g.GroupInChannels * PaddedH(g) * PaddedW(g) : 0);

    /// <summary>
    /// <c>y = w · cols(x) (+ bias)</c> for <paramref name="images"/> images of one group in one GEMM (their wide
    /// column matrices side by side): image <c>k</c> is <paramref name="x"/> at <c>k·</c><paramref name="xStride"/>
    /// <c>(cg, InH, InW)</c> and writes <paramref name="y"/> at <c>k·</c><paramref name="yStride"/>
    /// <c>(og, OutH, OutW)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, int xStride, int images, ReadOnlySpan<T> w, ReadOnlySpan<T> bias,
        Span<T> y, int yStride, in ConvGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int og = g.GroupOutChannels, rows = g.ColRows, nw = WideN(g), ld = images * nw, wp = PaddedW(g), ow = g.OutW,
            plane = g.OutPlane, inSize = g.GroupInChannels * g.InPlane;
        Span<T> col = scratch[..(rows * ld)], yw = scratch.Slice(rows * ld, og * ld);
        Span<T> padBuffer = scratch[((rows + og) * ld)..];
        for (int k = 0; k < images; k++)
            Columns(Source(x.Slice(k * xStride, inSize), g, padBuffer), g, col[(k * nw)..], ld);
        Convolution.Mm(false, false, og, ld, rows, w, rows, col, ld, false, yw, ld);
        for (int k = 0; k < images; k++)
            for (int o = 0; o < og; o++)
                for (int r = 0; r < g.OutH; r++)
                {
                    Span<T> dst = y.Slice(k * yStride + o * plane + r * ow, ow);
                    ReadOnlySpan<T> src = yw.Slice(o * ld + k * nw + r * wp, ow);
                    if (bias.IsEmpty) src.CopyTo(dst);
                    else Im2Col.AddScalar(src, bias[o], dst);
                }
    }

    /// <summary>The input gradient of <paramref name="images"/> images of one group (strided as in
    /// <see cref="Forward{T}"/>): each <c>(cg, InH, InW)</c> of <paramref name="dx"/> is overwritten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput<T>(ReadOnlySpan<T> dy, int dyStride, int images, ReadOnlySpan<T> w, Span<T> dx,
        int dxStride, in ConvGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int og = g.GroupOutChannels, rows = g.ColRows, nw = WideN(g), ld = images * nw, wp = PaddedW(g),
            hp = PaddedH(g), cg = g.GroupInChannels;
        Span<T> dyw = scratch[..(og * ld)], dcol = scratch.Slice(og * ld, rows * ld);
        Expand(dy, dyStride, images, g, dyw);
        Convolution.Mm(true, false, rows, ld, og, w, rows, dyw, ld, false, dcol, ld);
        bool pads = Pads(g);
        for (int k = 0; k < images; k++)
        {
            Span<T> image = dx.Slice(k * dxStride, cg * g.InPlane);
            Span<T> pg = pads ? scratch.Slice((rows + og) * ld, cg * hp * wp) : image;
            pg.Clear();
            int r = 0;
            for (int c = 0; c < cg; c++)
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++, r++)
                        Im2Col.AddTo(dcol.Slice(r * ld + k * nw, nw), pg.Slice(c * hp * wp + i * wp + j, nw));
            if (!pads) continue;
            for (int c = 0; c < cg; c++)
                for (int iy = 0; iy < g.InH; iy++)
                    pg.Slice(c * hp * wp + (iy + g.PadH) * wp + g.PadW, g.InW)
                        .CopyTo(image.Slice((c * g.InH + iy) * g.InW, g.InW));
        }
    }

    /// <summary>
    /// <c>dw (+)= Σₖ dy[k] · cols(x[k])ᵀ</c> over <paramref name="images"/> images of one group in one GEMM
    /// (<paramref name="accumulate"/> adds to <paramref name="dw"/> <c>(og, ColRows)</c>). Returns false, doing
    /// nothing, when an image is not finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool BackwardWeight<T>(ReadOnlySpan<T> dy, int dyStride, ReadOnlySpan<T> x, int xStride,
        int images, Span<T> dw, bool accumulate, in ConvGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int og = g.GroupOutChannels, rows = g.ColRows, nw = WideN(g), ld = images * nw,
            inSize = g.GroupInChannels * g.InPlane;
        for (int k = 0; k < images; k++)
            if (!AllFinite(x.Slice(k * xStride, inSize)))
                return false;
        Span<T> col = scratch[..(rows * ld)], dyw = scratch.Slice(rows * ld, og * ld);
        Span<T> padBuffer = scratch[((rows + og) * ld)..];
        for (int k = 0; k < images; k++)
            Columns(Source(x.Slice(k * xStride, inSize), g, padBuffer), g, col[(k * nw)..], ld);
        Expand(dy, dyStride, images, g, dyw);
        Convolution.Mm(false, true, og, rows, ld, dyw, ld, col, ld, accumulate, dw, rows);
        return true;
    }

    /// <summary>The padded planes <c>(cg, Hp, Wp)</c>: <paramref name="image"/> itself when nothing is
    /// padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<T> Source<T>(ReadOnlySpan<T> image, in ConvGeometry g, Span<T> buffer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Pads(g)) return image;
        int hp = PaddedH(g), wp = PaddedW(g), cg = g.GroupInChannels;
        Span<T> padded = buffer[..(cg * hp * wp)];
        padded.Clear();
        int width = Math.Min(g.InW, wp - g.PadW);
        for (int c = 0; c < cg; c++)
            for (int iy = 0; iy < g.InH && iy + g.PadH < hp; iy++)
                image.Slice((c * g.InH + iy) * g.InW, width)
                    .CopyTo(padded.Slice(c * hp * wp + (iy + g.PadH) * wp + g.PadW, width));
        return padded;
    }

    /// <summary>One image's wide column matrix into <paramref name="col"/>, rows <paramref name="ld"/>
    /// apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns<T>(ReadOnlySpan<T> source, in ConvGeometry g, Span<T> col, int ld)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nw = WideN(g), wp = PaddedW(g), planeP = PaddedH(g) * wp, r = 0;
        for (int c = 0; c < g.GroupInChannels; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++, r++)
                    source.Slice(c * planeP + i * wp + j, nw).CopyTo(col.Slice(r * ld, nw));
    }

    /// <summary>The output gradients of <paramref name="images"/> images, <c>(og, OutH, OutW)</c> each, side by
    /// side in the wide layout <c>[og, images·WideN]</c>, zero in the extra columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Expand<T>(ReadOnlySpan<T> dy, int dyStride, int images, in ConvGeometry g, Span<T> dyw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nw = WideN(g), ld = images * nw, wp = PaddedW(g), ow = g.OutW;
        dyw.Clear();
        for (int k = 0; k < images; k++)
            for (int o = 0; o < g.GroupOutChannels; o++)
                for (int r = 0; r < g.OutH; r++)
                    dy.Slice(k * dyStride + (o * g.OutH + r) * ow, ow).CopyTo(dyw.Slice(o * ld + k * nw + r * wp, ow));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool AllFinite<T>(ReadOnlySpan<T> s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A sum is finite only if every term is (an overflowing sum merely takes the slower, exact path).
        T sum = T.Zero;
        if (typeof(T) == typeof(float))
            sum = (T)(object)System.Numerics.Tensors.TensorPrimitives.Sum(
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(s));
        else if (typeof(T) == typeof(double))
            sum = (T)(object)System.Numerics.Tensors.TensorPrimitives.Sum(
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(s));
        else
            foreach (T v in s) sum += v;
        return T.IsFinite(sum);
    }
}
