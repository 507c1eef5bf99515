using System.Linq;
using Ember.NN;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// A LeNet-shaped CNN (6 and 16 channels, the shapes that take the direct small-channel convolution kernels on
/// AVX-512) trains to bit-identical weights for any thread count: the convolution splits its batch into chunks that
/// depend only on the shapes, and the direct weight gradient's vector partial sums run in a fixed order per chunk.
/// </summary>
[Collection(SerialCollection.Name)]
public class ConvTrainingThreadTests
{
    private static float[] TrainLeNet(int steps)
    {
        var g = new Generator(11);
        var model = new Sequential(
            new Conv2d(1, 6, kernelSize: 5, padding: 2, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 16, kernelSize: 5, generator: g), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(16 * 5 * 5, 10, generator: g));
        var opt = new SGD(model.Parameters(), lr: 0.01, momentum: 0.9);
        var x = Tensor.Randn([32, 1, 28, 28], g);
        var y = Tensor.Randn([32, 10], g);
        for (int i = 0; i < steps; i++)
        {
            opt.ZeroGrad();
            F.MseLoss(model.Call(x), y).Backward();
            opt.Step();
        }
        return model.Parameters().SelectMany(p => p.Detach().ToArray<float>()).ToArray();
    }

    private static float[] WithThreads(int threads, int steps)
    {
        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = threads;
            return TrainLeNet(steps);
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Fact]
    public void LeNetTrainingIsBitIdenticalForAnyThreadCount()
    {
        float[] one = WithThreads(1, 3);
        Assert.All(one, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(one, WithThreads(2, 3));
        Assert.Equal(one, WithThreads(4, 3));
    }
}
