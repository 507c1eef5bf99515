using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Ember.Kernels;

/// <summary>
/// A small fixed pool of worker threads (by default one per core) for data-parallel kernels.
/// </summary>
/// <remarks>
/// <para>
/// Workers are dedicated background threads, started lazily on the first parallel call. The calling
/// thread takes part in the work, so <see cref="ThreadCount"/> = N uses the caller plus N-1 workers.
/// Chunks are handed out dynamically through an atomic counter: callers that need reproducible results
/// must make each chunk's result independent of which thread runs it (for example by splitting over
/// output tiles only, never over a reduction axis).
/// </para>
/// <para>
/// How the task reaches the workers: a <c>struct</c> passed by <c>ref</c> cannot be shared with other
/// threads, so <see cref="For{TTask}(int, ref TTask)"/> copies it once into a holder object that is
/// cached per task type (one per task type in the whole process, reused for every
/// call, so steady-state calls allocate nothing). All threads then call <see cref="IParallelTask.Execute(int)"/>
/// on that single shared copy, which is why tasks must treat their fields as read-only. The holder's
/// copy is cleared when the call returns, so it keeps no references alive.
/// </para>
/// <para>
/// The work runs inline on the calling thread (no hand-off at all) when <see cref="ThreadCount"/> is 1,
/// when there is a single chunk, when the call is nested inside a chunk of another call, or when another
/// thread is currently using the pool. Deciding that a piece of work is too small to be worth splitting
/// is the caller's job: pass <c>chunkCount = 1</c>.
/// </para>
/// <para>
/// Idle workers spin for a short while (about 50 microseconds) waiting for the next call, then block on
/// an event, so they do not burn the CPU between bursts of work.
/// </para>
/// </remarks>
public static partial class WorkerPool
{
    private const long ClosedBit = 1L << 31;
    private const long CountMask = ClosedBit - 1;
    private const long GenerationUnit = 1L << 32;

    private static readonly object s_gate = new();
    private static readonly object s_startLock = new();
    private static int s_threadCount = Math.Max(1, Environment.ProcessorCount);
    private static Worker[] s_workers = Array.Empty<Worker>();

    // Current job. Written by the dispatching thread before the state word is published.
    private static WorkItem? s_item;
    private static int s_chunkCount;
    private static int s_next;
    private static int s_maxWorkers;
    private static Exception? s_error;

    // State word: generation (high 32 bits) | closed flag (bit 31) | number of workers inside the job.
    // Starts closed so that no worker can join before the first job is published.
    private static long s_state = ClosedBit;
    private static readonly ManualResetEventSlim s_done = new(false, 1);

    private static readonly long s_spinTicks = Math.Max(1, Stopwatch.Frequency / 20_000); // ~50 us

    [ThreadStatic] private static bool t_inPool;

    /// <summary>
    /// Number of threads (the caller included) that take part in a parallel call. Defaults to
    /// <see cref="Environment.ProcessorCount"/>; 1 runs everything on the calling thread.
    /// Values below 1 are clamped to 1.
    /// </summary>
    public static int ThreadCount
    {
        get => Volatile.Read(ref s_threadCount);
        set => Volatile.Write(ref s_threadCount, Math.Max(1, value));
    }

    /// <summary>
    /// Makes every parallel call on the calling thread run inline (on that thread alone, as with
    /// <see cref="ThreadCount"/> = 1) until the returned scope is disposed; scopes nest. For callers that issue
    /// long chains of small dependent kernels (a recurrent layer's per-step products), where handing each one to
    /// the workers costs more than it saves. Results do not change: work is never split over a reduction.
    /// </summary>
    /// <returns>The scope; dispose it (a <c>using</c> statement) to restore the previous behaviour.</returns>
    public static InlineScope RunInline()
    {
        bool previous = t_inPool;
        t_inPool = true;
        return new InlineScope(previous);
    }

    /// <summary>The scope returned by <see cref="RunInline"/>.</summary>
    public ref struct InlineScope
    {
        private readonly bool _previous;

        internal InlineScope(bool previous) => _previous = previous;

        /// <summary>Restores the calling thread's behaviour from before <see cref="RunInline"/>.</summary>
        public readonly void Dispose() => t_inPool = _previous;
    }

