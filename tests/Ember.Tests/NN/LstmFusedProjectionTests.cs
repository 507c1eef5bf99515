using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// The LSTM's input projection computed by the row chunks (each chunk its own rows of each step, from a packed
/// <c>W_ih</c>) instead of as one product before the steps: outputs, final states and every gradient are bit for bit
/// those of the plain projection (<c>InputProjection.Defers = false</c>), recorded or not, for 1, 2 and 4 threads, both
/// directions and a second layer over the first's output; the fused path is the one that ran where a chunk's rows are
/// whole row tiles, and with the GEMM kernels limited to AVX2 (6-row tiles) the plain projection runs.
/// </summary>
[Collection(SerialCollection.Name)]
public class LstmFusedProjectionTests
{
    private sealed record Config(int Input, int Layers, bool Bidirectional, bool Bias, DType DType, int Batch,
        int Hidden, int Steps, bool BatchFirst);

    private static readonly Config[] s_configs =
    [
        new(64, 1, false, true, DType.Float32, 32, 128, 12, false), // the bench's shape (fewer steps)
        new(24, 2, true, true, DType.Float32, 20, 40, 5, true), // chunks of 8, 8, 4 rows; batch-first input
        new(17, 1, true, false, DType.Float64, 12, 64, 4, false), // odd input width, no bias
    ];

    public static IEnumerable<object[]> Cases()
    {
        for (int i = 0; i < s_configs.Length; i++)
            foreach (int threads in new[] { 1, 2, 4 })
                yield return [i, threads];
    }

    private static (T Result, int Fused) With<T>(int threads, bool fused, Func<T> body)
    {
        int savedThreads = Threading.ThreadCount;
        bool savedDefers = InputProjection.Defers;
        try
        {
            Threading.ThreadCount = threads;
            InputProjection.Defers = fused;
            int before = LstmRows.FusedProjections;
            T result = body();
            return (result, LstmRows.FusedProjections - before);
        }
        finally
        {
            Threading.ThreadCount = savedThreads;
            InputProjection.Defers = savedDefers;
        }
    }

