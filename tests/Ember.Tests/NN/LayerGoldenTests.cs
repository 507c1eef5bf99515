using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// Convolution and pooling against PyTorch 1.13 (tools/golden/layers.py): float64 forward, the gradients of
/// sum(out·g) for the input and the parameters, max-pool indices and the graph's node name; then the same ops in
/// float32 and through GradCheck.
/// </summary>
public class LayerGoldenTests
{
    private static readonly JsonElement[] s_cases = Golden.Load("layers.json").GetProperty("cases").EnumerateArray()
        .ToArray();

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => s_cases.First(c => c.GetProperty("name").GetString() == name);

    internal static Size2 S2(JsonElement args, string name, Size2 fallback)
    {
        if (!args.TryGetProperty(name, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.Array ? new Size2(v[0].GetInt32(), v[1].GetInt32()) : v.GetInt32();
    }

    private static Padding Pad(JsonElement args) =>
        args.GetProperty("padding") is var p && p.ValueKind == JsonValueKind.String ? p.GetString()!
        : p.ValueKind == JsonValueKind.Array ? (p[0].GetInt32(), p[1].GetInt32()) : p.GetInt32();

    private static bool Flag(JsonElement args, string name) => args.TryGetProperty(name, out var v) && v.GetBoolean();

    /// <summary>Runs a case; returns the output and, for max pooling, the indices.</summary>
    internal static (Tensor Out, Tensor? Indices) Run(JsonElement c, Dictionary<string, Tensor> t)
    {
        JsonElement a = c.GetProperty("args");
        t.TryGetValue("b", out var b);
        switch (c.GetProperty("op").GetString())
        {
            case "conv2d":
                return (F.Conv2d(t["x"], t["w"], b, S2(a, "stride", 1), Pad(a), S2(a, "dilation", 1),
                a.GetProperty("groups").GetInt32()), null);
            case "conv1d":
                return (F.Conv1d(t["x"], t["w"], b, a.GetProperty("stride").GetInt32(), Pad(a),
                a.GetProperty("dilation").GetInt32(), a.GetProperty("groups").GetInt32()), null);
            case "conv_transpose2d":
                return (F.ConvTranspose2d(t["x"], t["w"], b, S2(a, "stride", 1), S2(a, "padding", 0),
                    S2(a, "output_padding", 0), a.GetProperty("groups").GetInt32(), S2(a, "dilation", 1)), null);
            case "max_pool2d":
                {
                    Size2 k = S2(a, "kernel_size", 0);
                    var (y, i) =
                        F.MaxPool2dWithIndices(t["x"], k, S2(a, "stride", k), S2(a, "padding", 0), S2(a, "dilation", 1),
                        Flag(a, "ceil_mode"));
                    return (y, i);
                }
            case "max_pool1d":
                {
                    int k = a.GetProperty("kernel_size").GetInt32();
                    var (y, i) =
                        F.MaxPool1dWithIndices(t["x"], k, a.TryGetProperty("stride", out var s) ? s.GetInt32() : k,
                        a.TryGetProperty("padding", out var p) ? p.GetInt32() : 0, 1, Flag(a, "ceil_mode"));
                    return (y, i);
                }
            case "avg_pool2d":
                {
                    Size2 k = S2(a, "kernel_size", 0);
                    return (F.AvgPool2d(t["x"], k, S2(a, "stride", k), S2(a, "padding", 0), Flag(a, "ceil_mode"),
                        !a.TryGetProperty("count_include_pad", out var cip) || cip.GetBoolean(),
                        a.TryGetProperty("divisor_override", out var d) ? d.GetInt32() : 0), null);
                }
            case "adaptive_avg_pool2d": return (F.AdaptiveAvgPool2d(t["x"], S2(a, "output_size", 1)), null);
            default: throw new NotSupportedException(c.GetProperty("op").GetString());
        }
    }

    private static Dictionary<string, Tensor> Inputs(JsonElement c, DType dtype) =>
        c.GetProperty("inputs").EnumerateObject()
            .ToDictionary(p => p.Name, p => Golden.Tensor(p.Value).To(dtype).Detach().RequiresGrad_());

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        var c = Case(name);
        foreach (var (dtype, rtol, atol) in new[] { (DType.Float64, 1e-10, 1e-12), (DType.Float32, 1e-4, 1e-5) })
        {
            var t = Inputs(c, dtype);
            var (y, idx) = Run(c, t);
            Assert.Equal(dtype, y.DType);
            Close.Equal(Golden.Tensor(c.GetProperty("out")), y, rtol, atol, $"{name} {dtype} forward");
            if (c.GetProperty("indices").ValueKind != JsonValueKind.Null)
                Assert.Equal(Golden.Data(c.GetProperty("indices")), idx!.ToArray<double>());
            Assert.Equal(c.GetProperty("grad_fn").GetString(), y.GradFn!.Name);
            (y * Golden.Tensor(c.GetProperty("grad_out")).To(dtype)).Sum().Backward();
            foreach (var g in c.GetProperty("grads").EnumerateObject())
                Close.Equal(Golden.Tensor(g.Value), t[g.Name].Grad!, rtol, atol, $"{name} {dtype} grad {g.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckInFloat64(string name)
    {
        var c = Case(name);
        var t = Inputs(c, DType.Float64);
        string[] keys = t.Keys.ToArray();
        // Shrink nothing: the golden shapes are small. Inputs are perturbed one element at a time.
        Assert.True(Autograd.GradCheck(xs =>
        {
            var d = new Dictionary<string, Tensor>();
            for (int i = 0; i < keys.Length; i++) d[keys[i]] = xs[i];
            return Run(c, d).Out;
        }, keys.Select(k => t[k]).ToArray()));
    }
}
