using System;
using Ember.Kernels;

namespace Ember;

/// <summary>
/// Ember's threading settings: how many threads its kernels (matrix products, convolutions, element-wise ops, the
/// optimizer step) use. Results are bit-identical for every thread count: work is split over output elements only,
/// never over a reduction.
/// </summary>
/// <remarks>
/// <para>One process-wide pool of <see cref="ThreadCount"/> - 1 worker threads serves every thread that calls into
/// Ember. A call takes the pool's workers when they are free; when another thread is already using them (two models
/// trained on two threads, a web server answering requests in parallel), it runs on its own thread instead of
/// waiting, so concurrent callers never queue behind each other and never see each other's results.</para>
/// <para>This replaces setting <c>Ember.Kernels.WorkerPool.ThreadCount</c> directly, which still works and is the
/// same setting.</para>
/// </remarks>
public static class Threading
{
    /// <summary>The default thread count: one per logical processor
    /// (<see cref="Environment.ProcessorCount"/>).</summary>
    public static int DefaultThreadCount => Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Threads (the calling thread included) that one Ember call may use; 1 runs everything on the calling thread.
    /// Defaults to <see cref="DefaultThreadCount"/> (PyTorch's <c>torch.set_num_threads</c>). Takes effect at the
    /// next call into a kernel.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int ThreadCount
    {
        get => WorkerPool.ThreadCount;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"{nameof(Threading)}.{nameof(ThreadCount)}: expected at least 1 thread, got {value}.");
            WorkerPool.ThreadCount = value;
        }
    }
}
