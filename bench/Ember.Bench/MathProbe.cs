using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// Float32 transcendentals: ns/element of the previous vector path (<see cref="TensorPrimitives"/>) and of
/// <see cref="Float32Math"/> on a 64K-element array (cache-resident, one thread), and each path's worst error in ulps
/// against the double-precision BCL function rounded to float over 1M uniform inputs.
/// </summary>
internal static class MathProbe
{
    private const int N = 1 << 16;

    private delegate void SpanFn(ReadOnlySpan<float> x, Span<float> y);

    public static void Run(BenchReport report, bool quick)
    {
        (string Name, SpanFn Old, SpanFn New, Func<double, double> Ref, double Lo, double Hi)[] fns =
        [
            ("exp", TensorPrimitives.Exp, Float32Math.Exp, Math.Exp, -80, 80),
            ("log", TensorPrimitives.Log, Float32Math.Log, Math.Log, 1e-3, 1e3),
            ("log1p", TensorPrimitives.LogP1, Float32Math.Log1p, x => Math.Log(1 + x), 0.5, 3),
            ("expm1", TensorPrimitives.ExpM1, Float32Math.Expm1, x => Math.Exp(x) - 1, 0.5, 10),
            ("tanh", TensorPrimitives.Tanh, Float32Math.Tanh, Math.Tanh, -9, 9),
            ("sigmoid", TensorPrimitives.Sigmoid, Float32Math.Sigmoid, x => 1 / (1 + Math.Exp(-x)), -20, 20),
            ("sin", TensorPrimitives.Sin, Float32Math.Sin, Math.Sin, -100, 100),
            ("cos", TensorPrimitives.Cos, Float32Math.Cos, Math.Cos, -100, 100),
            ("pow(x, 2.5)", (x, y) => TensorPrimitives.Pow(x, 2.5f, y), (x, y) => Float32Math.Pow(x, 2.5f, y),
                x => Math.Pow(x, 2.5), 0.01, 100),
        ];
        var r = new Random(1);
        int samples = quick ? 1 << 17 : 1 << 20;
        int reps = quick ? 200 : 2000;
        foreach (var f in fns)
        {
            float[] x = new float[samples], y = new float[samples];
            for (int i = 0; i < samples; i++) x[i] = (float)(f.Lo + (f.Hi - f.Lo) * r.NextDouble());
            report.Add($"{f.Name} TensorPrimitives max error", MaxUlps(f.Old, f.Ref, x, y), "ulp", MetricKind.Info);
            report.Add($"{f.Name} Float32Math max error", MaxUlps(f.New, f.Ref, x, y), "ulp", MetricKind.Info);
            float[] xs = x[..N], ys = new float[N];
            report.Add($"{f.Name} TensorPrimitives", Time(f.Old, xs, ys, reps), "ns/element", MetricKind.Time);
            report.Add($"{f.Name} Float32Math", Time(f.New, xs, ys, reps), "ns/element", MetricKind.Time);
        }
    }

    private static long MaxUlps(SpanFn fn, Func<double, double> reference, float[] x, float[] y)
    {
        fn(x, y);
        long worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float want = (float)reference(x[i]);
            if (want == y[i]) continue;
            long a = BitConverter.SingleToInt32Bits(want), b = BitConverter.SingleToInt32Bits(y[i]);
            if (a < 0) a = int.MinValue - a;
            if (b < 0) b = int.MinValue - b;
            worst = Math.Max(worst, Math.Abs(a - b));
        }
        return worst;
    }

    private static double Time(SpanFn fn, float[] x, float[] y, int reps)
    {
        for (int i = 0; i < 20; i++) fn(x, y);
        double best = double.MaxValue;
        for (int trial = 0; trial < 5; trial++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps / 5; i++) fn(x, y);
            best = Math.Min(best, sw.Elapsed.TotalNanoseconds / ((double)(reps / 5) * x.Length));
        }
        return best;
    }
}
