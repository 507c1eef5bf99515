using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using Ember.Data;

namespace Ember.IO;

/// <summary>
/// The JSON document a checkpoint keeps in its safetensors metadata under <see cref="Checkpoint.MetadataKey"/>
/// (the tensors are the file's tensors). Serialized by System.Text.Json source generation (no reflection), so it
/// works under trimming and NativeAOT.
/// </summary>
internal sealed class CheckpointDocument
{
    public int FormatVersion { get; set; }
    public int Epoch { get; set; }
    public long Step { get; set; }
    public DataLoaderState? DataLoader { get; set; }

    /// <summary>Generator name → <see cref="Generator.GetState"/> bytes (base64 in JSON).</summary>
    public Dictionary<string, byte[]>? Generators { get; set; }

    public string? OptimizerType { get; set; }
    public List<Dictionary<string, StateValue>>? OptimizerGroups { get; set; }

    /// <summary>Parameter index → the numbers of its state (the tensors are in the file as
    /// <c>optimizer.state.{index}.{name}</c>).</summary>
    public Dictionary<string, Dictionary<string, StateValue>>? OptimizerState { get; set; }

    public string? SchedulerType { get; set; }
    public Dictionary<string, StateValue>? Scheduler { get; set; }
    public Dictionary<string, string>? User { get; set; }
}

/// <summary>
/// One value of an optimizer's or scheduler's state dict, tagged with its CLR type so that it reads back as the
/// same type (the state dicts hold numbers, bools, strings, arrays of them and nested state dicts).
/// </summary>
internal sealed class StateValue
{
    public string Type { get; set; } = "";
    public long? Integer { get; set; }
    public double? Number { get; set; }
    public bool? Bool { get; set; }
    public string? Text { get; set; }
    public long[]? Integers { get; set; }
    public double[]? Numbers { get; set; }
    public List<Dictionary<string, StateValue>>? Dicts { get; set; }

    public static StateValue From(object? v, string key) => v switch
    {
        null => new() { Type = "null" },
        int i => new() { Type = "int", Integer = i },
        long l => new() { Type = "long", Integer = l },
        double d => new() { Type = "double", Number = d },
        float f => new() { Type = "double", Number = f },
        bool b => new() { Type = "bool", Bool = b },
        string s => new() { Type = "string", Text = s },
        int[] a => new() { Type = "int[]", Integers = Array.ConvertAll(a, x => (long)x) },
        long[] a => new() { Type = "long[]", Integers = a },
        double[] a => new() { Type = "double[]", Numbers = a },
        IReadOnlyDictionary<string, object> d => new() { Type = "dict", Dicts = [FromDict(d)] },
        IEnumerable<IReadOnlyDictionary<string, object>> ds => new()
        {
            Type = "dict[]",
            Dicts = [.. System.Linq.Enumerable.Select(ds, FromDict)],
        },
        _ => throw new NotSupportedException(
            $"Checkpoint.Save: state '{key}' holds a {v.GetType().Name}, which checkpoints cannot store."),
    };

    public static Dictionary<string, StateValue> FromDict(IReadOnlyDictionary<string, object> d)
    {
        var r = new Dictionary<string, StateValue>(StringComparer.Ordinal);
        foreach (var (k, v) in d) r[k] = From(v, k);
        return r;
    }

    public object? ToObject(string key) => Type switch
    {
        "null" => null,
        "int" when Integer is long i and >= int.MinValue and <= int.MaxValue => (int)i,
        "long" when Integer is long l => l,
        "double" when Number is double d => d,
        "bool" when Bool is bool b => b,
        "string" when Text is not null => Text,
        "int[]" when Integers is not null => Array.ConvertAll(Integers, x => checked((int)x)),
        "long[]" when Integers is not null => Integers,
        "double[]" when Numbers is not null => Numbers,
        "dict" when Dicts is [var d] => ToDict(d),
        "dict[]" when Dicts is not null => Dicts.ConvertAll(ToDict).ToArray(),
        _ => throw new FormatException($"state '{key}' has a malformed value of type '{Type}'"),
    };

    public static IReadOnlyDictionary<string, object> ToDict(Dictionary<string, StateValue> d)
    {
        var r = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (k, v) in d) r[k] = v?.ToObject(k)!; // null: PyTorch's None (e.g. a momentum buffer not made yet)
        return r;
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(CheckpointDocument))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
