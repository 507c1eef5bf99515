using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        if (image.Length < channels * ih * iw || col.Length < channels * g.KH * g.KW * plane)
            throw new ArgumentException("im2col: the image or column span is too short.");
        ref T img = ref MemoryMarshal.GetReference(image);
        ref T cols = ref MemoryMarshal.GetReference(col);
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            ref T src = ref Unsafe.Add(ref img, c * ih * iw);
            for (int ki = 0; ki < g.KH; ki++)
            {
                for (int kj = 0; kj < g.KW; kj++, row++)
                {
                    ref T dst = ref Unsafe.Add(ref cols, row * plane);
                    int offW = kj * g.DilW - g.PadW;
                    var (lo, hi) = ValidRange(ow, g.StrideW, offW, iw);
                    for (int y = 0; y < oh; y++)
                    {
                        ref T d = ref Unsafe.Add(ref dst, y * ow);
                        int yIn = y * g.StrideH + ki * g.DilH - g.PadH;
                        if ((uint)yIn >= (uint)ih || lo >= hi)
                        {
                            Zero(ref d, ow);
                            continue;
                        }
                        ref T s = ref Unsafe.Add(ref src, yIn * iw);
                        Zero(ref d, lo);
                        if (g.StrideW == 1) Copy(ref Unsafe.Add(ref s, lo + offW), ref Unsafe.Add(ref d, lo), hi - lo);
                        else
                            for (int x = lo, xi = lo * g.StrideW + offW; x < hi; x++, xi += g.StrideW)
                                Unsafe.Add(ref d, x) = Unsafe.Add(ref s, xi);
                        Zero(ref Unsafe.Add(ref d, hi), ow - hi);
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
        if (image.Length < channels * ih * iw || col.Length < channels * g.KH * g.KW * plane)
            throw new ArgumentException("col2im: the image or column span is too short.");
        ref T img = ref MemoryMarshal.GetReference(image);
        ref T cols = ref MemoryMarshal.GetReference(col);
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            ref T dst = ref Unsafe.Add(ref img, c * ih * iw);
            for (int ki = 0; ki < g.KH; ki++)
            {
                for (int kj = 0; kj < g.KW; kj++, row++)
                {
                    ref T src = ref Unsafe.Add(ref cols, row * plane);
                    int offW = kj * g.DilW - g.PadW;
                    var (lo, hi) = ValidRange(ow, g.StrideW, offW, iw);
                    if (lo >= hi) continue;
                    for (int y = 0; y < oh; y++)
                    {
                        int yIn = y * g.StrideH + ki * g.DilH - g.PadH;
                        if ((uint)yIn >= (uint)ih) continue;
                        ref T s = ref Unsafe.Add(ref src, y * ow);
                        ref T d = ref Unsafe.Add(ref dst, yIn * iw);
                        if (g.StrideW == 1) AddTo(ref Unsafe.Add(ref s, lo), ref Unsafe.Add(ref d, lo + offW), hi - lo);
                        else
                            for (int x = lo, xi = lo * g.StrideW + offW; x < hi; x++, xi += g.StrideW)
                                Unsafe.Add(ref d, xi) += Unsafe.Add(ref s, x);
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

    // Short rows (a LeNet image is 10-28 columns wide): inline vector loops, not span slices and memmove calls.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<T>(ref T src, ref T dst, int n) where T : unmanaged
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.LoadUnsafe(ref src, (nuint)i).StoreUnsafe(ref dst, (nuint)i);
            if (i < n) // the last vector overlaps the previous one: plain copies, so rewriting is harmless
                Vector256.LoadUnsafe(ref src, (nuint)(n - Vector256<T>.Count))
                    .StoreUnsafe(ref dst, (nuint)(n - Vector256<T>.Count));
            return;
        }
        for (; i < n; i++) Unsafe.Add(ref dst, i) = Unsafe.Add(ref src, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero<T>(ref T dst, int n) where T : unmanaged
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256<T>.Zero.StoreUnsafe(ref dst, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref dst, i) = default;
    }

    /// <summary><c>dst[i] += src[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddTo<T>(ReadOnlySpan<T> src, Span<T> dst) where T : unmanaged, INumberBase<T>
    {
        if (dst.Length < src.Length) throw new ArgumentException("AddTo: dst is too short.", nameof(dst));
        AddTo(ref MemoryMarshal.GetReference(src), ref MemoryMarshal.GetReference(dst), src.Length);
    }

    /// <summary><c>dst[i] = src[i] + b</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddScalar<T>(ReadOnlySpan<T> src, T b, Span<T> dst) where T : unmanaged, INumberBase<T>
    {
        if (dst.Length < src.Length) throw new ArgumentException("AddScalar: dst is too short.", nameof(dst));
        ref T s = ref MemoryMarshal.GetReference(src);
        ref T d = ref MemoryMarshal.GetReference(dst);
        int i = 0, n = src.Length;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            Vector256<T> v = Vector256.Create(b);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.LoadUnsafe(ref s, (nuint)i) + v).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) + b;
    }

    /// <summary><c>dst[i] += src[i]</c>, each element once (no overlapping tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo<T>(ref T src, ref T dst, int n) where T : unmanaged, INumberBase<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.LoadUnsafe(ref dst, (nuint)i) + Vector256.LoadUnsafe(ref src, (nuint)i))
                    .StoreUnsafe(ref dst, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref dst, i) += Unsafe.Add(ref src, i);
    }
}
