using System.Collections.Generic;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// An LSTM's forward and backward give bit-identical outputs and gradients for any thread count: the per-step
/// products run inline on the calling thread (<c>WorkerPool.RunInline</c>) while the input projection and the
/// weight-gradient products (big enough to split) use the pool, and the pool never splits a reduction.
/// </summary>
[Collection(SerialCollection.Name)]
public class RecurrentThreadCountTests
{
    private static List<float[]> ForwardBackward(int threads)
    {
        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = threads;
            Tensor.ManualSeed(5);
            var lstm = new LSTM(64, 128, numLayers: 2);
            Tensor x = Tensor.Randn(12, 32, 64).RequiresGrad_();
            Tensor y = lstm.Call(x).Output;
            (y * y).Sum().Backward();
            var values = new List<float[]> { y.Detach().ToArray<float>(), x.Grad!.ToArray<float>() };
            foreach (var p in lstm.Parameters()) values.Add(p.Grad!.ToArray<float>());
            return values;
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Fact]
    public void LstmForwardAndBackwardAreBitIdenticalForAnyThreadCount()
    {
        List<float[]> one = ForwardBackward(1);
        Assert.Equal(2 + 8, one.Count);
        Assert.All(one, a => Assert.All(a, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(one, ForwardBackward(2));
        Assert.Equal(one, ForwardBackward(4));
    }
}
