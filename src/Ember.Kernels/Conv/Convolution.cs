using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ember.Kernels;

/// <summary>
/// 2-D convolution by im2col + GEMM, for float and double, on contiguous row-major arrays: forward, the
/// gradient of the input (GEMM with the weight transposed, then col2im) and the gradient of the weight (GEMM
/// with the columns transposed). No transpose is ever materialized: <see cref="Gemm"/>'s transpose flags do it.
/// A transposed convolution is the input gradient of the convolution whose input it produces, so these three
/// kernels serve both. Large batches are split over the <see cref="WorkerPool"/> in a number of chunks that
/// depends only on the shapes, so results are bit-identical whatever the thread count.
/// </summary>
public static class Convolution
{
    /// <summary>Below this many multiply-adds a call runs on the calling thread.</summary>
    public const long ParallelMacs = 1L << 20;

    /// <summary>At most this many batch chunks (and weight-gradient partial sums).</summary>
    public const int MaxChunks = 16;

    /// <summary>Chunks for a batch of <paramref name="batch"/> items with <paramref name="macs"/> multiply-adds in
    /// all.</summary>
    private static int ChunkCount(int batch, long macs) =>
        macs < ParallelMacs || batch <= 1 ? 1 : Math.Min(batch, MaxChunks);

    private static long Macs(in ConvGeometry g) => (long)g.Batch * g.OutChannels * g.ColRows * g.OutPlane;

