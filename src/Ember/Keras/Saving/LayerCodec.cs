using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Ember.NN;

namespace Ember.Keras.Saving;

/// <summary>
/// The built-in Keras-style layers to and from their JSON configuration. Loading is checked: sizes are bounded by
/// the weights in the file (the budget: its total element count) before anything is allocated,
/// so a hostile configuration cannot make the loader allocate more than the file holds.
/// </summary>
internal static class LayerCodec
{
    private static KerasJsonContext Ctx => KerasJsonContext.Default;

    /// <summary>The built-in class names, in the order the docs list them.</summary>
    public static readonly string[] BuiltIns = ["Sequential", "Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D",
        "GlobalAveragePooling2D", "BatchNormalization", "Activation", "Flatten", "Dropout", "Embedding"];

    // ---- saving ----

    public static LayerSpec ToSpec(Module layer, string name)
    {
        switch (layer)
        {
            case Sequential s:
                return Spec("Sequential", SequentialToConfig(s), Ctx.SequentialConfig);
            case Dense d:
                return Spec("Dense", new DenseConfig
                {
                    Name = name, Units = d.Units, UseBias = d.UseBias, Dtype = DTypeName(d.DType),
                    Activation = ActivationNameOf(d.ActivationName, d.ActivationModule, name),
                    KernelInitializer = Init(d.KernelInitializer, name),
                    BiasInitializer = Init(d.BiasInitializer, name),
                }, Ctx.DenseConfig);
            case Conv2D c:
                return Spec("Conv2D", new Conv2DConfig
                {
                    Name = name, Filters = c.Filters, KernelSize = [c.KernelSize.H, c.KernelSize.W],
                    Strides = [c.Strides.H, c.Strides.W], Padding = c.Padding.Mode ?? "valid",
                    DataFormat = FormatName(c.DataFormat), Activation = c.ActivationName, UseBias = c.UseBias,
                    KernelInitializer = Init(c.KernelInitializer, name),
                    BiasInitializer = Init(c.BiasInitializer, name), Dtype = DTypeName(c.DType),
                }, Ctx.Conv2DConfig);
            case Pooling2D p:
                return Spec(p is MaxPooling2D ? "MaxPooling2D" : "AveragePooling2D", new Pooling2DConfig
                {
                    Name = name, PoolSize = [p.PoolSize.H, p.PoolSize.W], Strides = [p.Strides.H, p.Strides.W],
                    Padding = p.PaddingMode, DataFormat = FormatName(p.DataFormat),
                }, Ctx.Pooling2DConfig);
            case GlobalAveragePooling2D g:
                return Spec("GlobalAveragePooling2D", new GlobalPooling2DConfig
                {
                    Name = name, DataFormat = FormatName(g.DataFormat), Keepdims = g.KeepDims,
                }, Ctx.GlobalPooling2DConfig);
            case BatchNormalization b:
                return Spec("BatchNormalization", new BatchNormalizationConfig
                {
                    Name = name, Momentum = b.Momentum, Epsilon = b.Epsilon, Center = b.Center, Scale = b.Scale,
                    DataFormat = FormatName(b.DataFormat), Dtype = DTypeName(b.DType),
                }, Ctx.BatchNormalizationConfig);
            case Activation a:
                return Spec("Activation", new ActivationConfig
                {
                    Name = name, Activation = ActivationNameOf(a.ActivationName, a.ActivationModule, name),
                }, Ctx.ActivationConfig);
            case Flatten:
                return Spec("Flatten", new NameOnlyConfig { Name = name }, Ctx.NameOnlyConfig);
            case Dropout dr:
                return Spec("Dropout", new DropoutConfig { Name = name, Rate = dr.P }, Ctx.DropoutConfig);
            case Embedding e:
                return Spec("Embedding", new EmbeddingConfig
                {
                    Name = name, InputDim = e.NumEmbeddings, OutputDim = e.EmbeddingDim,
                    Dtype = DTypeName(e.Weight.DType),
                }, Ctx.EmbeddingConfig);
            default:
                return KerasModel.CustomSpec(layer, name);
        }
    }

    public static SequentialConfig SequentialToConfig(Sequential model)
    {
        var layers = new List<LayerSpec>(model.Count);
        for (int i = 0; i < model.Count; i++) layers.Add(ToSpec(model[i], model.LayerNames[i]));
        return new SequentialConfig
        {
            Name = model.Name, InputShape = model.InputShape, InputDtype = DTypeName(model.InputDType),
            Layers = layers,
        };
    }

    private static LayerSpec Spec<T>(string className, T config, JsonTypeInfo<T> info) =>
        new() { ClassName = className, Config = JsonSerializer.SerializeToNode(config, info)!.AsObject() };

