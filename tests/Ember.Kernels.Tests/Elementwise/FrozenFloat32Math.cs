using System;
using System.Runtime.Intrinsics;

namespace Ember.Kernels.Tests;

/// <summary>Float32Math's exp/expm1/σ/tanh kernels at commit 5ea18f3, Vector256 form (the Vector512 form ran
/// the same operations lane for lane), frozen as the oracle of <c>Float32MathFrozenTests</c> and of the exhaustive
/// check bench/Ember.Bench/MathBitsCheck.cs (which compiles this file in).</summary>
internal static class FrozenFloat32Math
{
    private const double RoundMagic = 6755399441055744.0;
    private const double Ln2Hi = 0.6931471805599453, Ln2Lo = 2.3190468138462996e-17;
    private const double ExpP0 = 0.4999999999964064, ExpP1 = 0.16666666666634003, ExpP2 = 0.04166666699573133,
        ExpP3 = 0.008333333363241924, ExpP4 = 0.001388880423068948, ExpP5 = 0.00019841192896462366,
        ExpP6 = 2.4884464604700138e-05, ExpP7 = 2.7632647938885e-06;

    public static void Exp(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, "exp");

    public static void Expm1(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, "expm1");

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, "sigmoid");

    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, "tanh");

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