    /// <summary>
    /// <c>y = conv(x, w) + bias</c>. <paramref name="x"/> <c>(N, C, InH, InW)</c> at <paramref name="xOffset"/>,
    /// <paramref name="w"/> <c>(O, C/groups, KH, KW)</c>, <paramref name="bias"/> <c>(O)</c> or null,
    /// <paramref name="y"/> <c>(N, O, OutH, OutW)</c> (fully written).
    /// </summary>
    public static void Forward<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y, int yOffset,
        ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate();
        var task = new ForwardTask<T>(x, xOffset, w, wOffset, bias, biasOffset, y, yOffset, g,
            ChunkCount(g.Batch, Macs(g)));
        WorkerPool.For(task.Chunks, ref task);
    }

    /// <summary>
    /// The input gradient <c>dx = convᵀ(dy, w)</c>: <paramref name="dy"/> <c>(N, O, OutH, OutW)</c>,
    /// <paramref name="w"/> <c>(O, C/groups, KH, KW)</c>, <paramref name="dx"/> <c>(N, C, InH, InW)</c> (overwritten).
    /// This is also the forward pass of a transposed convolution.
    /// </summary>
    public static void BackwardInput<T>(T[] dy, int dyOffset, T[] w, int wOffset, T[] dx, int dxOffset, ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate();
        var task = new InputGradTask<T>(dy, dyOffset, w, wOffset, dx, dxOffset, g, ChunkCount(g.Batch, Macs(g)));
        WorkerPool.For(task.Chunks, ref task);
    }

    /// <summary>
    /// The weight gradient <c>dw = Σₙ dy[n] · im2col(x[n])ᵀ</c> (overwritten): <paramref name="dy"/>
    /// <c>(N, O, OutH, OutW)</c>, <paramref name="x"/> <c>(N, C, InH, InW)</c>, <paramref name="dw"/>
    /// <c>(O, C/groups, KH, KW)</c>. Chunks of the batch sum into private partials that are added in chunk order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeight<T>(T[] dy, int dyOffset, T[] x, int xOffset, T[] dw, int dwOffset, ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate();
        int chunks = ChunkCount(g.Batch, Macs(g));
        int wSize = g.OutChannels * g.ColRows;
        if (g.Batch == 0)
        {
            dw.AsSpan(dwOffset, wSize).Clear();
            return;
        }
        T[]? partials = chunks == 1 ? null : ArrayPool<T>.Shared.Rent(chunks * wSize);
        try
        {
            var task = new WeightGradTask<T>(dy, dyOffset, x, xOffset, partials ?? dw, partials is null ? dwOffset : 0,
                g, chunks);
            WorkerPool.For(chunks, ref task);
            if (partials is null) return;
            Span<T> dst = dw.AsSpan(dwOffset, wSize);
            partials.AsSpan(0, wSize).CopyTo(dst);
            for (int c = 1; c < chunks; c++)
            {
                ReadOnlySpan<T> p = partials.AsSpan(c * wSize, wSize);
                for (int i = 0; i < dst.Length; i++) dst[i] += p[i];
            }
        }
        finally
        {
            if (partials is not null) ArrayPool<T>.Shared.Return(partials);
        }
    }

    /// <summary>The bias gradient <c>db[o] = Σ dy[n, o, :]</c> (overwritten), <paramref name="plane"/> elements per (n,
    /// o).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardBias<T>(ReadOnlySpan<T> dy, int batch, int channels, int plane, Span<T> db)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        db[..channels].Clear();
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < channels; o++)
                db[o] += Sum(dy.Slice((n * channels + o) * plane, plane));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Sum<T>(ReadOnlySpan<T> s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return (T)(object)System.Numerics.Tensors.TensorPrimitives.Sum(MemoryMarshal.Cast<T, float>(s));
        if (typeof(T) == typeof(double))
            return (T)(object)System.Numerics.Tensors.TensorPrimitives.Sum(MemoryMarshal.Cast<T, double>(s));
        T acc = T.Zero;
        foreach (T v in s) acc += v;
        return acc;
    }

    /// <summary><c>C = op(A)·op(B)</c> (or <c>+=</c> when <paramref name="accumulate"/>) for float or double
    /// spans.</summary>
    internal static void Mm<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, bool accumulate, Span<T> c, int ldc)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            Gemm.Sgemm(transA, transB, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda,
                MemoryMarshal.Cast<T, float>(b), ldb, accumulate ? 1f : 0f, MemoryMarshal.Cast<T, float>(c), ldc);
        else if (typeof(T) == typeof(double))
            Gemm.Dgemm(transA, transB, m, n, k, 1.0, MemoryMarshal.Cast<T, double>(a), lda,
                MemoryMarshal.Cast<T, double>(b), ldb, accumulate ? 1.0 : 0.0, MemoryMarshal.Cast<T, double>(c), ldc);
        else throw new NotSupportedException($"Convolution supports float and double, not {typeof(T).Name}.");
    }

    private static (int Begin, int End) Items(int batch, int chunk, int chunks) =>
        ((int)((long)batch * chunk / chunks), (int)((long)batch * (chunk + 1) / chunks));

    private readonly struct ForwardTask<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y,
        int yOffset, ConvGeometry g, int chunks)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Chunks => chunks;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            var (begin, end) = Items(g.Batch, chunk, chunks);
            if (end <= begin) return;
            int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows, plane = g.OutPlane,
                inPlane = g.InPlane;
            if (typeof(T) == typeof(float) && ConvDirect.Applies(g))
            {
                ConvDirect.Forward(MemoryMarshal.Cast<T, float>(x.AsSpan(xOffset)),
                    MemoryMarshal.Cast<T, float>(w.AsSpan(wOffset, g.OutChannels * rows)),
                    bias is null ? default : MemoryMarshal.Cast<T, float>(bias.AsSpan(biasOffset, g.OutChannels)),
                    MemoryMarshal.Cast<T, float>(y.AsSpan(yOffset)), g, begin, end);
                return;
            }
            if (ConvWide.Applies(g))
            {
                WideForward(x, xOffset, w, wOffset, bias, biasOffset, y, yOffset, g, begin, end);
                return;
            }
            T[]? col = g.IsPointwise ? null : ArrayPool<T>.Shared.Rent(rows * plane);
            try
            {
                for (int n = begin; n < end; n++)
                {
                    for (int gr = 0; gr < g.Groups; gr++)
                    {
                        ReadOnlySpan<T> image = x.AsSpan(xOffset + (n * g.InChannels + gr * cg) * inPlane,
                            cg * inPlane);
                        ReadOnlySpan<T> cols = image;
                        if (col is not null)
                        {
                            Im2Col.Image2Col(image, cg, g, col.AsSpan(0, rows * plane));
                            cols = col.AsSpan(0, rows * plane);
                        }
                        Span<T> outG = y.AsSpan(yOffset + (n * g.OutChannels + gr * og) * plane, og * plane);
                        Mm(false, false, og, plane, rows, w.AsSpan(wOffset + gr * og * rows, og * rows), rows, cols,
                            plane, false, outG, plane);
                        if (bias is not null)
                            for (int o = 0; o < og; o++)
                            {
                                T b = bias[biasOffset + gr * og + o];
                                Span<T> r = outG.Slice(o * plane, plane);
                                for (int i = 0; i < r.Length; i++) r[i] += b;
                            }
                    }
                }
            }
            finally
            {
                if (col is not null) ArrayPool<T>.Shared.Return(col);
            }
        }
    }

    /// <summary>The forward of items <c>[begin, end)</c> through <see cref="ConvWide"/>.</summary>
    private static void WideForward<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y,
        int yOffset, in ConvGeometry g, int begin, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows, step = ConvWide.ImagesPerGemm(g);
        T[] scratch = ArrayPool<T>.Shared.Rent(ConvWide.ScratchSize(g, Math.Min(step, end - begin)));
        try
        {
            for (int n = begin; n < end; n += step)
            {
                int images = Math.Min(step, end - n);
                for (int gr = 0; gr < g.Groups; gr++)
                    ConvWide.Forward<T>(x.AsSpan(xOffset + (n * g.InChannels + gr * cg) * g.InPlane),
                        g.InChannels * g.InPlane, images, w.AsSpan(wOffset + gr * og * rows, og * rows),
                        bias is null ? default : bias.AsSpan(biasOffset + gr * og, og),
                        y.AsSpan(yOffset + (n * g.OutChannels + gr * og) * g.OutPlane), g.OutChannels * g.OutPlane,
                        g, scratch);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }

    /// <summary>The input gradient of items <c>[begin, end)</c> through <see cref="ConvWide"/>.</summary>
    private static void WideInput<T>(T[] dy, int dyOffset, T[] w, int wOffset, T[] dx, int dxOffset,
        in ConvGeometry g, int begin, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows, step = ConvWide.ImagesPerGemm(g);
        T[] scratch = ArrayPool<T>.Shared.Rent(ConvWide.ScratchSize(g, Math.Min(step, end - begin)));
        try
        {
            for (int n = begin; n < end; n += step)
            {
                int images = Math.Min(step, end - n);
                for (int gr = 0; gr < g.Groups; gr++)
                    ConvWide.BackwardInput<T>(dy.AsSpan(dyOffset + (n * g.OutChannels + gr * og) * g.OutPlane),
                        g.OutChannels * g.OutPlane, images, w.AsSpan(wOffset + gr * og * rows, og * rows),
                        dx.AsSpan(dxOffset + (n * g.InChannels + gr * cg) * g.InPlane), g.InChannels * g.InPlane, g,
                        scratch);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }

    /// <summary>The weight gradient of items <c>[begin, end)</c> through <see cref="ConvWide"/> into
    /// <paramref name="dst"/> (overwritten); false, with <paramref name="dst"/> undefined, when an image is not
    /// finite.</summary>
    private static bool WideWeight<T>(T[] dy, int dyOffset, T[] x, int xOffset, Span<T> dst, in ConvGeometry g,
        int begin, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows, step = ConvWide.ImagesPerGemm(g);
        T[] scratch = ArrayPool<T>.Shared.Rent(ConvWide.ScratchSize(g, Math.Min(step, end - begin)));
        try
        {
            for (int n = begin; n < end; n += step)
            {
                int images = Math.Min(step, end - n);
                for (int gr = 0; gr < g.Groups; gr++)
                    if (!ConvWide.BackwardWeight<T>(dy.AsSpan(dyOffset + (n * g.OutChannels + gr * og) * g.OutPlane),
                        g.OutChannels * g.OutPlane, x.AsSpan(xOffset + (n * g.InChannels + gr * cg) * g.InPlane),
                        g.InChannels * g.InPlane, images, dst.Slice(gr * og * rows, og * rows), n > begin, g,
                        scratch))
                        return false;
            }
            return true;
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }

    private readonly struct InputGradTask<T>(T[] dy, int dyOffset, T[] w, int wOffset, T[] dx, int dxOffset,
        ConvGeometry g, int chunks)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Chunks => chunks;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            var (begin, end) = Items(g.Batch, chunk, chunks);
            if (end <= begin) return;
            int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows, plane = g.OutPlane,
                inPlane = g.InPlane;
            if (ConvWide.Applies(g))
            {
                WideInput(dy, dyOffset, w, wOffset, dx, dxOffset, g, begin, end);
                return;
            }
            T[]? col = g.IsPointwise ? null : ArrayPool<T>.Shared.Rent(rows * plane);
            try
            {
                for (int n = begin; n < end; n++)
                {
                    for (int gr = 0; gr < g.Groups; gr++)
                    {
                        Span<T> image = dx.AsSpan(dxOffset + (n * g.InChannels + gr * cg) * inPlane, cg * inPlane);
                        ReadOnlySpan<T> dyG = dy.AsSpan(dyOffset + (n * g.OutChannels + gr * og) * plane, og * plane);
                        ReadOnlySpan<T> wG = w.AsSpan(wOffset + gr * og * rows, og * rows);
                        if (col is null)
                        {
                            Mm(true, false, rows, plane, og, wG, rows, dyG, plane, false, image, plane);
                            continue;
                        }
                        Span<T> cols = col.AsSpan(0, rows * plane);
                        Mm(true, false, rows, plane, og, wG, rows, dyG, plane, false, cols, plane);
                        image.Clear();
                        Im2Col.Col2Im<T>(cols, cg, g, image);
                    }
                }
            }
            finally
            {
                if (col is not null) ArrayPool<T>.Shared.Return(col);
            }
        }
    }

    private readonly struct WeightGradTask<T>(T[] dy, int dyOffset, T[] x, int xOffset, T[] dw, int dwOffset,
        ConvGeometry g, int chunks)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            var (begin, end) = Items(g.Batch, chunk, chunks);
            int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows, plane = g.OutPlane,
                inPlane = g.InPlane;
            int wSize = g.OutChannels * rows;
            Span<T> dst = dw.AsSpan(dwOffset + (chunks == 1 ? 0 : chunk * wSize), wSize);
            if (end <= begin)
            {
                dst.Clear();
                return;
            }
            if (typeof(T) == typeof(float) && ConvDirect.AppliesWeight(g)
                && ConvDirect.BackwardWeight(MemoryMarshal.Cast<T, float>(dy.AsSpan(dyOffset)),
                    MemoryMarshal.Cast<T, float>(x.AsSpan(xOffset)), MemoryMarshal.Cast<T, float>(dst), g, begin, end))
                return;
            if (ConvWide.Applies(g) && WideWeight(dy, dyOffset, x, xOffset, dst, g, begin, end)) return;
            T[]? col = g.IsPointwise ? null : ArrayPool<T>.Shared.Rent(rows * plane);
            try
            {
                for (int n = begin; n < end; n++)
                {
                    for (int gr = 0; gr < g.Groups; gr++)
                    {
                        ReadOnlySpan<T> image = x.AsSpan(xOffset + (n * g.InChannels + gr * cg) * inPlane,
                            cg * inPlane);
                        ReadOnlySpan<T> dyG = dy.AsSpan(dyOffset + (n * g.OutChannels + gr * og) * plane, og * plane);
                        ReadOnlySpan<T> cols = image;
                        if (col is not null)
                        {
                            Im2Col.Image2Col(image, cg, g, col.AsSpan(0, rows * plane));
                            cols = col.AsSpan(0, rows * plane);
                        }
                        Mm(false, true, og, rows, plane, dyG, plane, cols, plane, n > begin,
                            dst.Slice(gr * og * rows, og * rows), rows);
                    }
                }
            }
            finally
            {
                if (col is not null) ArrayPool<T>.Shared.Return(col);
            }
        }
    }
}
