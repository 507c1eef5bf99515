using System;
using Ember.Core;
using Ember.NN;

namespace Ember.Keras;

/// <summary>Where the channels are in image inputs: Keras's <c>data_format</c>.</summary>
public enum DataFormat
{
    /// <summary><c>(N, H, W, C)</c>, Keras's default.</summary>
    ChannelsLast,

    /// <summary><c>(N, C, H, W)</c>, PyTorch's layout.</summary>
    ChannelsFirst,
}

/// <summary>Helpers shared by the image layers.</summary>
internal static class ImageLayout
{
    public static void Check4D(Tensor input, string layer)
    {
        if (input.Dim != 4)
            throw new ArgumentException($"{layer}: expected a 4-D image batch, got {Shapes.Format(input.Shape)}.");
    }

    /// <summary>To <c>(N, C, H, W)</c>.</summary>
    public static Tensor ToNchw(Tensor x, DataFormat format) =>
        format == DataFormat.ChannelsLast ? x.Permute(0, 3, 1, 2) : x;

    /// <summary>Back from <c>(N, C, H, W)</c>.</summary>
    public static Tensor FromNchw(Tensor x, DataFormat format) =>
        format == DataFormat.ChannelsLast ? x.Permute(0, 2, 3, 1) : x;

    public static Padding ParsePadding(string padding, string layer) => padding switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        _ => throw new ArgumentException($"{layer}: padding must be \"valid\" or \"same\", got \"{padding}\"."),
    };
}

/// <summary>
/// Keras's <c>Conv2D</c>: a 2-D convolution whose input channel count is learned on first use. Input is
/// channels-last <c>(N, H, W, C)</c> by default, as in Keras (<see cref="DataFormat.ChannelsFirst"/> for
/// <c>(N, C, H, W)</c>); the weight keeps PyTorch's layout <c>[filters, in, kh, kw]</c>.
/// </summary>
public sealed class Conv2D : LazyLayer
{
    private readonly Module? _activation;

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Kernel height and width.</param>
    /// <param name="strides">Stride (1 by default).</param>
    /// <param name="padding"><c>"valid"</c> (default) or <c>"same"</c> (stride 1).</param>
    /// <param name="dataFormat">Channels-last (default) or channels-first input.</param>
    /// <param name="activation">A Keras activation name, or null for none.</param>
    /// <param name="useBias">Whether to learn a bias.</param>
    /// <param name="kernelInitializer">Weight initializer (glorot-uniform by default).</param>
    /// <param name="biasInitializer">Bias initializer (zeros by default).</param>
    /// <param name="name">The layer name, or null for <c>conv2d</c>, <c>conv2d_1</c>, ...</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initializers.</param>
    public Conv2D(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid",
        DataFormat dataFormat = DataFormat.ChannelsLast, string? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null,
        DType dtype = DType.Float32, Generator? generator = null)
        : base(name, dtype)
    {
        if (filters <= 0)
            throw new ArgumentException($"Conv2D: filters must be positive, got {filters}.", nameof(filters));
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides ?? 1;
        Padding = ImageLayout.ParsePadding(padding, "Conv2D");
        DataFormat = dataFormat;
        _activation = Activations.Get(activation);
        ActivationName = activation ?? "linear";
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        Generator = generator;
        Weight = Parameter.Uninitialized(dtype);
        Bias = useBias ? Parameter.Uninitialized(dtype) : null;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>The Keras activation name given at construction; whole-model saving records it.</summary>
    internal string ActivationName { get; }

    /// <summary>Kernel size.</summary>
    public Size2 KernelSize { get; }

    /// <summary>Stride.</summary>
    public Size2 Strides { get; }

    /// <summary>Padding mode.</summary>
    public Padding Padding { get; }

    /// <summary>Input layout.</summary>
    public DataFormat DataFormat { get; }

    /// <summary>Whether the layer learns a bias.</summary>
    public bool UseBias { get; }

    /// <summary>Weight initializer.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Bias initializer.</summary>
    public Initializer BiasInitializer { get; }

    private Generator? Generator { get; }

    /// <summary>The weight, <c>[Filters, in, kh, kw]</c> (an empty placeholder until built).</summary>
    public Parameter Weight { get; private set; }

    /// <summary>The bias, <c>[Filters]</c>, or null.</summary>
    public Parameter? Bias { get; private set; }

    /// <inheritdoc/>
    public override string DefaultName => "conv2d";

    /// <inheritdoc/>
    protected override void CreateParameters(int[] inputShape)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"Conv2D: expected per-sample image shape (H, W, C) or (C, H, W), got " +
                $"{Shapes.Format(inputShape)}.");
        int inChannels = DataFormat == DataFormat.ChannelsLast ? inputShape[2] : inputShape[0];
        Weight = new Parameter(Tensor.Zeros([Filters, inChannels, KernelSize.H, KernelSize.W], DType));
        KernelInitializer.Fill(Weight, Generator);
        if (UseBias)
        {
            Bias = new Parameter(Tensor.Zeros([Filters], DType));
            BiasInitializer.Fill(Bias, Generator);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        EnsureBuilt();
        ArgumentNullException.ThrowIfNull(input);
        ImageLayout.Check4D(input, "Conv2D");
        Tensor y = F.Conv2d(ImageLayout.ToNchw(input, DataFormat), Weight, Bias, Strides, Padding);
        y = ImageLayout.FromNchw(y, DataFormat);
        return _activation is null ? y : _activation.Call(y);
    }
}

