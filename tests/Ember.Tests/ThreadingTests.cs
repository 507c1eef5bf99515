using System;
using System.Linq;
using System.Threading.Tasks;
using Ember.NN;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>
/// <see cref="Threading"/>: training is bit-identical for every thread count, and concurrent callers (two models
/// trained on two threads, parallel inference) all complete with exactly the single-threaded results.
/// </summary>
[Collection(SerialCollection.Name)]
public class ThreadingTests
{
    // Big enough that the matrix products, the element-wise ops and the optimizer step all split over threads.
    private static float[] TrainMlp(int seed, int steps)
    {
        var g = new Generator(seed);
        var model = new Sequential(new Linear(256, 512, generator: g), new ReLU(), new Linear(512, 10, generator: g));
        var opt = new Adam(model.Parameters(), lr: 1e-3);
        var x = Tensor.Randn([128, 256], g);
        var y = Tensor.Randn([128, 10], g);
        for (int i = 0; i < steps; i++)
        {
            opt.ZeroGrad();
            F.MseLoss(model.Call(x), y).Backward();
            opt.Step();
        }
        return model.Parameters().SelectMany(p => p.Detach().ToArray<float>()).ToArray();
    }

    private static T WithThreads<T>(int threads, Func<T> run)
    {
        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = threads;
            return run();
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Fact]
    public void TrainingIsBitIdenticalForAnyThreadCount()
    {
        var one = WithThreads(1, () => TrainMlp(5, 4));
        Assert.Equal(one, WithThreads(2, () => TrainMlp(5, 4)));
        Assert.Equal(one, WithThreads(4, () => TrainMlp(5, 4)));
    }

    [Fact]
    public void TwoModelsTrainedConcurrentlyMatchSequentialTraining()
    {
        var expected = WithThreads(1, () => new[] { TrainMlp(1, 6), TrainMlp(2, 6) });
        var actual = WithThreads(2, () =>
        {
            var a = Task.Run(() => TrainMlp(1, 6));
            var b = Task.Run(() => TrainMlp(2, 6));
            return Task.WhenAll(a, b).GetAwaiter().GetResult();
        });
        Assert.Equal(expected[0], actual[0]);
        Assert.Equal(expected[1], actual[1]);
    }

    [Fact]
    public void ConcurrentInferenceRequestsMatchSingleThreadedResults()
    {
        var g = new Generator(9);
        var model = new Sequential(new Linear(300, 400, generator: g), new ReLU(), new Linear(400, 20, generator: g));
        var inputs = Enumerable.Range(0, 8).Select(_ => Tensor.Randn([64, 300], g)).ToArray();
        float[] Infer(Tensor x)
        {
            using (Autograd.NoGrad()) return model.Call(x).ToArray<float>();
        }
        var expected = WithThreads(1, () => inputs.Select(Infer).ToArray());
        var actual = WithThreads(2, () =>
        {
            var tasks = inputs.Select(x => Task.Run(() => Enumerable.Range(0, 5).Select(_ => Infer(x)).ToArray()));
            return Task.WhenAll(tasks).GetAwaiter().GetResult();
        });
        for (int i = 0; i < inputs.Length; i++)
            Assert.All(actual[i], r => Assert.Equal(expected[i], r));
    }

    [Fact]
    public void ThreadCountIsTheKernelPoolsSettingAndRejectsZero()
    {
        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = 3;
            Assert.Equal(3, Ember.Kernels.WorkerPool.ThreadCount);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Threading.ThreadCount = 0);
            Assert.Contains("expected at least 1 thread, got 0", e.Message, StringComparison.Ordinal);
            Assert.Equal(3, Threading.ThreadCount);
            Assert.Equal(Math.Max(1, Environment.ProcessorCount), Threading.DefaultThreadCount);
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }
}
