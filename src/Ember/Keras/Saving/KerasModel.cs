using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ember.IO;
using Ember.NN;

namespace Ember.Keras.Saving;

/// <summary>
/// Whole-model saving for Keras-style models (Keras's <c>model.save</c> / <c>keras.models.load_model</c>): the
/// architecture as JSON and the weights, in one safetensors file. The tensors are the model's state dict under
/// PyTorch's names (so <c>LoadWeights</c>, PyTorch's and Hugging Face's safetensors readers all read the weights);
/// the header's <c>__metadata__</c> holds <c>format</c> (<see cref="FormatName"/>), <c>format_version</c>
/// (<see cref="FormatVersion"/>) and <c>model</c> (the architecture JSON, Keras's
/// <c>{"class_name": ..., "config": ...}</c> shape). The file is written atomically. Every Keras-style layer of
/// <c>Ember.Keras</c> is supported; other layers are saved through a factory registered with
/// <see cref="Register"/>. Optimizer and compile state are not saved.
/// </summary>
/// <example><code>
/// model.Save("iris.safetensors");
/// Sequential again = KerasModel.Load("iris.safetensors");
/// </code></example>
public static class KerasModel
{
    /// <summary>The <c>format</c> value in the file's metadata.</summary>
    public const string FormatName = "ember.keras.model";

    /// <summary>The version this Ember writes, and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The largest per-sample input a loaded model is built for (elements), so that a hostile file
    /// cannot make <see cref="Load"/> allocate a huge build batch.</summary>
    public const long MaxInputElements = 1L << 26;

    private static readonly ConcurrentDictionary<string, Func<JsonObject, Module>> s_factories =
        new(StringComparer.Ordinal);

    /// <summary>
    /// Registers <paramref name="factory"/> for layers saved under <paramref name="className"/> (the custom layer's
    /// <see cref="IKerasSerializable.ClassName"/>, or its type name). On load the factory gets the saved
    /// configuration (with the layer's name under <c>"name"</c>) and returns an unbuilt layer; the model builds it
    /// and loads its weights. Registering a name again replaces the factory.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or a built-in layer's.</exception>
    public static void Register(string className, Func<JsonObject, Module> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(className);
        ArgumentNullException.ThrowIfNull(factory);
        if (Array.IndexOf(LayerCodec.BuiltIns, className) >= 0)
            throw new ArgumentException($"KerasModel.Register: '{className}' is a built-in layer.", nameof(className));
        s_factories[className] = factory;
    }

    /// <summary>Whether a factory is registered under <paramref name="className"/>.</summary>
    public static bool IsRegistered(string className) => s_factories.ContainsKey(className);

