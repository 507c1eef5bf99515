using System;
using System.Collections.Generic;
using Ember.Distributed;
using Ember.NN;
using Ember.Optim;

namespace Ember.Distributed.Tests;

/// <summary>DistributedDataParallel with ranks as threads (no MPI).</summary>
public class DataParallelTests
{
    private sealed class Mlp : Module
    {
        private readonly Linear fc1 = new(6, 16), fc2 = new(16, 8), fc3 = new(8, 3);

        public override Tensor Forward(Tensor x) => fc3.Call(F.ReLU(fc2.Call(F.ReLU(fc1.Call(x)))));
    }

    /// <summary>Uses fc2 only when told to: a data-dependent branch.</summary>
    private sealed class Branchy : Module
    {
        private readonly Linear fc1 = new(4, 4), fc2 = new(4, 4);

        public bool UseSecond { get; set; }

        public override Tensor Forward(Tensor x) => UseSecond ? fc2.Call(fc1.Call(x)) : fc1.Call(x);
    }

    private static Mlp NewMlp(long seed)
    {
        Tensor.ManualSeed(seed);
        return new Mlp();
    }

    private static (Tensor X, Tensor Y)[] Batches(int steps, int size)
    {
        var g = new Generator(42);
        var batches = new (Tensor, Tensor)[steps];
        for (int i = 0; i < steps; i++)
            batches[i] = (Tensor.Randn([size, 6], generator: g), Tensor.RandInt(0, 3, [size], generator: g));
        return batches;
    }

    private static Dictionary<string, float[]> Weights(ModuleBase m)
    {
        var d = new Dictionary<string, float[]>();
        foreach (var (k, v) in m.StateDict()) d[k] = v.Contiguous().AsReadOnlySpan<float>().ToArray();
        return d;
    }

