using System;
using System.Linq;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>The layer modules around the functional ops: shapes, unbatched input, errors, printing, higher-order
/// gradients.</summary>
public class LayerModuleTests
{
    [Fact]
    public void ConvLayersProduceTheDocumentedShapes()
    {
        var g = new Generator(1);
        Assert.Equal([2, 8, 28, 28],
            new Conv2d(3, 8, 5, padding: "same", generator: g).Call(Tensor.Zeros(2, 3, 28, 28)).Shape.ToArray());
        Assert.Equal([2, 8, 28, 28],
            new Conv2d(3, 8, (4, 2), padding: Padding.Same, dilation: 3, generator: g).Call(Tensor.Zeros(2, 3, 28, 28))
            .Shape.ToArray());
        Assert.Equal([2, 8, 13, 14],
            new Conv2d(3, 8, (3, 5), stride: (2, 2), padding: (0, 2), generator: g).Call(Tensor.Zeros(2, 3, 28, 28))
            .Shape.ToArray());
        Assert.Equal([8, 26, 26],
            new Conv2d(3, 8, 3, generator: g).Call(Tensor.Zeros(3, 28, 28)).Shape.ToArray());   // unbatched
        Assert.Equal([4, 6, 10],
            new Conv1d(2, 6, 3, padding: "same", generator: g).Call(Tensor.Zeros(4, 2, 10)).Shape.ToArray());
        Assert.Equal([4, 6, 4],
            new Conv1d(4, 6, 3, stride: 2, groups: 2, generator: g).Call(Tensor.Zeros(4, 4, 10)).Shape.ToArray());
        Assert.Equal([2, 5, 56, 56],
            new ConvTranspose2d(3, 5, 3, stride: 2, padding: 1, outputPadding: 1, generator: g)
            .Call(Tensor.Zeros(2, 3, 28, 28)).Shape.ToArray());
        Assert.Equal([2, 3, 4, 4], new AdaptiveAvgPool2d(4).Call(Tensor.Zeros(2, 3, 9, 7)).Shape.ToArray());
        Assert.Equal([2, 3, 14, 14], new AvgPool2d(2).Call(Tensor.Zeros(2, 3, 28, 28)).Shape.ToArray());
        Assert.Equal([2, 3, 4], new MaxPool1d(2).Call(Tensor.Zeros(2, 3, 9)).Shape.ToArray());
        var (y, idx) = new MaxPool2d(2).ForwardWithIndices(Tensor.Arange(0, 16, 1, DType.Float32).Reshape(1, 1, 4, 4));
        Assert.Equal(new[] { 5f, 7, 13, 15 }, y.ToArray<float>());
        Assert.Equal(new long[] { 5, 7, 13, 15 }, idx.ToArray<long>());
        Assert.Equal([2, 1, 28, 28], new Unflatten(1, [1, 28, -1]).Call(Tensor.Zeros(2, 784)).Shape.ToArray());
        Assert.Equal([2, 784], new Flatten().Call(Tensor.Zeros(2, 1, 28, 28)).Shape.ToArray());
        var x = Tensor.Zeros(3);
        Assert.Same(x, new Identity().Call(x));
    }

