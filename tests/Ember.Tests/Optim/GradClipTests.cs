using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests.Optim;

/// <summary>GradClip.ClipGradNorm_ / ClipGradValue_ against PyTorch 1.13 (tools/golden/clip_all.py).</summary>
public class GradClipTests
{
    private static readonly JsonElement s_cases = Golden.Load("clip_all.json").GetProperty("cases");

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new FormatException(s)
        }
        : e.GetDouble();

    /// <summary>Like Golden.Tensor, but reads the non-finite strings this file uses.</summary>
    private static Tensor ReadTensor(JsonElement t)
    {
        double[] data = t.GetProperty("data").EnumerateArray().Select(Number).ToArray();
        int[] shape = Golden.Shape(t);
        return Golden.DTypeName(t) == "float64" ? Tensor.From(data, shape)
            : Tensor.From(data.Select(v => (float)v).ToArray(), shape);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        var c = s_cases.EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        var dtype = c.GetProperty("dtype").GetString() == "float64" ? DType.Float64 : DType.Float32;
        var shapes = new[] { new[] { 3, 4 }, new[] { 5 }, new[] { 2, 2, 2 } };
        var ps = shapes.Select((s, i) => new Parameter(Tensor.Zeros(s, dtype))
        {
            Grad = grads[i].ValueKind == JsonValueKind.Null ? null : ReadTensor(grads[i])
        }).ToArray();
        double rtol = dtype == DType.Float64 ? 1e-13 : 1e-6, atol = dtype == DType.Float64 ? 1e-15 : 1e-7;

        if (c.GetProperty("kind").GetString() == "value")
            GradClip.ClipGradValue_(ps, c.GetProperty("clip_value").GetDouble());
        else
        {
            JsonElement nt = c.GetProperty("norm_type");
            double normType = nt.ValueKind == JsonValueKind.String
                ? (nt.GetString() == "inf" ? double.PositiveInfinity : double.NegativeInfinity) : nt.GetDouble();
            Func<Tensor> clip = () =>
                GradClip.ClipGradNorm_(ps, c.GetProperty("max_norm").GetDouble(), normType,
                c.GetProperty("error_if_nonfinite").GetBoolean());
            if (c.GetProperty("raised").GetBoolean())
                Assert.Contains("non-finite", Assert.Throws<InvalidOperationException>(() => clip()).Message);
            else
            {
                var total = clip();
                Assert.Equal(0, total.Dim);
                Assert.Equal(grads.All(g => g.ValueKind == JsonValueKind.Null) ? DType.Float32 : dtype, total.DType);
                Close.Equal([Number(c.GetProperty("total_norm"))], [total.Item<double>()], rtol, atol,
                    $"{name} total norm");
            }
        }
        var clipped = c.GetProperty("clipped").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++)
        {
            if (clipped[i].ValueKind == JsonValueKind.Null) { Assert.Null(ps[i].Grad); continue; }
            Close.Equal(ReadTensor(clipped[i]), ps[i].Grad!, rtol, atol, $"{name} grad {i}");
        }
    }

    [Fact]
    public void StridedGradientsAreClippedInPlace()
    {
        var p = new Parameter(Tensor.Zeros(2, 3));
        var g = Tensor.From(new float[] { 3, 0, 0, 4, 0, 0 }, [3, 2]).T; // [2, 3], not contiguous
        p.Grad = g;
        var total = GradClip.ClipGradNorm_(p, maxNorm: 1.0);
        Assert.Equal(5f, total.Item<float>());
        Assert.Same(g, p.Grad);
        Close.Equal(new[] { 0.6, 0.0, 0.0, 0.0, 0.8, 0.0 }, p.Grad!.ToArray<double>(), 1e-6, 1e-7, "strided grad");
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        var p = new Parameter(Tensor.Ones(2)) { Grad = Tensor.Ones(2) };
        Assert.Contains("clipValue -1", Assert.Throws<ArgumentException>(() => GradClip.ClipGradValue_(p, -1)).Message);
        Assert.Contains("normType is NaN",
            Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm_(p, 1, double.NaN)).Message);
    }
}
