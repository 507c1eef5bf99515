using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// Stride-1 convolutions take the wide column layout (<see cref="ConvWide"/>): forward and both gradients match a
/// direct float64 reference; the input gradient is bit for bit the per-row im2col/col2im one; a non-finite pixel
/// makes the weight gradient fall back to im2col, so it poisons only the entries that really see it.
/// </summary>
public class ConvWideTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // batch, in, out, h, w, kh, kw, pad (top/left, symmetric), groups
        { 3, 1, 6, 28, 28, 5, 5, 2, 1 }, // LeNet conv1
        { 3, 6, 16, 14, 14, 5, 5, 0, 1 }, // LeNet conv2
        { 2, 4, 6, 9, 7, 3, 3, 1, 2 },
        { 2, 3, 5, 8, 11, 3, 2, 0, 1 },
        { 1, 2, 3, 6, 6, 3, 3, 2, 1 }, // padding wider than needed
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheDirectReference(int n, int c, int o, int h, int w, int kh, int kw, int pad, int groups)
    {
        ConvGeometry g = Geometry(n, c, o, h, w, kh, kw, pad, groups);
        Assert.True(ConvWide.Applies(g));
        var (x, wt, b, dy) = Data(g, 1);
        var y = new float[n * o * g.OutPlane];
        var dx = new float[x.Length];
        var dw = new float[wt.Length];
        Convolution.Forward(x, 0, wt, 0, b, 0, y, 0, g);
        Convolution.BackwardInput(dy, 0, wt, 0, dx, 0, g);
        Convolution.BackwardWeight(dy, 0, x, 0, dw, 0, g);
        var (ry, rdx, rdw) = Reference(g, x, wt, b, dy);
        Close(ry, y);
        Close(rdx, dx);
        Close(rdw, dw);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void InputGradientIsThePerRowOneBitForBit(int n, int c, int o, int h, int w, int kh, int kw, int pad,
        int groups)
    {
        ConvGeometry g = Geometry(n, c, o, h, w, kh, kw, pad, groups);
        var (x, wt, _, dy) = Data(g, 2);
        var dx = new float[x.Length];
        Convolution.BackwardInput(dy, 0, wt, 0, dx, 0, g);
        int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows, plane = g.OutPlane;
        var expected = new float[x.Length];
        var col = new float[rows * plane];
        for (int i = 0; i < n; i++)
            for (int gr = 0; gr < groups; gr++)
            {
                Convolution.Mm<float>(true, false, rows, plane, og, wt.AsSpan(gr * og * rows, og * rows), rows,
                    dy.AsSpan((i * o + gr * og) * plane, og * plane), plane, false, col, plane);
                Im2Col.Col2Im<float>(col, cg, g, expected.AsSpan((i * c + gr * cg) * g.InPlane, cg * g.InPlane));
            }
        Assert.Equal(expected, dx);
    }

    [Fact]
    public void AnInfinitePixelPoisonsOnlyTheWeightGradientsThatSeeIt()
    {
        ConvGeometry g = Geometry(1, 1, 2, 6, 6, 3, 3, 0, 1);
        var (x, wt, _, dy) = Data(g, 3);
        x[5] = float.PositiveInfinity; // row 0, last column: only taps with j = 2 see it (at output x = 3)
        var dw = new float[wt.Length];
        Convolution.BackwardWeight(dy, 0, x, 0, dw, 0, g);
        var (_, _, rdw) = Reference(g, x, wt, null, dy);
        for (int i = 0; i < dw.Length; i++)
        {
            Assert.Equal(double.IsFinite(rdw[i]), float.IsFinite(dw[i]));
            if (double.IsFinite(rdw[i])) Assert.Equal(rdw[i], dw[i], 1e-4);
        }
        Assert.Contains(dw, v => !float.IsFinite(v));
    }

    private static ConvGeometry Geometry(int n, int c, int o, int h, int w, int kh, int kw, int pad, int groups) =>
        new(n, c, h, w, o, kh, kw, 1, 1, pad, pad, 1, 1, groups,
            ConvGeometry.OutputSize(h, kh, 1, 2 * pad, 1), ConvGeometry.OutputSize(w, kw, 1, 2 * pad, 1));

    private static (float[] X, float[] W, float[] B, float[] Dy) Data(ConvGeometry g, int seed)
    {
        var rng = new Random(seed);
        float[] Rand(int len)
        {
            var a = new float[len];
            for (int i = 0; i < len; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
            return a;
        }
        return (Rand(g.Batch * g.InChannels * g.InPlane), Rand(g.OutChannels * g.ColRows), Rand(g.OutChannels),
            Rand(g.Batch * g.OutChannels * g.OutPlane));
    }

    private static (double[] Y, double[] Dx, double[] Dw) Reference(ConvGeometry g, float[] x, float[] w, float[]? b,
        float[] dy)
    {
        var y = new double[g.Batch * g.OutChannels * g.OutPlane];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        int cg = g.GroupInChannels, og = g.GroupOutChannels;
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        int yi = ((n * g.OutChannels + o) * g.OutH + oy) * g.OutW + ox;
                        double acc = b is null ? 0 : b[o];
                        for (int ci = 0; ci < cg; ci++)
                            for (int i = 0; i < g.KH; i++)
                                for (int j = 0; j < g.KW; j++)
                                {
                                    int iy = oy + i - g.PadH, ix = ox + j - g.PadW;
                                    if ((uint)iy >= (uint)g.InH || (uint)ix >= (uint)g.InW) continue;
                                    int c = o / og * cg + ci;
                                    int xi = ((n * g.InChannels + c) * g.InH + iy) * g.InW + ix;
                                    int wi = ((o * cg + ci) * g.KH + i) * g.KW + j;
                                    acc += (double)w[wi] * x[xi];
                                    dx[xi] += (double)w[wi] * dy[yi];
                                    dw[wi] += (double)dy[yi] * x[xi];
                                }
                        y[yi] = acc;
                    }
        return (y, dx, dw);
    }

    private static void Close(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