    private static string ActivationNameOf(string? recorded, Module? module, string layer) => recorded ?? module switch
    {
        null => "linear",
        ReLU => "relu",
        Sigmoid => "sigmoid",
        Tanh => "tanh",
        SiLU => "silu",
        _ => throw new NotSupportedException($"KerasModel.Save: layer '{layer}' has an activation module of type " +
            $"{module.GetType().Name}, which the file cannot record; construct the layer with a Keras activation " +
            "name (e.g. activation: \"relu\") or use a registered custom layer."),
    };

    private static InitializerConfig Init(Initializer init, string layer)
    {
        Dictionary<string, double>? args = init switch
        {
            RandomNormal n => new() { ["mean"] = n.Mean, ["stddev"] = n.Stddev },
            RandomUniform u => new() { ["minval"] = u.Minval, ["maxval"] = u.Maxval },
            Constant c => new() { ["value"] = c.Value },
            Orthogonal o => new() { ["gain"] = o.Gain },
            Zeros or Ones or GlorotUniform or GlorotNormal or HeNormal or HeUniform or LecunNormal => null,
            _ => throw new NotSupportedException($"KerasModel.Save: layer '{layer}' uses initializer " +
                $"{init.GetType().Name}, which the file cannot record; use a built-in Keras initializer."),
        };
        return new InitializerConfig { ClassName = init.Name, Config = args };
    }

