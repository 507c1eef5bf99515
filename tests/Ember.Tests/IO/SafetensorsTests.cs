using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ember.IO;
using Ember.NN;
using Ember.Tests.Support;
using static Ember.Tests.IO.IoTestUtil;

namespace Ember.Tests.IO;

public class SafetensorsTests
{
    private static OrderedDictionary<string, Tensor> EveryDType() => new()
    {
        ["f64"] = Make(new[] { 1.5, -2.25, 1e300, double.NaN }, 2, 2),
        ["f32"] = Make(new[] { 1f, -0.5f, float.PositiveInfinity }, 3),
        ["f16"] = Make(new[] { (Half)0.5, (Half)(-1.5), Half.MaxValue }, 3),
        ["bf16"] = Make(new[] { (BFloat16)1.0, (BFloat16)(-2.0), (BFloat16)3e38 }, 3, 1),
        ["i64"] = Make(new[] { long.MinValue, 5L, long.MaxValue }, 3),
        ["i32"] = Make(new[] { int.MinValue, 7 }, 2),
        ["i16"] = Make(new short[] { -300, 300 }, 1, 2),
        ["i8"] = Make(new sbyte[] { -128, 127 }, 2),
        ["u8"] = Make(new byte[] { 0, 255, 7 }, 3),
        ["bool"] = Make(new[] { true, false, true }, 3),
        ["scalar"] = Make(new[] { 3.5f }),
        ["empty"] = Make(Array.Empty<float>(), 0, 3),
        ["empty_i64"] = Make(Array.Empty<long>(), 2, 0),
    };

    [Fact]
    public void EveryDTypeScalarAndEmptyRoundTripBitExactly()
    {
        using var dir = new TempDir();
        string path = dir.File("all.safetensors");
        var tensors = EveryDType();
        Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é ✓" });
        var back = Safetensors.Load(path, out var meta);
        Assert.Equal(tensors.Keys, back.Keys);
        foreach (var (k, t) in tensors)
        {
            Assert.Equal(t.DType, back[k].DType);
            Assert.Equal(t.Shape.ToArray(), back[k].Shape.ToArray());
            Assert.Equal(Bytes(t), Bytes(back[k]));
        }
        Assert.Equal("pt", meta["format"]);
        Assert.Equal("é ✓", meta["note"]);
        Assert.Equal(meta, Safetensors.LoadMetadata(path));
        // The layout the format prescribes: header length + header is a multiple of 8.
        var raw = File.ReadAllBytes(path);
        Assert.Equal(0, (8 + (int)BitConverter.ToUInt64(raw, 0)) % 8);
    }

    private static byte[] Bytes(Tensor t)
    {
        using var ms = new MemoryStream();
        TensorBytes.Write(ms, t.Raw);
        return ms.ToArray();
    }

    [Fact]
    public void NonContiguousViewsAreWrittenRowMajor()
    {
        using var dir = new TempDir();
        string path = dir.File("views.safetensors");
        var baseT = Make(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 4, 6);
        var views = new OrderedDictionary<string, Tensor>
        {
            ["t"] = baseT.Transpose(0, 1),
            ["slice"] = baseT.Narrow(0, 1, 2).Narrow(1, 2, 3),
        };
        Assert.False(views["t"].IsContiguous);
        Safetensors.Save(path, views);
        var back = Safetensors.Load(path);
        foreach (var (k, v) in views)
        {
            Assert.True(back[k].IsContiguous);
            Assert.Equal(v.Shape.ToArray(), back[k].Shape.ToArray());
            Assert.Equal(Values(v), Values(back[k]));
        }
    }

    [Fact]
    public void SaveReplacesTheOldFileAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDir();
        string path = dir.File("w.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = Make(new[] { 1f }, 1) });
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["b"] = Make(new[] { 2f, 3f }, 2) });
        Assert.Equal(["b"], Safetensors.Load(path).Keys);
        Assert.Equal(["w.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AFailedSaveKeepsTheOldFile()
    {
        using var dir = new TempDir();
        string path = dir.File("w.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = Make(new[] { 1f }, 1) });
        var bad = new KeyValuePair<string, Tensor>[]
        {
            new("x", Make(new[] { 1f }, 1)), new("x", Make(new[] { 2f }, 1)),
        };
        var ex = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, bad));
        Assert.Contains("'x' appears twice", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["a"], Safetensors.Load(path).Keys);
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void FixtureWrittenByTheGoldenScriptLoadsEveryDType()
    {
        var golden = Golden.Load("io.json").GetProperty("dtypes");
        var loaded = Safetensors.Load(FixturePath("dtypes.safetensors"));
        foreach (var p in golden.EnumerateObject())
        {
            var t = loaded[p.Name];
            Assert.Equal(p.Value.GetProperty("dtype").GetString(), t.DType.TorchName());
            Assert.Equal(Golden.Shape(p.Value), t.Shape.ToArray());
            Assert.Equal(Golden.Data(p.Value), Values(t));
        }
    }

    private static Sequential Mlp() => new(new Linear(4, 8), new ReLU(), new Linear(8, 3));

    [Fact]
    public void ModuleWeightsRoundTrip()
    {
        using var dir = new TempDir();
        string path = dir.File("mlp.safetensors");
        var a = Mlp();
        a.SaveWeights(path, new Dictionary<string, string> { ["epoch"] = "3" });
        var b = Mlp();
        var keys = b.LoadWeights(path);
        Assert.Empty(keys.MissingKeys);
        Assert.Empty(keys.UnexpectedKeys);
        foreach (var (k, t) in a.StateDict()) Assert.Equal(Values(t), Values(b.StateDict()[k]));
        Assert.Equal("3", Safetensors.LoadMetadata(path)["epoch"]);
    }

    [Fact]
    public void StrictLoadNamesMissingAndUnexpectedKeysAndNonStrictReportsThem()
    {
        using var dir = new TempDir();
        string path = dir.File("partial.safetensors");
        var sd = Mlp().StateDict();
        sd.Remove("2.bias");
        sd["extra"] = Make(new[] { 1f }, 1);
        Safetensors.Save(path, sd);
        var m = Mlp();
        var before = Values(m.StateDict()["0.weight"]);
        var ex = Assert.Throws<ArgumentException>(() => m.LoadWeights(path));
        Assert.Contains("missing keys (in the model, not in the file): '2.bias'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected keys (in the file, not in the model): 'extra'", ex.Message,
            StringComparison.Ordinal);
        Assert.Equal(before, Values(m.StateDict()["0.weight"])); // nothing copied on error
        var keys = m.LoadWeights(path, strict: false);
        Assert.Equal(["2.bias"], keys.MissingKeys);
        Assert.Equal(["extra"], keys.UnexpectedKeys);
        Assert.Equal(Values(sd["0.weight"]), Values(m.StateDict()["0.weight"]));
    }

    [Fact]
    public void ShapeAndDTypeMismatchesNameTheKeyAndBothSides()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.safetensors");
        var sd = Mlp().StateDict();
        sd["0.weight"] = Make(new float[12], 3, 4);
        sd["0.bias"] = Make(new double[8], 8);
        Safetensors.Save(path, sd);
        var ex = Assert.Throws<ArgumentException>(() => Mlp().LoadWeights(path, strict: false));
        Assert.Contains("'0.weight': the file has torch.float32 [3, 4], the model has torch.float32 [8, 4]",
            ex.Message, StringComparison.Ordinal);
        Assert.Contains("'0.bias': the file has torch.float64 [8], the model has torch.float32 [8]", ex.Message,
            StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
