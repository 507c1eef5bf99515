using System;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// The direct small-channel forward (<see cref="ConvDirect"/>) is bit for bit the wide im2col + packed GEMM one
/// (<see cref="ConvWide"/>), with and without bias, padding and groups, for widths that leave a partial vector and
/// a partial 64-column block, and channel counts that leave a partial 6-row block; it matches a float64 direct
/// reference; non-finite inputs propagate exactly as in the GEMM path; and <see cref="Convolution.Forward{T}"/>
/// takes it for LeNet's shapes. The direct weight gradient (vector partial sums, so a different summation order
/// from the GEMM's) matches the float64 reference, is deterministic, and declines non-finite images so that the
/// exact im2col path poisons only the entries that really see them.
/// </summary>
public class ConvDirectTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // batch, in, out, h, w, kh, kw, pad, groups
        { 3, 1, 6, 28, 28, 5, 5, 2, 1 }, // LeNet conv1
        { 3, 6, 16, 14, 14, 5, 5, 0, 1 }, // LeNet conv2
        { 2, 4, 6, 9, 7, 3, 3, 1, 2 },
        { 2, 3, 5, 8, 11, 3, 2, 0, 1 },
        { 1, 2, 3, 6, 6, 3, 3, 2, 1 }, // padding wider than needed
        { 2, 3, 1, 5, 5, 1, 2, 0, 1 }, // one output channel, 1x2 kernel
        { 1, 2, 13, 40, 37, 3, 3, 1, 1 }, // 13 channels: a partial row block; long rows
        { 2, 1, 7, 3, 4, 3, 3, 1, 1 }, // fewer columns than one vector
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void IsTheWideGemmPathBitForBit(int n, int c, int o, int h, int w, int kh, int kw, int pad, int groups)
    {
        if (GemmSetup.MaxIsa != GemmIsa.Avx512) Assert.Skip("the direct kernel needs AVX-512");
        ConvGeometry g = Geometry(n, c, o, h, w, kh, kw, pad, groups);
        var (x, wt, b, _) = Data(g, 1);
        foreach (float[]? bias in new[] { b, null })
        {
            var direct = new float[n * o * g.OutPlane];
            ConvDirect.Forward(x, wt, bias, direct, g, 0, n);
            // Tiny products take GemmDirect, whose summation order differs; the others are the same FMA chains.
            if (TakesPackedOrSkinnyGemm(g)) Assert.Equal(Wide(g, x, wt, bias), direct);
            Close(Reference(g, x, wt, bias), direct);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradientMatchesTheReference(int n, int c, int o, int h, int w, int kh, int kw, int pad,
        int groups)
    {
        if (GemmSetup.MaxIsa != GemmIsa.Avx512) Assert.Skip("the direct kernel needs AVX-512");
        ConvGeometry g = Geometry(n, c, o, h, w, kh, kw, pad, groups);
        var (x, wt, _, dy) = Data(g, 4);
        var dw = new float[wt.Length];
        Array.Fill(dw, float.NaN); // overwritten, not accumulated
        Assert.True(ConvDirect.BackwardWeight(dy, x, dw, g, 0, n));
        Close(ReferenceWeightGrad(g, x, dy, 0, n), dw);
        var again = new float[wt.Length];
        Assert.True(ConvDirect.BackwardWeight(dy, x, again, g, 0, n));
        Assert.Equal(dw, again);
    }

    [Fact]
    public void WeightGradientOfASubrangeSeesOnlyItsImages()
    {
        if (GemmSetup.MaxIsa != GemmIsa.Avx512) Assert.Skip("the direct kernel needs AVX-512");
        ConvGeometry g = Geometry(5, 3, 7, 11, 13, 3, 3, 1, 1);
        var (x, wt, _, dy) = Data(g, 5);
        x[0] = float.NaN; // image 0 is outside the range
        var dw = new float[wt.Length];
        Assert.True(ConvDirect.BackwardWeight(dy, x, dw, g, 1, 4));
        Close(ReferenceWeightGrad(g, x, dy, 1, 4), dw);
    }

    [Fact]
    public void WeightGradientDeclinesNonFiniteImagesAndConvolutionFallsBackExactly()
    {
        if (GemmSetup.MaxIsa != GemmIsa.Avx512) Assert.Skip("the direct kernel needs AVX-512");
        ConvGeometry g = Geometry(3, 2, 6, 12, 12, 3, 3, 1, 1);
        var (x, wt, _, dy) = Data(g, 6);
        x[144 * 3 + 11] = float.PositiveInfinity; // image 1, channel 1, row 0, last column
        Assert.False(ConvDirect.BackwardWeight(dy, x, new float[wt.Length], g, 0, 3));
        var dw = new float[wt.Length];
        Convolution.BackwardWeight(dy, 0, x, 0, dw, 0, g);
        double[] expected = ReferenceWeightGrad(g, x, dy, 0, 3);
        for (int i = 0; i < dw.Length; i++)
        {
            Assert.Equal(double.IsFinite(expected[i]), float.IsFinite(dw[i]));
            if (double.IsFinite(expected[i])) Assert.Equal(expected[i], dw[i], 1e-4);
        }
        Assert.Contains(dw, v => !float.IsFinite(v));
        Assert.Contains(dw, float.IsFinite);
    }

    [Fact]
    public void ASubrangeOfTheBatchWritesOnlyItsImages()
    {
        if (GemmSetup.MaxIsa != GemmIsa.Avx512) Assert.Skip("the direct kernel needs AVX-512");
        ConvGeometry g = Geometry(4, 3, 5, 24, 24, 3, 3, 1, 1);
        Assert.True(TakesPackedOrSkinnyGemm(g));
        var (x, wt, b, _) = Data(g, 2);
        var y = new float[4 * 5 * g.OutPlane];
        Array.Fill(y, -7f);
        ConvDirect.Forward(x, wt, b, y, g, 1, 3);
        float[] all = Wide(g, x, wt, b);
        int size = 5 * g.OutPlane;
        Assert.Equal(4 * size, all.Length);
        Assert.All(y.AsSpan(0, size).ToArray(), v => Assert.Equal(-7f, v));
        Assert.All(y.AsSpan(3 * size, size).ToArray(), v => Assert.Equal(-7f, v));
        Assert.Equal(all.AsSpan(size, 2 * size).ToArray(), y.AsSpan(size, 2 * size).ToArray());
    }

    [Fact]
    public void NonFiniteInputsPropagateAsInTheGemmPath()
    {
        if (GemmSetup.MaxIsa != GemmIsa.Avx512) Assert.Skip("the direct kernel needs AVX-512");
        ConvGeometry g = Geometry(2, 3, 6, 24, 24, 3, 3, 1, 1);
        Assert.True(TakesPackedOrSkinnyGemm(g));
        var (x, wt, b, _) = Data(g, 3);
        x[5] = float.PositiveInfinity;
        x[70] = float.NaN;
        x[3 * 576 + 300] = float.NegativeInfinity;
        wt[4] = float.PositiveInfinity;
        var direct = new float[2 * 6 * g.OutPlane];
        ConvDirect.Forward(x, wt, b, direct, g, 0, 2);
        float[] wide = Wide(g, x, wt, b);
        for (int i = 0; i < wide.Length; i++)
            Assert.True(wide[i].Equals(direct[i]), $"element {i}: GEMM path {wide[i]}, direct {direct[i]}");
        Assert.Contains(direct, v => float.IsNaN(v));
        Assert.Contains(direct, float.IsFinite);
    }

    [Fact]
    public void ConvolutionForwardTakesItForLeNetButNotForStridesOrManyChannels()
    {
        Assert.Equal(GemmSetup.Isa == GemmIsa.Avx512 && ConvDirect.Enabled,
            ConvDirect.Applies(Geometry(64, 1, 6, 28, 28, 5, 5, 2, 1)));
        Assert.False(ConvDirect.Applies(Geometry(2, 6, 17, 14, 14, 5, 5, 0, 1)));
        var strided = new ConvGeometry(1, 1, 8, 8, 4, 3, 3, 2, 2, 0, 0, 1, 1, 1, 3, 3);
        Assert.False(ConvDirect.Applies(strided));
        var dilated = new ConvGeometry(1, 1, 8, 8, 4, 3, 3, 1, 1, 0, 0, 2, 2, 1, 4, 4);
        Assert.False(ConvDirect.Applies(dilated));
    }

    private static bool TakesPackedOrSkinnyGemm(ConvGeometry g) =>
        (long)g.GroupOutChannels * ConvWide.WideN(g) * g.ColRows > Gemm.DirectSkinnyMacs;

    private static float[] Wide(ConvGeometry g, float[] x, float[] w, float[]? b)
    {
        int cg = g.GroupInChannels, og = g.GroupOutChannels, rows = g.ColRows;
        var y = new float[g.Batch * g.OutChannels * g.OutPlane];
        var scratch = new float[ConvWide.ScratchSize(g, 1)];
        for (int n = 0; n < g.Batch; n++)
            for (int gr = 0; gr < g.Groups; gr++)
                ConvWide.Forward<float>(x.AsSpan((n * g.InChannels + gr * cg) * g.InPlane), 0, 1,
                    w.AsSpan(gr * og * rows, og * rows), b is null ? default : b.AsSpan(gr * og, og),
                    y.AsSpan((n * g.OutChannels + gr * og) * g.OutPlane), 0, g, scratch);
        return y;
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

    private static double[] Reference(ConvGeometry g, float[] x, float[] w, float[]? b)
    {
        var y = new double[g.Batch * g.OutChannels * g.OutPlane];
        int cg = g.GroupInChannels, og = g.GroupOutChannels;
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        double acc = b is null ? 0 : b[o];
                        for (int ci = 0; ci < cg; ci++)
                            for (int i = 0; i < g.KH; i++)
                                for (int j = 0; j < g.KW; j++)
                                {
                                    int iy = oy + i - g.PadH, ix = ox + j - g.PadW;
                                    if ((uint)iy >= (uint)g.InH || (uint)ix >= (uint)g.InW) continue;
                                    int c = o / og * cg + ci;
                                    acc += (double)w[((o * cg + ci) * g.KH + i) * g.KW + j]
                                        * x[((n * g.InChannels + c) * g.InH + iy) * g.InW + ix];
                                }
                        y[((n * g.OutChannels + o) * g.OutH + oy) * g.OutW + ox] = acc;
                    }
        return y;
    }

    private static double[] ReferenceWeightGrad(ConvGeometry g, float[] x, float[] dy, int begin, int end)
    {
        var dw = new double[g.OutChannels * g.ColRows];
        int cg = g.GroupInChannels, og = g.GroupOutChannels;
        for (int n = begin; n < end; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                        for (int ci = 0; ci < cg; ci++)
                            for (int i = 0; i < g.KH; i++)
                                for (int j = 0; j < g.KW; j++)
                                {
                                    int iy = oy + i - g.PadH, ix = ox + j - g.PadW;
                                    if ((uint)iy >= (uint)g.InH || (uint)ix >= (uint)g.InW) continue;
                                    int c = o / og * cg + ci;
                                    dw[((o * cg + ci) * g.KH + i) * g.KW + j] +=
                                        (double)dy[((n * g.OutChannels + o) * g.OutH + oy) * g.OutW + ox]
                                        * x[((n * g.InChannels + c) * g.InH + iy) * g.InW + ix];
                                }
        return dw;
    }

    private static void Close(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
