using System;

namespace Ember.Kernels.Tests;

[Collection("GlobalSettings")]
public class ParallelElementwiseTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LargeBroadcastAndStridedOpsMatchTheSerialDriverForAnyThreadCount(int threads)
    {
        const int rows = 301, cols = 517;   // > Threshold elements, odd sizes
        var r = new Random(7);
        var x = new float[rows * cols + 5];
        var bias = new float[cols];
        for (int i = 0; i < x.Length; i++) x[i] = (float)r.NextDouble();
        for (int i = 0; i < cols; i++) bias[i] = (float)r.NextDouble();

        var expectedAdd = new float[rows * cols];
        ElementwiseDriver.Binary<float, AddOperator<float>>(x, 5, [cols, 1], bias, 0, [0, 1], expectedAdd,
            [rows, cols]);
        var expectedExp = new float[rows * cols];
        ElementwiseDriver.Unary<float, ExpOperator<float>>(x, 5, [1, rows], expectedExp,
            [cols, rows]);   // transposed read

        int saved = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = threads;
            var add = new float[rows * cols + 3];
            ParallelElementwise.Binary<float, AddOperator<float>>(x, 5, [cols, 1], bias, 0, [0, 1], add, 3,
                [rows, cols]);
            Assert.Equal(expectedAdd, add[3..]);
            var exp = new float[rows * cols];
            ParallelElementwise.Unary<float, ExpOperator<float>>(x, 5, [1, rows], exp, 0, [cols, rows]);
            Assert.Equal(expectedExp, exp);
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
    }
}

[Collection("GlobalSettings")]
public class ParallelReduceTests
{
    [Fact]
    public void SumsAreBitIdenticalForOneTwoAndThreeThreads()
    {
        var r = new Random(3);
        var x = new float[1_000_003];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(r.NextDouble() - 0.4);
        int saved = WorkerPool.ThreadCount;
        try
        {
            float[] totals = new float[3];
            float[][] rows = new float[3][];
            for (int t = 1; t <= 3; t++)
            {
                WorkerPool.ThreadCount = t;
                totals[t - 1] = ParallelReduce.Sum(x, 3, x.Length - 3);
                rows[t - 1] = new float[1000];
                ParallelReduce.SumAxis(x, 0, 1000, 1000, 1, rows[t - 1]);
            }
            Assert.Equal(totals[0], totals[1]);
            Assert.Equal(totals[0], totals[2]);
            Assert.Equal(rows[0], rows[1]);
            Assert.Equal(rows[0], rows[2]);
            double reference = 0;
            for (int i = 3; i < x.Length; i++) reference += x[i];
            Assert.Equal(reference, totals[0], 1e-1);
            double row7 = 0;
            for (int i = 7000; i < 8000; i++) row7 += x[i];
            Assert.Equal(row7, rows[0][7], 1e-3);
        }
        finally
        {
            WorkerPool.ThreadCount = saved;
        }
    }
}
