using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using Ember.Bench.Shared;
using Ember.Kernels;

namespace Ember.Bench;

/// <summary>
/// LeNet-5's convolution and pooling layers (issue 12, W4: 1→6→16 channels, 28x28, batch 64), kernel by kernel:
/// <see cref="Convolution"/> as Ember runs it (forward, input gradient, weight gradient: the direct small-channel
/// kernels on AVX-512, im2col + GEMM with <c>EMBER_CONV_DIRECT=0</c> or elsewhere), a naive direct forward (a
/// vectorized shift-and-FMA loop written here, for comparison only), and 2x2 max-pool forward and backward. Median
/// µs per batch of 15 runs. Ember only (not run by bench/run.sh).
/// </summary>
internal static class ConvWorkload
{
    public static void Run(BenchReport report, bool quick)
    {
        int reps = quick ? 3 : 15;
        Conv(report, "conv1 1->6 28x28 k5 p2", new ConvGeometry(64, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1, 28, 28),
            reps, inputGrad: false);
        Conv(report, "conv2 6->16 14x14 k5", new ConvGeometry(64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1, 10, 10),
            reps, inputGrad: true);
        Pool(report, "pool1 6x28x28", 64 * 6, 28, reps);
        Pool(report, "pool2 16x10x10", 64 * 16, 10, reps);
    }

    private static double Median(int reps, Action run)
    {
        run();
        var t = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            t[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(t);
        return t[reps / 2];
    }

    private static float[] Rand(int n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    private static void Conv(BenchReport report, string name, ConvGeometry g, int reps, bool inputGrad)
    {
        float[] x = Rand(g.Batch * g.InChannels * g.InPlane, 1), w = Rand(g.OutChannels * g.ColRows, 2),
            b = Rand(g.OutChannels, 3), y = new float[g.Batch * g.OutChannels * g.OutPlane],
            y2 = new float[y.Length], dy = Rand(y.Length, 4), dx = new float[x.Length], dw = new float[w.Length];
        report.Add(name + " fwd",
            Median(reps, () => Convolution.Forward(x, 0, w, 0, b, 0, y, 0, g)), "us", MetricKind.Time);
        report.Add(name + " fwd naive direct", Median(reps, () => DirectForward(x, w, b, y2, g)), "us",
            MetricKind.Time);
        double maxDiff = 0;
        for (int i = 0; i < y.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(y[i] - y2[i]));
        report.Add(name + " naive direct max |diff|", maxDiff, "", MetricKind.Info);
        if (inputGrad)
            report.Add(name + " bwd input", Median(reps, () => Convolution.BackwardInput(dy, 0, w, 0, dx, 0, g)), "us",
                MetricKind.Time);
        report.Add(name + " bwd weight", Median(reps, () => Convolution.BackwardWeight(dy, 0, x, 0, dw, 0, g)), "us",
            MetricKind.Time);
    }

    // out[n, o, oh, :] = b[o] + Σ_c,kh,kw w[o, c, kh, kw] · x[n, c, oh + kh - pad, (:) + kw - pad], one row FMA at a
    // time (stride 1, no dilation).
    private static void DirectForward(float[] x, float[] w, float[] b, float[] y, ConvGeometry g)
    {
        int ow = g.OutW, iw = g.InW;
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
            {
                Span<float> outPlane = y.AsSpan((n * g.OutChannels + o) * g.OutPlane, g.OutPlane);
                outPlane.Fill(b[o]);
                for (int c = 0; c < g.InChannels; c++)
                {
                    ReadOnlySpan<float> inPlane = x.AsSpan((n * g.InChannels + c) * g.InPlane, g.InPlane);
                    for (int kh = 0; kh < g.KH; kh++)
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            float wv = w[((o * g.InChannels + c) * g.KH + kh) * g.KW + kw];
                            int lo = Math.Max(0, g.PadW - kw), hi = Math.Min(ow, iw + g.PadW - kw);
                            if (hi <= lo) continue;
                            for (int oh = 0; oh < g.OutH; oh++)
                            {
                                int ih = oh + kh - g.PadH;
                                if ((uint)ih >= (uint)g.InH) continue;
                                Span<float> dst = outPlane.Slice(oh * ow + lo, hi - lo);
                                TensorPrimitives.FusedMultiplyAdd(inPlane.Slice(ih * iw + lo + kw - g.PadW, hi - lo),
                                    wv, dst, dst);
                            }
                        }
                }
            }
    }

    private static void Pool(BenchReport report, string name, int planes, int size, int reps)
    {
        var g = new PoolGeometry(planes, size, size, 2, 2, 2, 2, 0, 0, 1, 1, size / 2, size / 2);
        float[] x = Rand(planes * size * size, 5), y = new float[planes * g.OutPlane], dy = Rand(y.Length, 6),
            dx = new float[x.Length];
        var idx = new long[y.Length];
        report.Add(name + " maxpool fwd", Median(reps, () => MaxPool.Forward(x, 0, y, 0, idx, 0, g)), "us",
            MetricKind.Time);
        report.Add(name + " maxpool bwd", Median(reps, () => MaxPool.Backward(dy, 0, idx, 0, dx, 0, g)), "us",
            MetricKind.Time);
    }
}
