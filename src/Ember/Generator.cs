using System;
using System.Threading;

namespace Ember;

/// <summary>
/// A seeded pseudo-random generator for tensor creation and initialization (xoshiro256** seeded by SplitMix64).
/// Pass one explicitly for reproducible code that does not depend on global state, or use <see cref="Default"/>
/// (reseeded by <see cref="Tensor.ManualSeed"/>). Safe to share between threads: each draw, and each random op's
/// whole fill, takes the generator's lock, so concurrent users get disjoint parts of its one stream (in an order
/// that depends on timing; give each thread its own generator for reproducible concurrent code).
/// Sequences are Ember's own; they do not reproduce PyTorch's Mersenne-Twister streams.
/// </summary>
public sealed partial class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;
    private readonly Lock _sync = new();

    private static readonly Generator s_default = new(67280421310721);

    // While a DataLoader reads and collates a batch, the loading thread's Default is that batch's own generator.
    [ThreadStatic] private static Generator? t_substitute;

    /// <summary>Creates a generator with the given seed.</summary>
    public Generator(long seed) => ManualSeed(seed);

    /// <summary>
    /// The default generator: one process-wide stream, as PyTorch's default CPU generator, which every random op
    /// without an explicit generator draws from. Inside a <see cref="Data.DataLoader{T, TBatch}"/>'s loading of a
    /// batch (on the calling or the prefetching thread) it is instead that batch's generator, seeded from the
    /// loader's seed, the epoch and the batch index (see <see cref="Data.Dataset{T}"/> on drawing random numbers).
    /// </summary>
    public static Generator Default => t_substitute ?? s_default;

    /// <summary>Makes <paramref name="generator"/> the calling thread's <see cref="Default"/>; returns the previous
    /// substitute (null: the process-wide one) to pass back when done.</summary>
    internal static Generator? Substitute(Generator? generator)
    {
        Generator? previous = t_substitute;
        t_substitute = generator;
        return previous;
    }

    /// <summary>The seed this generator was last seeded with.</summary>
    public long InitialSeed { get; private set; }

    /// <summary>Reseeds the generator; the same seed gives the same sequence.</summary>
    /// <returns>This generator.</returns>
    public Generator ManualSeed(long seed)
    {
        lock (_sync)
        {
            InitialSeed = seed;
            ulong x = (ulong)seed;
            _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
            _spareNormal = null;
        }
        return this;
    }

    internal static void SetGlobalSeed(long seed) => s_default.ManualSeed(seed);

    /// <summary>
    /// Holds the generator's lock for a whole fill, so one op's draws are one contiguous run of the stream; inside,
    /// use the <c>Draw*</c> methods (the public <c>Next*</c> ones take the lock per draw).
    /// </summary>
    internal Lock.Scope Acquire() => _sync.EnterScope();

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A well-mixed 64-bit value of (<paramref name="a"/>, <paramref name="b"/>): derives seeds.</summary>
    internal static long Mix(long a, long b)
    {
        ulong x = (ulong)a ^ ulong.RotateLeft((ulong)b * 0xD1B54A32D192ED03UL, 29);
        return (long)SplitMix(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        lock (_sync) return DrawUInt64();
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble()
    {
        lock (_sync) return DrawDouble();
    }

    /// <summary>A uniform integer in [0, <paramref name="n"/>) without modulo bias.</summary>
    public long NextInt64(long n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive.");
        lock (_sync) return DrawInt64(n);
    }

    /// <summary>A standard normal sample (Box–Muller, caching the second value).</summary>
    public double NextNormal()
    {
        lock (_sync) return DrawNormal();
    }

    // The Draw* methods assume the caller holds the lock (Acquire).
    internal ulong DrawUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    internal double DrawDouble() => (DrawUInt64() >> 11) * (1.0 / (1UL << 53));

    internal long DrawInt64(long n)
    {
        ulong un = (ulong)n, limit = ulong.MaxValue - ulong.MaxValue % un;
        ulong r;
        do r = DrawUInt64(); while (r >= limit);
        return (long)(r % un);
    }

    internal double DrawNormal()
    {
        if (_spareNormal is double s) { _spareNormal = null; return s; }
        double u1;
        do u1 = DrawDouble(); while (u1 <= double.Epsilon);
        double u2 = DrawDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }
}
