using System;

namespace Ember.Kernels;

/// <summary>
/// Splits large element-wise operations over the <see cref="WorkerPool"/>: the output is cut along its first
/// dimension into blocks of at least <see cref="MinChunk"/> elements and each block runs the ordinary driver on
/// its slice of every operand. Element-wise results do not depend on how the work is split, so they are
/// identical for any thread count. Small operations run on the calling thread.
/// </summary>
public static class ParallelElementwise
{
    /// <summary>Below this many output elements an operation is not split (tens of microseconds of work).</summary>
    public const int Threshold = 1 << 16;

    /// <summary>The smallest block handed to one thread.</summary>
    public const int MinChunk = 1 << 14;

    /// <summary>How many blocks to cut <paramref name="shape"/> into along dim 0 (1 means run inline).</summary>
    private static int Chunks(int[] shape, long total)
    {
        if (total < Threshold || shape.Length == 0 || WorkerPool.ThreadCount == 1) return 1;
        long byCount = total / MinChunk;
        return (int)Math.Max(1, Math.Min(shape[0], Math.Min(byCount, 4L * WorkerPool.ThreadCount)));
    }

    /// <summary><see cref="ElementwiseDriver.Unary{T, TOp}"/> over arrays, split across threads when large.</summary>
    public static void Unary<T, TOp>(T[] x, int xOffset, int[] xStrides, T[] dst, int dstOffset, int[] shape)
        where TOp : IUnaryOperator<T>
    {
        long total = Layout.Product(shape);
        int chunks = Chunks(shape, total);
        if (chunks == 1)
        {
            ElementwiseDriver.Unary<T, TOp>(x, xOffset, xStrides, dst.AsSpan(dstOffset, (int)total), shape);
            return;
        }
        var task = new UnaryTask<T, TOp>(x, xOffset, xStrides, dst, dstOffset, shape, chunks);
        WorkerPool.For(chunks, ref task);
    }

    /// <summary><see cref="ElementwiseDriver.Binary{T, TOp}"/> over arrays, split across threads when large.</summary>
    public static void Binary<T, TOp>(T[] x, int xOffset, int[] xStrides, T[] y, int yOffset, int[] yStrides, T[] dst,
        int dstOffset, int[] shape)
        where TOp : IBinaryOperator<T>
    {
        long total = Layout.Product(shape);
        int chunks = Chunks(shape, total);
        if (chunks == 1)
        {
            ElementwiseDriver.Binary<T, TOp>(x, xOffset, xStrides, y, yOffset, yStrides,
                dst.AsSpan(dstOffset, (int)total), shape);
            return;
        }
        var task = new BinaryTask<T, TOp>(x, xOffset, xStrides, y, yOffset, yStrides, dst, dstOffset, shape, chunks);
        WorkerPool.For(chunks, ref task);
    }

    /// <summary>Rows [begin, end) of dim 0 for block <paramref name="chunk"/> of <paramref name="chunks"/>.</summary>
    private static (int Begin, int End) Rows(int rows, int chunk, int chunks) =>
        ((int)((long)rows * chunk / chunks), (int)((long)rows * (chunk + 1) / chunks));

    private static int[] Tail(int[] shape, int rows)
    {
        var s = (int[])shape.Clone();
        s[0] = rows;
        return s;
    }

    private readonly struct UnaryTask<T, TOp>(T[] x, int xOffset, int[] xStrides, T[] dst, int dstOffset, int[] shape,
        int chunks)
        : IParallelTask where TOp : IUnaryOperator<T>
    {
        public void Execute(int chunk)
        {
            var (b, e) = Rows(shape[0], chunk, chunks);
            if (e <= b) return;
            int inner = (int)(Layout.Product(shape) / shape[0]);
            ElementwiseDriver.Unary<T, TOp>(x, xOffset + b * xStrides[0], xStrides,
                dst.AsSpan(dstOffset + b * inner, (e - b) * inner), Tail(shape, e - b));
        }
    }

    private readonly struct BinaryTask<T, TOp>(T[] x, int xOffset, int[] xStrides, T[] y, int yOffset, int[] yStrides,
        T[] dst, int dstOffset, int[] shape, int chunks) : IParallelTask where TOp : IBinaryOperator<T>
    {
        public void Execute(int chunk)
        {
            var (b, e) = Rows(shape[0], chunk, chunks);
            if (e <= b) return;
            int inner = (int)(Layout.Product(shape) / shape[0]);
            ElementwiseDriver.Binary<T, TOp>(x, xOffset + b * xStrides[0], xStrides, y, yOffset + b * yStrides[0],
                yStrides, dst.AsSpan(dstOffset + b * inner, (e - b) * inner), Tail(shape, e - b));
        }
    }
}