    /// <summary>
    /// Runs <paramref name="task"/>'s chunks <c>0 .. chunkCount-1</c>, each exactly once, spread over the
    /// calling thread and the workers, and returns when all are done. If chunks throw, the remaining chunks
    /// may be skipped and the first exception is rethrown on the calling thread once all threads have left
    /// the call.
    /// </summary>
    /// <typeparam name="TTask">The task type; see <see cref="IParallelTask"/> for the rules it must follow.</typeparam>
    /// <param name="chunkCount">Number of chunks; 0 or less does nothing.</param>
    /// <param name="task">The task. It is copied once for the workers (see the remarks on
    /// <see cref="WorkerPool"/>).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void For<TTask>(int chunkCount, ref TTask task) where TTask : struct, IParallelTask
    {
        if (chunkCount <= 0)
            return;
        int threads = ThreadCount;
        if (chunkCount == 1 || threads == 1 || t_inPool || !Monitor.TryEnter(s_gate))
        {
            for (int i = 0; i < chunkCount; i++)
                task.Execute(i);
            return;
        }

        Holder<TTask>? holder = null;
        try
        {
            int maxWorkers = Math.Min(threads, chunkCount) - 1;
            EnsureWorkers(maxWorkers);
            holder = HolderCache<TTask>.Instance ??= new Holder<TTask>();
            holder.Task = task;
            Run(holder, chunkCount, maxWorkers);
        }
        finally
        {
            if (holder is not null)
                holder.Task = default;
            Monitor.Exit(s_gate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(WorkItem item, int chunkCount, int maxWorkers, bool callerRunsOwnChunk = false)
    {
        s_item = item;
        s_chunkCount = chunkCount;
        s_next = 0;
        s_maxWorkers = maxWorkers;
        s_error = null;

        // Publish: new generation, open, no participants. Interlocked => full fence (pairs with the
        // workers' sleeping flag, see Worker.Loop).
        long gen = (Volatile.Read(ref s_state) & ~(GenerationUnit - 1)) + GenerationUnit;
        Interlocked.Exchange(ref s_state, gen);

        Worker[] workers = s_workers;
        for (int i = 0; i < maxWorkers; i++)
            workers[i].WakeIfSleeping();

        t_inPool = true;
        try
        {
            // A team's caller runs its own member (chunk -1) first, then any counted chunk no worker took (see
            // TryRunTeam: with a barrier every one was taken by then).
            if (callerRunsOwnChunk) item.Execute(-1);
            RunChunks(item);
        }
        finally
        {
            t_inPool = false;
        }

        // Close the job: no more workers may join; wait for those inside to leave.
        long s = Interlocked.Or(ref s_state, ClosedBit);
        if ((s & CountMask) != 0)
        {
            long start = Stopwatch.GetTimestamp();
            while ((Volatile.Read(ref s_state) & CountMask) != 0)
            {
                if (Stopwatch.GetTimestamp() - start > s_spinTicks)
                {
                    // Reset, re-check, wait: a stale Set from an earlier job only costs one more turn.
                    s_done.Reset();
                    if ((Volatile.Read(ref s_state) & CountMask) != 0)
                        s_done.Wait();
                }
                else
                {
                    Thread.SpinWait(8);
                }
            }
        }

        s_item = null;
        Exception? error = s_error;
        s_error = null;
        if (error is not null)
            ExceptionDispatchInfo.Capture(error).Throw();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunChunks(WorkItem item)
    {
        int count = s_chunkCount;
        while (true)
        {
            int c = Interlocked.Increment(ref s_next) - 1;
            if (c >= count)
                return;
            try
            {
                item.Execute(c);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_error, e, null);
                Volatile.Write(ref s_next, count); // stop handing out chunks
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EnsureWorkers(int count)
    {
        if (s_workers.Length >= count)
            return;
        lock (s_startLock)
        {
            Worker[] old = s_workers;
            if (old.Length >= count)
                return;
            var fresh = new Worker[count];
            Array.Copy(old, fresh, old.Length);
            for (int i = old.Length; i < count; i++)
                fresh[i] = new Worker(i);
            Volatile.Write(ref s_workers, fresh);
            for (int i = old.Length; i < count; i++)
                fresh[i].Start();
        }
    }

    private sealed class Worker
    {
        private readonly int _index;
        private readonly ManualResetEventSlim _wake = new(false, 1);
        private int _sleeping;
        private long _lastGeneration;
        private Thread? _thread;

        public Worker(int index)
        {
            _index = index;
            _lastGeneration = Volatile.Read(ref s_state) & ~(GenerationUnit - 1);
            // The job being published right now (if any) is newer than this, so the worker may join it.
            _lastGeneration -= GenerationUnit;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Start()
        {
            _thread = new Thread(Loop, 256 * 1024)
            {
                IsBackground = true,
                Name = "Ember worker " + (_index + 1),
            };
            _thread.Start();
        }

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref _sleeping) != 0)
                _wake.Set();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool HasNewJob()
            => (Volatile.Read(ref s_state) & ~(GenerationUnit - 1)) != _lastGeneration;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Loop()
        {
            t_inPool = true;
            while (true)
            {
                // Wait for a generation change: spin briefly, then block.
                if (!HasNewJob())
                {
                    long start = Stopwatch.GetTimestamp();
                    while (!HasNewJob())
                    {
                        if (Stopwatch.GetTimestamp() - start > s_spinTicks)
                        {
                            _wake.Reset();
                            Interlocked.Exchange(ref _sleeping, 1); // full fence, pairs with the publish
                            if (!HasNewJob())
                                _wake.Wait();
                            Volatile.Write(ref _sleeping, 0);
                            start = Stopwatch.GetTimestamp();
                        }
                        else
                        {
                            Thread.SpinWait(8);
                        }
                    }
                }
                TryJoin();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TryJoin()
        {
            long s = Volatile.Read(ref s_state);
            long gen = s & ~(GenerationUnit - 1);
            _lastGeneration = gen;
            while (true)
            {
                if ((s & ClosedBit) != 0)
                    return;
                long seen = Interlocked.CompareExchange(ref s_state, s + 1, s);
                if (seen == s)
                    break;
                s = seen;
                if ((s & ~(GenerationUnit - 1)) != gen)
                    return; // a newer job was published meanwhile; the outer loop will see it
            }

            // Joined: the job's fields are stable until we leave.
            if (_index < s_maxWorkers && s_item is { } item)
                RunChunks(item);

            long after = Interlocked.Decrement(ref s_state);
            if ((after & ClosedBit) != 0 && (after & CountMask) == 0)
                s_done.Set();
        }
    }

    private abstract class WorkItem
    {
        public abstract void Execute(int chunk);
    }

    private sealed class Holder<TTask> : WorkItem where TTask : struct, IParallelTask
    {
        public TTask Task;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int chunk) => Task.Execute(chunk);
    }

    private static class HolderCache<TTask> where TTask : struct, IParallelTask
    {
        public static Holder<TTask>? Instance;
    }
}
