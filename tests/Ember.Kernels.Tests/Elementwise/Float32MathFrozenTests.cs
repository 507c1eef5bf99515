using System;
using System.Runtime.Intrinsics;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// exp, expm1, σ and tanh give the very bits of the kernels as they were before the issue 17 transcendental pass
/// (which removed operations from them: no NaN select in exp, no upper clamp or special lanes in tanh's expm1, one
/// negation less in the reduction). <see cref="FrozenFloat32Math"/> keeps a copy of those kernels; ~1.5M bit
/// patterns, range values and edge cases per function go through the Vector512 (where accelerated), Vector256 and
/// scalar paths. The
/// exhaustive check over all 2³² inputs is <c>Ember.Bench --workload mathcheck</c> (design notes).
/// </summary>
public class Float32MathFrozenTests
{
    public static TheoryData<string> Functions() => ["exp", "expm1", "sigmoid", "tanh"];

    [Theory]
    [MemberData(nameof(Functions))]
    public void AllPathsGiveTheFrozenKernelsBits(string f)
    {
        float[] x = Float32MathTests.Inputs(f, 4242);
        Array.Resize(ref x, x.Length / 8 * 8);
        float[] expected = new float[x.Length], wide = new float[x.Length], narrow = new float[x.Length];
        FrozenFloat32Math.Map(x, expected, f);
        Run(f, x, wide);
        Float32Math.Vector256Only = true;
        try { Run(f, x, narrow); }
        finally { Float32Math.Vector256Only = false; }
        for (int i = 0; i < x.Length; i++)
        {
            float lane = f switch
            {
                "exp" => Float32Math.Exp(x[i]),
                "expm1" => Float32Math.Expm1(x[i]),
                "sigmoid" => Float32Math.Sigmoid(x[i]),
                _ => Float32Math.Tanh(x[i]),
            };
            if (!Same(wide[i], expected[i]) || !Same(narrow[i], expected[i]) || !Same(lane, expected[i]))
            {
                Assert.Fail($"{f}(0x{BitConverter.SingleToUInt32Bits(x[i]):X8}): frozen {expected[i]:R}, "
                    + $"wide {wide[i]:R}, Vector256 {narrow[i]:R}, scalar {lane:R}");
            }
        }
    }

    [Fact]
    public void TheFrozenCopyIsNotTrivial()
    {
        float[] x = [0f, -0f, 1f, -2.5f, 20f, float.NaN, float.NegativeInfinity, 1e-30f];
        float[] y = new float[8];
        FrozenFloat32Math.Map(x, y, "tanh");
        Assert.Equal([0f, -0f, MathF.Tanh(1f), MathF.Tanh(-2.5f), 1f, float.NaN, -1f, 1e-30f], y);
        Assert.True(float.IsNegative(y[1]));
        FrozenFloat32Math.Map(x, y, "sigmoid");
        Assert.Equal(0.5f, y[0]);
        Assert.Equal(1f / (1f + MathF.Exp(2.5f)), y[3], 6);
    }

    private static void Run(string f, float[] x, float[] y)
    {
        switch (f)
        {
            case "exp": Float32Math.Exp(x, y); break;
            case "expm1": Float32Math.Expm1(x, y); break;
            case "sigmoid": Float32Math.Sigmoid(x, y); break;
            default: Float32Math.Tanh(x, y); break;
        }
    }

    private static bool Same(float a, float b) =>
        float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b);
}
