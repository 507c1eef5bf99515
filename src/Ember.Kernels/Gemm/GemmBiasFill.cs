using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>
/// The bias rows a biased GEMM starts from (<c>C[i, :] = bias</c> before <c>C += A·B</c>), copied by the worker
/// pool when C is large: a Linear over many rows (an LSTM's input projection over all steps, megabytes of C) would
/// otherwise copy them on the calling thread alone while the workers wait for the product. A copy gives the same
/// bits whichever thread makes it.
/// </summary>
internal static unsafe class GemmBiasFill<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Below this many bytes of C one thread copies the rows (a hand-off costs more than it saves).</summary>
    internal const long ParallelBytes = 256 * 1024;

    /// <summary>Bytes of C per chunk (a few chunks per thread, so a busy core does not hold up the rest).</summary>
    private const long ChunkBytes = 128 * 1024;

    /// <summary>Copies the row vector <paramref name="bias"/> (<paramref name="n"/> elements) into the
    /// <paramref name="m"/> rows of C, splitting the rows over the pool when C is large.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int m, int n, T* bias, T* c, nint ldc)
    {
        long bytes = (long)m * n * sizeof(T);
        int threads = WorkerPool.ThreadCount;
        if (bytes < ParallelBytes || threads == 1 || m < 2)
        {
            GemmDirect<T>.FillRows(m, n, bias, c, ldc);
            return;
        }
        int chunks = (int)Math.Min(Math.Min(m, 4L * threads), Math.Max(2, bytes / ChunkBytes));
        var task = new Task(m, n, bias, c, ldc, chunks);
        WorkerPool.For(chunks, ref task);
    }

    private readonly struct Task(int m, int n, T* bias, T* c, nint ldc, int chunks) : IParallelTask
    {
        public void Execute(int chunk)
        {
            int r0 = (int)((long)m * chunk / chunks), r1 = (int)((long)m * (chunk + 1) / chunks);
            GemmDirect<T>.FillRows(r1 - r0, n, bias, c + r0 * ldc, ldc);
        }
    }
}
