using System;
using System.Numerics;

namespace Ember.Kernels;

/// <summary>
/// The "wide" column layout of a stride-1, undilated convolution, per image. With the input zero-padded to
/// <c>(Hp, Wp) = (OutH + KH - 1, OutW + KW - 1)</c> (no copy when there is no padding), the column row of tap
/// <c>(c, i, j)</c> over output positions <c>y·Wp + x</c> is one contiguous run of the padded plane starting at
/// <c>i·Wp + j</c>, <see cref="WideN"/> long: one copy per tap instead of one per tap and output row (10-28
/// floats each for LeNet). The <c>Wp - OutW</c> extra columns per output row are computed by the GEMM and dropped
/// when the result is compacted into <c>(OutH, OutW)</c>; in the gradients they are zero in the expanded output
/// gradient, so they add exact zeros: the input gradient is bit for bit the per-row im2col one. The weight gradient
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

    /// <summary>Scratch elements one image of one group needs (any pass).</summary>
    public static int ScratchSize(in ConvGeometry g) =>
        (g.ColRows + g.GroupOutChannels) * WideN(g) + (Pads(g) ? g.GroupInChannels * PaddedH(g) * PaddedW(g) : 0);

    /// <summary><c>y = w · cols(image) (+ bias)</c> for one image and group: <paramref name="y"/> is
    /// <c>(og, OutH, OutW)</c>.</summary>
    public static void Forward<T>(ReadOnlySpan<T> image, ReadOnlySpan<T> w, ReadOnlySpan<T> bias, Span<T> y,
        in ConvGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int og = g.GroupOutChannels, rows = g.ColRows, nw = WideN(g), wp = PaddedW(g), ow = g.OutW, plane = g.OutPlane;
        Span<T> col = scratch[..(rows * nw)], yw = scratch.Slice(rows * nw, og * nw);
        Columns(Source(image, g, scratch[((rows + og) * nw)..]), g, col);
        Convolution.Mm(false, false, og, nw, rows, w, rows, col, nw, false, yw, nw);
        for (int o = 0; o < og; o++)
            for (int r = 0; r < g.OutH; r++)
            {
                Span<T> dst = y.Slice(o * plane + r * ow, ow);
                ReadOnlySpan<T> src = yw.Slice(o * nw + r * wp, ow);
                if (bias.IsEmpty) src.CopyTo(dst);
                else Im2Col.AddScalar(src, bias[o], dst);
            }
    }

    /// <summary>The input gradient of one image and group: <paramref name="dx"/> <c>(cg, InH, InW)</c> is
    /// overwritten.</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> w, Span<T> dx, in ConvGeometry g,
        Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int og = g.GroupOutChannels, rows = g.ColRows, nw = WideN(g), wp = PaddedW(g), hp = PaddedH(g);
        Span<T> dyw = scratch[..(og * nw)], dcol = scratch.Slice(og * nw, rows * nw);
        Expand(dy, g, dyw);
        Convolution.Mm(true, false, rows, nw, og, w, rows, dyw, nw, false, dcol, nw);
        bool pads = Pads(g);
        Span<T> pg = pads ? scratch.Slice((rows + og) * nw, g.GroupInChannels * hp * wp) : dx;
        pg.Clear();
        int r = 0;
        for (int c = 0; c < g.GroupInChannels; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++, r++)
                    Im2Col.AddTo(dcol.Slice(r * nw, nw), pg.Slice(c * hp * wp + i * wp + j, nw));
        if (!pads) return;
        for (int c = 0; c < g.GroupInChannels; c++)
            for (int iy = 0; iy < g.InH; iy++)
                pg.Slice(c * hp * wp + (iy + g.PadH) * wp + g.PadW, g.InW).CopyTo(dx.Slice((c * g.InH + iy) * g.InW,
                    g.InW));
    }

    /// <summary>
    /// <c>dw (+)= dy · cols(image)ᵀ</c> for one image and group (<paramref name="accumulate"/> adds to
    /// <paramref name="dw"/> <c>(og, ColRows)</c>). Returns false, doing nothing, when the image is not finite.
    /// </summary>
    public static bool BackwardWeight<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> image, Span<T> dw, bool accumulate,
        in ConvGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!AllFinite(image)) return false;
        int og = g.GroupOutChannels, rows = g.ColRows, nw = WideN(g);
        Span<T> col = scratch[..(rows * nw)], dyw = scratch.Slice(rows * nw, og * nw);
        Columns(Source(image, g, scratch[((rows + og) * nw)..]), g, col);
        Expand(dy, g, dyw);
        Convolution.Mm(false, true, og, rows, nw, dyw, nw, col, nw, accumulate, dw, rows);
        return true;
    }

    /// <summary>The padded planes <c>(cg, Hp, Wp)</c>: <paramref name="image"/> itself when nothing is
    /// padded.</summary>
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

    private static void Columns<T>(ReadOnlySpan<T> source, in ConvGeometry g, Span<T> col)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nw = WideN(g), wp = PaddedW(g), planeP = PaddedH(g) * wp, r = 0;
        for (int c = 0; c < g.GroupInChannels; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++, r++)
                    source.Slice(c * planeP + i * wp + j, nw).CopyTo(col.Slice(r * nw, nw));
    }

    /// <summary>The output gradient <c>(og, OutH, OutW)</c> in the wide layout, zero in the extra
    /// columns.</summary>
    private static void Expand<T>(ReadOnlySpan<T> dy, in ConvGeometry g, Span<T> dyw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nw = WideN(g), wp = PaddedW(g), ow = g.OutW;
        dyw.Clear();
        for (int o = 0; o < g.GroupOutChannels; o++)
            for (int r = 0; r < g.OutH; r++)
                dy.Slice((o * g.OutH + r) * ow, ow).CopyTo(dyw.Slice(o * nw + r * wp, ow));
    }

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
