using System;
using System.Threading;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary><see cref="WorkerTeam"/>: concurrent members, a barrier between phases, fallbacks, failures.</summary>
[Collection("GlobalSettings")]
public class WorkerTeamTests
{
    private static void WithThreads(int count, Action body) => WorkerPoolTests.WithThreads(count, body);

    /// <summary>Each phase, every member writes its slot, then after a barrier checks everyone's slot of that
    /// phase: only correct when the members run at once and the barrier holds them together.</summary>
    private struct PhaseTask : ITeamTask
    {
        public int[] Slots;
        public int[] ThreadIds;
        public int[] Counts;
        public int Phases;
        public int[] Errors;

        public readonly void Execute(TeamMember member)
        {
            ThreadIds[member.Index] = Environment.CurrentManagedThreadId;
            Counts[member.Index] = member.Count;
            for (int p = 1; p <= Phases; p++)
            {
                Volatile.Write(ref Slots[member.Index], p);
                member.Barrier();
                for (int j = 0; j < member.Count; j++)
                    if (Volatile.Read(ref Slots[j]) != p)
                        Interlocked.Increment(ref Errors[0]);
                member.Barrier(); // nobody writes the next phase before all have checked this one
            }
        }
    }

    private static PhaseTask NewPhaseTask(int members, int phases) => new()
    {
        Slots = new int[members], ThreadIds = new int[members], Counts = new int[members], Phases = phases,
        Errors = new int[1],
    };

