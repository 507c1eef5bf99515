using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// The vectorized optimizer kernels give every element exactly the result of the scalar loop (the same kernel over a
/// one-element span takes the scalar path), so any split of a parameter over threads is bit-identical.
/// </summary>
public class OptimizerKernelsTests
{
    private delegate void Kernel<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2);

    public static TheoryData<string> Names() =>
    [
        "sgd", "sgd-first", "sgd-nesterov-wd-max", "adam", "adam-amsgrad-wd-max", "adamw-amsgrad", "rmsprop",
        "rmsprop-centered-momentum-wd", "adagrad-wd", "adamax-wd-max", "nadam-wd", "radam-rect", "radam-unrect",
    ];

    private static Kernel<T> Get<T>(string name) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        name switch
        {
            "sgd" => (p, g, a, b, c) => OptimizerKernels.Sgd(p, g, a, false, 0.1, 0.9, 0.1, 0, false, false),
            "sgd-first" => (p, g, a, b, c) => OptimizerKernels.Sgd(p, g, a, true, 0.1, 0.9, 0, 0, false, false),
            "sgd-nesterov-wd-max" => (p, g, a, b, c) =>
                OptimizerKernels.Sgd(p, g, a, false, 0.03, 0.8, 0, 0.01, true, true),
            "adam" => (p, g, a, b, c) =>
                OptimizerKernels.Adam(p, g, a, b, c, 3, 1e-3, 0.9, 0.999, 1e-8, 0, false, false),
            "adam-amsgrad-wd-max" => (p, g, a, b, c) =>
                OptimizerKernels.Adam(p, g, a, b, c, 7, 1e-2, 0.8, 0.99, 1e-6, 0.1, true, true),
            "adamw-amsgrad" => (p, g, a, b, c) =>
                OptimizerKernels.Adam(p, g, a, b, c, 2, 1e-2, 0.9, 0.999, 1e-8, 0.01, true, false, true),
            "rmsprop" => (p, g, a, b, c) =>
                OptimizerKernels.RmsProp(p, g, a, default, default, 1e-2, 0.99, 1e-8, 0, 0, false, false),
            "rmsprop-centered-momentum-wd" => (p, g, a, b, c) =>
                OptimizerKernels.RmsProp(p, g, a, b, c, 1e-2, 0.9, 1e-6, 0.1, 0.5, true, true),
            "adagrad-wd" => (p, g, a, b, c) => OptimizerKernels.Adagrad(p, g, a, 0.05, 1e-10, 0.1, false),
            "adamax-wd-max" => (p, g, a, b, c) =>
                OptimizerKernels.Adamax(p, g, a, b, 4, 2e-3, 0.9, 0.999, 1e-8, 0.1, true),
            "nadam-wd" => (p, g, a, b, c) =>
                OptimizerKernels.NAdam(p, g, a, b, 0.003, -1e-3, -2e-3, 0.9, 0.999, 1e-8, 0.1),
            "radam-rect" => (p, g, a, b, c) =>
                OptimizerKernels.RAdam(p, g, a, b, 0.5, 0.2, 0.7, 1e-3, 0.9, 0.999, 1e-8, 0.1),
            "radam-unrect" => (p, g, a, b, c) =>
                OptimizerKernels.RAdam(p, g, a, b, 0.5, 0.2, -1, 1e-3, 0.9, 0.999, 1e-8, 0),
            _ => throw new ArgumentException(name),
        };

    [Theory]
    [MemberData(nameof(Names))]
    public void VectorPathMatchesScalarPathBitForBit_Float32(string name) => Check<float>(name);

    [Theory]
    [MemberData(nameof(Names))]
    public void VectorPathMatchesScalarPathBitForBit_Float64(string name) => Check<double>(name);

    private static void Check<T>(string name) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int n = 203; // vectors plus a tail for every vector width
        var rng = new Random(12);
        T[] Rand(bool positive) => Array.ConvertAll(new T[n],
            _ => T.CreateTruncating(positive ? rng.NextDouble() : rng.NextDouble() * 2 - 1));
        T[] p = Rand(false), g = Rand(false), b0 = Rand(true), b1 = Rand(true), b2 = Rand(true);
        T[] p2 = (T[])p.Clone(), b02 = (T[])b0.Clone(), b12 = (T[])b1.Clone(), b22 = (T[])b2.Clone();
        var kernel = Get<T>(name);
        for (int step = 0; step < 3; step++)
        {
            kernel(p, g, b0, b1, b2);
            for (int i = 0; i < n; i++)
                kernel(p2.AsSpan(i, 1), g.AsSpan(i, 1), b02.AsSpan(i, 1), b12.AsSpan(i, 1), b22.AsSpan(i, 1));
        }
        Assert.Equal(p2, p);
        Assert.Equal(b02, b0);
        Assert.Equal(b12, b1);
        Assert.Equal(b22, b2);
        Assert.NotEqual(g, p); // the kernel did something
    }

    [Fact]
    public void MismatchedLengthsThrowNamingTheBuffer()
    {
        var e = Assert.Throws<ArgumentException>(() => OptimizerKernels.Adam<float>(new float[16], new float[16],
            new float[16], new float[15], default, 1, 1e-3, 0.9, 0.999, 1e-8, 0, false, false));
        Assert.Contains("expAvgSq has 15 elements, expected 16", e.Message, StringComparison.Ordinal);
    }
}