    [Fact]
    public void TwoRanks_OnHalfBatches_MatchOneProcess_OnTheGlobalBatch()
    {
        const int steps = 20, global = 16;
        var data = Batches(steps, global);
        var single = NewMlp(1);
        var opt = new SGD(single.Parameters(), lr: 0.1, momentum: 0.9);
        var loss = new CrossEntropyLoss();
        foreach (var (x, y) in data)
        {
            opt.ZeroGrad();
            loss.Call(single.Call(x), y).Backward();
            opt.Step();
        }
        var expected = Weights(single);

        var got = new Dictionary<string, float[]>[2];
        // Different initial weights per rank: the constructor's broadcast makes rank 0's the start for all.
        Mlp[] nets = [NewMlp(1), NewMlp(101)];
        ThreadCommunicator.Run(2, comm =>
        {
            var group = ProcessGroup.Create(comm);
            var net = nets[comm.Rank];
            using var ddp = new DistributedDataParallel(net, group);
            var o = new SGD(net.Parameters(), lr: 0.1, momentum: 0.9);
            foreach (var (x, y) in data)
            {
                int half = global / 2;
                o.ZeroGrad();
                loss.Call(ddp.Call(x.Narrow(0, comm.Rank * half, half)), y.Narrow(0, comm.Rank * half, half))
                    .Backward();
                o.Step();
            }
            got[comm.Rank] = Weights(ddp);
        });
        foreach (var (key, e) in expected)
        {
            // Bit-for-bit across ranks; within float32 rounding of the single process (the batch sum is split in two
            // partial sums, so the additions happen in another order).
            Assert.Equal(got[0][key], got[1][key]);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - got[0][key][i]) <= 1e-5f,
                $"{key}[{i}]: single {e[i]}, DDP {got[0][key][i]}");
        }
    }

    [Fact]
    public void OneRank_IsExactlyThePlainModule()
    {
        var data = Batches(5, 8);
        var plain = NewMlp(3);
        var wrapped = NewMlp(3);
        ThreadCommunicator.Run(1, comm =>
        {
            using var ddp = new DistributedDataParallel(wrapped, ProcessGroup.Create(comm));
            var o1 = new Adam(plain.Parameters(), lr: 0.01);
            var o2 = new Adam(wrapped.Parameters(), lr: 0.01);
            foreach (var (x, y) in data)
            {
                o1.ZeroGrad();
                F.CrossEntropy(plain.Call(x), y).Backward();
                o1.Step();
                o2.ZeroGrad();
                F.CrossEntropy(ddp.Call(x), y).Backward();
                o2.Step();
            }
        });
        var a = Weights(plain);
        foreach (var (k, v) in Weights(wrapped)) Assert.Equal(a[k], v);
    }

    [Fact]
    public void Buckets_FollowReverseRegistrationOrder_AndTheCap()
    {
        ThreadCommunicator.Run(1, comm =>
        {
            var net = NewMlp(0);
            // fc3 (8x3 + 3 = 27 floats), fc2 (16x8 + 8 = 136), fc1 (6x16 + 16 = 112); cap 600 bytes = 150 floats.
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm), bucketCapMB: 600 / 1048576.0);
            var names = new List<string>();
            foreach (var (n, _) in net.NamedParameters()) names.Add(n);
            var buckets = ddp.Buckets;
            Assert.Equal(3, buckets.Count);
            Assert.Equal(["fc3.bias", "fc3.weight", "fc2.bias"], Names(buckets[0]));
            Assert.Equal(["fc2.weight", "fc1.bias"], Names(buckets[1]));
            Assert.Equal(["fc1.weight"], Names(buckets[2]));
            Assert.Equal([(3 + 24 + 8) * 4L, (128 + 16) * 4L, 96 * 4L], [buckets[0].Bytes, buckets[1].Bytes,
                buckets[2].Bytes]);
            Assert.Equal((27 + 136 + 112) * 4L, ddp.GradientBytesPerStep);

            List<string> Names(GradBucket b) => [.. System.Linq.Enumerable.Select(b.ParameterIndices, i => names[i])];
        });
    }

    [Fact]
    public void AParameterLargerThanTheCap_GetsABucketOfItsOwn()
    {
        var ps = new List<Tensor>
        {
            Tensor.Zeros(10), Tensor.Zeros(1000), Tensor.Zeros(10), Tensor.Zeros([5], DType.Float64),
        };
        var buckets = ReducerBuckets(ps, capBytes: 100);
        // Reverse order; dtype changes split buckets; the 4000-byte tensor sits alone.
        Assert.Equal([[3], [2], [1], [0]], buckets);
        Assert.Equal([[3], [2, 1, 0]], ReducerBuckets(ps, capBytes: 1 << 20));
    }

    private static List<int[]> ReducerBuckets(List<Tensor> ps, long capBytes) => Reducer.AssignBuckets(ps, capBytes);

    [Fact]
    public void Buckets_AreLaunchedInOrder_DuringBackward()
    {
        var launched = new List<int>[2];
        ThreadCommunicator.Run(2, comm =>
        {
            var net = NewMlp(0);
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm), bucketCapMB: 600 / 1048576.0);
            Assert.True(ddp.OverlapsCommunication);
            var order = launched[comm.Rank] = [];
            ddp.BucketLaunched = order.Add;
            var (x, y) = Batches(1, 4)[0];
            F.CrossEntropy(ddp.Call(x), y).Backward();
            Assert.Equal([0, 1, 2], order);
            order.Clear();
            F.CrossEntropy(ddp.Call(x), y).Backward();   // the next step launches them again
            Assert.Equal([0, 1, 2], order);
        });
    }

    [Fact]
    public void NoSync_AccumulatesLocally_ThenTheNextBackwardAveragesTheSums()
    {
        var grads = new float[2][];
        Mlp[] nets = [NewMlp(0), NewMlp(0)];
        var reference = NewMlp(0);
        ThreadCommunicator.Run(2, comm =>
        {
            var net = nets[comm.Rank];
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm));
            var x = Tensor.Full([2, 6], comm.Rank + 1.0f);
            using (ddp.NoSync()) ddp.Call(x).Sum().Backward();
            ddp.Call(x).Sum().Backward();
            foreach (var p in net.Parameters()) { grads[comm.Rank] = p.Grad!.AsReadOnlySpan<float>().ToArray(); }
        });
        Assert.Equal(grads[0], grads[1]);

        // The reference: the mean over ranks of each rank's two accumulated backward passes.
        foreach (float v in (float[])[1f, 2f])
            for (int k = 0; k < 2; k++) (reference.Call(Tensor.Full([2, 6], v)).Sum() / 2f).Backward();
        float[] expected = [.. System.Linq.Enumerable.Last(reference.Parameters()).Grad!.AsReadOnlySpan<float>()];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], grads[0][i], 1e-5f);
    }

    [Fact]
    public void UnusedParameters_FailWithAHint_OrAreFound_WhenAsked()
    {
        Branchy[] nets = [new(), new()];
        ThreadCommunicator.Run(2, comm =>
        {
            var net = nets[comm.Rank];
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm));
            var e = Assert.Throws<InvalidOperationException>(() => ddp.Call(Tensor.Ones(1, 4)).Sum().Backward());
            Assert.Contains("findUnusedParameters", e.Message, StringComparison.Ordinal);
            Assert.Contains("fc2.weight", e.Message, StringComparison.Ordinal);
        });

        var grads = new Tensor?[2][];
        nets = [new(), new() { UseSecond = true }];
        ThreadCommunicator.Run(2, comm =>
        {
            var net = nets[comm.Rank];
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm), findUnusedParameters: true);
            ddp.Call(Tensor.Ones(1, 4)).Sum().Backward();
            grads[comm.Rank] = [.. System.Linq.Enumerable.Select(net.Parameters(), p => p.Grad)];
        });
        // fc2 is used on rank 1 only: both ranks get its averaged gradient (half of rank 1's).
        for (int i = 0; i < 4; i++)
            Assert.Equal(grads[0][i]!.AsReadOnlySpan<float>().ToArray(),
                grads[1][i]!.AsReadOnlySpan<float>().ToArray());

        var unusedEverywhere = new Tensor?[2];
        nets = [new(), new()];
        ThreadCommunicator.Run(2, comm =>
        {
            var net = nets[comm.Rank];
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm), findUnusedParameters: true);
            ddp.Call(Tensor.Ones(1, 4)).Sum().Backward();
            unusedEverywhere[comm.Rank] = System.Linq.Enumerable.Last(net.Parameters()).Grad;
        });
        Assert.Null(unusedEverywhere[0]);   // no rank used fc2: its gradient stays null, as in PyTorch
    }

    [Fact]
    public void StateDict_KeepsTheInnerNames_AndLoadAcceptsThePyTorchPrefix()
    {
        var net = NewMlp(0);
        var other = NewMlp(9);
        ThreadCommunicator.Run(1, comm =>
        {
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm));
            Assert.Equal(net.StateDict().Keys, ddp.StateDict().Keys);
            var prefixed = new Dictionary<string, Tensor>();
            foreach (var (k, v) in other.StateDict()) prefixed["module." + k] = v;
            ddp.LoadStateDict(prefixed);
            Assert.Equal(Weights(other)["fc1.weight"], Weights(net)["fc1.weight"]);
            net.LoadStateDict(DistributedDataParallel.StripModulePrefix(prefixed));
        });
    }

    [Fact]
    public void ACheckpointSavedFromTheWrapper_LoadsIntoASingleProcessModel()
    {
        var net = NewMlp(4);
        var plain = NewMlp(5);
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ddp-{Guid.NewGuid():N}.safetensors");
        try
        {
            ThreadCommunicator.Run(1, comm =>
            {
                using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm));
                Ember.IO.ModuleWeights.SaveWeights(ddp, path);
            });
            Ember.IO.ModuleWeights.LoadWeights(plain, path);   // strict: same keys, no "module." prefix
            Assert.Equal(Weights(net)["fc3.bias"], Weights(plain)["fc3.bias"]);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void Buffers_ComeFromRankZero()
    {
        var means = new float[2][];
        ThreadCommunicator.Run(2, comm =>
        {
            var bn = new BatchNorm1d(3);
            var net = new Sequential(new Linear(2, 3), bn);
            using (Autograd.NoGrad()) bn.RunningMean!.Fill_(comm.Rank + 5f);
            using var ddp = new DistributedDataParallel(net, ProcessGroup.Create(comm));
            means[comm.Rank] = bn.RunningMean!.AsReadOnlySpan<float>().ToArray();
        });
        Assert.Equal([5f, 5f, 5f], means[0]);
        Assert.Equal(means[0], means[1]);
    }
}
