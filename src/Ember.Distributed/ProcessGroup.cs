using System;

namespace Ember.Distributed;

/// <summary>
/// A group of ranks that run collectives on tensors (PyTorch's <c>torch.distributed</c> default group).
/// <see cref="Init()"/> reads rank and world size from the MPI launcher (<c>mpirun -np 4 ./MyApp</c>); run without a
/// launcher it makes a world of one rank and needs no MPI at all, so the same program runs both ways.
/// Collectives work in place on contiguous CPU tensors of float32, float64, int32 or int64 and allocate nothing.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private static readonly string[] s_launcherSizeVariables =
        ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"];

    private ProcessGroup(ICommunicator communicator) => Communicator = communicator;

    /// <summary>The group <see cref="Init()"/> made most recently, or null.</summary>
    public static ProcessGroup? Current { get; private set; }

    /// <summary>
    /// Whether this process was started by an MPI launcher (<c>mpirun</c>/<c>mpiexec</c> of Open MPI or MPICH set
    /// <c>OMPI_COMM_WORLD_SIZE</c> or <c>PMI_SIZE</c>).
    /// </summary>
    public static bool LaunchedByMpi
    {
        get
        {
            foreach (string v in s_launcherSizeVariables)
                if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))) return true;
            return false;
        }
    }

    /// <summary>
    /// The process group of this job: over MPI (<see cref="MpiCommunicator"/>) when started by an MPI launcher,
    /// otherwise a world of one rank that needs no MPI library. Sets <see cref="Current"/>.
    /// </summary>
    public static ProcessGroup Init() => Init(LaunchedByMpi ? MpiCommunicator.Create() : new SingleRank());

    /// <summary>A process group over <paramref name="communicator"/> (e.g. one rank of a
    /// <see cref="ThreadCommunicator"/>). Sets <see cref="Current"/>.</summary>
    public static ProcessGroup Init(ICommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        var group = new ProcessGroup(communicator);
        Current = group;
        return group;
    }

    /// <summary>A process group over <paramref name="communicator"/> that does not become <see cref="Current"/>
    /// (ranks that are threads of one process each need their own).</summary>
    public static ProcessGroup Create(ICommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        return new ProcessGroup(communicator);
    }

    /// <summary>The backend.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>This rank (0 is the one that prints and saves).</summary>
    public int Rank => Communicator.Rank;

    /// <summary>The number of ranks.</summary>
    public int WorldSize => Communicator.WorldSize;

    /// <summary>Whether this is rank 0.</summary>
    public bool IsMain => Rank == 0;

    /// <summary>
    /// The number of ranks on this machine, from the launcher (<c>OMPI_COMM_WORLD_LOCAL_SIZE</c> or
    /// <c>MPI_LOCALNRANKS</c>), else <see cref="WorldSize"/>: divide the cores by it to size each rank's worker pool.
    /// </summary>
    public int LocalWorldSize
    {
        get
        {
            foreach (string v in (string[])["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"])
                if (int.TryParse(Environment.GetEnvironmentVariable(v), out int n) && n > 0) return n;
            return WorldSize;
        }
    }

    /// <summary>Waits until every rank has reached it.</summary>
    public void Barrier() => Communicator.Barrier();

    /// <summary>Combines <paramref name="tensor"/> across ranks in place (sum, mean or max).</summary>
    /// <param name="tensor">A contiguous float32, float64, int32 or int64 tensor; same shape on every rank.</param>
    /// <param name="op">The reduction.</param>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        switch (Check(tensor, nameof(AllReduce)))
        {
            case DType.Float32: Communicator.AllReduce(Writable<float>(tensor), op); break;
            case DType.Float64: Communicator.AllReduce(Writable<double>(tensor), op); break;
            case DType.Int32: Communicator.AllReduce(Writable<int>(tensor), op); break;
            default: Communicator.AllReduce(Writable<long>(tensor), op); break;
        }
    }

    /// <summary>Combines <paramref name="values"/> across ranks in place (e.g. metric sums and counts).</summary>
    public void AllReduce(double[] values, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(values);
        Communicator.AllReduce<double>(values, op);
    }

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="tensor"/> into every rank's, in place.</summary>
    /// <param name="tensor">A contiguous tensor of a supported dtype; same shape on every rank.</param>
    /// <param name="root">The rank whose values are sent.</param>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        switch (Check(tensor, nameof(Broadcast)))
        {
            case DType.Float32: Communicator.Broadcast(Writable<float>(tensor), root); break;
            case DType.Float64: Communicator.Broadcast(Writable<double>(tensor), root); break;
            case DType.Int32: Communicator.Broadcast(Writable<int>(tensor), root); break;
            default: Communicator.Broadcast(Writable<long>(tensor), root); break;
        }
    }

    /// <summary>
    /// Stacks every rank's <paramref name="input"/> along a new first dimension, in rank order, into
    /// <paramref name="output"/> (preallocated).
    /// </summary>
    /// <param name="input">Shape <c>S</c>, contiguous.</param>
    /// <param name="output">Shape <c>(WorldSize, *S)</c> or any contiguous shape with <c>WorldSize × numel(S)</c>
    /// elements, same dtype.</param>
    public void AllGather(Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        DType dt = Check(input, nameof(AllGather));
        CheckPair(input, output, nameof(AllGather), output.NumEl, input.NumEl * WorldSize);
        switch (dt)
        {
            case DType.Float32: Communicator.AllGather(input.AsReadOnlySpan<float>(), Writable<float>(output)); break;
            case DType.Float64:
                Communicator.AllGather(input.AsReadOnlySpan<double>(), Writable<double>(output)); break;
            case DType.Int32: Communicator.AllGather(input.AsReadOnlySpan<int>(), Writable<int>(output)); break;
            default: Communicator.AllGather(input.AsReadOnlySpan<long>(), Writable<long>(output)); break;
        }
    }

    /// <summary>
    /// Reduces <paramref name="input"/> across ranks and leaves this rank's block of the result (block
    /// <see cref="Rank"/> along the first dimension) in <paramref name="output"/> (preallocated).
    /// </summary>
    /// <param name="input">Shape <c>(WorldSize × n, *)</c>, contiguous.</param>
    /// <param name="output">Shape <c>(n, *)</c>: <c>numel(input) / WorldSize</c> elements, same dtype.</param>
    /// <param name="op">The reduction.</param>
    public void ReduceScatter(Tensor input, Tensor output, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        DType dt = Check(input, nameof(ReduceScatter));
        CheckPair(input, output, nameof(ReduceScatter), input.NumEl, output.NumEl * WorldSize);
        switch (dt)
        {
            case DType.Float32:
                Communicator.ReduceScatter(input.AsReadOnlySpan<float>(), Writable<float>(output), op); break;
            case DType.Float64:
                Communicator.ReduceScatter(input.AsReadOnlySpan<double>(), Writable<double>(output), op); break;
            case DType.Int32:
                Communicator.ReduceScatter(input.AsReadOnlySpan<int>(), Writable<int>(output), op); break;
            default: Communicator.ReduceScatter(input.AsReadOnlySpan<long>(), Writable<long>(output), op); break;
        }
    }

    /// <summary>Disposes the communicator (finalizing MPI if this group initialized it).</summary>
    public void Dispose()
    {
        if (ReferenceEquals(Current, this)) Current = null;
        Communicator.Dispose();
    }

    /// <summary>A writable span over a tensor's storage (a parameter is written through its detached alias).</summary>
    internal static Span<T> Writable<T>(Tensor t) where T : unmanaged =>
        (t.RequiresGrad ? t.Detach() : t).AsSpan<T>();

    private static DType Check(Tensor t, string op)
    {
        if (t.DType is not (DType.Float32 or DType.Float64 or DType.Int32 or DType.Int64))
            throw new ArgumentException(
                $"ProcessGroup.{op}: expected a float32, float64, int32 or int64 tensor, got {t.DType}.", nameof(t));
        if (!t.IsContiguous)
            throw new ArgumentException(
                $"ProcessGroup.{op}: expected a contiguous tensor, got strides of a view; call Contiguous() first " +
                "and copy back, or collect into a contiguous buffer.", nameof(t));
        return t.DType;
    }

    private static void CheckPair(Tensor input, Tensor output, string op, long actual, long expected)
    {
        if (output.DType != input.DType)
            throw new ArgumentException(
                $"ProcessGroup.{op}: output dtype {output.DType} differs from input dtype {input.DType}.",
                nameof(output));
        Check(output, op);
        if (actual != expected)
            throw new ArgumentException(
                $"ProcessGroup.{op}: expected {expected} elements (input {input.NumEl} and world size), got {actual}.",
                nameof(output));
    }

    /// <summary>The world of one process: every collective is the identity.</summary>
    private sealed class SingleRank : ICommunicator
    {
        public int Rank => 0;
        public int WorldSize => 1;
        public bool SupportsBackgroundThread => true;
        public void Barrier() { }
        public void AllReduce<T>(Span<T> buffer, ReduceOp op) where T : unmanaged =>
            Collectives.CheckType<T>(op.ToString());
        public void Broadcast<T>(Span<T> buffer, int root) where T : unmanaged =>
            Collectives.CheckRoot(nameof(Broadcast), root, 1);
        public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
        {
            Collectives.CheckGather(nameof(AllGather), send.Length, receive.Length, 1);
            send.CopyTo(receive);
        }
        public void ReduceScatter<T>(ReadOnlySpan<T> send, Span<T> receive, ReduceOp op) where T : unmanaged
        {
            Collectives.CheckGather(nameof(ReduceScatter), receive.Length, send.Length, 1);
            send.CopyTo(receive);
        }
        public void Dispose() { }
    }
}
