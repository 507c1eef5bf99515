using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// The column transform of convolution (Caffe's and PyTorch's im2col): one image's channels
/// <c>(C, InH, InW)</c> become a matrix <c>[C·KH·KW, OutH·OutW]</c> whose row <c>(c, i, j)</c> holds, for every
/// output position, the input pixel under kernel tap <c>(i, j)</c> (zero in the padding). A convolution is then
/// one GEMM; <see cref="Col2Im{T}"/> is the adjoint (it sums overlapping taps back into the image).
/// </summary>
public static class Im2Col
{
    /// <summary>Writes the column matrix of <paramref name="image"/> <c>(channels, InH, InW)</c> into
    /// <paramref name="col"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Image2Col<T>(ReadOnlySpan<T> image, int channels, in ConvGeometry g, Span<T> col)
        where T : unmanaged, INumberBase<T>
    {
        int oh = g.OutH, ow = g.OutW, ih = g.InH, iw = g.InW, plane = oh * ow;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<T> src = image.Slice(c * ih * iw, ih * iw);
            for (int ki = 0; ki < g.KH; ki++)
            {
                for (int kj = 0; kj < g.KW; kj++, row++)
                {
                    Span<T> dst = col.Slice(row * plane, plane);
                    int offW = kj * g.DilW - g.PadW;
                    var (lo, hi) = ValidRange(ow, g.StrideW, offW, iw);
                    for (int y = 0; y < oh; y++)
                    {
                        Span<T> d = dst.Slice(y * ow, ow);
                        int yIn = y * g.StrideH + ki * g.DilH - g.PadH;
                        if ((uint)yIn >= (uint)ih || lo >= hi)
                        {
                            d.Clear();
                            continue;
                        }
                        ReadOnlySpan<T> s = src.Slice(yIn * iw, iw);
                        d[..lo].Clear();
                        if (g.StrideW == 1) s.Slice(lo + offW, hi - lo).CopyTo(d[lo..hi]);
                        else for (int x = lo, xi = lo * g.StrideW + offW; x < hi; x++, xi += g.StrideW) d[x] = s[xi];
                        d[hi..].Clear();
                    }
                }
            }
        }
    }

    /// <summary>
    /// Adds the column matrix <paramref name="col"/> <c>[channels·KH·KW, OutH·OutW]</c> back into
    /// <paramref name="image"/> <c>(channels, InH, InW)</c> (which the caller zeroes first): the adjoint of
    /// <see cref="Image2Col{T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im<T>(ReadOnlySpan<T> col, int channels, in ConvGeometry g, Span<T> image)
        where T : unmanaged, INumberBase<T>
    {
        int oh = g.OutH, ow = g.OutW, ih = g.InH, iw = g.InW, plane = oh * ow;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            Span<T> dst = image.Slice(c * ih * iw, ih * iw);
            for (int ki = 0; ki < g.KH; ki++)
            {
                for (int kj = 0; kj < g.KW; kj++, row++)
                {
                    ReadOnlySpan<T> src = col.Slice(row * plane, plane);
                    int offW = kj * g.DilW - g.PadW;
                    var (lo, hi) = ValidRange(ow, g.StrideW, offW, iw);
                    if (lo >= hi) continue;
                    for (int y = 0; y < oh; y++)
                    {
                        int yIn = y * g.StrideH + ki * g.DilH - g.PadH;
                        if ((uint)yIn >= (uint)ih) continue;
                        ReadOnlySpan<T> s = src.Slice(y * ow, ow);
                        Span<T> d = dst.Slice(yIn * iw, iw);
                        if (g.StrideW == 1) AddTo(s[lo..hi], d.Slice(lo + offW, hi - lo));
                        else for (int x = lo, xi = lo * g.StrideW + offW; x < hi; x++, xi += g.StrideW) d[xi] += s[x];
                    }
                }
            }
        }
    }

    /// <summary>The output columns <c>[lo, hi)</c> whose input column <c>x·stride + offset</c> lies inside
    /// <c>[0, width)</c>.</summary>
    private static (int Lo, int Hi) ValidRange(int outW, int stride, int offset, int width)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = width - 1 - offset;   // largest x·stride allowed
        int hi = last < 0 ? 0 : Math.Min(outW, last / stride + 1);
        return (Math.Min(lo, outW), Math.Max(hi, Math.Min(lo, outW)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddTo<T>(ReadOnlySpan<T> src, Span<T> dst) where T : unmanaged, INumberBase<T>
    {
        if (typeof(T) == typeof(float))
        {
            var d = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(dst);
            System.Numerics.Tensors.TensorPrimitives.Add(d,
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(src), d);
        }
        else if (typeof(T) == typeof(double))
        {
            var d = System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(dst);
            System.Numerics.Tensors.TensorPrimitives.Add(d,
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(src), d);
        }
        else for (int i = 0; i < src.Length; i++) dst[i] += src[i];
    }
}
