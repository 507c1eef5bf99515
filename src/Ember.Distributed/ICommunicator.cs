using System;

namespace Ember.Distributed;

/// <summary>How a collective combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>The element-wise sum over ranks.</summary>
    Sum,

    /// <summary>The element-wise sum divided by the world size (integer division for integer types).</summary>
    Mean,

    /// <summary>The element-wise maximum over ranks.</summary>
    Max,
}

/// <summary>
/// The collectives a process group runs, on spans of <c>float</c>, <c>double</c>, <c>int</c> or <c>long</c>
/// (PyTorch's backend seam: <see cref="MpiCommunicator"/> across processes, <see cref="ThreadCommunicator"/> across
/// threads of one process for tests). Every rank must call the same collectives in the same order with matching
/// lengths. Implementations write results into the caller's buffers and allocate nothing per call where they can.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's (or thread's) rank, 0 ≤ Rank &lt; <see cref="WorldSize"/>.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int WorldSize { get; }

    /// <summary>
    /// Whether collectives may be called from a thread other than the one that created the communicator (one at a
    /// time). <c>DistributedDataParallel</c> overlaps its all-reduces with backward only when this is true.
    /// </summary>
    bool SupportsBackgroundThread { get; }

    /// <summary>Waits until every rank has called it.</summary>
    void Barrier();

    /// <summary>Combines <paramref name="buffer"/> across ranks with <paramref name="op"/>, in place.</summary>
    void AllReduce<T>(Span<T> buffer, ReduceOp op) where T : unmanaged;

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="buffer"/> into every rank's.</summary>
    void Broadcast<T>(Span<T> buffer, int root) where T : unmanaged;

    /// <summary>
    /// Concatenates every rank's <paramref name="send"/> in rank order into <paramref name="receive"/>
    /// (length <c>send.Length * WorldSize</c>).
    /// </summary>
    void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged;

    /// <summary>
    /// Reduces <paramref name="send"/> (length <c>receive.Length * WorldSize</c>) across ranks with
    /// <paramref name="op"/> and leaves block <see cref="Rank"/> of the result in <paramref name="receive"/>.
    /// </summary>
    void ReduceScatter<T>(ReadOnlySpan<T> send, Span<T> receive, ReduceOp op) where T : unmanaged;
}

/// <summary>Checks and element arithmetic shared by the communicators.</summary>
internal static class Collectives
{
    /// <summary>Throws unless <typeparamref name="T"/> is one of the element types the collectives support.</summary>
    public static void CheckType<T>(string op)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(int) &&
            typeof(T) != typeof(long))
            throw new NotSupportedException(
                $"{op}: element type {typeof(T).Name} is not supported; expected float, double, int or long.");
    }

    public static void CheckGather(string op, int send, int receive, int world)
    {
        if ((long)send * world != receive)
            throw new ArgumentException(
                $"{op}: the receive buffer must hold send length × world size = {send} × {world} = " +
                $"{(long)send * world} elements, got {receive}.");
    }

    public static void CheckRoot(string op, int root, int world)
    {
        if ((uint)root >= (uint)world)
            throw new ArgumentOutOfRangeException(nameof(root),
                $"{op}: root {root} is not a rank of a world of {world}.");
    }

    /// <summary>Divides every element by <paramref name="n"/> (the Mean reduction's last step).</summary>
    public static void Divide<T>(Span<T> values, int n) where T : unmanaged
    {
        if (n == 1) return;
        if (typeof(T) == typeof(float)) DivideNumbers(Cast<T, float>(values), n);
        else if (typeof(T) == typeof(double)) DivideNumbers(Cast<T, double>(values), n);
        else if (typeof(T) == typeof(int)) DivideNumbers(Cast<T, int>(values), n);
        else DivideNumbers(Cast<T, long>(values), n);
    }

    private static void DivideNumbers<T>(Span<T> values, int n) where T : unmanaged, System.Numerics.INumber<T>
    {
        T d = T.CreateChecked(n);
        for (int i = 0; i < values.Length; i++) values[i] /= d;
    }

    /// <summary><paramref name="acc"/>[i] = op(acc[i], x[i]) for Sum/Mean (summed) and Max.</summary>
    public static void Combine<T>(Span<T> acc, ReadOnlySpan<T> x, ReduceOp op) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) CombineNumbers(Cast<T, float>(acc), CastR<T, float>(x), op);
        else if (typeof(T) == typeof(double)) CombineNumbers(Cast<T, double>(acc), CastR<T, double>(x), op);
        else if (typeof(T) == typeof(int)) CombineNumbers(Cast<T, int>(acc), CastR<T, int>(x), op);
        else CombineNumbers(Cast<T, long>(acc), CastR<T, long>(x), op);
    }

    private static void CombineNumbers<T>(Span<T> acc, ReadOnlySpan<T> x, ReduceOp op)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        if (op == ReduceOp.Max)
            for (int i = 0; i < acc.Length; i++) acc[i] = T.Max(acc[i], x[i]);
        else
            for (int i = 0; i < acc.Length; i++) acc[i] += x[i];
    }

    private static Span<TTo> Cast<TFrom, TTo>(Span<TFrom> s) where TFrom : unmanaged where TTo : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(s);

    private static ReadOnlySpan<TTo> CastR<TFrom, TTo>(ReadOnlySpan<TFrom> s)
        where TFrom : unmanaged where TTo : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(s);
}
