using System;
using System.Threading;

namespace Ember;

/// <summary>
/// A seeded pseudo-random generator for tensor creation and initialization (xoshiro256** seeded by SplitMix64).
/// Pass one explicitly for reproducible code that does not depend on global state, or use <see cref="Default"/>
/// (reseeded by <see cref="Tensor.ManualSeed"/>). Not thread-safe: use one generator per thread.
/// Sequences are Ember's own; they do not reproduce PyTorch's Mersenne-Twister streams.
/// </summary>
public sealed partial class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    private static readonly ThreadLocal<Generator> s_default = new(() => new Generator(s_globalSeed));
    private static long s_globalSeed = 67280421310721;

    /// <summary>Creates a generator with the given seed.</summary>
    public Generator(long seed) => ManualSeed(seed);

    /// <summary>The default generator of the calling thread.</summary>
    public static Generator Default => s_default.Value!;

    /// <summary>The seed this generator was last seeded with.</summary>
    public long InitialSeed { get; private set; }

    /// <summary>Reseeds the generator; the same seed gives the same sequence.</summary>
    /// <returns>This generator.</returns>
    public Generator ManualSeed(long seed)
    {
        InitialSeed = seed;
        ulong x = (ulong)seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
        _spareNormal = null;
        return this;
    }

    internal static void SetGlobalSeed(long seed)
    {
        s_globalSeed = seed;
        Default.ManualSeed(seed);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="n"/>) without modulo bias.</summary>
    public long NextInt64(long n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive.");
        ulong un = (ulong)n, limit = ulong.MaxValue - ulong.MaxValue % un;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (long)(r % un);
    }

    /// <summary>A standard normal sample (Box–Muller, caching the second value).</summary>
    public double NextNormal()
    {
        if (_spareNormal is double s) { _spareNormal = null; return s; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }
}
