using System.Collections.Generic;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ember.Keras.Saving;

// The architecture JSON's shapes, read and written through System.Text.Json source generation (no reflection, so
// saving and loading work under trimming and NativeAOT). Names are Keras's snake_case: a layer is
// {"class_name": "Dense", "config": {"name": "dense", "units": 10, ...}}. Unknown fields are refused, so a file
// from a newer Ember that added one fails loudly instead of losing it. Optional fields are nullable, their
// defaults (Keras's) applied by LayerCodec: source generation does not keep property initializers' values.

/// <summary>One layer: its registered class name and its configuration object.</summary>
internal sealed class LayerSpec
{
    public required string ClassName { get; init; }

    public required JsonObject Config { get; init; }
}

/// <summary>A Keras-style <see cref="Sequential"/>.</summary>
internal sealed class SequentialConfig
{
    public required string Name { get; init; }

    public int[]? InputShape { get; init; }

    public string? InputDtype { get; init; }

    public required List<LayerSpec> Layers { get; init; }
}

/// <summary>An initializer: its Keras name and its numeric arguments.</summary>
internal sealed class InitializerConfig
{
    public required string ClassName { get; init; }

    public Dictionary<string, double>? Config { get; init; }
}

internal sealed class DenseConfig
{
    public required string Name { get; init; }

    public required int Units { get; init; }

    public required string Activation { get; init; }

    public bool? UseBias { get; init; }

    public InitializerConfig? KernelInitializer { get; init; }

    public InitializerConfig? BiasInitializer { get; init; }

    public string? Dtype { get; init; }
}

internal sealed class Conv2DConfig
{
    public required string Name { get; init; }

    public required int Filters { get; init; }

    public required int[] KernelSize { get; init; }

    public int[]? Strides { get; init; }

    public string? Padding { get; init; }

    public string? DataFormat { get; init; }

    public required string Activation { get; init; }

    public bool? UseBias { get; init; }

    public InitializerConfig? KernelInitializer { get; init; }

    public InitializerConfig? BiasInitializer { get; init; }

    public string? Dtype { get; init; }
}

internal sealed class Pooling2DConfig
{
    public required string Name { get; init; }

    public required int[] PoolSize { get; init; }

    public required int[] Strides { get; init; }

    public string? Padding { get; init; }

    public string? DataFormat { get; init; }
}

internal sealed class GlobalPooling2DConfig
{
    public required string Name { get; init; }

    public string? DataFormat { get; init; }

    public bool? Keepdims { get; init; }
}

internal sealed class BatchNormalizationConfig
{
    public required string Name { get; init; }

    public double? Momentum { get; init; }

    public double? Epsilon { get; init; }

    public bool? Center { get; init; }

    public bool? Scale { get; init; }

    public string? DataFormat { get; init; }

    public string? Dtype { get; init; }
}

internal sealed class ActivationConfig
{
    public required string Name { get; init; }

    public required string Activation { get; init; }
}

internal sealed class NameOnlyConfig
{
    public required string Name { get; init; }
}

internal sealed class DropoutConfig
{
    public required string Name { get; init; }

    public required double Rate { get; init; }
}

internal sealed class EmbeddingConfig
{
    public required string Name { get; init; }

    public required int InputDim { get; init; }

    public required int OutputDim { get; init; }

    public InitializerConfig? EmbeddingsInitializer { get; init; }

    public string? Dtype { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, MaxDepth = 64)]
[JsonSerializable(typeof(LayerSpec))]
[JsonSerializable(typeof(SequentialConfig))]
[JsonSerializable(typeof(DenseConfig))]
[JsonSerializable(typeof(Conv2DConfig))]
[JsonSerializable(typeof(Pooling2DConfig))]
[JsonSerializable(typeof(GlobalPooling2DConfig))]
[JsonSerializable(typeof(BatchNormalizationConfig))]
[JsonSerializable(typeof(ActivationConfig))]
[JsonSerializable(typeof(NameOnlyConfig))]
[JsonSerializable(typeof(DropoutConfig))]
[JsonSerializable(typeof(EmbeddingConfig))]
internal sealed partial class KerasJsonContext : JsonSerializerContext;