    private static (LSTM Lstm, Tensor X, (Tensor H, Tensor C) State) Setup(Config c)
    {
        Tensor.ManualSeed(31);
        var lstm = new LSTM(c.Input, c.Hidden, numLayers: c.Layers, bias: c.Bias, batchFirst: c.BatchFirst,
            bidirectional: c.Bidirectional, dtype: c.DType);
        int dirs = c.Bidirectional ? 2 : 1;
        Tensor x = (c.BatchFirst ? Tensor.Randn(c.Batch, c.Steps, c.Input) : Tensor.Randn(c.Steps, c.Batch, c.Input))
            .To(c.DType);
        var state = (Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType),
            Tensor.Randn(c.Layers * dirs, c.Batch, c.Hidden).To(c.DType));
        return (lstm, x, state);
    }

    private static double[] D(Tensor t) => t.Detach().To(DType.Float64).ToArray<double>();

    private static List<double[]> ForwardBackward(Config c)
    {
        var (lstm, x0, (h0, c0)) = Setup(c);
        Tensor x = x0.RequiresGrad_(), hx = h0.RequiresGrad_(), cx = c0.RequiresGrad_();
        var (y, (h, cN)) = lstm.Call(x, (hx, cx));
        ((y * y).Sum() + h.Sum() + (cN * cN).Sum()).Backward();
        var values = new List<double[]> { D(y), D(h), D(cN), D(x.Grad!), D(hx.Grad!), D(cx.Grad!) };
        foreach (var p in lstm.Parameters()) values.Add(D(p.Grad!));
        return values;
    }

    private static List<double[]> NoGrad(Config c)
    {
        var (lstm, x, state) = Setup(c);
        using var _ = Autograd.NoGrad();
        var (y, (h, cN)) = lstm.Call(x, state);
        return [D(y), D(h), D(cN)];
    }

    private static int Directions(Config c) =>
        LstmRows.ComputesProjection(c.DType) ? c.Layers * (c.Bidirectional ? 2 : 1) : 0;

    [Theory]
    [MemberData(nameof(Cases))]
    public void RecordedForwardAndBackward_EqualThePlainProjection(int config, int threads)
    {
        Config c = s_configs[config];
        if (Directions(c) == 0) Assert.Skip("the GEMM's row tile here does not fit a chunk: no fused projection");
        var (want, plain) = With(threads, false, () => ForwardBackward(c));
        Assert.Equal(0, plain);
        Assert.All(want, a => Assert.All(a, v => Assert.True(double.IsFinite(v))));
        var (got, fused) = With(threads, true, () => ForwardBackward(c));
        Assert.Equal(Directions(c), fused);
        Assert.Equal(want, got);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void NoGradForward_EqualsThePlainProjection(int config, int threads)
    {
        Config c = s_configs[config];
        var (want, plain) = With(threads, false, () => NoGrad(c));
        Assert.Equal(0, plain);
        var (got, fused) = With(threads, true, () => NoGrad(c));
        Assert.Equal(Directions(c), fused);
        Assert.Equal(want, got);
        // And the recorded forward's values.
        Assert.Equal(With(threads, true, () => ForwardBackward(c)).Result.Take(3), got);
    }

    [Fact]
    public void ComputedRows_RoundsUpToARowTile()
    {
        for (int m = 1; m <= 40; m++)
        {
            int rows = Ember.Kernels.GemmPackedB<float>.ComputedRows(m);
            Assert.InRange(rows, m, m + 13);
            Assert.InRange(Ember.Kernels.GemmPackedB<double>.ComputedRows(m), m, m + 13);
        }
        Assert.Equal(0, Ember.Kernels.GemmPackedB<float>.ComputedRows(0));
    }

    [Fact]
    public void StepByStepPath_ComputesTheProjectionFirst()
    {
        // Rows off: the deferred projection is computed before the steps read it (same values as with the rows).
        Config c = s_configs[1];
        bool saved = LstmRows.Enabled;
        try
        {
            LstmRows.Enabled = false;
            var (want, _) = With(2, false, () => ForwardBackward(c));
            var (got, fused) = With(2, true, () => ForwardBackward(c));
            Assert.Equal(0, fused);
            Assert.Equal(want, got);
            Assert.Equal(With(2, false, () => NoGrad(c)).Result, With(2, true, () => NoGrad(c)).Result);
        }
        finally
        {
            LstmRows.Enabled = saved;
        }
    }

    [Fact]
    public void WithAvx2Kernels_TheProjectionIsOneProduct()
    {
        Type setup = typeof(Ember.Kernels.GemmPackedB<float>).Assembly.GetType("Ember.Kernels.GemmSetup", true)!;
        PropertyInfo isa = setup.GetProperty("Isa", BindingFlags.Public | BindingFlags.Static)!;
        object saved = isa.GetValue(null)!;
        object avx2 = Enum.Parse(isa.PropertyType, "Avx2");
        if (Convert.ToInt32(saved, System.Globalization.CultureInfo.InvariantCulture)
            < Convert.ToInt32(avx2, System.Globalization.CultureInfo.InvariantCulture))
            Assert.Skip("this machine has no AVX2");
        try
        {
            isa.SetValue(null, avx2);
            Assert.Equal(12, Ember.Kernels.GemmPackedB<float>.ComputedRows(8));
            Assert.Equal(6, Ember.Kernels.GemmPackedB<float>.ComputedRows(6));
            Assert.False(LstmRows.ComputesProjection(DType.Float32));
            foreach (Config c in s_configs.Take(2))
            {
                var (got, fused) = With(2, true, () => ForwardBackward(c));
                Assert.Equal(0, fused);
                Assert.Equal(With(2, false, () => ForwardBackward(c)).Result, got);
                Assert.Equal(With(2, false, () => NoGrad(c)).Result, With(2, true, () => NoGrad(c)).Result);
            }
        }
        finally
        {
            isa.SetValue(null, saved);
        }
    }
}
