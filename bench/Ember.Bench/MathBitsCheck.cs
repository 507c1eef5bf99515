using System;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Threading;
using System.Threading.Tasks;
using Ember.Bench.Shared;
using Ember.Kernels;
using Ember.Kernels.Tests;

namespace Ember.Bench;

/// <summary>
/// Exhaustive bit check of <see cref="Float32Math"/>'s exp, expm1, σ and tanh against a frozen copy of the kernels
/// as they were before the issue 17 transcendental pass (<c>FrozenFloat32Math</c>, compiled in from
/// tests/Ember.Kernels.Tests): every one of the 2³² float bit patterns goes through the span functions (the Vector512
/// path where accelerated; run the process with <c>DOTNET_EnableAVX512=0</c> for the Vector256 path) and, with
/// <c>EMBER_MATHCHECK_SCALAR=1</c>, the scalar entry points (the one-lane path), and the outputs that differ are
/// counted (two NaNs count as equal, whatever their payloads). <c>EMBER_MATHCHECK_FNS=sigmoid,tanh</c> picks
/// functions. Prints one line per function and path on stderr and in the JSON line. <c>EMBER_MATHCHECK_TIME=1</c>
/// instead times σ and tanh on a 4096-float span (one thread; min and median ns per element over 200 rounds) for A/B
/// runs of two builds.
/// </summary>
internal static class MathBitsCheck
{
    private const int Block = 1 << 20;

    public static void Run(BenchReport report, bool quick)
    {
        if (Environment.GetEnvironmentVariable("EMBER_MATHCHECK_TIME") == "1")
        {
            Time(report, "sigmoid", Float32Math.Sigmoid);
            Time(report, "tanh", Float32Math.Tanh);
            return;
        }
        (string Name, FloatSpanFn New, Func<float, float> Scalar, FloatSpanFn Old)[] fns =
        [
            ("exp", Float32Math.Exp, Float32Math.Exp, FrozenFloat32Math.Exp),
            ("expm1", Float32Math.Expm1, Float32Math.Expm1, FrozenFloat32Math.Expm1),
            ("sigmoid", Float32Math.Sigmoid, Float32Math.Sigmoid, FrozenFloat32Math.Sigmoid),
            ("tanh", Float32Math.Tanh, Float32Math.Tanh, FrozenFloat32Math.Tanh),
        ];
        string picked = Environment.GetEnvironmentVariable("EMBER_MATHCHECK_FNS") ?? "exp,expm1,sigmoid,tanh";
        bool scalar = Environment.GetEnvironmentVariable("EMBER_MATHCHECK_SCALAR") == "1";
        // --quick: every 256th block (still all mantissa patterns of the binades it covers).
        int stride = quick ? 256 : 1;
        string width = Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256";
        foreach (var f in fns)
        {
            if (!picked.Split(',').AsSpan().Contains(f.Name)) continue;
            var watch = Stopwatch.StartNew();
            (long spanDiff, long scalarDiff, uint firstBits) = Count(f.New, f.Old, scalar ? f.Scalar : null, stride);
            string scalarText = scalar ? $"; scalar lanes differing {scalarDiff}" : "";
            Console.Error.WriteLine($"{f.Name}: {width} span outputs differing {spanDiff}{scalarText}"
                + (spanDiff + scalarDiff > 0 ? $" (first input bits 0x{firstBits:X8})" : "")
                + $" over {(quick ? "2^24" : "2^32")} inputs in {watch.Elapsed.TotalSeconds:F1} s");
            report.Add($"{f.Name} {width} differing outputs", spanDiff, "count", MetricKind.Info);
            if (scalar) report.Add($"{f.Name} scalar differing outputs", scalarDiff, "count", MetricKind.Info);
        }
    }

    private static void Time(BenchReport report, string name, FloatSpanFn fn) =>
        SpanTiming.Time(report, name, fn);

    private static (long Span, long Scalar, uint FirstBits) Count(FloatSpanFn fresh, FloatSpanFn old,
        Func<float, float>? lane, int stride)
    {
        long spanDiff = 0, scalarDiff = 0;
        long first = uint.MaxValue;
        int blocks = (int)((1L << 32) / Block);
        // At most one worker per core (the default would let the pool add threads, as every block takes a while).
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, blocks / stride, options, () => (new float[Block], new float[Block], new float[Block]),
            (b, _, buf) =>
            {
                (float[] x, float[] y, float[] z) = buf;
                uint start = (uint)((long)b * stride * Block);
                for (int i = 0; i < Block; i++) x[i] = BitConverter.UInt32BitsToSingle(start + (uint)i);
                fresh(x, y);
                old(x, z);
                long s = 0, l = 0;
                for (int i = 0; i < Block; i++)
                {
                    if (!Same(y[i], z[i]))
                    {
                        s++;
                        InterlockedMin(ref first, start + (uint)i);
                    }
                    if (lane is not null && !Same(lane(x[i]), z[i]))
                    {
                        l++;
                        InterlockedMin(ref first, start + (uint)i);
                    }
                }
                Interlocked.Add(ref spanDiff, s);
                Interlocked.Add(ref scalarDiff, l);
                return buf;
            }, _ => { });
        return (spanDiff, scalarDiff, (uint)first);
    }

    private static bool Same(float a, float b) =>
        float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b);

    private static void InterlockedMin(ref long target, long value)
    {
        long seen = Interlocked.Read(ref target);
        while (value < seen)
        {
            long was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }
}
