using System;
using System.IO;
using Ember.Distributed;
using Ember.NN;
using Ember.Training;

namespace Ember.Distributed.Tests;

/// <summary>Compile/Fit on a DistributedDataParallel model: data-parallel through the synchronizer seam.</summary>
public class FitTests
{
    [Fact]
    public void Fit_AveragesLogsAcrossRanks_AndOnlyRankZeroPrints()
    {
        var g = new Generator(7);
        var x = Tensor.Randn([64, 4], generator: g);
        var y = x.Sum(1).Gt(0).To(DType.Int64);
        var outputs = new StringWriter[2];
        var histories = new History[2];
        var weights = new float[2][];
        // Different initial weights: DDP starts every rank from rank 0's.
        Sequential[] nets = [new(new Linear(4, 8), new ReLU(), new Linear(8, 2)),
            new(new Linear(4, 8), new ReLU(), new Linear(8, 2))];
        ThreadCommunicator.Run(2, comm =>
        {
            var net = nets[comm.Rank];
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm));
            ddp.Compile("sgd", "sparse_categorical_crossentropy", ["accuracy"], gradientSynchronizer: ddp);
            var mine = x.Narrow(0, comm.Rank * 32, 32);
            var labels = y.Narrow(0, comm.Rank * 32, 32);
            outputs[comm.Rank] = new StringWriter();
            histories[comm.Rank] = ddp.Fit(mine, labels, epochs: 3, batchSize: 8, shuffle: false, verbose: 2,
                output: outputs[comm.Rank]);
            weights[comm.Rank] = net.StateDict()["2.weight"].Contiguous().AsReadOnlySpan<float>().ToArray();
        });
        Assert.Equal(weights[0], weights[1]);
        Assert.Contains("Epoch 3/3", outputs[0].ToString(), StringComparison.Ordinal);
        Assert.Equal("", outputs[1].ToString());
        foreach (var key in histories[0].Keys)
            Assert.Equal(histories[0][key], histories[1][key]);
        Assert.Equal(3, histories[0]["accuracy"].Count);
    }
}
