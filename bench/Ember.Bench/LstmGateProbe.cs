using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// The LSTM workload's gate math (issue 17) alone: one chunk-step of the rows path (8 rows × hidden 128, the
/// step product overwritten with the gates, the <c>[9, B, H]</c> block's rows written) through
/// <see cref="LstmKernels.CellForwardUnits"/> (one fused vector loop per row), and the same values through the
/// span-level composition (per row: 4 gate adds, σ×3, tanh×2 over spans, products and a sum) with the gate kernels'
/// float σ/tanh (<see cref="GateMath"/>, the kernels' own path where the fused loop does not run) and with
/// <see cref="Float32Math"/>'s double-evaluated ones (the tensor ops'), single thread, in alternating rounds. Prints
/// min and median µs per chunk-step of each on stderr (each call first restores the product, a 16 KB copy, so every
/// call sees the same inputs). Ember-only.
/// </summary>
internal static class LstmGateProbe
{
    public static void Run(BenchReport report, bool quick)
    {
        const int Rows = 8, Hidden = 128, Batch = 32, G4 = 4 * Hidden, Slice = Batch * Hidden;
        int rounds = quick ? 20 : 200, inner = 50;
        var random = new Random(42);
        float[] product = Filled(Rows * G4, random, 4), xp = Filled(Batch * G4, random, 4);
        float[] c = Filled(Rows * Hidden, random, 2), state = new float[LstmKernels.StateSlices * Slice];
        float[] saved = (float[])product.Clone();
        double[] fused = new double[rounds], spans = new double[rounds], accurate = new double[rounds];
        for (int r = 0; r < rounds + 5; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int k = 0; k < inner; k++)
            {
                saved.CopyTo(product, 0); // the gates overwrite the product: same inputs every call
                LstmKernels.CellForwardUnits<float>(product, Hidden, G4, xp, Hidden, G4, c, Hidden, state, Slice,
                    Hidden, Rows, Hidden);
            }
            long t1 = Stopwatch.GetTimestamp();
            for (int k = 0; k < inner; k++)
            {
                saved.CopyTo(product, 0);
                SpanLevel(product, xp, c, state, Rows, Hidden, Slice, useGateMath: true);
            }
            long t2 = Stopwatch.GetTimestamp();
            for (int k = 0; k < inner; k++)
            {
                saved.CopyTo(product, 0);
                SpanLevel(product, xp, c, state, Rows, Hidden, Slice, useGateMath: false);
            }
            long t3 = Stopwatch.GetTimestamp();
            saved.CopyTo(product, 0);
            if (r < 5) continue; // warm-up (tiering)
            fused[r - 5] = Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds / inner;
            spans[r - 5] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds / inner;
            accurate[r - 5] = Stopwatch.GetElapsedTime(t2, t3).TotalMicroseconds / inner;
        }
        Array.Sort(fused);
        Array.Sort(spans);
        Array.Sort(accurate);
        Console.Error.WriteLine($"gate math, 8 rows x 128 units: kernel min {fused[0]:F2} us"
            + $"  p50 {fused[rounds / 2]:F2} us;  span-level (GateMath) min {spans[0]:F2} us"
            + $"  p50 {spans[rounds / 2]:F2} us;  span-level (Float32Math) min {accurate[0]:F2} us"
            + $"  p50 {accurate[rounds / 2]:F2} us");
        report.Add("kernel gate math: min us per chunk-step", fused[0], "us", MetricKind.Info);
        report.Add("span-level GateMath gate math: min us per chunk-step", spans[0], "us", MetricKind.Info);
        report.Add("span-level Float32Math gate math: min us per chunk-step", accurate[0], "us", MetricKind.Info);
    }

    private static void SpanLevel(float[] hh, float[] xp, float[] c, float[] state, int rows, int h, int slice,
        bool useGateMath)
    {
        SpanFn sigmoid = useGateMath ? GateMath.Sigmoid : Float32Math.Sigmoid;
        SpanFn tanh = useGateMath ? GateMath.Tanh : Float32Math.Tanh;
        for (int b = 0; b < rows; b++)
        {
            int hr = b * 4 * h, r = b * h;
            for (int g = 0; g < 4; g++)
            {
                Span<float> gate = hh.AsSpan(hr + (g * h), h);
                TensorPrimitives.Add(gate, xp.AsSpan(hr + (g * h), h), gate);
            }
            Span<float> s = state.AsSpan(r);
            Span<float> i = s[..h], f = s.Slice(slice, h), g2 = s.Slice(2 * slice, h), o = s.Slice(3 * slice, h);
            Span<float> fc = s.Slice(4 * slice, h), ig = s.Slice(5 * slice, h), cy = s.Slice(6 * slice, h);
            Span<float> tc = s.Slice(7 * slice, h), hy = s.Slice(8 * slice, h);
            sigmoid(hh.AsSpan(hr, h), i);
            sigmoid(hh.AsSpan(hr + h, h), f);
            tanh(hh.AsSpan(hr + (2 * h), h), g2);
            sigmoid(hh.AsSpan(hr + (3 * h), h), o);
            TensorPrimitives.Multiply(f, c.AsSpan(r, h), fc);
            TensorPrimitives.Multiply(i, g2, ig);
            TensorPrimitives.Add(fc, ig, cy);
            tanh(cy, tc);
            TensorPrimitives.Multiply(o, tc, hy);
        }
    }

    private delegate void SpanFn(ReadOnlySpan<float> x, Span<float> y);

    private static float[] Filled(int length, Random random, float scale)
    {
        float[] data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = scale * (random.NextSingle() - 0.5f);
        return data;
    }
}
