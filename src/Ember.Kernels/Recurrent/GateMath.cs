using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ember.Kernels;

/// <summary>
/// float32 σ and tanh for the recurrent gate kernels (<see cref="LstmKernels"/>, <see cref="GruKernels"/>):
/// evaluated in float lanes with FMA polynomials and a real division (no approximate reciprocal), within 2 ulp of
/// the correctly rounded result over all 2³² inputs (PyTorch 1.13's own CPU LSTM uses float Sleef kernels of a few
/// ulp; <see cref="Float32Math"/> keeps its ≤ 1 ulp bar for the tensor ops). The Vector512, Vector256 and scalar paths
/// run the same operations in the same order, so every width gives the same bits on every machine.
/// </summary>
/// <remarks>
/// e^−a for a ≥ 0: k = round(−a·log₂e), r = −a − k·ln2 (two-part ln2, exact first step),
/// e^r = 1 + (r + r²P(r)), e^−a = e^r·2^k. σ(x) = n/(1 + t) with t = e^−|x| and n = 1 (x ≥ 0) or t (x &lt; 0), then
/// one correction step n − t·σ (an FMA); for x &lt; 0 scaled by 2^−k (n = e^r), times 2^k at the end in two
/// exact-power steps, so a subnormal result is rounded once.
/// tanh(x) = x + x·x²Q(x²) below |x| = 0.55, else 1 − q with q = 2t/(1 + t), t = e^−2|x| (corrected as σ), x's
/// sign put back. NaN gives its input. Coefficients: tools/golden/gate_math_fit.py.
/// </remarks>
public static partial class GateMath
{
    // e^r = 1 + r + r²(P0 + P1 r + ... + P4 r⁴), |r| ≤ ln2/2: 3.9e-9 relative (float coefficients).
    private const float P0 = 0.4999999403953552f, P1 = 0.1666652113199234f, P2 = 0.0416683666408062f;
    private const float P3 = 0.008368694223463535f, P4 = 0.001381624024361372f;

    // tanh(x) = x + x z (Q0 + Q1 z + ... + Q4 z⁴), z = x², |x| < 0.55: 4.6e-9 relative.
    private const float Q0 = -0.33333319425582886f, Q1 = 0.13332624733448029f, Q2 = -0.0538516491651535f;
    private const float Q3 = 0.021055808290839195f, Q4 = -0.006238850299268961f;

    private const float Log2E = 1.4426950216293335f, Ln2Hi = 0.6931471824645996f, Ln2Lo = -1.9046542121259336e-09f;

    // 1.5·2²³: adding it rounds to an integer; its bits minus MagicBits are that integer.
    private const float Magic = 12582912f;
    private const int MagicBits = 0x4B400000;

    // σ: e^-120 is far below half the smallest subnormal; tanh: 1 − 2e^-20 rounds to 1.
    private const float SigmoidCap = 120f, TanhCap = 10f, TanhSmall = 0.55f;

    // σ's t = e^−|x| in 1 + t and the correction step: below 2^-64 it no longer matters, so t stays a normal float
    // there and only the last multiply makes a subnormal result (subnormal operands are slow on x86).
    private const int MinScale = -64;

    // |x| below it in every lane (so no NaN either): σ's cap is a no-op, k ≥ −123 and the result s·2^k (s ≥ 0.35)
    // is normal, so one exact scale gives the two-step scaling's bits (that one matters for subnormal results).
    private const float SigmoidFast = 85f;

    /// <summary>σ(x) = 1 / (1 + e^−x), float32, within 2 ulp; the same bits as the vector overloads' lanes.</summary>
    /// <param name="x">The argument.</param>
    /// <returns>σ(x); NaN for NaN.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Sigmoid(float x)
    {
        float a = MathF.Abs(x);
        a = a < SigmoidCap ? a : SigmoidCap;
        float p = ExpParts(a, out int k), t = p * Pow2(Math.Max(k, MinScale));
        bool positive = x >= 0f;
        float n = positive ? 1f : p, s0 = n / (t + 1f);
        float s = MathF.FusedMultiplyAdd(-t, s0, n);
        int ke = positive ? 0 : k, k1 = ke >> 1;
        s = s * Pow2(k1) * Pow2(ke - k1);
        return float.IsNaN(x) ? x : s;
    }

