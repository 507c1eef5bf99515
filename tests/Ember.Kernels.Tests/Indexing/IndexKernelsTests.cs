using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>The span-level gather/scatter kernels on small hand-checked layouts.</summary>
public class IndexKernelsTests
{
    [Fact]
    public void GatherAlongReadsThroughStridesAndReportsTheFirstBadIndex()
    {
        // src is the transpose of [[0, 1, 2], [3, 4, 5]]: shape [3, 2], strides [1, 3].
        double[] src = [0, 1, 2, 3, 4, 5];
        long[] index = [1, 0, 0, 0, 1, 1]; // shape [3, 2], gather along dim 1
        var dst = new double[6];
        Assert.Equal(-1, IndexKernels.GatherAlong<double>(src, 0, [1, 3], 1, 2, index, [3, 2], dst));
        Assert.Equal(new double[] { 3, 0, 1, 1, 5, 5 }, dst);
        index[4] = 2;
        Assert.Equal(4, IndexKernels.GatherAlong<double>(src, 0, [1, 3], 1, 2, index, [3, 2], dst));
    }

    [Fact]
    public void ScatterAlongAssignsOrAccumulates()
    {
        var dst = new double[4];
        long[] index = [3, 3, 0];
        Assert.Equal(-1,
            IndexKernels.ScatterAlong<double, AddAction<double>>(dst, 0, [1], 0, 4, index, [3], [1.0, 2.0, 5.0]));
        Assert.Equal(new double[] { 5, 0, 0, 3 }, dst);
        Assert.Equal(-1,
            IndexKernels.ScatterAlong<double, AssignAction<double>>(dst, 0, [1], 0, 4, index, [3], [1.0, 2.0, 5.0]));
        Assert.Equal(new double[] { 5, 0, 0, 2 }, dst);
        Assert.Equal(0, IndexKernels.ScatterAlong<double, AssignAction<double>>(dst, 0, [1], 0, 4, [-1L], [1], [1.0]));
    }

    [Fact]
    public void OffsetGatherAndScatterAreInverse()
    {
        // A [2, 3] matrix; rows picked by offsets {row 1, row 0, row 1} with the inner dim walked at stride 1.
        float[] src = [0, 1, 2, 3, 4, 5];
        var dst = new float[9];
        IndexKernels.GatherOffsets<float>(src, 0, [], [], [3, 0, 3], [3], [1], dst);
        Assert.Equal(new float[] { 3, 4, 5, 0, 1, 2, 3, 4, 5 }, dst);
        var back = new float[6];
        IndexKernels.ScatterOffsets<float, AddAction<float>>(back, 0, [], [], [3, 0, 3], [3], [1], dst);
        Assert.Equal(new float[] { 0, 1, 2, 6, 8, 10 }, back);
    }

    [Fact]
    public void WhereBroadcastsEachOperand()
    {
        bool[] cond = [true, false];
        int[] a = [1, 2, 3], b = [9];
        var dst = new int[6];
        // shape [3, 2]: cond varies along dim 1, a along dim 0, b is a scalar.
        IndexKernels.Where<int>(cond, 0, [0, 1], a, 0, [1, 0], b, 0, [0, 0], dst, [3, 2]);
        Assert.Equal(new[] { 1, 9, 2, 9, 3, 9 }, dst);
    }
}
