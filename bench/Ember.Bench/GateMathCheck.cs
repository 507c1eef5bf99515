using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Threading;
using System.Threading.Tasks;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// Exhaustive check of <see cref="GateMath"/>'s float32 σ and tanh (the recurrent gate kernels' math, issue 17): every
/// one of the 2³² float bit patterns goes through the Vector512 lanes (where accelerated), the Vector256 lanes and
/// the scalar function; the outputs that differ between the paths are counted (bit for bit, NaN payloads included),
/// and the scalar result is compared with a double reference (<c>Math.Tanh</c>; σ as <c>1/(1 + e^−x)</c> or
/// <c>e^x/(1 + e^x)</c>): the largest error in ulps of the correctly rounded float (the real error, |f − exact| over
/// the float spacing at the exact value), the largest distance in floats to the correctly rounded value, and how many
/// results are not the correctly rounded one. <c>EMBER_GATECHECK_FNS=sigmoid,tanh</c> picks functions;
/// <c>--quick</c> checks every 256th block of 2²⁰ inputs. <c>EMBER_GATECHECK_TIME=1</c> instead times the span
/// functions against <see cref="Float32Math"/>'s on 4096 floats in [-8, 8] (<c>EMBER_GATECHECK_RANGE=lo,hi</c> for
/// another range; min and median ns per element, one thread).
/// </summary>
internal static class GateMathCheck
{
    private const int Block = 1 << 20;

    public static void Run(BenchReport report, bool quick)
    {
        if (Environment.GetEnvironmentVariable("EMBER_GATECHECK_TIME") == "1")
        {
            Time(report, "gate sigmoid", GateMath.Sigmoid);
            Time(report, "Float32Math sigmoid", Float32Math.Sigmoid);
            Time(report, "gate tanh", GateMath.Tanh);
            Time(report, "Float32Math tanh", Float32Math.Tanh);
            return;
        }
        string picked = Environment.GetEnvironmentVariable("EMBER_GATECHECK_FNS") ?? "sigmoid,tanh";
        int stride = quick ? 256 : 1;
        foreach (string name in new[] { "sigmoid", "tanh" })
        {
            if (!picked.Split(',').AsSpan().Contains(name)) continue;
            var watch = Stopwatch.StartNew();
            Stats s = Check(name == "tanh", stride);
            string range = quick ? "2^24" : "2^32";
            Console.Error.WriteLine($"{name}: over {range} inputs, Vector512 (run: {Vector512.IsHardwareAccelerated})"
                + $" vs scalar differing {s.Wide}, Vector256 vs scalar differing {s.Narrow}; max error {s.MaxUlp:F3}"
                + $" ulp (at 0x{s.MaxAt:X8}), max distance {s.MaxSteps} floats, not correctly rounded"
                + $" {s.NotRounded} in {watch.Elapsed.TotalSeconds:F1} s");
            report.Add($"gate {name} Vector512 vs scalar differing", s.Wide, "count", MetricKind.Info);
            report.Add($"gate {name} Vector256 vs scalar differing", s.Narrow, "count", MetricKind.Info);
            report.Add($"gate {name} max ulp error", s.MaxUlp, "ulp", MetricKind.Info);
            report.Add($"gate {name} max float distance", s.MaxSteps, "floats", MetricKind.Info);
            report.Add($"gate {name} not correctly rounded", s.NotRounded, "count", MetricKind.Info);
        }
    }

    private sealed class Stats
    {
        public long Wide, Narrow, NotRounded, MaxSteps;
        public double MaxUlp;
        public uint MaxAt;
    }

    private static double Reference(float x, bool tanh)
    {
        if (tanh) return Math.Tanh(x);
        if (x >= 0) return 1 / (1 + Math.Exp(-(double)x));
        double e = Math.Exp(x);
        return e / (1 + e);
    }

    private static Stats Check(bool tanh, int stride)
    {
        var total = new Stats();
        var gate = new object();
        int blocks = (int)((1L << 32) / Block);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, blocks / stride, options, () => (new float[Block], new float[Block], new float[Block]),
            (b, _, buf) =>
            {
                (float[] x, float[] wide, float[] narrow) = buf;
                uint start = (uint)((long)b * stride * Block);
                for (int i = 0; i < Block; i++) x[i] = BitConverter.UInt32BitsToSingle(start + (uint)i);
                if (Vector512.IsHardwareAccelerated)
                    for (int i = 0; i < Block; i += 16)
                    {
                        var v = Vector512.Create<float>(x.AsSpan(i));
                        (tanh ? GateMath.Tanh(v) : GateMath.Sigmoid(v)).CopyTo(wide, i);
                    }
                for (int i = 0; i < Block; i += 8)
                {
                    var v = Vector256.Create<float>(x.AsSpan(i));
                    (tanh ? GateMath.Tanh(v) : GateMath.Sigmoid(v)).CopyTo(narrow, i);
                }
                var local = new Stats();
                for (int i = 0; i < Block; i++)
                {
                    float s = tanh ? GateMath.Tanh(x[i]) : GateMath.Sigmoid(x[i]);
                    uint bits = BitConverter.SingleToUInt32Bits(s);
                    if (Vector512.IsHardwareAccelerated && BitConverter.SingleToUInt32Bits(wide[i]) != bits)
                        local.Wide++;
                    if (BitConverter.SingleToUInt32Bits(narrow[i]) != bits) local.Narrow++;
                    if (float.IsNaN(x[i]))
                    {
                        if (!float.IsNaN(s)) local.NotRounded++;
                        continue;
                    }
                    double exact = Reference(x[i], tanh);
                    float rounded = (float)exact;
                    if (bits == BitConverter.SingleToUInt32Bits(rounded)) continue;
                    local.NotRounded++;
                    long steps = Math.Abs(Ordered(s) - Ordered(rounded));
                    // The float spacing at the exact value (between the two floats around it).
                    float fr = MathF.Abs(rounded);
                    double spacing = fr > Math.Abs(exact) ? fr - MathF.BitDecrement(fr) : MathF.BitIncrement(fr) - fr;
                    double ulp = Math.Abs(s - exact) / spacing;
                    local.MaxSteps = Math.Max(local.MaxSteps, steps);
                    if (ulp > local.MaxUlp)
                    {
                        local.MaxUlp = ulp;
                        local.MaxAt = start + (uint)i;
                    }
                }
                lock (gate)
                {
                    total.Wide += local.Wide;
                    total.Narrow += local.Narrow;
                    total.NotRounded += local.NotRounded;
                    total.MaxSteps = Math.Max(total.MaxSteps, local.MaxSteps);
                    if (local.MaxUlp > total.MaxUlp)
                    {
                        total.MaxUlp = local.MaxUlp;
                        total.MaxAt = local.MaxAt;
                    }
                }
                return buf;
            }, _ => { });
        return total;
    }

    // Floats in order as integers (negative values mirrored), so the difference counts the floats between two values.
    private static long Ordered(float f)
    {
        int bits = BitConverter.SingleToInt32Bits(f);
        return bits >= 0 ? bits : (long)int.MinValue - bits;
    }

    // EMBER_GATECHECK_RANGE=lo,hi: the inputs' range (default -8,8).
    private static void Time(BenchReport report, string name, FloatSpanFn fn)
    {
        string[] range = (Environment.GetEnvironmentVariable("EMBER_GATECHECK_RANGE") ?? "-8,8").Split(',');
        SpanTiming.Time(report, name, fn, float.Parse(range[0], CultureInfo.InvariantCulture),
            float.Parse(range[1], CultureInfo.InvariantCulture));
    }
}