    /// <summary>
    /// Writes <paramref name="model"/> (architecture and weights) to <paramref name="path"/> as one safetensors file,
    /// replacing any old file atomically.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not built (no input shape yet).</exception>
    /// <exception cref="NotSupportedException">A layer cannot be recorded (an unregistered custom layer, an
    /// activation module or initializer with no Keras name); the message names it.</exception>
    public static void Save(this Sequential model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json = ToJson(model);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["model"] = json,
        };
        Safetensors.Save(path, model.StateDict(), metadata);
    }

    /// <summary>The architecture of <paramref name="model"/> as JSON (Keras's <c>to_json()</c>), without
    /// weights.</summary>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    public static string ToJson(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.InputShape is null)
            throw new InvalidOperationException($"KerasModel: Sequential '{model.Name}' is not built, so its weights " +
                "have no shapes yet; start it with an Input(...) or call it on a batch first.");
        var spec = new LayerSpec
        {
            ClassName = "Sequential",
            Config = JsonSerializer.SerializeToNode(LayerCodec.SequentialToConfig(model),
                KerasJsonContext.Default.SequentialConfig)!.AsObject(),
        };
        return JsonSerializer.Serialize(spec, KerasJsonContext.Default.LayerSpec);
    }

    /// <summary>A new model with the architecture in <paramref name="json"/> (from <see cref="ToJson"/>) and
    /// freshly initialized weights (Keras's <c>model_from_json</c>).</summary>
    /// <exception cref="InvalidDataException">The JSON is invalid or names an unknown layer.</exception>
    public static Sequential FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Build(json, budget: null, "KerasModel.FromJson");
    }

    /// <summary>
    /// Rebuilds the model saved at <paramref name="path"/> by <see cref="Save"/>: the same layers, names and
    /// weights, so it predicts exactly as the saved one did. The model comes back in training mode, as a new
    /// module does (<c>Predict</c> and <c>Evaluate</c> switch to evaluation themselves).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged, is not an Ember Keras model (a weights-only
    /// safetensors file loads with <c>LoadWeights</c>), is from a newer format version, names a layer no factory
    /// is registered for, or its weights do not match its architecture; the message says which.</exception>
    public static Sequential Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string who = $"KerasModel.Load('{path}')";
        var metadata = Safetensors.LoadMetadata(path);
        if (!metadata.TryGetValue("format", out string? format) || format != FormatName)
            throw new InvalidDataException($"{who}: not an Ember Keras model file (its metadata has " +
                (format is null ? "no 'format'" : $"format '{format}'") + $", expected '{FormatName}'); a " +
                "weights-only safetensors file loads into a built model with LoadWeights.");
        if (!metadata.TryGetValue("format_version", out string? versionText) ||
            !int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out int version) ||
            version < 1)
            throw new InvalidDataException($"{who}: the format_version '{versionText}' is not a positive integer.");
        if (version > FormatVersion)
            throw new InvalidDataException($"{who}: the file has format version {version}, newer than the " +
                $"{FormatVersion} this Ember reads; update Ember to load it.");
        if (!metadata.TryGetValue("model", out string? json))
            throw new InvalidDataException($"{who}: the metadata has no 'model' architecture.");

        var state = Safetensors.Load(path);
        long budget = 0;
        foreach (var (_, t) in state) budget += t.NumEl;
        var model = Build(json, budget, who);
        try
        {
            ModuleWeights.Apply(model, state, strict: true, who);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{who}: the weights do not match the architecture: {e.Message}", e);
        }
        return model;
    }

    private static Sequential Build(string json, long? budget, string who)
    {
        LayerSpec spec;
        try
        {
            spec = JsonSerializer.Deserialize(json, KerasJsonContext.Default.LayerSpec)
                ?? throw new JsonException("the architecture is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{who}: the architecture is not valid JSON of the format: {e.Message}", e);
        }
        if (spec.ClassName != "Sequential")
            throw new InvalidDataException($"{who}: the model is a '{spec.ClassName}'; only Sequential models are " +
                "saved in this format.");
        try
        {
            return LayerCodec.FromSpec(spec, budget, 0) as Sequential
                ?? throw new InvalidDataException($"{who}: the model is not a Sequential.");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{who}: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            // Building runs one zero sample through the layers: shapes that do not chain end here.
            throw new InvalidDataException($"{who}: the architecture does not build: {e.Message}", e);
        }
    }

    /// <summary>The spec of a non-built-in layer: it must have a registered factory.</summary>
    internal static LayerSpec CustomSpec(Module layer, string name)
    {
        var serializable = layer as IKerasSerializable;
        string className = serializable?.ClassName ?? layer.GetType().Name;
        if (!s_factories.ContainsKey(className))
            throw new NotSupportedException($"KerasModel.Save: layer '{name}' is a {layer.GetType().Name}, not a " +
                $"built-in Keras-style layer, and no factory is registered as '{className}'; implement " +
                "IKerasSerializable if it has a configuration, and call KerasModel.Register" +
                $"(\"{className}\", config => ...) before saving and loading.");
        var config = serializable?.GetConfig().DeepClone().AsObject() ?? [];
        if (!config.ContainsKey("name")) config["name"] = name;
        return new LayerSpec { ClassName = className, Config = config };
    }

    /// <summary>A registered layer from its spec.</summary>
    internal static Module CreateCustom(LayerSpec spec)
    {
        if (!s_factories.TryGetValue(spec.ClassName, out var factory))
            throw new InvalidDataException($"unknown layer type '{spec.ClassName}'. Built-in layers: " +
                $"{string.Join(", ", LayerCodec.BuiltIns)}; register custom ones with KerasModel.Register" +
                $"(\"{spec.ClassName}\", config => new ...) before loading.");
        return factory(spec.Config.DeepClone().AsObject())
            ?? throw new InvalidDataException($"the factory registered as '{spec.ClassName}' returned null.");
    }
}
