using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests.Optim;

/// <summary>
/// The fused optimizer step (one multi-threaded pass over all parameters) gives bit-identical parameters and state for
/// any thread count, over parameters that span several chunks and end in vector tails.
/// </summary>
[Collection(SerialCollection.Name)]
public class FusedStepTests
{
    // 40,000 elements span three chunks; 37 and 129 end in scalar tails.
    private static readonly int[][] s_shapes = [[200, 200], [37], [3, 43]];

    public static TheoryData<string> Names() =>
    [
        "sgd", "sgd-nesterov", "adam", "adamw-amsgrad", "rmsprop-centered", "adagrad", "adamax", "nadam", "radam",
    ];

    private static Optimizer Create(string name, Parameter[] ps) => name switch
    {
        "sgd" => new SGD(ps, lr: 0.01),
        "sgd-nesterov" => new SGD(ps, lr: 0.01, momentum: 0.9, weightDecay: 1e-3, nesterov: true),
        "adam" => new Adam(ps, lr: 1e-2, weightDecay: 1e-3),
        "adamw-amsgrad" => new AdamW(ps, lr: 1e-2, amsgrad: true, maximize: true),
        "rmsprop-centered" => new RMSprop(ps, lr: 1e-2, momentum: 0.5, centered: true),
        "adagrad" => new Adagrad(ps, lr: 1e-2, lrDecay: 0.1),
        "adamax" => new Adamax(ps, lr: 1e-2),
        "nadam" => new NAdam(ps, lr: 1e-2),
        "radam" => new RAdam(ps, lr: 1e-2),
        _ => throw new ArgumentException(name),
    };

    private static List<float[]> Train(string name, DType dtype, int threads)
    {
        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = threads;
            var g = new Generator(3);
            var ps = s_shapes.Select(s => new Parameter(Tensor.Randn(s, g, dtype))).ToArray();
            var opt = Create(name, ps);
            for (int step = 0; step < 8; step++) // RAdam rectifies from step 6
            {
                foreach (var p in ps) p.Grad = Tensor.Randn(p.Shape, g, dtype);
                opt.Step();
            }
            var result = ps.Select(p => p.Detach().To(DType.Float32).ToArray<float>()).ToList();
            foreach (var entry in opt.StateDict().State.Values)
                foreach (var t in entry.Values.OfType<Tensor>())
                    result.Add(t.To(DType.Float32).ToArray<float>());
            return result;
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void BitIdenticalForAnyThreadCount(string name)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var one = Train(name, dtype, 1);
            Assert.Equal(one, Train(name, dtype, 2));
            Assert.Equal(one, Train(name, dtype, 3));
        }
    }

    [Fact]
    public void ParametersBeforeARejectedOneAreStillUpdated()
    {
        var good = new Parameter(Tensor.Ones([50_000]));
        var bad = new Parameter(Tensor.Ones([4]));
        good.Grad = Tensor.Ones([50_000]);
        bad.Grad = Tensor.Ones([5]);
        var opt = new Adam([good, bad], lr: 0.1);
        var e = Assert.Throws<InvalidOperationException>(() => opt.Step());
        Assert.Contains("does not match parameter", e.Message, StringComparison.Ordinal);
        Assert.All(good.Detach().ToArray<float>(), v => Assert.Equal(0.9f, v, 1e-6f));
        Assert.All(bad.Detach().ToArray<float>(), v => Assert.Equal(1f, v));
    }
}
