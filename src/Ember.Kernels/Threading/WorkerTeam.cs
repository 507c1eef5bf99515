using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Ember.Kernels;

/// <summary>
/// Work that every member of a <see cref="WorkerTeam"/> runs at once (see <see cref="WorkerTeam.Run"/>). Implement it
/// on a <c>struct</c> carrying read-only inputs, as an <see cref="IParallelTask"/>: all members call
/// <see cref="Execute"/> on one shared copy.
/// </summary>
public interface ITeamTask
{
    /// <summary>Runs member <paramref name="member"/>'s share of the work.</summary>
    /// <param name="member">Which member this is, how many there are, and the team's barrier.</param>
    void Execute(TeamMember member);
}

/// <summary>One member of a running <see cref="WorkerTeam"/>: its index, the team's size and its barrier.</summary>
public readonly struct TeamMember
{
    private readonly TeamBarrier? _barrier;

    internal TeamMember(TeamBarrier? barrier, int index, int count) =>
        (_barrier, Index, Count) = (barrier, index, count);

    /// <summary>This member's index, in <c>[0, Count)</c>; the calling thread is member 0.</summary>
    public int Index { get; }

    /// <summary>The number of members running the task concurrently (1: the caller alone).</summary>
    public int Count { get; }

    /// <summary>
    /// Waits until every member has reached this barrier (the same number of calls on each member), then returns on
    /// all of them; what any member wrote before it is visible to all after it. Free with one member. Throws (an
    /// exception <see cref="WorkerTeam.Run"/> swallows) when another member failed, so no member waits forever.
    /// </summary>
    public void Barrier() => _barrier?.SignalAndWait();
}

/// <summary>
/// Runs a task on the calling thread plus pool workers (<see cref="WorkerPool"/>) that are guaranteed to run it at the
/// same time, so its members may wait for each other at a barrier (<see cref="TeamMember.Barrier"/>) between phases:
/// for chains of small dependent steps (a recurrent layer's time steps), where handing each step to the pool costs
/// more than the step. The barrier is a generation counter: members spin (about 50 µs), then yield their core.
/// </summary>
/// <remarks>
/// The team shrinks to the caller alone (no barrier cost, the same code with <see cref="TeamMember.Count"/> = 1) when
/// <see cref="WorkerPool.ThreadCount"/> or the request is 1, inside <see cref="WorkerPool.RunInline"/> or a pool
/// chunk, or while another thread uses the pool. Members are pool workers that run nothing else meanwhile; the team
/// occupies the whole pool until it returns. If a member throws, the members waiting at (or later reaching) a barrier
/// leave, and the first exception is rethrown on the calling thread once all have left.
/// </remarks>
public static class WorkerTeam
{
    /// <summary>
    /// Runs <paramref name="task"/> on up to <paramref name="maxMembers"/> concurrent members (capped by
    /// <see cref="WorkerPool.ThreadCount"/>) and returns when all are done.
    /// </summary>
    /// <typeparam name="TTask">The task type.</typeparam>
    /// <param name="maxMembers">The most members the task can use; below 1 counts as 1.</param>
    /// <param name="task">The task; copied once for the workers.</param>
    /// <returns>The number of members that ran it.</returns>
    public static int Run<TTask>(int maxMembers, ref TTask task) where TTask : struct, ITeamTask
    {
        int members = Math.Min(maxMembers, WorkerPool.ThreadCount);
        if (members > 1 && WorkerPool.TryRunTeam(members, ref task)) return members;
        task.Execute(new TeamMember(null, 0, 1));
        return 1;
    }
}

/// <summary>
/// The barrier of a team: a count of members still to arrive and a generation that the last one bumps.
/// </summary>
internal sealed class TeamBarrier
{
    private static readonly long s_spinTicks = Math.Max(1, Stopwatch.Frequency / 20_000); // ~50 us

    private int _members;
    private int _remaining;
    private int _generation;
    private volatile bool _broken;
    private Exception? _error;

    /// <summary>Prepares for a team of <paramref name="members"/>.</summary>
    public void Reset(int members)
    {
        _members = _remaining = members;
        _broken = false;
        _error = null;
    }

    /// <summary>The first exception a member threw, if any.</summary>
    public Exception? Error => _error;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SignalAndWait()
    {
        int gen = Volatile.Read(ref _generation);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _remaining = _members;
            Volatile.Write(ref _generation, gen + 1); // release: publishes every member's writes
            return;
        }
        if (Volatile.Read(ref _generation) != gen) return;
        long start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _generation) == gen)
        {
            // Fail stored the first error before setting the flag, so this exception is never the one reported.
            if (_broken) throw new OperationCanceledException("WorkerTeam: another member of the team failed.");
            if (Stopwatch.GetTimestamp() - start > s_spinTicks) Thread.Yield();
            else Thread.SpinWait(4);
        }
    }

    /// <summary>Records a member's failure (the first one wins) and releases the others.</summary>
    public void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _error, e, null);
        _broken = true;
    }
}

public static partial class WorkerPool
{
    /// <summary>
    /// Runs <paramref name="task"/> as a team of <paramref name="members"/> (the caller and members − 1 workers, each
    /// running one member), or returns false without running it when the pool cannot guarantee that: inside a chunk or
    /// <see cref="RunInline"/>, or while another thread holds the pool.
    /// </summary>
    internal static bool TryRunTeam<TTask>(int members, ref TTask task) where TTask : struct, ITeamTask
    {
        if (t_inPool || !Monitor.TryEnter(s_gate)) return false;
        TeamHolder<TTask>? holder = null;
        try
        {
            EnsureWorkers(members - 1);
            holder = TeamHolderCache<TTask>.Instance ??= new TeamHolder<TTask>();
            holder.Task = task;
            holder.Members = members;
            holder.Barrier.Reset(members);
            // The caller runs member 0 itself (it must: a member-0 task may depend on the calling thread's state,
            // e.g. grad mode or thread-local pools); the members - 1 counted chunks go to the workers, one each when
            // the task uses the barrier (a worker cannot finish its member before every member has started), so the
            // members run on distinct, concurrent threads. The workers are woken and the job stays open until the
            // caller's member returns, so every member is taken.
            Run(holder, members - 1, members - 1, callerRunsOwnChunk: true);
            if (holder.Barrier.Error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            if (holder is not null) holder.Task = default;
            Monitor.Exit(s_gate);
        }
        return true;
    }

    private sealed class TeamHolder<TTask> : WorkItem where TTask : struct, ITeamTask
    {
        public TTask Task;
        public int Members;
        public readonly TeamBarrier Barrier = new();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int chunk)
        {
            // The caller runs chunk -1 (member 0); the workers' counted chunks 0 .. members - 2 are members 1 ...
            int index = chunk + 1;
            try
            {
                Task.Execute(new TeamMember(Barrier, index, Members));
            }
            catch (Exception e)
            {
                Barrier.Fail(e);
            }
        }
    }

    private static class TeamHolderCache<TTask> where TTask : struct, ITeamTask
    {
        public static TeamHolder<TTask>? Instance;
    }
}