/// <summary>Keras's pooling layers' shared part: pool size, strides (pool size by default), padding, layout.</summary>
public abstract class Pooling2D : Module, IKerasLayer
{
    /// <summary>Creates the layer.</summary>
    private protected Pooling2D(Size2? poolSize, Size2? strides, string padding, DataFormat dataFormat, string? name)
    {
        PoolSize = poolSize ?? 2;
        Strides = strides ?? PoolSize;
        if (padding is not ("valid" or "same"))
            throw new ArgumentException($"{GetType().Name}: padding must be \"valid\" or \"same\", got \"{padding}\".");
        PaddingMode = padding;
        DataFormat = dataFormat;
        Name = name;
    }

    /// <summary>Window size (2×2 by default).</summary>
    public Size2 PoolSize { get; }

    /// <summary>Stride (the pool size by default).</summary>
    public Size2 Strides { get; }

    /// <summary><c>"valid"</c> or <c>"same"</c>.</summary>
    public string PaddingMode { get; }

    /// <summary>Input layout.</summary>
    public DataFormat DataFormat { get; }

    /// <inheritdoc/>
    public string? Name { get; }

    /// <inheritdoc/>
    public abstract string DefaultName { get; }

    /// <summary>Pools an <c>(N, C, H, W)</c> tensor without padding.</summary>
    private protected abstract Tensor Pool(Tensor nchw);

    /// <summary>The value padded cells take (−∞ for max pooling, unused for average pooling).</summary>
    private protected abstract bool IsMax { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ImageLayout.Check4D(input, GetType().Name);
        Tensor x = ImageLayout.ToNchw(input, DataFormat);
        if (PaddingMode == "same")
        {
            int h = x.Shape[2], w = x.Shape[3];
            int padH = Math.Max((((h + Strides.H - 1) / Strides.H) - 1) * Strides.H + PoolSize.H - h, 0);
            int padW = Math.Max((((w + Strides.W - 1) / Strides.W) - 1) * Strides.W + PoolSize.W - w, 0);
            if (padH > 0 || padW > 0)
            {
                if (!IsMax)
                    throw new NotSupportedException($"{GetType().Name}: padding \"same\" that needs padding is not " +
                        "supported yet for average pooling; use \"valid\" or an input size divisible by the stride.");
                x = PadBottomRight(x, padH, padW);
            }
        }
        return ImageLayout.FromNchw(Pool(x), DataFormat);
    }

