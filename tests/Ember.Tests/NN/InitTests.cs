using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// Initializers and the layers' default initializations against PyTorch 1.13 (tools/golden/init_layers.py): gains and
/// fans
/// exactly, default-init bounds, and statistics of large tensors near their expected values. Random streams differ from
/// PyTorch's, so values are compared through distributions, never element by element.
/// </summary>
public class InitTests
{
    private static readonly JsonElement s_golden = Golden.Load("init_layers.json");

    private static (double Min, double Max, double Mean, double Std) Stats(Tensor t)
    {
        double[] v = t.ToArray<double>();
        double mean = v.Average();
        double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / Math.Max(v.Length - 1, 1));
        return (v.Min(), v.Max(), mean, std);
    }

    [Fact]
    public void CalculateGainEqualsPyTorch()
    {
        foreach (var g in s_golden.GetProperty("gains").EnumerateArray())
        {
            double? p = g.GetProperty("param").ValueKind == JsonValueKind.Null ? null
                : g.GetProperty("param").GetDouble();
            Assert.Equal(g.GetProperty("gain").GetDouble(),
                Init.CalculateGain(g.GetProperty("nonlinearity").GetString()!, p), 15);
        }
        Assert.Throws<ArgumentException>(() => Init.CalculateGain("swish"));
    }

    [Fact]
    public void FansEqualPyTorch()
    {
        foreach (var f in s_golden.GetProperty("fans").EnumerateArray())
        {
            int[] shape = f.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var (fanIn, fanOut) = Init.CalculateFanInAndFanOut(Tensor.Zeros(shape));
            Assert.Equal(f.GetProperty("fan_in").GetInt32(), fanIn);
            Assert.Equal(f.GetProperty("fan_out").GetInt32(), fanOut);
        }
    }

    private static readonly Dictionary<string, Func<ModuleBase>> s_layers = new()
    {
        ["Linear(300, 200)"] = () => new Linear(300, 200, generator: new Generator(1)),
        ["Conv1d(16, 32, 5)"] = () => new Conv1d(16, 32, 5, generator: new Generator(2)),
        ["Conv2d(32, 64, 3)"] = () => new Conv2d(32, 64, 3, generator: new Generator(3)),
        ["Conv2d(32, 64, 3, groups=4)"] = () => new Conv2d(32, 64, 3, groups: 4, generator: new Generator(4)),
        ["ConvTranspose2d(32, 64, 3)"] = () => new ConvTranspose2d(32, 64, 3, generator: new Generator(5)),
        ["BatchNorm2d(64)"] = () => new BatchNorm2d(64),
        ["LayerNorm(64)"] = () => new LayerNorm(64),
        ["GroupNorm(4, 64)"] = () => new GroupNorm(4, 64),
        ["Embedding(1000, 64)"] = () => new Embedding(1000, 64, generator: new Generator(6)),
    };

    [Fact]
    public void DefaultInitializationsMatchPyTorch()
    {
        foreach (var layer in s_golden.GetProperty("layers").EnumerateArray())
        {
            string name = layer.GetProperty("name").GetString()!;
            var m = s_layers[name]();
            var state = m.StateDict();
            foreach (var p in layer.GetProperty("params").EnumerateObject())
            {
                Tensor t = state[p.Name];
                var e = p.Value;
                Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                    t.Shape.ToArray());
                var (min, max, mean, std) = Stats(t);
                if (e.TryGetProperty("bound", out var b))
                {
                    double bound = b.GetDouble();
                    Assert.True(min >= -bound && max <= bound,
                        $"{name}.{p.Name}: values in [{min}, {max}] exceed the bound {bound}");
                    // U(-b, b): std b/√3; PyTorch's own sample is within the same tolerance.
                    double tol = p.Name == "bias" ? 0.2 : 0.05;
                    Assert.InRange(std, bound / Math.Sqrt(3) * (1 - tol), bound / Math.Sqrt(3) * (1 + tol));
                    Assert.InRange(e.GetProperty("std").GetDouble(), bound / Math.Sqrt(3) * (1 - tol),
                        bound / Math.Sqrt(3) * (1 + tol));
                    Assert.True(max > bound * 0.8 && min < -bound * 0.8,
                        $"{name}.{p.Name}: samples do not fill the interval");
                }
                else if (name.StartsWith("Embedding", StringComparison.Ordinal))
                {
                    Assert.InRange(mean, -0.02, 0.02);
                    Assert.InRange(std, 0.98, 1.02);
                }
                else
                {
                    Assert.Equal(e.GetProperty("min").GetDouble(), min);
                    Assert.Equal(e.GetProperty("max").GetDouble(), max);
                }
            }
        }
    }

    [Fact]
    public void ConvAndLinearBiasesUseOneOverSqrtFanIn()
    {
        var conv = new Conv2d(8, 4, 3, generator: new Generator(7));
        double bound = 1 / Math.Sqrt(8 * 9);
        var (min, max, _, _) = Stats(conv.Bias!);
        Assert.True(min >= -bound && max <= bound);
        var convT = new ConvTranspose2d(8, 4, 3, generator: new Generator(7));
        double boundT = 1 / Math.Sqrt(4 * 9);   // fan_in of a (C_in, C_out, k, k) weight is C_out·k·k, as in PyTorch
        Assert.True(Stats(convT.Bias!).Max <= boundT && Stats(convT.Weight).Max <= boundT);
    }

    [Fact]
    public void NormalAndUniformInitializersHaveTheExpectedSpread()
    {
        var n = s_golden.GetProperty("normals");
        var g = new Generator(11);
        Tensor W() => Tensor.Zeros(400, 300);
        double Std(Tensor t) => Stats(t).Std;
        Assert.Equal(n.GetProperty("xavier_normal").GetProperty("std").GetDouble(),
            Std(Init.XavierNormal_(W(), generator: g)), 0.03 * 0.05);
        var xu = Init.XavierUniform_(W(), gain: 2, generator: g);
        double bxu = n.GetProperty("xavier_uniform_gain2").GetProperty("bound").GetDouble();
        Assert.True(Stats(xu).Max <= bxu && Stats(xu).Min >= -bxu);
        Assert.Equal(bxu / Math.Sqrt(3), Std(xu), 0.01 * bxu);
        Assert.Equal(n.GetProperty("kaiming_normal_relu_fan_out").GetProperty("std").GetDouble(),
            Std(Init.KaimingNormal_(W(), mode: "fan_out", nonlinearity: "relu", generator: g)), 0.002);
        double bku = n.GetProperty("kaiming_uniform_relu").GetProperty("bound").GetDouble();
        var ku = Init.KaimingUniform_(W(), nonlinearity: "relu", generator: g);
        Assert.True(Stats(ku).Max <= bku && Stats(ku).Min >= -bku);
        Assert.Throws<ArgumentException>(() => Init.KaimingNormal_(W(), mode: "fan_avg"));
        Assert.Throws<ArgumentException>(() => Init.XavierUniform_(Tensor.Zeros(5)));
    }

    [Fact]
    public void TruncNormalStaysInsideItsBoundsWithTheRightMoments()
    {
        var tn = s_golden.GetProperty("trunc_normal");
        var t = Init.TruncNormal_(Tensor.Zeros([200000], DType.Float64), 1, 2, -1, 4, new Generator(3));
        var (min, max, mean, std) = Stats(t);
        Assert.True(min >= -1 && max <= 4);
        Assert.Equal(tn.GetProperty("expected_mean").GetDouble(), mean, 0.01);
        Assert.Equal(tn.GetProperty("expected_std").GetDouble(), std, 0.01);
        // PyTorch's sample agrees with the same expectations.
        Assert.Equal(tn.GetProperty("expected_mean").GetDouble(),
            tn.GetProperty("empirical").GetProperty("mean").GetDouble(), 0.01);
    }

    [Theory]
    [InlineData(6, 4)]
    [InlineData(3, 8)]
    [InlineData(5, 5)]
    public void OrthogonalGivesOrthonormalRowsOrColumns(int rows, int cols)
    {
        var w = Init.Orthogonal_(Tensor.Zeros([rows, cols], DType.Float64), gain: 2, generator: new Generator(5));
        Tensor gram = rows < cols ? w.MatMul(w.T) : w.T.MatMul(w);
        int k = Math.Min(rows, cols);
        double[] gv = gram.ToArray<double>();
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) Assert.Equal(i == j ? 4.0 : 0.0, gv[i * k + j], 10);
        var conv = Init.Orthogonal_(Tensor.Zeros(4, 2, 3, 3), generator: new Generator(5));
        Tensor flat = conv.Reshape(4, 18);
        Close.Equal(Tensor.Full([4, 4], 0).Add(EyeLike(4)), flat.MatMul(flat.T), 1e-5, 1e-5);
    }

    private static Tensor EyeLike(int n)
    {
        var e = new float[n * n];
        for (int i = 0; i < n; i++) e[i * n + i] = 1;
        return Tensor.From(e, [n, n]);
    }

    [Fact]
    public void GeneratorsMakeInitializationReproducible()
    {
        var a = new Conv2d(3, 5, 3, generator: new Generator(42));
        var b = new Conv2d(3, 5, 3, generator: new Generator(42));
        Assert.Equal(a.Weight.ToArray<float>(), b.Weight.ToArray<float>());
        Assert.Equal(Init.TruncNormal_(Tensor.Zeros(10), generator: new Generator(1)).ToArray<float>(),
            Init.TruncNormal_(Tensor.Zeros(10), generator: new Generator(1)).ToArray<float>());
        Assert.Equal(Init.Orthogonal_(Tensor.Zeros(3, 3), generator: new Generator(1)).ToArray<float>(),
            Init.Orthogonal_(Tensor.Zeros(3, 3), generator: new Generator(1)).ToArray<float>());
        Assert.Equal(new[] { 7f, 7f }, Init.Constant_(Tensor.Zeros(2), 7).ToArray<float>());
    }
}
