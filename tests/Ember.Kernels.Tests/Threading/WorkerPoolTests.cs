using System;
using System.Threading;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

[Collection("GlobalSettings")]
public class WorkerPoolTests
{
    private struct CountTask : IParallelTask
    {
        public int[] Hits;
        public int[] ThreadIds;

        public readonly void Execute(int chunk)
        {
            Interlocked.Increment(ref Hits[chunk]);
            ThreadIds[chunk] = Environment.CurrentManagedThreadId;
            Thread.SpinWait(20);
        }
    }

    private struct ThrowTask : IParallelTask
    {
        public int Bad;

        public readonly void Execute(int chunk)
        {
            if (chunk == Bad)
                throw new InvalidOperationException("chunk " + chunk);
        }
    }

    private struct OuterTask : IParallelTask
    {
        public int[] Hits;
        public int Inner;

        public readonly void Execute(int chunk)
        {
            var inner = new CountTask { Hits = new int[Inner], ThreadIds = new int[Inner] };
            WorkerPool.For(Inner, ref inner);
            int sum = 0;
            foreach (int h in inner.Hits)
                sum += h;
            Interlocked.Add(ref Hits[chunk], sum);
        }
    }

    /// <summary>Runs <paramref name="body"/> with <see cref="WorkerPool.ThreadCount"/> set to
    /// <paramref name="count"/>, restoring it afterwards (shared by the pool's and the team's tests).</summary>
    internal static void WithThreads(int count, Action body)
    {
        int saved = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = count;
            body();
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 1000)]
    [InlineData(4, 37)]
    public void AllChunksRunExactlyOnce(int threads, int chunks)
    {
        WithThreads(threads, () =>
        {
            for (int rep = 0; rep < 50; rep++)
            {
                var task = new CountTask { Hits = new int[chunks], ThreadIds = new int[chunks] };
                WorkerPool.For(chunks, ref task);
                Assert.All(task.Hits, h => Assert.Equal(1, h));
            }
        });
    }

    private struct SumTask : IParallelTask
    {
        public long[] Slots;

        public readonly void Execute(int chunk) => Interlocked.Add(ref Slots[0], chunk + 1);
    }

    [Fact]
    public void ManyBackToBackCalls_NoLostOrDuplicatedChunks()
    {
        WithThreads(2, () =>
        {
            var slots = new long[1];
            long expected = 0;
            for (int rep = 0; rep < 20000; rep++)
            {
                int chunks = 1 + rep % 5;
                var task = new SumTask { Slots = slots };
                WorkerPool.For(chunks, ref task);
                expected += chunks * (chunks + 1) / 2;
                if (rep % 1000 == 999)
                    Thread.Sleep(1); // let the worker fall asleep now and then
            }
            Assert.Equal(expected, slots[0]);
        });
    }

    [Fact]
    public void ZeroChunks_DoesNothing()
    {
        var task = new ThrowTask { Bad = 0 };
        WorkerPool.For(0, ref task);
    }

    [Fact]
    public void ThreadCountOne_RunsInline()
    {
        WithThreads(1, () =>
        {
            var task = new CountTask { Hits = new int[64], ThreadIds = new int[64] };
            WorkerPool.For(64, ref task);
            int me = Environment.CurrentManagedThreadId;
            Assert.All(task.ThreadIds, id => Assert.Equal(me, id));
        });
    }

    [Fact]
    public void ThreadCount_ClampsToOne()
    {
        WithThreads(0, () => Assert.Equal(1, WorkerPool.ThreadCount));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Exceptions_PropagateToCaller(int threads)
    {
        WithThreads(threads, () =>
        {
            for (int bad = 0; bad < 8; bad++)
            {
                var task = new ThrowTask { Bad = bad };
                var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.For(8, ref task));
                Assert.Equal("chunk " + bad, e.Message);
            }
            // The pool still works afterwards.
            var ok = new CountTask { Hits = new int[100], ThreadIds = new int[100] };
            WorkerPool.For(100, ref ok);
            Assert.All(ok.Hits, h => Assert.Equal(1, h));
        });
    }

    [Fact]
    public void NestedCalls_RunInline_NoDeadlock()
    {
        WithThreads(2, () =>
        {
            var task = new OuterTask { Hits = new int[16], Inner = 10 };
            WorkerPool.For(16, ref task);
            Assert.All(task.Hits, h => Assert.Equal(10, h));
        });
    }

    [Fact]
    public void ConcurrentCallers_AllComplete()
    {
        WithThreads(2, () =>
        {
            var threads = new Thread[4];
            var failures = new int[1];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(() =>
                {
                    for (int rep = 0; rep < 200; rep++)
                    {
                        var task = new CountTask { Hits = new int[17], ThreadIds = new int[17] };
                        WorkerPool.For(17, ref task);
                        foreach (int h in task.Hits)
                            if (h != 1)
                                Interlocked.Increment(ref failures[0]);
                    }
                });
                threads[t].Start();
            }
            foreach (var t in threads)
                t.Join();
            Assert.Equal(0, failures[0]);
        });
    }

    private struct InlineInsideChunkTask : IParallelTask
    {
        public int[] Hits;
        public int[] OnOwnThread;

        public readonly void Execute(int chunk)
        {
            int me = Environment.CurrentManagedThreadId;
            var inner = new CountTask { Hits = new int[8], ThreadIds = new int[8] };
            using (WorkerPool.RunInline())
            {
            }
            // The scope's end restores "inside a chunk": the nested call still runs on this thread.
            WorkerPool.For(8, ref inner);
            Interlocked.Add(ref Hits[chunk], inner.Hits.Length == 8 ? 1 : 0);
            OnOwnThread[chunk] = Array.TrueForAll(inner.ThreadIds, id => id == me) ? 1 : 0;
        }
    }

    [Fact]
    public void RunInlineKeepsEveryChunkOnTheCallingThreadAndNests()
    {
        WithThreads(4, () =>
        {
            int me = Environment.CurrentManagedThreadId;
            using (WorkerPool.RunInline())
            {
                for (int rep = 0; rep < 20; rep++)
                {
                    using (WorkerPool.RunInline())
                    {
                        var nested = new CountTask { Hits = new int[64], ThreadIds = new int[64] };
                        WorkerPool.For(64, ref nested);
                        Assert.All(nested.ThreadIds, id => Assert.Equal(me, id));
                    }
                    var task = new CountTask { Hits = new int[1000], ThreadIds = new int[1000] };
                    WorkerPool.For(1000, ref task);
                    Assert.All(task.Hits, h => Assert.Equal(1, h));
                    Assert.All(task.ThreadIds, id => Assert.Equal(me, id));
                }
            }
            var outer = new InlineInsideChunkTask { Hits = new int[16], OnOwnThread = new int[16] };
            WorkerPool.For(16, ref outer);
            Assert.All(outer.Hits, h => Assert.Equal(1, h));
            Assert.All(outer.OnOwnThread, h => Assert.Equal(1, h));
        });
    }
}