    private static Tensor PadBottomRight(Tensor x, int padH, int padW)
    {
        // Keras puts the extra padding after the input; −∞ (max pooling) never wins.
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int top = padH / 2, left = padW / 2;
        Tensor rows = Tensor.Cat([Tensor.Full([n, c, top, w], double.NegativeInfinity, x.DType), x,
            Tensor.Full([n, c, padH - top, w], double.NegativeInfinity, x.DType)], 2);
        return Tensor.Cat([Tensor.Full([n, c, h + padH, left], double.NegativeInfinity, x.DType), rows,
            Tensor.Full([n, c, h + padH, padW - left], double.NegativeInfinity, x.DType)], 3);
    }
}

/// <summary>Keras's <c>MaxPooling2D</c> (2×2, stride = pool size, channels-last by default).</summary>
/// <param name="poolSize">Window (2×2 by default).</param>
/// <param name="strides">Stride (the pool size by default).</param>
/// <param name="padding"><c>"valid"</c> or <c>"same"</c>.</param>
/// <param name="dataFormat">Input layout.</param>
/// <param name="name">The layer name, or null for a generated one.</param>
public sealed class MaxPooling2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid",
    DataFormat dataFormat = DataFormat.ChannelsLast, string? name = null)
    : Pooling2D(poolSize, strides, padding, dataFormat, name)
{
    /// <inheritdoc/>
    public override string DefaultName => "max_pooling2d";

    private protected override bool IsMax => true;

    private protected override Tensor Pool(Tensor nchw) => F.MaxPool2d(nchw, PoolSize, Strides);
}

/// <summary>Keras's <c>AveragePooling2D</c> (2×2, stride = pool size, channels-last by default).</summary>
/// <param name="poolSize">Window (2×2 by default).</param>
/// <param name="strides">Stride (the pool size by default).</param>
/// <param name="padding"><c>"valid"</c>, or <c>"same"</c> where no padding is needed.</param>
/// <param name="dataFormat">Input layout.</param>
/// <param name="name">The layer name, or null for a generated one.</param>
public sealed class AveragePooling2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid",
    DataFormat dataFormat = DataFormat.ChannelsLast, string? name = null)
    : Pooling2D(poolSize, strides, padding, dataFormat, name)
{
    /// <inheritdoc/>
    public override string DefaultName => "average_pooling2d";

    private protected override bool IsMax => false;

    private protected override Tensor Pool(Tensor nchw) => F.AvgPool2d(nchw, PoolSize, Strides);
}

/// <summary>Keras's <c>GlobalAveragePooling2D</c>: the mean over height and width, <c>(N, C)</c> out.</summary>
/// <param name="dataFormat">Input layout (channels-last by default).</param>
/// <param name="keepDims">Keep the spatial dims as size 1.</param>
/// <param name="name">The layer name, or null for a generated one.</param>
public sealed class GlobalAveragePooling2D(DataFormat dataFormat = DataFormat.ChannelsLast, bool keepDims = false,
    string? name = null) : Module, IKerasLayer
{
    /// <summary>Input layout.</summary>
    public DataFormat DataFormat { get; } = dataFormat;

    /// <summary>Whether the spatial dims are kept as size 1.</summary>
    public bool KeepDims { get; } = keepDims;

    /// <inheritdoc/>
    public string? Name { get; } = name;

    /// <inheritdoc/>
    public string DefaultName => "global_average_pooling2d";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ImageLayout.Check4D(input, "GlobalAveragePooling2D");
        int[] dims = DataFormat == DataFormat.ChannelsLast ? [1, 2] : [2, 3];
        return input.Mean(dims, KeepDims);
    }
}

