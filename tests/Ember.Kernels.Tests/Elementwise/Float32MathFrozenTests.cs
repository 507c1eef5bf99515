using System;
using System.Runtime.Intrinsics;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// exp, expm1, σ and tanh give the very bits of the kernels as they were before the issue 17 transcendental pass
/// (which removed operations from them: no NaN select in exp, no upper clamp or special lanes in tanh's expm1, one
/// negation less in the reduction). <see cref="Frozen"/> keeps a copy of those kernels; ~1.5M bit patterns, range
/// values and edge cases per function go through the Vector512 (where accelerated), Vector256 and scalar paths. The
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
        Frozen.Map(x, expected, f);
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
        Frozen.Map(x, y, "tanh");
        Assert.Equal([0f, -0f, MathF.Tanh(1f), MathF.Tanh(-2.5f), 1f, float.NaN, -1f, 1e-30f], y);
        Assert.True(float.IsNegative(y[1]));
        Frozen.Map(x, y, "sigmoid");
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

    /// <summary>Float32Math's exp/expm1/σ/tanh kernels at commit 5ea18f3, Vector256 form (the Vector512 form ran
    /// the same operations lane for lane). The same copy is the oracle of bench/Ember.Bench/MathBitsCheck.cs.</summary>
    private static class Frozen
    {
        private const double RoundMagic = 6755399441055744.0;
        private const double Ln2Hi = 0.6931471805599453, Ln2Lo = 2.3190468138462996e-17;
        private const double ExpP0 = 0.4999999999964064, ExpP1 = 0.16666666666634003, ExpP2 = 0.04166666699573133,
            ExpP3 = 0.008333333363241924, ExpP4 = 0.001388880423068948, ExpP5 = 0.00019841192896462366,
            ExpP6 = 2.4884464604700138e-05, ExpP7 = 2.7632647938885e-06;

        public static void Map(ReadOnlySpan<float> x, Span<float> y, string f)
        {
            for (int i = 0; i + 8 <= y.Length; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
                Vector256.Narrow(Eval(lo, f), Eval(hi, f)).CopyTo(y.Slice(i, 8));
            }
        }

        private static Vector256<double> Eval(Vector256<double> x, string f) => f switch
        {
            "exp" => ExpD(x),
            "expm1" => Expm1D(x),
            "sigmoid" => Vector256<double>.One / (Vector256<double>.One + ExpD(-x)),
            _ => TanhD(x),
        };

        private static Vector256<double> TanhD(Vector256<double> x)
        {
            Vector256<double> t = Expm1D(Vector256.Create(-2.0) * Vector256.Abs(x));
            Vector256<double> th = -t / (t + Vector256.Create(2.0));
            return (th.AsUInt64() | (x.AsUInt64() & Vector256.Create(0x8000_0000_0000_0000UL))).AsDouble();
        }

        private static Vector256<double> ExpD(Vector256<double> x)
        {
            Vector256<double> q = ExpCore(x, out Vector256<double> scale);
            return Vector256.ConditionalSelect(Vector256.Equals(x, x), Vector256.FusedMultiplyAdd(scale, q, scale), x);
        }

        private static Vector256<double> Expm1D(Vector256<double> x)
        {
            Vector256<double> q = ExpCore(x, out Vector256<double> scale);
            Vector256<double> passThrough = ~Vector256.Equals(x, x) | Vector256.Equals(x, Vector256<double>.Zero);
            return Vector256.ConditionalSelect(passThrough, x,
                Vector256.FusedMultiplyAdd(scale, q, scale - Vector256<double>.One));
        }

        private static Vector256<double> ExpCore(Vector256<double> x, out Vector256<double> scale)
        {
            Vector256<double> xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-700.0)), Vector256.Create(700.0));
            Vector256<double> magic = Vector256.Create(RoundMagic);
            Vector256<double> t = xc * Vector256.Create(1.4426950408889634) + magic;
            Vector256<double> k = t - magic;
            Vector256<double> r = Vector256.FusedMultiplyAdd(-k, Vector256.Create(Ln2Hi), xc);
            r = Vector256.FusedMultiplyAdd(-k, Vector256.Create(Ln2Lo), r);
            Vector256<double> p = Vector256.Create(ExpP7);
            p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP6));
            p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP5));
            p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP4));
            p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP3));
            p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP2));
            p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP1));
            p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP0));
            Vector256<double> q = Vector256.FusedMultiplyAdd(p * r, r, r);
            scale = ((t.AsUInt64() - magic.AsUInt64() + Vector256.Create(1023UL)) << 52).AsDouble();
            return q;
        }
    }
}