    [Theory]
    [InlineData(2, 2)]
    [InlineData(2, 8)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    public void Members_RunConcurrentlyOnDistinctThreads_BarrierSeparatesPhases(int threads, int requested)
    {
        WithThreads(threads, () =>
        {
            for (int rep = 0; rep < 20; rep++)
            {
                int expected = Math.Min(threads, requested);
                var task = NewPhaseTask(expected, 200);
                int members = WorkerTeam.Run(requested, ref task);
                Assert.Equal(expected, members);
                Assert.Equal(0, task.Errors[0]);
                Assert.All(task.Counts, c => Assert.Equal(members, c));
                Assert.Equal(Environment.CurrentManagedThreadId, task.ThreadIds[0]);
                for (int i = 0; i < members; i++)
                    for (int j = i + 1; j < members; j++)
                        Assert.NotEqual(task.ThreadIds[i], task.ThreadIds[j]);
                if (rep % 5 == 4) Thread.Sleep(1); // let the workers fall asleep now and then
            }
        });
    }

    [Fact]
    public void OneThread_RunsTheCallerAlone()
    {
        WithThreads(1, () =>
        {
            var task = NewPhaseTask(1, 10);
            Assert.Equal(1, WorkerTeam.Run(4, ref task));
            Assert.Equal(1, task.Counts[0]);
            Assert.Equal(Environment.CurrentManagedThreadId, task.ThreadIds[0]);
            Assert.Equal(0, task.Errors[0]);
        });
    }

    [Fact]
    public void InsideRunInline_RunsTheCallerAlone()
    {
        WithThreads(2, () =>
        {
            var task = NewPhaseTask(1, 10);
            using (WorkerPool.RunInline()) Assert.Equal(1, WorkerTeam.Run(2, ref task));
            Assert.Equal(0, task.Errors[0]);
        });
    }

    private struct NestedTask : IParallelTask
    {
        public int[] Members;

        public readonly void Execute(int chunk)
        {
            var inner = NewPhaseTask(2, 5);
            Members[chunk] = WorkerTeam.Run(2, ref inner) + 10 * inner.Errors[0];
        }
    }

    [Fact]
    public void InsideAPoolChunk_RunsTheChunkAlone_NoDeadlock()
    {
        WithThreads(2, () =>
        {
            var task = new NestedTask { Members = new int[4] };
            WorkerPool.For(4, ref task);
            Assert.All(task.Members, m => Assert.Equal(1, m));
        });
    }

    [Fact]
    public void WhilePoolIsBusy_RunsTheCallerAlone()
    {
        WithThreads(2, () =>
        {
            using var release = new ManualResetEventSlim(false);
            using var holding = new ManualResetEventSlim(false);
            var holder = new Thread(() =>
            {
                var hold = new HoldTask { Holding = holding, Release = release };
                WorkerPool.For(2, ref hold);
            });
            holder.Start();
            try
            {
                Assert.True(holding.Wait(TimeSpan.FromSeconds(30)));
                var task = NewPhaseTask(1, 10);
                Assert.Equal(1, WorkerTeam.Run(2, ref task));
                Assert.Equal(0, task.Errors[0]);
            }
            finally
            {
                release.Set();
                holder.Join();
            }
        });
    }

    private struct HoldTask : IParallelTask
    {
        public ManualResetEventSlim Holding;
        public ManualResetEventSlim Release;

        public readonly void Execute(int chunk)
        {
            Holding.Set();
            Release.Wait();
        }
    }

    private struct ThrowTask : ITeamTask
    {
        public int Bad;
        public int BadPhase;

        public readonly void Execute(TeamMember member)
        {
            for (int p = 0; p < 10; p++)
            {
                if (member.Index == Bad % member.Count && p == BadPhase)
                    throw new InvalidOperationException("member " + member.Index);
                member.Barrier();
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void AMemberThrows_TheCallerGetsIt_NoDeadlock_TeamStillWorks(int threads)
    {
        WithThreads(threads, () =>
        {
            for (int bad = 0; bad < threads; bad++)
                for (int phase = 0; phase < 3; phase++)
                {
                    var task = new ThrowTask { Bad = bad, BadPhase = phase };
                    var e = Assert.Throws<InvalidOperationException>(() => WorkerTeam.Run(threads, ref task));
                    Assert.Equal("member " + bad, e.Message);
                }
            var ok = NewPhaseTask(threads, 50);
            Assert.Equal(threads, WorkerTeam.Run(threads, ref ok));
            Assert.Equal(0, ok.Errors[0]);
            // The pool's ordinary calls still work too.
            var counts = new CountTask { Hits = new int[37] };
            WorkerPool.For(37, ref counts);
            Assert.All(counts.Hits, h => Assert.Equal(1, h));
        });
    }

    private struct IndexTask : ITeamTask
    {
        public int[] Hits;

        public readonly void Execute(TeamMember member) => Interlocked.Increment(ref Hits[member.Index]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void WithoutBarriers_EveryIndexRunsOnce(int threads)
    {
        WithThreads(threads, () =>
        {
            for (int rep = 0; rep < 2000; rep++)
            {
                var task = new IndexTask { Hits = new int[threads] };
                Assert.Equal(threads, WorkerTeam.Run(threads, ref task));
                Assert.All(task.Hits, h => Assert.Equal(1, h));
            }
        });
    }

    private struct CallerTask : ITeamTask
    {
        public int CallerThread;
        public int[] Wrong;

        public readonly void Execute(TeamMember member)
        {
            if (member.Index == 0 && Environment.CurrentManagedThreadId != CallerThread)
                Interlocked.Increment(ref Wrong[0]);
        }
    }

    /// <summary>Member 0 runs on the calling thread every time, even when the workers are quicker than the caller
    /// (a member-0 task may rely on the caller's thread state: the LSTM records its graph there).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void MemberZero_AlwaysRunsOnTheCaller(int threads)
    {
        WithThreads(threads, () =>
        {
            var task = new CallerTask { CallerThread = Environment.CurrentManagedThreadId, Wrong = new int[1] };
            for (int rep = 0; rep < 5000; rep++) WorkerTeam.Run(threads, ref task);
            Assert.Equal(0, task.Wrong[0]);
        });
    }

    private struct CountTask : IParallelTask
    {
        public int[] Hits;

        public readonly void Execute(int chunk) => Interlocked.Increment(ref Hits[chunk]);
    }
}
