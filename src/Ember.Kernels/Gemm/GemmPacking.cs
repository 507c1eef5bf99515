using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Kernels;

/// <summary>
/// Packing of op(A) and op(B) blocks into the micro-panel layouts the kernels read:
/// A block as consecutive [kc][MR] micro-panels (rows past m zero-filled), B block as consecutive
/// [kc][NR] micro-panels (columns past n zero-filled). Transposition is absorbed here, so the
/// kernels never see it and callers never materialize a transpose.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [i0, i0+mc) x depth [p0, p0+kc) of op(A).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(T* dst, T* a, nint lda, bool transA, int i0, int mc, int p0, int kc, int mr)
        where T : unmanaged, INumberBase<T>
    {
        if (transA)
        {
            // A(i, p) = a[p*lda + i]: rows of the stored matrix are contiguous in i; stream them once.
            SplitRows(dst, a + p0 * lda + i0, lda, mc, mr, kc);
            return;
        }
        // A(i, p) = a[i*lda + p]: gather MR row streams per micro-panel.
        for (int t = 0; t < mc; t += mr)
        {
            int rows = Math.Min(mr, mc - t);
            GatherPanel(dst, a + (i0 + t) * lda + p0, lda, rows, mr, kc);
            dst += mr * kc;
        }
    }

    /// <summary>Packs depth [p0, p0+kc) x columns [j0, j0+nc) of op(B).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(T* dst, T* b, nint ldb, bool transB, int p0, int kc, int j0, int nc, int nr)
        where T : unmanaged, INumberBase<T>
    {
        if (!transB)
        {
            // B(p, j) = b[p*ldb + j]: contiguous in j; stream each row once.
            SplitRows(dst, b + p0 * ldb + j0, ldb, nc, nr, kc);
            return;
        }
        // B(p, j) = b[j*ldb + p]: gather NR column streams per micro-panel.
        for (int t = 0; t < nc; t += nr)
        {
            int cols = Math.Min(nr, nc - t);
            GatherPanel(dst, b + (j0 + t) * ldb + p0, ldb, cols, nr, kc);
            dst += nr * kc;
        }
    }

    /// <summary>
    /// One micro-panel from <paramref name="count"/> source streams (stride ld, kc contiguous elements each):
    /// dst[p*width + r] = src[r*ld + p], zero for count &lt;= r &lt; width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherPanel<T>(T* dst, T* src, nint ld, int count, int width, int kc)
        where T : unmanaged, INumberBase<T>
    {
        if (count == width)
        {
            GatherRows(dst, src, ld, width, kc);
            return;
        }
        for (int r = 0; r < width; r++)
        {
            T* d = dst + r;
            if (r < count)
            {
                T* s = src + r * ld;
                for (int p = 0; p < kc; p++)
                    d[p * width] = s[p];
            }
            else
            {
                for (int p = 0; p < kc; p++)
                    d[p * width] = T.Zero;
            }
        }
    }

    /// <summary>
    /// Cuts kc contiguous source rows of <paramref name="count"/> elements into consecutive [kc][width]
    /// panels (the last one zero-padded), reading each source row front to back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SplitRows<T>(T* dst, T* src, nint ld, int count, int width, int kc)
        where T : unmanaged, INumberBase<T>
    {
        int full = count / width;
        int rest = count - full * width;
        nint panel = (nint)width * kc;
        for (int p = 0; p < kc; p++)
        {
            T* s = src + p * ld;
            T* d = dst + p * width;
            for (int t = 0; t < full; t++)
            {
                CopySmall(d, s, width);
                s += width;
                d += panel;
            }
            if (rest != 0)
            {
                int c = 0;
                for (; c < rest; c++)
                    d[c] = s[c];
                for (; c < width; c++)
                    d[c] = T.Zero;
            }
        }
    }

    /// <summary>Copies a short row (a micro-panel's width) with vector moves, never touching past its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySmall<T>(T* dst, T* src, int count) where T : unmanaged
    {
        byte* d = (byte*)dst, s = (byte*)src;
        nint bytes = (nint)count * sizeof(T);
        nint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= bytes; i += 32)
                Vector256.Store(Vector256.Load(s + i), d + i);
        }
        for (; i + 16 <= bytes; i += 16)
            Vector128.Store(Vector128.Load(s + i), d + i);
        for (; i + 8 <= bytes; i += 8)
            *(long*)(d + i) = *(long*)(s + i);
        for (; i < bytes; i += 4)
            *(int*)(d + i) = *(int*)(s + i);
    }

    /// <summary>
    /// Transposing gather of a full micro-panel: dst[p*width + r] = src[r*ld + p], r &lt; width, p &lt; kc.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherRows<T>(T* dst, T* src, nint ld, int width, int kc)
        where T : unmanaged, INumberBase<T>
    {
        int p = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported && width >= 8)
        {
            // 8x8 register transposes; a width that is not a multiple of 8 ends with an overlapping block.
            for (; p + 8 <= kc; p += 8)
            {
                for (int r = 0; r < width; r += 8)
                {
                    int r0 = Math.Min(r, width - 8);
                    Transpose8x8((float*)src + r0 * ld + p, ld, (float*)dst + p * width + r0, width);
                }
            }
        }
        else if (typeof(T) == typeof(float) && Sse.IsSupported && width >= 4)
        {
            // Narrow panels (AVX2 kernel's MR = 6): 4x4 transposes, the last block overlapping.
            for (; p + 4 <= kc; p += 4)
            {
                for (int r = 0; r < width; r += 4)
                {
                    int r0 = Math.Min(r, width - 4);
                    Transpose4x4((float*)src + r0 * ld + p, ld, (float*)dst + p * width + r0, width);
                }
            }
        }
        else if (typeof(T) == typeof(double) && Avx.IsSupported && width >= 4)
        {
            for (; p + 4 <= kc; p += 4)
            {
                for (int r = 0; r < width; r += 4)
                {
                    int r0 = Math.Min(r, width - 4);
                    Transpose4x4((double*)src + r0 * ld + p, ld, (double*)dst + p * width + r0, width);
                }
            }
        }
        else
        {
            // Blocks of 4 depth steps: each row stream is read 4 elements at a time.
            for (; p + 4 <= kc; p += 4)
            {
                T* s = src + p;
                T* d = dst + p * width;
                for (int r = 0; r < width; r++)
                {
                    T* sr = s + r * ld;
                    d[r] = sr[0];
                    d[width + r] = sr[1];
                    d[2 * width + r] = sr[2];
                    d[3 * width + r] = sr[3];
                }
            }
        }
        for (; p < kc; p++)
        {
            T* d = dst + p * width;
            for (int r = 0; r < width; r++)
                d[r] = src[r * ld + p];
        }
    }

    /// <summary>dst[c*ldd + r] = src[r*lds + c] for an 8x8 float block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint lds, float* dst, nint ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + lds);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * lds), r3 = Avx.LoadVector256(src + 3 * lds);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * lds), r5 = Avx.LoadVector256(src + 5 * lds);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * lds), r7 = Avx.LoadVector256(src + 7 * lds);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>dst[c*ldd + r] = src[r*lds + c] for a 4x4 float block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(float* src, nint lds, float* dst, nint ldd)
    {
        Vector128<float> r0 = Sse.LoadVector128(src), r1 = Sse.LoadVector128(src + lds);
        Vector128<float> r2 = Sse.LoadVector128(src + 2 * lds), r3 = Sse.LoadVector128(src + 3 * lds);
        Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);
        Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
        Sse.Store(dst, Sse.MoveLowToHigh(t0, t2));
        Sse.Store(dst + ldd, Sse.MoveHighToLow(t2, t0));
        Sse.Store(dst + 2 * ldd, Sse.MoveLowToHigh(t1, t3));
        Sse.Store(dst + 3 * ldd, Sse.MoveHighToLow(t3, t1));
    }

    /// <summary>dst[c*ldd + r] = src[r*lds + c] for a 4x4 double block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(double* src, nint lds, double* dst, nint ldd)
    {
        Vector256<double> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + lds);
        Vector256<double> r2 = Avx.LoadVector256(src + 2 * lds), r3 = Avx.LoadVector256(src + 3 * lds);
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(t1, t3, 0x31));
    }
}
