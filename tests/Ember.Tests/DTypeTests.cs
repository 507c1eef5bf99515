using System;
using System.Linq;
using System.Text.Json;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>Storage dtypes, PyTorch's promotion table and low-precision rounding (tools/golden/dtypes.py).</summary>
public class DTypeTests
{
    private static readonly JsonElement s_golden = Golden.Load("dtypes.json");

    private static DType Parse(string name) => name switch
    {
        "bool" => DType.Bool,
        "uint8" => DType.UInt8,
        "int8" => DType.Int8,
        "int16" => DType.Int16,
        "int32" => DType.Int32,
        "int64" => DType.Int64,
        "float16" => DType.Float16,
        "bfloat16" => DType.BFloat16,
        "float32" => DType.Float32,
        "float64" => DType.Float64,
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public void PromoteTypesMatchesPyTorchForEveryPair()
    {
        foreach (var e in s_golden.GetProperty("promote").EnumerateArray())
        {
            DType a = Parse(e.GetProperty("a").GetString()!), b = Parse(e.GetProperty("b").GetString()!);
            Assert.True(Parse(e.GetProperty("result").GetString()!) == DTypes.Promote(a, b), $"promote({a}, {b})");
        }
    }

    [Fact]
    public void ResultTypesOfOpsMatchPyTorchWithZeroDimTensorsAndNumbers()
    {
        foreach (var e in s_golden.GetProperty("result_type").EnumerateArray())
        {
            DType t = Parse(e.GetProperty("tensor").GetString()!);
            var tensor = Tensor.Ones([2], t);
            DType expected = Parse(e.GetProperty("result").GetString()!);
            Tensor result;
            string what;
            if (e.TryGetProperty("zero_dim", out var z))
            {
                DType zd = Parse(z.GetString()!);
                if (t == DType.Bool && zd == DType.Bool) continue;   // bool arithmetic is refused by design
                result = tensor * Tensor.Ones([], zd);
                what = $"{t} * 0-dim {zd}";
            }
            else if (e.GetProperty("scalar").GetString() == "float") { result = tensor * 2.5; what = $"{t} * 2.5"; }
            else
            {
                if (t == DType.Bool) continue;
                result = tensor * 2;
                what = $"{t} * 2";
            }
            Assert.True(expected == result.DType, $"{what}: expected {expected}, got {result.DType}");
        }
    }

    [Fact]
    public void HalfAndBFloat16RoundLikePyTorch()
    {
        var r = s_golden.GetProperty("rounding");
        float[] input = r.GetProperty("input").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        float[] f16 = r.GetProperty("float16").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        float[] bf16 = r.GetProperty("bfloat16").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        var x = Tensor.From(input);
        Assert.Equal(f16, Tensor.From(input[..f16.Length]).To(DType.Float16).To(DType.Float32).ToArray<float>());
        Assert.Equal(bf16, x.To(DType.BFloat16).To(DType.Float32).ToArray<float>());
        float[] ints = r.GetProperty("int_input").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        Assert.Equal(r.GetProperty("uint8").EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray(),
            Tensor.From(ints).To(DType.UInt8).ToArray<byte>());
        Assert.Equal(r.GetProperty("int8_from_small").EnumerateArray().Select(v => (sbyte)v.GetInt32()).ToArray(),
            Tensor.From(ints[..4]).To(DType.Int8).ToArray<sbyte>());
    }

    [Fact]
    public void LowPrecisionTensorsComputeInFloat32AndKeepTheirDType()
    {
        var h = Tensor.From(new Half[] { (Half)1.5, (Half)2.25 });
        var s = (h * h + 1.0).Sum();
        Assert.Equal(DType.Float16, s.DType);
        Assert.Equal(1.5 * 1.5 + 2.25 * 2.25 + 2, s.Item<double>(), 3);
        var b = Tensor.From(new float[] { 1, 2, 3 }).To(DType.BFloat16);
        Assert.Equal(DType.BFloat16, b.Exp().DType);
        Assert.Equal(new float[] { 2, 4, 6 }, (b * 2.0).To(DType.Float32).ToArray<float>());
        var img = Tensor.From(new byte[] { 0, 128, 255 });
        Assert.Equal(DType.UInt8, img.DType);
        Assert.Equal(new[] { 0f, 128f / 255, 1f }, (img.To(DType.Float32) / 255.0).ToArray<float>());
        Assert.Equal(new byte[] { 1, 129, 0 }, (img + 1).ToArray<byte>());   // uint8 wraps, as in PyTorch
        Assert.Equal("tensor([  0, 128, 255], dtype=torch.uint8)", img.ToString());
    }

    [Fact]
    public void HalfPrecisionParametersTrain()
    {
        var w = new Parameter(Tensor.From(new float[] { 0.5f, -0.25f }).To(DType.Float16));
        var loss = (w * w).Sum();
        loss.Backward();
        Assert.Equal(DType.Float16, w.Grad!.DType);
        Assert.Equal(new[] { 1f, -0.5f }, w.Grad.To(DType.Float32).ToArray<float>());
    }
}

public class DTypeIndexingTests
{
    [Fact]
    public void StorageOnlyDTypesIndexGatherAndAssign()
    {
        var img = Tensor.From(new byte[] { 1, 2, 3, 4, 5, 6 }).View(2, 3);
        Assert.Equal(new byte[] { 2, 5 }, img[.., 1].Contiguous().ToArray<byte>());
        Assert.Equal(new byte[] { 3, 6 }, img.Gather(1, Tensor.From(new long[,] { { 2 }, { 2 } })).ToArray<byte>());
        Assert.Equal(new byte[] { 4, 5, 6 }, img[img.To(DType.Float32) > 3.5].ToArray<byte>());
        img[0] = Tensor.From(new byte[] { 9, 9, 9 });
        Assert.Equal(new byte[] { 9, 9, 9, 4, 5, 6 }, img.ToArray<byte>());
        var h = Tensor.From(new Half[] { (Half)1, (Half)2, (Half)3 });
        Assert.Equal(new[] { 3f, 1f }, h[Tensor.From(new long[] { 2, 0 })].To(DType.Float32).ToArray<float>());
        Assert.Equal(new[] { 3f, 2f, 1f }, h.Sort(descending: true).Values.To(DType.Float32).ToArray<float>());
    }
}

public class DeviceTests
{
    [Fact]
    public void CpuIsTheOnlyDeviceAndOthersGetAClearError()
    {
        var x = Tensor.Ones(2);
        Assert.Equal(Device.Cpu, x.Device);
        Assert.Same(x, x.To(Device.Cpu));
        Assert.Equal("cpu", Device.Parse("CPU").ToString());
        var ex = Assert.Throws<ArgumentException>(() => Device.Parse("cuda:0"));
        Assert.Contains("Unknown or unavailable device 'cuda:0'", ex.Message);
        Assert.Contains("only 'cpu'", ex.Message);
    }
}
