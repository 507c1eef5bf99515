using System;
using Ember.Distributed;

namespace Ember.Distributed.Tests;

/// <summary>The process group's collectives on tensors, with ranks as threads.</summary>
public class CollectiveTests
{
    [Theory]
    [InlineData(ReduceOp.Sum, new float[] { 6, 60 })]
    [InlineData(ReduceOp.Mean, new float[] { 2, 20 })]
    [InlineData(ReduceOp.Max, new float[] { 3, 30 })]
    public void AllReduce_CombinesEveryRank(ReduceOp op, float[] expected)
    {
        var results = new float[3][];
        ThreadCommunicator.Run(3, comm =>
        {
            var group = ProcessGroup.Create(comm);
            var t = Tensor.From<float>([comm.Rank + 1, 10 * (comm.Rank + 1)], [2]);
            group.AllReduce(t, op);
            results[comm.Rank] = t.AsReadOnlySpan<float>().ToArray();
        });
        foreach (var r in results) Assert.Equal(expected, r);
    }

    [Fact]
    public void Broadcast_CopiesTheRootsValues()
    {
        var results = new long[2][];
        ThreadCommunicator.Run(2, comm =>
        {
            var group = ProcessGroup.Create(comm);
            var t = Tensor.From<long>([comm.Rank * 7L, 1], [2]);
            group.Broadcast(t, root: 1);
            results[comm.Rank] = t.AsReadOnlySpan<long>().ToArray();
        });
        Assert.Equal([7L, 1L], results[0]);
        Assert.Equal([7L, 1L], results[1]);
    }

    [Fact]
    public void AllGather_StacksInRankOrder_AndReduceScatter_KeepsThisRanksBlock()
    {
        var gathered = new double[2][];
        var scattered = new double[2][];
        ThreadCommunicator.Run(2, comm =>
        {
            var group = ProcessGroup.Create(comm);
            var mine = Tensor.From<double>([comm.Rank, comm.Rank + 0.5], [2]);
            var all = Tensor.Zeros([2, 2], DType.Float64);
            group.AllGather(mine, all);
            gathered[comm.Rank] = all.AsReadOnlySpan<double>().ToArray();

            var input = Tensor.From<double>([1, 2, 3, 4], [4]) * (comm.Rank + 1.0);
            var block = Tensor.Zeros([2], DType.Float64);
            group.ReduceScatter(input, block);
            scattered[comm.Rank] = block.AsReadOnlySpan<double>().ToArray();
        });
        Assert.Equal([0, 0.5, 1, 1.5], gathered[0]);
        Assert.Equal(gathered[0], gathered[1]);
        Assert.Equal([3.0, 6.0], scattered[0]);   // (1 + 2) and (2 + 4): rank 0's block of the sum
        Assert.Equal([9.0, 12.0], scattered[1]);
    }

    [Fact]
    public void Collectives_RejectBadInput_NamingTheOp()
    {
        ThreadCommunicator.Run(1, comm =>
        {
            var group = ProcessGroup.Create(comm);
            var e = Assert.Throws<ArgumentException>(() => group.AllReduce(Tensor.Zeros([2], DType.Float16)));
            Assert.Contains("AllReduce", e.Message, StringComparison.Ordinal);
            var view = Tensor.Zeros(3, 3).T;
            e = Assert.Throws<ArgumentException>(() => group.Broadcast(view));
            Assert.Contains("contiguous", e.Message, StringComparison.Ordinal);
            e = Assert.Throws<ArgumentException>(() => group.AllGather(Tensor.Zeros(2), Tensor.Zeros(3)));
            Assert.Contains("expected 2 elements", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void MismatchedCollectives_FailClearly_InsteadOfHanging()
    {
        var e = Assert.Throws<AggregateException>(() => ThreadCommunicator.Run(2, comm =>
        {
            var buffer = new float[comm.Rank + 1];
            comm.AllReduce<float>(buffer, ReduceOp.Sum);
        }));
        Assert.Contains("matching lengths", e.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InitWithoutLauncher_IsAWorldOfOne_WithoutMpi()
    {
        if (ProcessGroup.LaunchedByMpi) Assert.Skip("this test process was started by an MPI launcher");
        using var group = ProcessGroup.Init();
        Assert.Equal(0, group.Rank);
        Assert.Equal(1, group.WorldSize);
        var t = Tensor.From<float>([1f, 2f], [2]);
        group.AllReduce(t, ReduceOp.Mean);
        Assert.Equal([1f, 2f], t.AsReadOnlySpan<float>().ToArray());
        Assert.Same(group, ProcessGroup.Current);
    }
}