    [Fact]
    public void LayerErrorsNameTheLayerAndTheShapes()
    {
        var conv = new Conv2d(3, 8, 3);
        var channels = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Zeros(2, 4, 8, 8)));
        Assert.Contains("expected input with 3 channels (dim 1), got [2, 4, 8, 8]", channels.Message);
        Assert.Contains("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))", channels.Message);
        var rank = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Zeros(8, 8)));
        Assert.Contains("expected 3-D (unbatched) or 4-D (batched) input, got [8, 8]", rank.Message);
        var small =
            Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(1, 3, 2, 2), Tensor.Zeros(8, 3, 3, 3)));
        Assert.Contains("kernel size (3, 3) (dilated) can't be greater than the padded input size per channel (2 x 2)",
            small.Message);
        var groups =
            Assert.Throws<ArgumentException>(() =>
            F.Conv2d(Tensor.Zeros(1, 4, 5, 5), Tensor.Zeros(6, 3, 3, 3), groups: 2));
        Assert.Contains("given groups=2, weight of size [6, 3, 3, 3], expected input[1, 4, 5, 5] to have 6 channels, " +
            "but got 4 channels instead", groups.Message);
        var same =
            Assert.Throws<ArgumentException>(() =>
            F.Conv2d(Tensor.Zeros(1, 3, 5, 5), Tensor.Zeros(6, 3, 3, 3), stride: 2, padding: "same"));
        Assert.Contains("padding='same' is not supported for strided convolutions", same.Message);
        var ints = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Zeros([1, 3, 8, 8], DType.Int64)));
        Assert.Contains("Convert it with x.To(DType.Float32)", ints.Message);
        var pad = Assert.Throws<ArgumentException>(() => F.MaxPool2d(Tensor.Zeros(1, 1, 4, 4), 2, padding: 2));
        Assert.Contains("pad should be at most half of the kernel size", pad.Message);
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 8, 3, groups: 2));
        Assert.Throws<ArgumentException>(() => (Padding)"full");
        Assert.Equal(DType.Float32,
            conv.Call(Tensor.Zeros([1, 3, 4, 4], DType.Float64)).DType);   // float64 input is cast like Linear does
    }

    [Fact]
    public void LayersPrintAsPyTorch()
    {
        Assert.Equal("Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))",
            new Conv2d(1, 6, 5, padding: 2).ToString());
        Assert.Equal("Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding='same', dilation=(2, 2), groups=2, " +
            "bias=False)",
            new Conv2d(4, 8, 3, padding: "same", dilation: 2, groups: 2, bias: false).ToString());
        Assert.Equal("Conv1d(2, 4, kernel_size=(3,), stride=(2,), padding=(1,))",
            new Conv1d(2, 4, 3, stride: 2, padding: 1).ToString());
        Assert.Equal("ConvTranspose2d(3, 5, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))",
            new ConvTranspose2d(3, 5, 3, stride: 2, padding: 1, outputPadding: 1).ToString());
        Assert.Equal("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
            new MaxPool2d(2).ToString());
        Assert.Equal("BatchNorm1d(10, eps=0.001, momentum=None, affine=True, track_running_stats=True)",
            new BatchNorm1d(10, eps: 1e-3, momentum: null).ToString());
        Assert.Equal("LayerNorm((64,), eps=1e-05, elementwise_affine=True)", new LayerNorm(64).ToString());
        Assert.Equal("GroupNorm(4, 64, eps=1e-05, affine=True)", new GroupNorm(4, 64).ToString());
        Assert.Equal("Embedding(10, 3, padding_idx=0)", new Embedding(10, 3, paddingIdx: 0).ToString());
        Assert.Equal("Unflatten(dim=1, unflattened_size=(1, 28, 28))", new Unflatten(1, [1, 28, 28]).ToString());
    }

    [Fact]
    public void ConvolutionInputGradientsDifferentiateAgain()
    {
        var w = Tensor.From(Enumerable.Range(0, 2 * 2 * 3 * 3).Select(i => Math.Cos(i * 0.7)).ToArray(), [2, 2, 3, 3]);
        double[] x0 = Enumerable.Range(0, 2 * 2 * 5 * 4).Select(i => Math.Sin(i * 1.3)).ToArray();
        LossGoldenTests.CheckHessianVectorProduct(x => F.Conv2d(x, w, padding: 1, stride: (2, 1)).Pow(3).Sum(), x0,
            [2, 2, 5, 4]);
        LossGoldenTests.CheckHessianVectorProduct(x => F.ConvTranspose2d(x, w, stride: 2).Pow(3).Sum(), x0,
            [2, 2, 5, 4]);
        LossGoldenTests.CheckHessianVectorProduct(x => F.MaxPool2d(x, 2).Pow(3).Sum(), x0, [2, 2, 5, 4]);
        LossGoldenTests.CheckHessianVectorProduct(x => F.AvgPool2d(x, 2, padding: 1).Pow(3).Sum(), x0, [2, 2, 5, 4]);
        LossGoldenTests.CheckHessianVectorProduct(x => F.AdaptiveAvgPool2d(x, (3, 2)).Pow(3).Sum(), x0, [2, 2, 5, 4]);
        var x1 = Tensor.From(x0, [2, 2, 5, 4], requiresGrad: true);
        var trainable = w.Detach().RequiresGrad_();
        F.Conv2d(x1, trainable).Pow(2).Sum().Backward(createGraph: false);
        var ex =
            Assert.Throws<NotSupportedException>(() =>
            F.Conv2d(x1, trainable).Pow(2).Sum().Backward(createGraph: true));
        Assert.Contains("double backward of ConvolutionBackward0 with respect to the weight is not supported yet",
            ex.Message);
    }

    [Fact]
    public void AdjointPoolNodesAreNamedAsPyTorch()
    {
        var x = Tensor.Randn([1, 1, 4, 4], new Generator(2), DType.Float64).RequiresGrad_();
        F.AvgPool2d(x, 2).Pow(2).Sum().Backward(createGraph: true);
        Assert.Equal("AvgPool2DBackwardBackward0", x.Grad!.GradFn!.Name);
        x.Grad = null;
        F.MaxPool2d(x, 2).Pow(2).Sum().Backward(createGraph: true);
        Assert.NotNull(x.Grad!.GradFn);
    }
}

/// <summary>Thread-count changes are process-wide, so this runs in the serial collection.</summary>
[Collection(SerialCollection.Name)]
public class LayerThreadingTests
{
    [Fact]
    public void BatchParallelConvolutionIsDeterministic()
    {
        var g = new Generator(4);
        var x = Tensor.Randn([32, 8, 20, 20], g).RequiresGrad_();
        var conv = new Conv2d(8, 16, 3, padding: 1, generator: g);
        int threads = Ember.Kernels.WorkerPool.ThreadCount;
        float[] Run(int t)
        {
            Ember.Kernels.WorkerPool.ThreadCount = t;
            conv.ZeroGrad();
            x.Grad = null;
            conv.Call(x).Square().Sum().Backward();
            return conv.Weight.Grad!.ToArray<float>().Concat(x.Grad!.ToArray<float>()).ToArray();
        }
        try
        {
            Assert.Equal(Run(1), Run(Math.Max(2, threads)));
        }
        finally
        {
            Ember.Kernels.WorkerPool.ThreadCount = threads;
        }
    }
}
