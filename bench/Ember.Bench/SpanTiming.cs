using System;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using Ember.Bench.Shared;

namespace Ember.Bench;

/// <summary>A float span function <c>y = f(x)</c> (<see cref="Ember.Kernels.Float32Math"/>'s and
/// <see cref="Ember.Kernels.GateMath"/>'s shape).</summary>
internal delegate void FloatSpanFn(ReadOnlySpan<float> x, Span<float> y);

/// <summary>Times a float span function on one thread, for the math checkers' A/B runs.</summary>
internal static class SpanTiming
{
    /// <summary>
    /// Runs <paramref name="fn"/> over 4096 floats drawn uniformly from [<paramref name="lo"/>, <paramref name="hi"/>]
    /// (seed 7), 100 times per round, 200 rounds after 20 warm-up rounds; prints and reports the min and median ns per
    /// element under <paramref name="name"/> and the widest vector width.
    /// </summary>
    public static void Time(BenchReport report, string name, FloatSpanFn fn, float lo = -8, float hi = 8)
    {
        const int N = 4096, Rounds = 200, Inner = 100;
        var random = new Random(7);
        float[] x = new float[N], y = new float[N];
        for (int i = 0; i < N; i++) x[i] = lo + ((hi - lo) * random.NextSingle());
        double[] ns = new double[Rounds];
        for (int r = -20; r < Rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int k = 0; k < Inner; k++) fn(x, y);
            if (r >= 0) ns[r] = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / Inner / N;
        }
        Array.Sort(ns);
        string width = Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256";
        Console.Error.WriteLine($"{name} {width}, 4096 floats: min {ns[0]:F3} ns/element, median {ns[Rounds / 2]:F3}");
        report.Add($"{name} {width} min", ns[0], "ns/element", MetricKind.Info);
        report.Add($"{name} {width} median", ns[Rounds / 2], "ns/element", MetricKind.Info);
    }
}
