using System;
using System.Threading;

namespace Ember.Distributed;

/// <summary>
/// Collectives over <c>MPI_COMM_WORLD</c> of the MPI library found at run time (Open MPI or MPICH; see
/// <see cref="ProcessGroup.Init()"/>). MPI is initialized with <c>MPI_THREAD_SERIALIZED</c> requested: calls are
/// serialized by a lock here, so a background thread may run them (gradient all-reduce overlapped with backward).
/// Each collective works in place on the caller's memory: nothing is allocated per call.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private readonly MpiLibrary _mpi;
    private readonly bool _ownsInit;
    private readonly Lock _sync = new();
    private bool _disposed;

    private MpiCommunicator(MpiLibrary mpi, bool ownsInit, int threadLevel)
    {
        _mpi = mpi;
        _ownsInit = ownsInit;
        ThreadLevel = threadLevel;
        Rank = mpi.CommRank();
        WorldSize = mpi.CommSize();
    }

    /// <summary>
    /// Loads the MPI library and initializes MPI (unless the process already did), or throws
    /// <see cref="DllNotFoundException"/> naming the libraries tried.
    /// </summary>
    public static MpiCommunicator Create()
    {
        var mpi = MpiLibrary.Load();
        if (mpi.Initialized())
            return new MpiCommunicator(mpi, ownsInit: false, MpiLibrary.ThreadSerialized);
        int provided = mpi.InitThread(MpiLibrary.ThreadSerialized);
        return new MpiCommunicator(mpi, ownsInit: true, provided);
    }

    /// <summary>The MPI library that was loaded (a file name such as <c>libmpi.so.40</c>).</summary>
    public string LibraryName => _mpi.Path;

    /// <summary>"Open MPI" or "MPICH" (the handle convention in use).</summary>
    public string Implementation => _mpi.IsOpenMpi ? "Open MPI" : "MPICH";

    /// <summary>The thread support MPI provided (0 single, 1 funneled, 2 serialized, 3 multiple).</summary>
    public int ThreadLevel { get; }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <inheritdoc/>
    public bool SupportsBackgroundThread => ThreadLevel >= MpiLibrary.ThreadSerialized;

    /// <inheritdoc/>
    public void Barrier()
    {
        lock (_sync) _mpi.Barrier();
    }

    /// <inheritdoc/>
    public void AllReduce<T>(Span<T> buffer, ReduceOp op) where T : unmanaged
    {
        nint type = TypeOf<T>(nameof(AllReduce));
        int count = Count(buffer.Length, nameof(AllReduce));
        fixed (T* p = buffer)
            lock (_sync) _mpi.AllReduceInPlace(p, count, type, OpOf(op));
        if (op == ReduceOp.Mean) Collectives.Divide(buffer, WorldSize);
    }

    /// <inheritdoc/>
    public void Broadcast<T>(Span<T> buffer, int root) where T : unmanaged
    {
        nint type = TypeOf<T>(nameof(Broadcast));
        Collectives.CheckRoot(nameof(Broadcast), root, WorldSize);
        int count = Count(buffer.Length, nameof(Broadcast));
        fixed (T* p = buffer)
            lock (_sync) _mpi.Bcast(p, count, type, root);
    }

    /// <inheritdoc/>
    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
    {
        nint type = TypeOf<T>(nameof(AllGather));
        Collectives.CheckGather(nameof(AllGather), send.Length, receive.Length, WorldSize);
        int count = Count(receive.Length, nameof(AllGather)) / WorldSize;
        fixed (T* s = send)
        fixed (T* r = receive)
            lock (_sync) _mpi.AllGather(s, count, type, r);
    }

    /// <inheritdoc/>
    public void ReduceScatter<T>(ReadOnlySpan<T> send, Span<T> receive, ReduceOp op) where T : unmanaged
    {
        nint type = TypeOf<T>(nameof(ReduceScatter));
        Collectives.CheckGather(nameof(ReduceScatter), receive.Length, send.Length, WorldSize);
        int count = Count(send.Length, nameof(ReduceScatter)) / WorldSize;
        fixed (T* s = send)
        fixed (T* r = receive)
            lock (_sync) _mpi.ReduceScatterBlock(s, r, count, type, OpOf(op));
        if (op == ReduceOp.Mean) Collectives.Divide(receive, WorldSize);
    }

    /// <summary>
    /// Finalizes MPI if this communicator initialized it (MPI cannot be initialized again afterwards).
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_sync)
            if (_ownsInit && !_mpi.Finalized()) _mpi.FinalizeMpi();
    }

    private nint TypeOf<T>(string op)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Collectives.CheckType<T>(op);
        return typeof(T) == typeof(float) ? _mpi.Float
            : typeof(T) == typeof(double) ? _mpi.Double
            : typeof(T) == typeof(int) ? _mpi.Int
            : _mpi.LongLong;
    }

    private nint OpOf(ReduceOp op) => op == ReduceOp.Max ? _mpi.Max : _mpi.Sum;

    private static int Count(int length, string op) => length >= 0 ? length
        : throw new ArgumentOutOfRangeException(nameof(length), $"{op}: negative length {length}.");
}
