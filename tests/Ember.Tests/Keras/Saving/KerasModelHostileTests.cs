using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ember.IO;
using Ember.Keras;
using Ember.Keras.Saving;
using static Ember.Tests.IO.IoTestUtil;
using Sequential = Ember.Keras.Sequential;

namespace Ember.Tests.Keras.Saving;

/// <summary>
/// Damaged and hostile whole-model files (the safetensors container's own table is SafetensorsHostileTests): each
/// must end in an <see cref="InvalidDataException"/> that names the file and the problem, never a crash or an
/// allocation larger than the file's weights.
/// </summary>
public sealed class KerasModelHostileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Saves a small valid model, then rewrites its file with <paramref name="json"/> applied to the
    /// architecture, <paramref name="metadata"/> to the metadata and <paramref name="tensors"/> to the
    /// weights.</summary>
    internal static string Mutate(TempDir dir, Func<string, string>? json = null,
        Action<Dictionary<string, string>>? metadata = null,
        Action<OrderedDictionary<string, Tensor>>? tensors = null)
    {
        var model = new Sequential(new Input(4), new Dense(3, activation: "relu", generator: new Generator(1)),
            new Dense(2, generator: new Generator(2)));
        string path = dir.File("model.safetensors");
        model.Save(path);
        var state = Safetensors.Load(path, out var meta);
        var m = meta.ToDictionary();
        if (json is not null) m["model"] = json(m["model"]);
        metadata?.Invoke(m);
        tensors?.Invoke(state);
        Safetensors.Save(path, state, m);
        return path;
    }

    private static string Nest(int depth)
    {
        string inner = "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\",\"units\":3," +
            "\"activation\":\"linear\"}}";
        for (int i = 0; i < depth; i++)
            inner = $"{{\"class_name\":\"Sequential\",\"config\":{{\"name\":\"s\",\"layers\":[{inner}]}}}}";
        return inner;
    }

    public static TheoryData<string, string> Cases() =>
    [
        ("weights only", "not an Ember Keras model file (its metadata has no 'format'"),
        ("other format", "format 'something.else'"),
        ("newer version", "format version 2, newer than the 1 this Ember reads"),
        ("bad version", "format_version '1.5' is not a positive integer"),
        ("no architecture", "the metadata has no 'model' architecture"),
        ("architecture not JSON", "the architecture is not valid JSON of the format"),
        ("architecture of nulls", "the architecture is not valid JSON of the format"),
        ("not a Sequential", "the model is a 'Dense'; only Sequential models"),
        ("unknown config field", "layer 'dense' (Dense) has an invalid configuration"),
        ("missing units", "layer 'dense' (Dense) has an invalid configuration"),
        ("negative units", "layer 'dense' (Dense) cannot be built from its configuration: Dense: units must be"),
        ("units beyond the weights", "units=1000000000 needs 1000000000 weight elements, more than the 23"),
        ("huge embedding", "input_dim=100000, output_dim=100000 needs 10000000000 weight elements"),
        ("huge input", "elements per sample"),
        ("unknown activation", "unknown name 'frobnicate'"),
        ("unknown dtype", "unknown dtype 'float128'"),
        ("bad kernel size", "kernel_size must be two positive ints"),
        ("layers that do not chain", "cannot be built from its configuration: MaxPooling2D: expected a 4-D"),
        ("deep nesting", "nested over 16 deep"),
        ("missing weight", "the weights do not match the architecture"),
        ("wrong weight shape", "the weights do not match the architecture"),
        ("truncated file", "is not a valid safetensors file"),
        ("empty file", "is not a valid safetensors file"),
    ];

    private string Build(string name) => name switch
    {
        "weights only" => Mutate(_dir, metadata: m => m.Clear()),
        "other format" => Mutate(_dir, metadata: m => m["format"] = "something.else"),
        "newer version" => Mutate(_dir, metadata: m => m["format_version"] = "2"),
        "bad version" => Mutate(_dir, metadata: m => m["format_version"] = "1.5"),
        "no architecture" => Mutate(_dir, metadata: m => m.Remove("model")),
        "architecture not JSON" => Mutate(_dir, json: _ => "{\"class_name\": \"Sequential\", "),
        "architecture of nulls" => Mutate(_dir, json: _ => "null"),
        "not a Sequential" => Mutate(_dir, json: _ => "{\"class_name\":\"Dense\",\"config\":{}}"),
        "unknown config field" => Mutate(_dir, json: j => j.Replace("\"units\":3", "\"units\":3,\"extra\":1",
            StringComparison.Ordinal)),
        "missing units" => Mutate(_dir, json: j => j.Replace("\"units\":3,", "", StringComparison.Ordinal)),
        "negative units" => Mutate(_dir, json: j => j.Replace("\"units\":3", "\"units\":-3",
            StringComparison.Ordinal)),
        "units beyond the weights" => Mutate(_dir, json: j => j.Replace("\"units\":3", "\"units\":1000000000",
            StringComparison.Ordinal)),
        "huge embedding" => Mutate(_dir, json: j => j.Replace(
            "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"",
            "{\"class_name\":\"Embedding\",\"config\":{\"name\":\"e\",\"input_dim\":100000,\"output_dim\":100000}}," +
            "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"", StringComparison.Ordinal)),
        "huge input" => Mutate(_dir, json: j => j.Replace("\"input_shape\":[4]", "\"input_shape\":[65536,65536]",
            StringComparison.Ordinal)),
        "unknown activation" => Mutate(_dir, json: j => j.Replace("\"relu\"", "\"frobnicate\"",
            StringComparison.Ordinal)),
        "unknown dtype" => Mutate(_dir, json: j => j.Replace("\"dtype\":\"float32\"", "\"dtype\":\"float128\"",
            StringComparison.Ordinal)),
        "bad kernel size" => Mutate(_dir, json: j => j.Replace(
            "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"",
            "{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"c\",\"filters\":1,\"kernel_size\":[0],\"activation\":" +
            "\"linear\"}},{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"", StringComparison.Ordinal)),
        "layers that do not chain" => Mutate(_dir, json: j => j.Replace(
            "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"",
            "{\"class_name\":\"MaxPooling2D\",\"config\":{\"name\":\"p\",\"pool_size\":[2,2],\"strides\":[2,2]}}," +
            "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"", StringComparison.Ordinal)),
        "deep nesting" => Mutate(_dir, json: _ => Nest(20)),
        "missing weight" => Mutate(_dir, tensors: t => t.Remove("dense_1.bias")),
        "wrong weight shape" => Mutate(_dir, tensors: t => t["dense_1.bias"] = Tensor.Zeros([3])),
        "truncated file" => Truncate(Mutate(_dir)),
        "empty file" => Empty(),
        _ => throw new ArgumentException(name),
    };

    private static string Truncate(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        return path;
    }

    private string Empty()
    {
        string path = _dir.File("empty.safetensors");
        File.WriteAllBytes(path, []);
        return path;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HostileFileEndsInCleanInvalidDataException(string name, string expected)
    {
        string path = Build(name);
        var e = Assert.Throws<InvalidDataException>(() => KerasModel.Load(path));
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"'{expected}' not in: {e.Message}");
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUntouchedFileLoads()
    {
        string path = Mutate(_dir);
        Assert.Equal(["dense", "dense_1"], KerasModel.Load(path).LayerNames);
    }
}
