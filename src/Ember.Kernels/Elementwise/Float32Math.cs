using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

/// <summary>
/// Float32 transcendentals accurate to within 1 ulp of the correctly rounded result. Each float is widened to double,
/// the function is evaluated by a double-precision kernel (relative error around 1e-15, far below half a float ulp),
/// and the result is rounded once to float. Contiguous runs go sixteen floats at a time through
/// <see cref="Vector512{T}"/> where it is accelerated and eight at a time through <see cref="Vector256{T}"/>
/// otherwise; a single element goes through the very same kernel in one lane, so the scalar and vector paths give
/// bit-identical results whatever the tensor length and the machine. Lanes a kernel does not cover (huge sine
/// arguments, <c>pow</c>'s special cases) fall back to the BCL's double functions one lane at a time, decided by that
/// lane's value alone.
/// </summary>
public static partial class Float32Math
{
    /// <summary><c>eˣ</c> of each element.</summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y) => Map<ExpKernel>(x, y);
    /// <summary><c>ln x</c> of each element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Log(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length > x.Length) throw new ArgumentException("Destination is longer than the source.", nameof(y));
        int n = y.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        if (Wide)
        {
            for (; i + 16 <= n; i += 16) LogF(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i + 8 <= n; i += 8) LogF(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        if (i < n) LogTail(x[i..n], y[i..]);
    }
    /// <summary><c>ln(1 + x)</c> of each element.</summary>
    public static void Log1p(ReadOnlySpan<float> x, Span<float> y) => Map<Log1pKernel>(x, y);
    /// <summary><c>eˣ - 1</c> of each element.</summary>
    public static void Expm1(ReadOnlySpan<float> x, Span<float> y) => Map<Expm1Kernel>(x, y);
    /// <summary><c>tanh x</c> of each element.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Map<TanhKernel>(x, y);
    /// <summary><c>1 / (1 + e⁻ˣ)</c> of each element.</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Map<SigmoidKernel>(x, y);
    /// <summary><c>sin x</c> of each element.</summary>
    public static void Sin(ReadOnlySpan<float> x, Span<float> y) => Map<SinKernel>(x, y);
    /// <summary><c>cos x</c> of each element.</summary>
    public static void Cos(ReadOnlySpan<float> x, Span<float> y) => Map<CosKernel>(x, y);

    /// <summary><c>erf x</c> of each element (double-precision <see cref="SpecialFunctions.Erf"/>, rounded
    /// once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Erf(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Erf(x[i]);
    }

    /// <summary><c>eˣ</c>.</summary>
    public static float Exp(float x) => Lane<ExpKernel>(x);
    /// <summary><c>ln x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Log(float x) => LogF(Vector256.Create(x)).ToScalar();
    /// <summary><c>ln(1 + x)</c>.</summary>
    public static float Log1p(float x) => Lane<Log1pKernel>(x);
    /// <summary><c>eˣ - 1</c>.</summary>
    public static float Expm1(float x) => Lane<Expm1Kernel>(x);
    /// <summary><c>tanh x</c>.</summary>
    public static float Tanh(float x) => Lane<TanhKernel>(x);
    /// <summary><c>1 / (1 + e⁻ˣ)</c>.</summary>
    public static float Sigmoid(float x) => Lane<SigmoidKernel>(x);
    /// <summary><c>sin x</c>.</summary>
    public static float Sin(float x) => Lane<SinKernel>(x);
    /// <summary><c>cos x</c>.</summary>
    public static float Cos(float x) => Lane<CosKernel>(x);
    /// <summary><c>erf x</c>.</summary>
    public static float Erf(float x) => (float)SpecialFunctions.Erf(x);

    /// <summary><c>xʸ</c>.</summary>
    public static float Pow(float x, float y) =>
        (float)PowD(Vector256.Create((double)x), Vector256.Create((double)y)).ToScalar();