    /// <summary>tanh(x), float32, within 2 ulp; the same bits as the vector overloads' lanes.</summary>
    /// <param name="x">The argument.</param>
    /// <returns>tanh(x); NaN for NaN.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        if (a < TanhSmall)
        {
            float z = x * x;
            float q = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(
                MathF.FusedMultiplyAdd(Q4, z, Q3), z, Q2), z, Q1), z, Q0);
            return Signed(MathF.FusedMultiplyAdd(x * z, q, x), x);
        }
        if (float.IsNaN(x)) return x;
        a = a < TanhCap ? a : TanhCap;
        float t = ExpParts(a + a, out int k), t2;
        t *= Pow2(k);
        t2 = t + t;
        float q0 = t2 / (t + 1f), q1 = MathF.FusedMultiplyAdd(-t, q0, t2);
        return Signed(1f - q1, x);
    }

    // y with x's sign bit or'ed in (as the vector paths do).
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Signed(float y, float x) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(y)
        | (BitConverter.SingleToInt32Bits(x) & int.MinValue));

    /// <summary>e^−a = (the result)·2^k for 0 ≤ a ≤ 120, the result in [0.7, 1.42] (see the remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ExpParts(float a, out int k)
    {
        float sum = MathF.FusedMultiplyAdd(a, -Log2E, Magic);
        k = BitConverter.SingleToInt32Bits(sum) - MagicBits;
        float kf = sum - Magic;
        float r = MathF.FusedMultiplyAdd(kf, -Ln2Hi, -a);
        r = MathF.FusedMultiplyAdd(kf, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(
            MathF.FusedMultiplyAdd(P4, r, P3), r, P2), r, P1), r, P0);
        return MathF.FusedMultiplyAdd(r * r, p, r) + 1f;
    }

    // 2^k for -126 ≤ k ≤ 127.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Pow2(int k) => BitConverter.Int32BitsToSingle((k + 127) << 23);

    // <twin> Everything from here to </twin> is the Vector256 form of the kernels; tools/KernelGen writes its
    // Vector512 twin (GateMath.Vector512.Generated.cs) by replacing Vector256 with Vector512, so both widths run the
    // same operations in the same order and give the same bits.
    /// <summary>σ of each lane (see <see cref="Sigmoid(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>σ of each lane.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> a = Vector256.Abs(x), one = Vector256<float>.One;
        // Every lane below SigmoidFast: no cap, one scale, no NaN lane, with the general path's bits.
        bool fast = Vector256.LessThanAll(a, Vector256.Create(SigmoidFast));
        Vector256<float> cap = Vector256.Create(SigmoidCap);
        if (!fast) a = Vector256.ConditionalSelect(Vector256.LessThan(a, cap), a, cap);
        Vector256<float> p = ExpParts(a, out Vector256<int> k);
        Vector256<float> t = p * Pow2(Vector256.Max(k, Vector256.Create(MinScale)));
        Vector256<float> positive = Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero);
        Vector256<float> n = Vector256.ConditionalSelect(positive, one, p), s0 = n / (t + one);
        Vector256<float> s = Vector256.FusedMultiplyAdd(-t, s0, n);
        Vector256<int> ke = Vector256.ConditionalSelect(positive.AsInt32(), Vector256<int>.Zero, k);
        if (fast) return s * Pow2(ke);
        Vector256<int> k1 = Vector256.ShiftRightArithmetic(ke, 1);
        s = s * Pow2(k1) * Pow2(ke - k1);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), s, x);
    }

    /// <summary>tanh of each lane (see <see cref="Tanh(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>tanh of each lane.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> a = Vector256.Abs(x), z = x * x;
        Vector256<float> q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.Create(Q4), z, Vector256.Create(Q3)), z, Vector256.Create(Q2)), z,
            Vector256.Create(Q1)), z, Vector256.Create(Q0));
        Vector256<float> poly = Vector256.FusedMultiplyAdd(x * z, q, x), cap = Vector256.Create(TanhCap);
        Vector256<float> ac = Vector256.ConditionalSelect(Vector256.LessThan(a, cap), a, cap);
        Vector256<float> t = ExpParts(ac + ac, out Vector256<int> k);
        t *= Pow2(k);
        Vector256<float> t2 = t + t, q0 = t2 / (t + Vector256<float>.One);
        Vector256<float> big = Vector256<float>.One - Vector256.FusedMultiplyAdd(-t, q0, t2);
        // x's sign on both branches: the polynomial's x + x·(−…) is +0 for x = −0.
        Vector256<float> r = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(TanhSmall)), poly, big)
            | (x & Vector256.Create(-0f));
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), r, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> ExpParts(Vector256<float> a, out Vector256<int> k)
    {
        Vector256<float> sum = Vector256.FusedMultiplyAdd(a, Vector256.Create(-Log2E), Vector256.Create(Magic));
        k = sum.AsInt32() - Vector256.Create(MagicBits);
        Vector256<float> kf = sum - Vector256.Create(Magic);
        Vector256<float> r = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Hi), -a);
        r = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.Create(P4), r, Vector256.Create(P3)), r, Vector256.Create(P2)), r,
            Vector256.Create(P1)), r, Vector256.Create(P0));
        return Vector256.FusedMultiplyAdd(r * r, p, r) + Vector256<float>.One;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> Pow2(Vector256<int> k) =>
        Vector256.ShiftLeft(k + Vector256.Create(127), 23).AsSingle();
    // </twin>

    /// <summary>σ of every element: <c>y[i] = σ(x[i])</c> (<paramref name="y"/> may be <paramref name="x"/>), the
    /// widest vector the machine runs, then the scalar path; the same bits at every width.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the AVX2 gate path's loops (tier-0 SIMD is slow)
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length, j = 0;
        if (y.Length < n)
            throw new ArgumentException($"GateMath.Sigmoid: the destination holds {y.Length} elements, {n} expected.");
        ref float xr = ref MemoryMarshal.GetReference(x), yr = ref MemoryMarshal.GetReference(y);
        if (LstmKernels.Wide<float>())
            for (; j + 16 <= n; j += 16) Sigmoid(Vector512.LoadUnsafe(ref xr, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= n; j += 8) Sigmoid(Vector256.LoadUnsafe(ref xr, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
        for (; j < n; j++) Unsafe.Add(ref yr, j) = Sigmoid(Unsafe.Add(ref xr, j));
    }

    /// <summary>tanh of every element: <c>y[i] = tanh(x[i])</c> (<paramref name="y"/> may be <paramref name="x"/>),
    /// as <see cref="Sigmoid(ReadOnlySpan{float}, Span{float})"/>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the AVX2 gate path's loops (tier-0 SIMD is slow)
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length, j = 0;
        if (y.Length < n)
            throw new ArgumentException($"GateMath.Tanh: the destination holds {y.Length} elements, {n} expected.");
        ref float xr = ref MemoryMarshal.GetReference(x), yr = ref MemoryMarshal.GetReference(y);
        if (LstmKernels.Wide<float>())
            for (; j + 16 <= n; j += 16) Tanh(Vector512.LoadUnsafe(ref xr, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= n; j += 8) Tanh(Vector256.LoadUnsafe(ref xr, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
        for (; j < n; j++) Unsafe.Add(ref yr, j) = Tanh(Unsafe.Add(ref xr, j));
    }
}