/// <summary>
/// Keras's <c>BatchNormalization</c> over the last axis (channels-last), with the channel count learned on first use
/// and Keras's defaults: momentum 0.99 (the running statistics keep 99% of their value each step, PyTorch's
/// momentum 0.01) and epsilon 1e-3. State keys are PyTorch's (<c>weight</c>, <c>bias</c>, <c>running_mean</c>,
/// <c>running_var</c>, <c>num_batches_tracked</c>); the running variance is updated with the unbiased batch variance,
/// as PyTorch does (Keras uses the biased one).
/// </summary>
public sealed class BatchNormalization : LazyLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="momentum">Keras momentum: the weight kept by the running statistics (0.99).</param>
    /// <param name="epsilon">Added to the variance (1e-3).</param>
    /// <param name="center">Learn a shift (<c>beta</c>, state key <c>bias</c>).</param>
    /// <param name="scale">Learn a scale (<c>gamma</c>, state key <c>weight</c>).</param>
    /// <param name="dataFormat">Channels-last (the last axis, default) or channels-first (axis 1).</param>
    /// <param name="name">The layer name, or null for a generated one.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public BatchNormalization(double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true,
        DataFormat dataFormat = DataFormat.ChannelsLast, string? name = null, DType dtype = DType.Float32)
        : base(name, dtype)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentException($"BatchNormalization: momentum must be in [0, 1], got {momentum}.");
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        DataFormat = dataFormat;
        Weight = scale ? Parameter.Uninitialized(dtype) : null;
        Bias = center ? Parameter.Uninitialized(dtype) : null;
    }

    /// <summary>Keras momentum (the running statistics' decay).</summary>
    public double Momentum { get; }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether a shift is learned.</summary>
    public bool Center { get; }

    /// <summary>Whether a scale is learned.</summary>
    public bool Scale { get; }

    /// <summary>Which axis holds the features.</summary>
    public DataFormat DataFormat { get; }

    /// <summary>The scale (<c>gamma</c>), or null.</summary>
    public Parameter? Weight { get; private set; }

    /// <summary>The shift (<c>beta</c>), or null.</summary>
    public Parameter? Bias { get; private set; }

    /// <summary>The running mean (null until built).</summary>
    [Buffer, StateName("running_mean")] public Tensor? RunningMean { get; private set; }

    /// <summary>The running variance (null until built).</summary>
    [Buffer, StateName("running_var")] public Tensor? RunningVar { get; private set; }

    /// <summary>Batches seen in training (null until built).</summary>
    [Buffer, StateName("num_batches_tracked")] public Tensor? NumBatchesTracked { get; private set; }

    /// <inheritdoc/>
    public override string DefaultName => "batch_normalization";

    /// <inheritdoc/>
    protected override void CreateParameters(int[] inputShape)
    {
        if (inputShape.Length == 0)
            throw new ArgumentException(
                "BatchNormalization: expected inputs with a feature axis, got per-sample shape ().");
        int c = DataFormat == DataFormat.ChannelsLast || inputShape.Length == 1 ? inputShape[^1] : inputShape[0];
        if (Scale) Weight = new Parameter(Tensor.Ones([c], DType));
        if (Center) Bias = new Parameter(Tensor.Zeros([c], DType));
        RunningMean = Tensor.Zeros([c], DType);
        RunningVar = Tensor.Ones([c], DType);
        NumBatchesTracked = Tensor.Zeros([], DType.Int64);
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        EnsureBuilt();
        ArgumentNullException.ThrowIfNull(input);
        bool moveAxis = DataFormat == DataFormat.ChannelsLast && input.Dim > 2;
        Tensor x = input;
        if (moveAxis)
        {
            var perm = new int[input.Dim];
            perm[0] = 0;
            perm[1] = input.Dim - 1;
            for (int i = 2; i < input.Dim; i++) perm[i] = i - 1;
            x = input.Permute(perm);
        }
        Tensor y = F.BatchNorm(x, RunningMean, RunningVar, Weight, Bias, Training, 1 - Momentum, Epsilon,
            NumBatchesTracked);
        if (!moveAxis) return y;
        var back = new int[input.Dim];
        back[0] = 0;
        for (int i = 1; i < input.Dim - 1; i++) back[i] = i + 1;
        back[^1] = 1;
        return y.Permute(back);
    }
}