    internal static string DTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        DType.Int64 => "int64",
        DType.Int32 => "int32",
        DType.Int16 => "int16",
        DType.Int8 => "int8",
        DType.UInt8 => "uint8",
        DType.Bool => "bool",
        _ => throw new NotSupportedException($"KerasModel: dtype {dtype} has no name in the file format."),
    };

    private static string FormatName(DataFormat f) => f == DataFormat.ChannelsLast ? "channels_last" : "channels_first";

    // ---- loading ----

    /// <summary>Builds the layer of <paramref name="spec"/>; every problem is an <see cref="InvalidDataException"/>
    /// naming the layer.</summary>
    public static Module FromSpec(LayerSpec spec, long? budget, int depth)
    {
        string name = spec.Config.TryGetPropertyValue("name", out var n) && n is JsonValue v &&
            v.TryGetValue(out string? s) ? s : "?";
        try
        {
            return spec.ClassName switch
            {
                "Sequential" => SequentialFromConfig(Read(spec, Ctx.SequentialConfig), budget, depth + 1),
                "Dense" => Dense(Read(spec, Ctx.DenseConfig), budget),
                "Conv2D" => Conv(Read(spec, Ctx.Conv2DConfig), budget),
                "MaxPooling2D" or "AveragePooling2D" => Pool(spec.ClassName, Read(spec, Ctx.Pooling2DConfig)),
                "GlobalAveragePooling2D" => Global(Read(spec, Ctx.GlobalPooling2DConfig)),
                "BatchNormalization" => BatchNorm(Read(spec, Ctx.BatchNormalizationConfig)),
                "Activation" => Act(Read(spec, Ctx.ActivationConfig)),
                "Flatten" => new Flatten(Read(spec, Ctx.NameOnlyConfig).Name),
                "Dropout" => Drop(Read(spec, Ctx.DropoutConfig)),
                "Embedding" => Embed(Read(spec, Ctx.EmbeddingConfig), budget),
                _ => KerasModel.CreateCustom(spec),
            };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"KerasModel: layer '{name}' ({spec.ClassName}) has an invalid " +
                $"configuration: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"KerasModel: layer '{name}' ({spec.ClassName}) cannot be built from " +
                $"its configuration: {e.Message}", e);
        }
    }

    public static Sequential SequentialFromConfig(SequentialConfig config, long? budget, int depth)
    {
        if (depth > 16)
            throw new InvalidDataException("KerasModel: models are nested over 16 deep.");
        var layers = new List<Module>(config.Layers.Count + 1);
        if (config.InputShape is { } shape)
        {
            long numel = 1;
            foreach (int d in shape)
            {
                if (d <= 0) throw new ArgumentException($"input_shape [{string.Join(", ", shape)}] has a dim <= 0.");
                numel *= d;
                if (numel > KerasModel.MaxInputElements)
                    throw new ArgumentException($"input_shape [{string.Join(", ", shape)}] has over " +
                        $"{KerasModel.MaxInputElements} elements per sample.");
            }
            layers.Add(new Input(shape, ParseDType(config.InputDtype)));
        }
        foreach (var spec in config.Layers) layers.Add(FromSpec(spec, budget, depth));
        return new Sequential(config.Name, [.. layers]);
    }

    private static T Read<T>(LayerSpec spec, JsonTypeInfo<T> info) =>
        spec.Config.Deserialize(info) ?? throw new JsonException("the configuration is null");

    private static void Bound(long elements, long? budget, string what)
    {
        if (budget is long b && elements > b)
            throw new ArgumentException($"{what} needs {elements} weight elements, more than the {b} in the file.");
    }

    private static Dense Dense(DenseConfig c, long? budget)
    {
        Bound(c.Units, budget, $"units={c.Units}");
        return new Dense(c.Units, c.Activation, c.UseBias ?? true, InitFrom(c.KernelInitializer),
            InitFrom(c.BiasInitializer), c.Name, ParseDType(c.Dtype));
    }

    private static Conv2D Conv(Conv2DConfig c, long? budget)
    {
        var k = Size(c.KernelSize, "kernel_size");
        Bound((long)c.Filters * k.H * k.W, budget, $"filters={c.Filters}, kernel_size={k}");
        return new Conv2D(c.Filters, k, c.Strides is null ? null : Size(c.Strides, "strides"), c.Padding ?? "valid",
            ParseFormat(c.DataFormat), c.Activation, c.UseBias ?? true, InitFrom(c.KernelInitializer),
            InitFrom(c.BiasInitializer), c.Name, ParseDType(c.Dtype));
    }

    private static Pooling2D Pool(string className, Pooling2DConfig c)
    {
        Size2 pool = Size(c.PoolSize, "pool_size"), strides = Size(c.Strides, "strides");
        var format = ParseFormat(c.DataFormat);
        return className == "MaxPooling2D"
            ? new MaxPooling2D(pool, strides, c.Padding ?? "valid", format, c.Name)
            : new AveragePooling2D(pool, strides, c.Padding ?? "valid", format, c.Name);
    }

    private static GlobalAveragePooling2D Global(GlobalPooling2DConfig c) =>
        new(ParseFormat(c.DataFormat), c.Keepdims ?? false, c.Name);

    private static BatchNormalization BatchNorm(BatchNormalizationConfig c) =>
        new(c.Momentum ?? 0.99, c.Epsilon ?? 1e-3, c.Center ?? true, c.Scale ?? true, ParseFormat(c.DataFormat), c.Name,
            ParseDType(c.Dtype));

    private static Activation Act(ActivationConfig c) => new(c.Activation, c.Name);

    private static Dropout Drop(DropoutConfig c)
    {
        if (!(c.Rate >= 0 && c.Rate <= 1)) throw new ArgumentException($"rate must be in [0, 1], got {c.Rate}.");
        return new Dropout(c.Rate, c.Name);
    }

    private static Embedding Embed(EmbeddingConfig c, long? budget)
    {
        if (c.InputDim <= 0 || c.OutputDim <= 0)
            throw new ArgumentException($"input_dim and output_dim must be positive, got {c.InputDim} and " +
                $"{c.OutputDim}.");
        Bound((long)c.InputDim * c.OutputDim, budget, $"input_dim={c.InputDim}, output_dim={c.OutputDim}");
        // The table is overwritten by the file's weights: zeros skip drawing random numbers for nothing.
        return new Embedding(c.InputDim, c.OutputDim, InitFrom(c.EmbeddingsInitializer) ?? new Zeros(), c.Name,
            ParseDType(c.Dtype));
    }

    private static Size2 Size(int[] v, string field) => v.Length == 2 && v[0] > 0 && v[1] > 0
        ? new Size2(v[0], v[1])
        : throw new ArgumentException($"{field} must be two positive ints, got [{string.Join(", ", v)}].");

    private static Initializer? InitFrom(InitializerConfig? c)
    {
        if (c is null) return null;
        var args = c.Config ?? [];
        double Arg(string key, double fallback) => args.TryGetValue(key, out double x) ? x : fallback;
        return c.ClassName switch
        {
            "random_normal" => new RandomNormal(Arg("mean", 0), Arg("stddev", 0.05)),
            "random_uniform" => new RandomUniform(Arg("minval", -0.05), Arg("maxval", 0.05)),
            "constant" => new Constant(Arg("value", 0)),
            "orthogonal" => new Orthogonal(Arg("gain", 1)),
            _ => Initializer.FromName(c.ClassName),
        };
    }

    internal static DType ParseDType(string? name) => name switch
    {
        null or "float32" => DType.Float32,
        "float64" => DType.Float64,
        "float16" => DType.Float16,
        "bfloat16" => DType.BFloat16,
        "int64" => DType.Int64,
        "int32" => DType.Int32,
        "int16" => DType.Int16,
        "int8" => DType.Int8,
        "uint8" => DType.UInt8,
        "bool" => DType.Bool,
        _ => throw new ArgumentException($"unknown dtype '{name}'."),
    };

    private static DataFormat ParseFormat(string? name) => name switch
    {
        null or "channels_last" => DataFormat.ChannelsLast,
        "channels_first" => DataFormat.ChannelsFirst,
        _ => throw new ArgumentException($"data_format must be channels_last or channels_first, got '{name}'."),
    };
}
