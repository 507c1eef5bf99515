using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Ember;

namespace Ember.Tests.Support;

/// <summary>Reads the PyTorch 1.13 golden files written by tools/golden/*.py (committed JSON).</summary>
public static class Golden
{
    public static JsonElement Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    public static int[] Shape(JsonElement t) =>
        t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static double[] Data(JsonElement t) => t.GetProperty("data").EnumerateArray().Select(ReadNumber).ToArray();

    private static double ReadNumber(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.String => double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        _ => e.GetDouble(),
    };

    public static string DTypeName(JsonElement t) => t.GetProperty("dtype").GetString()!;

    /// <summary>The tensor with its recorded dtype (float32/float64/int64/int32/bool).</summary>
    public static Tensor Tensor(JsonElement t, bool requiresGrad = false)
    {
        int[] shape = Shape(t);
        double[] data = Data(t);
        string dt = DTypeName(t);
        return dt switch
        {
            "float64" => Ember.Tensor.From(data, shape, requiresGrad),
            "float32" => Ember.Tensor.From(data.Select(v => (float)v).ToArray(), shape, requiresGrad),
            "int64" => Ember.Tensor.From(data.Select(v => (long)v).ToArray(), shape),
            "int32" => Ember.Tensor.From(data.Select(v => (int)v).ToArray(), shape),
            "bool" => Ember.Tensor.From(data.Select(v => v != 0).ToArray(), shape),
            "uint8" => Ember.Tensor.From(data.Select(v => (byte)v).ToArray(), shape),
            "int8" => Ember.Tensor.From(data.Select(v => (sbyte)v).ToArray(), shape),
            _ => throw new NotSupportedException(dt),
        };
    }
}

/// <summary>Tolerance comparisons: |a - e| &lt;= atol + rtol·|e|, with the worst element in the message.</summary>
public static class Close
{
    public static void Equal(double[] expected, double[] actual, double rtol = 1e-5, double atol = 1e-8,
        string what = "")
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            Assert.True(Math.Abs(a - e) <= atol + rtol * Math.Abs(e),
                $"{what}: element {i}: expected {e:R}, got {a:R}");
        }
    }

    public static void Equal(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-8, string what = "")
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Equal(expected.ToArray<double>(), actual.ToArray<double>(), rtol, atol, what);
    }
}
