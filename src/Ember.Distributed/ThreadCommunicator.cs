using System;
using System.Collections.Generic;
using System.Threading;

namespace Ember.Distributed;

/// <summary>
/// A world of ranks that are threads of this process: the in-process stand-in for MPI that unit tests (and
/// single-machine experiments) use. <see cref="Run"/> starts one thread per rank, each with its own communicator;
/// collectives meet at a barrier, and each rank reduces the posted buffers in rank order (0, 1, ...), so results are
/// deterministic and, for two ranks, equal to MPI's.
/// </summary>
public sealed class ThreadCommunicator : ICommunicator
{
    private readonly World _world;

    private ThreadCommunicator(World world, int rank)
    {
        _world = world;
        Rank = rank;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize => _world.Size;

    /// <inheritdoc/>
    public bool SupportsBackgroundThread => true;

    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="worldSize"/> threads, one per rank, and returns when all have
    /// finished. If a rank throws, the others are released from any collective they wait in (with an
    /// <see cref="OperationCanceledException"/>) and the first failure is rethrown.
    /// </summary>
    public static void Run(int worldSize, Action<ThreadCommunicator> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        var world = new World(worldSize);
        var errors = new Exception?[worldSize];
        var threads = new Thread[worldSize];
        for (int r = 0; r < worldSize; r++)
        {
            var comm = new ThreadCommunicator(world, r);
            threads[r] = new Thread(() => RunRank(body, comm, errors, world))
            {
                Name = $"ThreadCommunicator rank {r}",
                IsBackground = true,
            };
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        world.Abort.Dispose();
        world.Barrier.Dispose();
        Exception? first = Array.Find(errors, e => e is not null and not OperationCanceledException)
            ?? Array.Find(errors, e => e is not null);
        if (first is not null)
            throw new AggregateException($"ThreadCommunicator: rank {Array.IndexOf(errors, first)} failed.", first);
    }

    private static void RunRank(Action<ThreadCommunicator> body, ThreadCommunicator comm, Exception?[] errors,
        World world)
    {
        try
        {
            body(comm);
        }
        catch (Exception e)
        {
            errors[comm.Rank] = e;
            world.Abort.Cancel();
        }
    }

    /// <inheritdoc/>
    public void Barrier() => _world.Wait();

    /// <inheritdoc/>
    public void AllReduce<T>(Span<T> buffer, ReduceOp op) where T : unmanaged
    {
        Collectives.CheckType<T>(nameof(AllReduce));
        T[][] all = Exchange(buffer, nameof(AllReduce));
        all[0].AsSpan().CopyTo(buffer);
        for (int r = 1; r < all.Length; r++) Collectives.Combine<T>(buffer, all[r], op);
        _world.Wait();
        if (op == ReduceOp.Mean) Collectives.Divide(buffer, WorldSize);
    }

    /// <inheritdoc/>
    public void Broadcast<T>(Span<T> buffer, int root) where T : unmanaged
    {
        Collectives.CheckType<T>(nameof(Broadcast));
        Collectives.CheckRoot(nameof(Broadcast), root, WorldSize);
        T[][] all = Exchange(buffer, nameof(Broadcast));
        all[root].AsSpan().CopyTo(buffer);
        _world.Wait();
    }

    /// <inheritdoc/>
    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
    {
        Collectives.CheckType<T>(nameof(AllGather));
        Collectives.CheckGather(nameof(AllGather), send.Length, receive.Length, WorldSize);
        T[][] all = Exchange(send, nameof(AllGather));
        for (int r = 0; r < all.Length; r++) all[r].AsSpan().CopyTo(receive.Slice(r * send.Length, send.Length));
        _world.Wait();
    }

    /// <inheritdoc/>
    public void ReduceScatter<T>(ReadOnlySpan<T> send, Span<T> receive, ReduceOp op) where T : unmanaged
    {
        Collectives.CheckType<T>(nameof(ReduceScatter));
        Collectives.CheckGather(nameof(ReduceScatter), receive.Length, send.Length, WorldSize);
        T[][] all = Exchange(send, nameof(ReduceScatter));
        int n = receive.Length, offset = Rank * n;
        all[0].AsSpan(offset, n).CopyTo(receive);
        for (int r = 1; r < all.Length; r++) Collectives.Combine<T>(receive, all[r].AsSpan(offset, n), op);
        _world.Wait();
        if (op == ReduceOp.Mean) Collectives.Divide(receive, WorldSize);
    }

    /// <summary>Posts a copy of this rank's data and returns every rank's, once all have posted.</summary>
    private T[][] Exchange<T>(ReadOnlySpan<T> mine, string op) where T : unmanaged
    {
        _world.Slots[Rank] = (op, mine.ToArray());
        _world.Wait();
        var all = new T[WorldSize][];
        for (int r = 0; r < WorldSize; r++)
        {
            var (otherOp, data) = _world.Slots[r];
            if (otherOp != op || data is not T[] typed || typed.Length != mine.Length)
                throw new InvalidOperationException(
                    $"{op}: rank {Rank} posted {mine.Length} {typeof(T).Name} elements but rank {r} called " +
                    $"{otherOp} with {Describe(data)}; every rank must call the same collectives in the same order " +
                    "with matching lengths.");
            all[r] = typed;
        }
        return all;
    }

    private static string Describe(object? data) =>
        data is Array a ? $"{a.Length} {a.GetType().GetElementType()!.Name} elements" : "nothing";

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>What the ranks of one <see cref="Run"/> share.</summary>
    private sealed class World(int size)
    {
        public readonly int Size = size;
        public readonly Barrier Barrier = new(size);
        public readonly CancellationTokenSource Abort = new();
        public readonly (string Op, object? Data)[] Slots = new (string, object?)[size];

        public void Wait() => Barrier.SignalAndWait(Abort.Token);
    }
}