    /// <summary><c>z = xʸ</c> element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pow(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        int n = z.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        if (Wide)
        {
            for (; i + 16 <= n; i += 16)
            {
                (Vector512<double> xl, Vector512<double> xh) = Vector512.Widen(Vector512.LoadUnsafe(ref xr, (nuint)i));
                (Vector512<double> yl, Vector512<double> yh) = Vector512.Widen(Vector512.LoadUnsafe(ref yr, (nuint)i));
                Vector512.Narrow(PowD(xl, yl), PowD(xh, yh)).StoreUnsafe(ref zr, (nuint)i);
            }
        }
        for (; i + 8 <= n; i += 8)
        {
            (Vector256<double> xl, Vector256<double> xh) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
            (Vector256<double> yl, Vector256<double> yh) = Vector256.Widen(Vector256.LoadUnsafe(ref yr, (nuint)i));
            Vector256.Narrow(PowD(xl, yl), PowD(xh, yh)).StoreUnsafe(ref zr, (nuint)i);
        }
        for (; i < n; i++) z[i] = Pow(x[i], y[i]);
    }

    /// <summary><c>z = xʸ</c> with one exponent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pow(ReadOnlySpan<float> x, float y, Span<float> z)
    {
        int n = z.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        if (Wide)
        {
            Vector512<double> yw = Vector512.Create((double)y);
            for (; i + 16 <= n; i += 16)
            {
                (Vector512<double> xl, Vector512<double> xh) = Vector512.Widen(Vector512.LoadUnsafe(ref xr, (nuint)i));
                Vector512.Narrow(PowD(xl, yw), PowD(xh, yw)).StoreUnsafe(ref zr, (nuint)i);
            }
        }
        Vector256<double> yv = Vector256.Create((double)y);
        for (; i + 8 <= n; i += 8)
        {
            (Vector256<double> xl, Vector256<double> xh) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
            Vector256.Narrow(PowD(xl, yv), PowD(xh, yv)).StoreUnsafe(ref zr, (nuint)i);
        }
        for (; i < n; i++) z[i] = Pow(x[i], y);
    }

    /// <summary><c>z = xʸ</c> with one base.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pow(float x, ReadOnlySpan<float> y, Span<float> z)
    {
        int n = z.Length, i = 0;
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        if (Wide)
        {
            Vector512<double> xw = Vector512.Create((double)x);
            for (; i + 16 <= n; i += 16)
            {
                (Vector512<double> yl, Vector512<double> yh) = Vector512.Widen(Vector512.LoadUnsafe(ref yr, (nuint)i));
                Vector512.Narrow(PowD(xw, yl), PowD(xw, yh)).StoreUnsafe(ref zr, (nuint)i);
            }
        }
        Vector256<double> xv = Vector256.Create((double)x);
        for (; i + 8 <= n; i += 8)
        {
            (Vector256<double> yl, Vector256<double> yh) = Vector256.Widen(Vector256.LoadUnsafe(ref yr, (nuint)i));
            Vector256.Narrow(PowD(xv, yl), PowD(xv, yh)).StoreUnsafe(ref zr, (nuint)i);
        }
        for (; i < n; i++) z[i] = Pow(x, y[i]);
    }

    [ThreadStatic] private static bool t_vector256Only;

    /// <summary>Test switch: on this thread, keep to the Vector256 path even where Vector512 is accelerated (the
    /// property tests run both widths and compare them bit for bit).</summary>
    internal static bool Vector256Only
    {
        get => t_vector256Only;
        set => t_vector256Only = value;
    }

    private static bool Wide => Vector512.IsHardwareAccelerated && !t_vector256Only;

    private interface IKernel
    {
        static abstract Vector256<double> Eval(Vector256<double> x);
        static abstract Vector512<double> Eval(Vector512<double> x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Lane<TKernel>(float x) where TKernel : IKernel =>
        (float)TKernel.Eval(Vector256.Create((double)x)).ToScalar();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Map<TKernel>(ReadOnlySpan<float> x, Span<float> y) where TKernel : IKernel
    {
        if (y.Length > x.Length) throw new ArgumentException("Destination is longer than the source.", nameof(y));
        int n = y.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        if (Wide)
        {
            for (; i + 16 <= n; i += 16)
            {
                (Vector512<double> lo, Vector512<double> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref xr, (nuint)i));
                Vector512.Narrow(TKernel.Eval(lo), TKernel.Eval(hi)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i + 8 <= n; i += 8)
        {
            (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
            Vector256.Narrow(TKernel.Eval(lo), TKernel.Eval(hi)).StoreUnsafe(ref yr, (nuint)i);
        }
        if (i < n) Tail<TKernel>(x[i..n], y[i..]);
    }

    // The last n % 8 elements through one more vector step on a padded copy (lanes are independent, so each
    // element gets the bits the full-vector and scalar paths give it).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tail<TKernel>(ReadOnlySpan<float> x, Span<float> y) where TKernel : IKernel
    {
        Span<float> buffer = stackalloc float[8];
        buffer.Clear();
        x.CopyTo(buffer);
        Vector256<float> v = Vector256.Create<float>(buffer);
        (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(v);
        Vector256.Narrow(TKernel.Eval(lo), TKernel.Eval(hi)).CopyTo(buffer);
        buffer[..x.Length].CopyTo(y);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void LogTail(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> buffer = stackalloc float[8];
        buffer.Fill(1);
        x.CopyTo(buffer);
        LogF(Vector256.Create<float>(buffer)).CopyTo(buffer);
        buffer[..x.Length].CopyTo(y);
    }

    // 1.5·2⁵²: adding it rounds a double of magnitude < 2⁵¹ to an integer, which lands in the low mantissa bits.
    private const double RoundMagic = 6755399441055744.0;
    private const double Ln2Hi = 0.6931471805599453, Ln2Lo = 2.3190468138462996e-17;

    // Minimax coefficients from tools/golden/float32_math_fit.py (which also measures the error bounds quoted).
    private const double ExpP0 = 0.4999999999964064, ExpP1 = 0.16666666666634003, ExpP2 = 0.04166666699573133,
        ExpP3 = 0.008333333363241924, ExpP4 = 0.001388880423068948, ExpP5 = 0.00019841192896462366,
        ExpP6 = 2.4884464604700138e-05, ExpP7 = 2.7632647938885e-06;
    private const double LogP0 = 0.33333333336921483, LogP1 = 0.1999999793093055, LogP2 = 0.14286057005113745,
        LogP3 = 0.11087551557339834, LogP4 = 0.09804447293603186;
    private const double SinP0 = -0.16666666666638902, SinP1 = 0.008333333325679853,
        SinP2 = -0.0001984126376632518, SinP3 = 2.7555309980729792e-06, SinP4 = -2.475657737851712e-08;
    private const double CosP0 = -0.49999999999639533, CosP1 = 0.041666666567303536,
        CosP2 = -0.001388888100142899, CosP3 = 2.479897824425678e-05, CosP4 = -2.7173457462694317e-07;

    // <twin> Everything from here to </twin> is the Vector256 form of the kernels; tools/KernelGen writes its
    // Vector512 twin (Float32Math.Vector512.Generated.cs) by replacing Vector256 with Vector512 and the 4-lane mask
    // 0xF with 0xFF, so both widths run the same operations in the same order and give the same bits.
    private readonly partial struct ExpKernel : IKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static Vector256<double> Eval(Vector256<double> x) => ExpD(x);
    }

    private readonly partial struct Log1pKernel : IKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static Vector256<double> Eval(Vector256<double> x)
        {
            // For a float x with |x| ≥ 2⁻²⁹, 1 + x is exact in double. Below that, ln(1 + x) = x - x²/2 + ... differs
            // from x by less than 2⁻³⁰ relative, under a quarter of a float ulp, so x itself is the rounded result.
            Vector256<double> tiny = Vector256.LessThan(Vector256.Abs(x), Vector256.Create(1.862645149230957e-9));
            return Vector256.ConditionalSelect(tiny, x, LogD(Vector256<double>.One + x));
        }
    }

    private readonly partial struct Expm1Kernel : IKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static Vector256<double> Eval(Vector256<double> x) => Expm1D(x);
    }

    private readonly partial struct TanhKernel : IKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static Vector256<double> Eval(Vector256<double> x)
        {
            // tanh|x| = -t / (t + 2) with t = expm1(-2|x|): no cancellation near 0, exactly 1 for large |x|. As
            // t ≤ 0, that is |t / (t + 2)|, and x's sign goes on it in one bit select; so t needs no Expm1D special
            // lanes (±0 and NaN come out right without them, see ExpCore) and -2|x| ≤ 0 no upper clamp.
            Vector256<double> a = Vector256.Create(-2.0) * Vector256.Abs(x);
            Vector256<double> q = ExpCore(a, out Vector256<double> scale, nonPositive: true);
            Vector256<double> t = Vector256.FusedMultiplyAdd(scale, q, scale - Vector256<double>.One);
            return Vector256.ConditionalSelect(Vector256.Create(0x8000_0000_0000_0000UL).AsDouble(), x,
                t / (t + Vector256.Create(2.0)));
        }
    }

    private readonly partial struct SigmoidKernel : IKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static Vector256<double> Eval(Vector256<double> x) =>
            Vector256<double>.One / (Vector256<double>.One + ExpD(-x));
    }

    private readonly partial struct SinKernel : IKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static Vector256<double> Eval(Vector256<double> x) => SinCos(x, cos: false);
    }

    private readonly partial struct CosKernel : IKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static Vector256<double> Eval(Vector256<double> x) => SinCos(x, cos: true);
    }

    /// <summary>eˣ in double for any double x (NaN stays NaN; beyond ±700 the result saturates, which float
    /// rounding turns into 0 or ∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static Vector256<double> ExpD(Vector256<double> x)
    {
        // A NaN lane needs no select: it stays NaN through ExpCore and the FMA (see ExpCore).
        Vector256<double> q = ExpCore(x, out Vector256<double> scale);
        return Vector256.FusedMultiplyAdd(scale, q, scale);
    }

    /// <summary>eˣ - 1 in double, accurate relative to the result near 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static Vector256<double> Expm1D(Vector256<double> x)
    {
        // 2ᵏ·(1 + q) - 1 = 2ᵏ·q + (2ᵏ - 1), where 2ᵏ - 1 is exact; for |x| ≤ ln2/2, k = 0 and the result is q itself.
        Vector256<double> q = ExpCore(x, out Vector256<double> scale);
        // NaN and ±0 (whose sign the polynomial would lose) pass through.
        Vector256<double> passThrough = ~Vector256.Equals(x, x) | Vector256.Equals(x, Vector256<double>.Zero);
        return Vector256.ConditionalSelect(passThrough, x,
            Vector256.FusedMultiplyAdd(scale, q, scale - Vector256<double>.One));
    }

    /// <summary>Splits x (clamped to ±700) as k·ln2 + r and returns q = eʳ - 1 with <paramref name="scale"/> =
    /// 2ᵏ, so that eˣ = 2ᵏ·(1 + q). A NaN lane gives a NaN q (Max and Min propagate NaN, then every operation
    /// does); ±0 gives q = +0. <paramref name="nonPositive"/>: the caller's x is never above 0 (or NaN), so the
    /// upper clamp is left out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> ExpCore(Vector256<double> x, out Vector256<double> scale,
        bool nonPositive = false)
    {
        Vector256<double> xc = Vector256.Max(x, Vector256.Create(-700.0));
        if (!nonPositive) xc = Vector256.Min(xc, Vector256.Create(700.0));
        Vector256<double> magic = Vector256.Create(RoundMagic);
        Vector256<double> t = xc * Vector256.Create(1.4426950408889634) + magic;
        // -k, exact (magic - t = -(t - magic), also when both are 0 but for the sign, which q does not keep).
        Vector256<double> nk = magic - t;
        // r = x - k·ln2 in two steps (Cody-Waite), |r| ≤ ln2/2.
        Vector256<double> r = Vector256.FusedMultiplyAdd(nk, Vector256.Create(Ln2Hi), xc);
        r = Vector256.FusedMultiplyAdd(nk, Vector256.Create(Ln2Lo), r);
        // eʳ - 1 = r + r²·P(r), P a minimax polynomial of degree 7 on |r| ≤ 0.34658 (Remez, coefficients rounded
        // to double): relative error of r + r²·P(r) against eʳ - 1 below 1.6e-13 (tools/golden/float32_math_fit.py).
        Vector256<double> p = Vector256.Create(ExpP7);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP0));
        Vector256<double> q = Vector256.FusedMultiplyAdd(p * r, r, r);
        // 2ᵏ from k's integer bits (|k| ≤ 1010, inside the normal exponent range).
        scale = ((t.AsUInt64() - magic.AsUInt64() + Vector256.Create(1023UL)) << 52).AsDouble();
        return q;
    }

    /// <summary>ln x of floats: the reduction x = m·2ᵏ is exact in float (all lanes at once), the polynomial runs in
    /// double on the two halves, and the result is rounded once. Lanes other than positive normal floats (0,
    /// subnormals, negatives, ∞, NaN) take <see cref="LogD(Vector256{double})"/> out of line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> LogF(Vector256<float> x)
    {
        // k = (bits - bits(√½)) >> 23 (arithmetic) and m = bits - k·2²³ put m in [√½, √2) (√½ rounded to float);
        // f = m - 1 is exact (Sterbenz) and k small, so both widen to double exactly.
        Vector256<int> bits = x.AsInt32();
        Vector256<int> k = Vector256.ShiftRightArithmetic(bits - Vector256.Create(0x3F3504F3), 23);
        Vector256<float> f = (bits - Vector256.ShiftLeft(k, 23)).AsSingle() - Vector256<float>.One;
        (Vector256<double> flo, Vector256<double> fhi) = Vector256.Widen(f);
        (Vector256<double> klo, Vector256<double> khi) = Vector256.Widen(Vector256.ConvertToSingle(k));
        Vector256<float> r = Vector256.Narrow(LogReduced(flo, klo), LogReduced(fhi, khi));
        Vector256<float> regular = Vector256.GreaterThanOrEqual(x, Vector256.Create(1.17549435e-38f))
            & Vector256.LessThan(x, Vector256.Create(float.PositiveInfinity));
        return Vector256.EqualsAll(regular.AsUInt32(), Vector256<uint>.AllBitsSet) ? r : LogFSpecial(x, r, regular);
    }

    /// <summary>ln(1 + f) + k·ln2 for f in [√½ - 1, √2 - 1): the reduced argument of both LogF and LogCore.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> LogReduced(Vector256<double> f, Vector256<double> k)
    {
        // ln(1 + f) = 2·atanh(s) = 2s + 2s·z·P(z), s = f/(f + 2), z = s², |s| ≤ 0.1716; P a minimax polynomial of
        // degree 4 on z ≤ 0.02944 (Remez): relative error of the sum against ln(1 + f) below 5.4e-14.
        Vector256<double> s = f / (f + Vector256.Create(2.0));
        Vector256<double> z = s * s;
        Vector256<double> p = Vector256.Create(LogP4);
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(LogP3));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(LogP2));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(LogP1));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(LogP0));
        Vector256<double> twoS = s + s;
        Vector256<double> lnm = Vector256.FusedMultiplyAdd(twoS * z, p, twoS);
        return Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Hi),
            Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Lo), lnm));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> LogFSpecial(Vector256<float> x, Vector256<float> r, Vector256<float> regular)
    {
        (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(x);
        return Vector256.ConditionalSelect(regular, r, Vector256.Narrow(LogD(lo), LogD(hi)));
    }

    /// <summary>ln x in double for x a widened float or any positive normal double; 0 → -∞, negative → NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static Vector256<double> LogD(Vector256<double> x)
    {
        Vector256<double> r = LogCore(x);
        Vector256<double> regular = Vector256.GreaterThan(x, Vector256<double>.Zero)
            & Vector256.LessThan(x, Vector256.Create(double.PositiveInfinity));
        // (Masks compare as bits: an all-ones double lane is a NaN, which == would never match.)
        return Vector256.ExtractMostSignificantBits(regular) == 0xF ? r : LogSpecial(x, r, regular);
    }

    /// <summary>ln x for positive finite x (other lanes give garbage).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> LogCore(Vector256<double> x)
    {
        Vector256<ulong> bits = x.AsUInt64();
        // x = m·2ᵉ with m in [√½, √2).
        Vector256<double> m = ((bits & Vector256.Create(0x000F_FFFF_FFFF_FFFFUL))
            | Vector256.Create(0x3FF0_0000_0000_0000UL)).AsDouble();
        Vector256<double> e = ((bits >> 52) | Vector256.Create(0x4330_0000_0000_0000UL)).AsDouble()
            - Vector256.Create(4503599627370496.0 + 1023);
        Vector256<double> big = Vector256.GreaterThan(m, Vector256.Create(1.4142135623730951));
        m = Vector256.ConditionalSelect(big, m * Vector256.Create(0.5), m);
        e += big & Vector256<double>.One;
        // m - 1 is exact (Sterbenz), and (m - 1) + 2 rounds m + 1 once, as m + 1 itself would.
        return LogReduced(m - Vector256<double>.One, e);
    }

    // Out of line (zero, negative, NaN and ∞ lanes are rare): ln 0 = -∞, ln ∞ = ∞, NaN otherwise.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> LogSpecial(Vector256<double> x, Vector256<double> r, Vector256<double> regular)
    {
        Vector256<double> inf = Vector256.Create(double.PositiveInfinity);
        Vector256<double> special = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), -inf,
            Vector256.ConditionalSelect(Vector256.Equals(x, inf), inf, Vector256.Create(double.NaN)));
        return Vector256.ConditionalSelect(regular, r, special);
    }

    /// <summary>sin or cos in double; lanes beyond 2¹⁶ (and ±∞) fall back to <see cref="Math.Sin"/> /
    /// <see cref="Math.Cos"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> SinCos(Vector256<double> x, bool cos)
    {
        Vector256<double> magic = Vector256.Create(RoundMagic);
        Vector256<double> t = x * Vector256.Create(0.63661977236758138) + magic;
        Vector256<double> n = t - magic;
        Vector256<ulong> q = t.AsUInt64() & Vector256.Create(3UL);
        // r = x - n·π/2 with π/2 in three parts. For |x| < 2¹⁶ from a float, x - n·p1 is exact (both are multiples
        // of 2⁻⁵² and the difference is below 1), so r keeps full relative precision.
        Vector256<double> r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(1.5707963267948966), x);
        r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(6.123233995736766e-17), r);
        r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(-1.4973849048591698e-33), r);
        // sin r = r + r·z·S(z) and cos r = 1 + z·C(z), z = r² ≤ (π/4)², with S and C minimax polynomials of degree
        // 4 (Remez): relative error below 9e-15 (sin) and 1.4e-13 (cos).
        Vector256<double> z = r * r;
        Vector256<double> ps = Vector256.Create(SinP4);
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(SinP3));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(SinP2));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(SinP1));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(SinP0));
        Vector256<double> sin = Vector256.FusedMultiplyAdd(r * z, ps, r);
        Vector256<double> pc = Vector256.Create(CosP4);
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(CosP3));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(CosP2));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(CosP1));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(CosP0));
        Vector256<double> cosv = Vector256.FusedMultiplyAdd(z, pc, Vector256<double>.One);
        // sin(r + qπ/2) and cos(r + qπ/2) by quadrant.
        if (cos) q += Vector256.Create(1UL);
        Vector256<double> swap = Vector256.Equals(q & Vector256.Create(1UL), Vector256.Create(1UL)).AsDouble();
        Vector256<ulong> negate = (q & Vector256.Create(2UL)) << 62;
        Vector256<double> res = (Vector256.ConditionalSelect(swap, cosv, sin).AsUInt64() ^ negate).AsDouble();
        // sin(±0) = ±0.
        if (!cos) res = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), x, res);
        Vector256<double> far = ~Vector256.LessThanOrEqual(Vector256.Abs(x), Vector256.Create(65536.0))
            & Vector256.Equals(x, x);
        return Vector256.ExtractMostSignificantBits(far) == 0 ? res : FarSinCos(x, res, far, cos);
    }

    // Out of line: indexing lanes by a variable would make the JIT keep the whole kernel's vectors in memory.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> FarSinCos(Vector256<double> x, Vector256<double> res, Vector256<double> far,
        bool cos)
    {
        for (int i = 0; i < Vector256<double>.Count; i++)
        {
            double xi = x.GetElement(i);
            if (far.GetElement(i) != 0) res = res.WithElement(i, cos ? Math.Cos(xi) : Math.Sin(xi));
        }
        return res;
    }

    /// <summary>xʸ in double: exp(y·ln x) for finite x &gt; 0 and finite y; every other lane (zero, negative or
    /// non-finite base, non-finite exponent) goes to <see cref="Math.Pow"/> on its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> PowD(Vector256<double> x, Vector256<double> y)
    {
        Vector256<double> inf = Vector256.Create(double.PositiveInfinity);
        Vector256<double> res = ExpD(y * LogCore(x));
        Vector256<double> regular = Vector256.GreaterThan(x, Vector256<double>.Zero) & Vector256.LessThan(x, inf)
            & Vector256.LessThan(Vector256.Abs(y), inf);
        if (Vector256.ExtractMostSignificantBits(regular) != 0xF) res = IrregularPow(x, y, res, regular);
        // Exact cases: x¹ = x, and x² = x·x (exact in double for a float x, so rounded once).
        res = Vector256.ConditionalSelect(Vector256.Equals(y, Vector256.Create(2.0)), x * x, res);
        return Vector256.ConditionalSelect(Vector256.Equals(y, Vector256<double>.One), x, res);
    }

    // Out of line for the same reason as FarSinCos.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> IrregularPow(Vector256<double> x, Vector256<double> y, Vector256<double> res,
        Vector256<double> regular)
    {
        for (int i = 0; i < Vector256<double>.Count; i++)
            if (regular.GetElement(i) == 0) res = res.WithElement(i, Math.Pow(x.GetElement(i), y.GetElement(i)));
        return res;
    }
    // </twin>
}
