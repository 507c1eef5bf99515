using System;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// Shared parts of the convolution layers: the weight and bias, PyTorch's default initialization
/// (weight from kaiming_uniform(a=√5), i.e. U(-1/√fan_in, 1/√fan_in); bias from the same bound) and printing.
/// </summary>
public abstract class ConvNd : Module
{
    private protected ConvNd(int inChannels, int outChannels, int[] weightShape, int groups, bool bias, DType dtype,
        Generator? generator, string name)
    {
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException(
                $"{name}: in_channels and out_channels must be positive, got {inChannels} and {outChannels}.");
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException(
                $"{name}: in_channels ({inChannels}) and out_channels ({outChannels}) must both be divisible by " +
                $"groups ({groups}).");
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{name}: parameters must be floating point, got {dtype.TorchName()}.");
        for (int d = 2; d < weightShape.Length; d++)
            if (weightShape[d] <= 0)
                throw new ArgumentException(
                    $"{name}: kernel_size must be positive in every dimension, got " +
                    $"{Shapes.Format(weightShape.AsSpan(2))}.");
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        Weight = new Parameter(Tensor.Zeros(weightShape, dtype));
        Bias = bias ? new Parameter(Tensor.Zeros([outChannels], dtype)) : null;
        ResetParameters(generator);
    }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>The kernel (shape documented on each layer).</summary>
    public Parameter Weight { get; private set; }

    /// <summary>The bias <c>(OutChannels)</c>, or null.</summary>
    public Parameter? Bias { get; private set; }

    /// <summary>Re-draws the parameters with PyTorch's default initialization.</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5), generator: generator);
        if (Bias is not null)
        {
            int fanIn = Init.CalculateFanInAndFanOut(Weight).FanIn;
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Init.Uniform_(Bias, -bound, bound, generator);
        }
    }

    /// <summary>Checks the channel dim of <paramref name="input"/> with a message naming the layer.</summary>
    private protected void CheckInput(Tensor input, int spatialDims, int channels)
    {
        ArgumentNullException.ThrowIfNull(input);
        bool batched = input.Dim == spatialDims + 2, unbatched = input.Dim == spatialDims + 1;
        if (!batched && !unbatched)
            throw new ArgumentException(
                $"{this}: expected {spatialDims + 1}-D (unbatched) or {spatialDims + 2}-D (batched) input, got " +
                $"{Shapes.Format(input.Shape)}.");
        int c = input.Shape[batched ? 1 : 0];
        if (c != channels)
            throw new ArgumentException(
                $"{this}: expected input with {channels} channels (dim {(batched ? 1 : 0)}), got " +
                $"{Shapes.Format(input.Shape)}.");
    }

    private protected string Common() => $"{InChannels}, {OutChannels}";

    private protected string Tail() => (Groups != 1 ? $", groups={Groups}" : "") + (Bias is null ? ", bias=False" : "");
}

/// <summary>
/// 1-D convolution over <c>(N, C_in, L)</c> (or unbatched <c>(C_in, L)</c>) giving <c>(N, C_out, L_out)</c>,
/// <c>L_out = ⌊(L + 2·padding - dilation·(k-1) - 1)/stride⌋ + 1</c>. Weight <c>(C_out, C_in/groups, k)</c>.
/// </summary>
public sealed class Conv1d : ConvNd
{
    /// <summary>Creates the layer with PyTorch's default initialization.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernelSize">Kernel length.</param>
    /// <param name="stride">Window step.</param>
    /// <param name="padding">Zeros on both sides, <c>"valid"</c> or <c>"same"</c>.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="groups">Independent channel groups.</param>
    /// <param name="bias">Whether to learn a bias.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization.</param>
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, Padding? padding = null,
        int dilation = 1, int groups = 1, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(inChannels, outChannels, [outChannels, groups > 0 ? inChannels / groups : 0, kernelSize], groups, bias,
            dtype, generator, "Conv1d")
    {
        (KernelSize, Stride, Padding, Dilation) = (kernelSize, stride, padding ?? 0, dilation);
        if (Padding.Mode is null && Padding.H != Padding.W)
            throw new ArgumentException($"Conv1d: padding must be one int, got {Padding}.");
    }

    /// <summary>Kernel length.</summary>
    public int KernelSize { get; }

    /// <summary>Window step.</summary>
    public int Stride { get; }

    /// <summary>Padding.</summary>
    public Padding Padding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public int Dilation { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input, 1, InChannels);
        return F.Conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{Common()}, kernel_size=({KernelSize},), stride=({Stride},)" +
        (Padding.Mode is not null ? $", padding={Padding}" : Padding.W != 0 ? $", padding=({Padding.W},)" : "") +
        (Dilation != 1 ? $", dilation=({Dilation},)" : "") + Tail();
}

/// <summary>
/// 2-D convolution over <c>(N, C_in, H, W)</c> (or unbatched <c>(C_in, H, W)</c>) giving
/// <c>(N, C_out, H_out, W_out)</c>, <c>H_out = ⌊(H + 2·padding - dilation·(kH-1) - 1)/stride⌋ + 1</c>. Weight
/// <c>(C_out, C_in/groups, kH, kW)</c>. Computed by im2col and GEMM.
/// </summary>
public sealed class Conv2d : ConvNd
{
    /// <summary>Creates the layer with PyTorch's default initialization.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernelSize">Kernel size: <c>5</c> or <c>(3, 5)</c>.</param>
    /// <param name="stride">Window step (1).</param>
    /// <param name="padding">Zeros on both sides: an int, a tuple, <c>"valid"</c> or <c>"same"</c> (0).</param>
    /// <param name="dilation">Spacing between kernel taps (1).</param>
    /// <param name="groups">Independent channel groups.</param>
    /// <param name="bias">Whether to learn a bias.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization.</param>
    public Conv2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null, Padding? padding = null,
        Size2? dilation = null, int groups = 1, bool bias = true, DType dtype = DType.Float32,
        Generator? generator = null)
        : base(inChannels, outChannels, [outChannels, groups > 0 ? inChannels / groups : 0, kernelSize.H, kernelSize.W],
            groups, bias, dtype, generator, "Conv2d")
    {
        (KernelSize, Stride, Padding, Dilation) = (kernelSize, stride ?? 1, padding ?? 0, dilation ?? 1);
    }

    /// <summary>Kernel size.</summary>
    public Size2 KernelSize { get; }

    /// <summary>Window step.</summary>
    public Size2 Stride { get; }

    /// <summary>Padding.</summary>
    public Padding Padding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public Size2 Dilation { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input, 2, InChannels);
        return F.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{Common()}, kernel_size={KernelSize}, stride={Stride}" +
        (Padding.Mode is not null || Padding.H != 0 || Padding.W != 0 ? $", padding={Padding}" : "") +
        (Dilation != new Size2(1, 1) ? $", dilation={Dilation}" : "") + Tail();
}

/// <summary>
/// 2-D transposed convolution ("deconvolution") over <c>(N, C_in, H, W)</c> giving <c>(N, C_out, H_out, W_out)</c>,
/// <c>H_out = (H-1)·stride - 2·padding + dilation·(kH-1) + outputPadding + 1</c>. Weight
/// <c>(C_in, C_out/groups, kH, kW)</c>.
/// </summary>
public sealed class ConvTranspose2d : ConvNd
{
    /// <summary>Creates the layer with PyTorch's default initialization.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernelSize">Kernel size.</param>
    /// <param name="stride">Step (upsampling factor).</param>
    /// <param name="padding">Rows/columns cropped from each side of the output.</param>
    /// <param name="outputPadding">Extra rows/columns on one side of the output.</param>
    /// <param name="groups">Independent channel groups.</param>
    /// <param name="bias">Whether to learn a bias.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization.</param>
    public ConvTranspose2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null,
        Size2? padding = null, Size2? outputPadding = null, int groups = 1, bool bias = true, Size2? dilation = null,
        DType dtype = DType.Float32, Generator? generator = null)
        : base(inChannels, outChannels, [inChannels, groups > 0 ? outChannels / groups : 0, kernelSize.H, kernelSize.W],
            groups, bias, dtype, generator, "ConvTranspose2d")
    {
        (KernelSize, Stride, Padding, OutputPadding, Dilation) = (kernelSize, stride ?? 1, padding ?? 0,
            outputPadding ?? 0, dilation ?? 1);
    }

    /// <summary>Kernel size.</summary>
    public Size2 KernelSize { get; }

    /// <summary>Step.</summary>
    public Size2 Stride { get; }

    /// <summary>Cropping of the output.</summary>
    public Size2 Padding { get; }

    /// <summary>Extra output rows/columns.</summary>
    public Size2 OutputPadding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public Size2 Dilation { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input, 2, InChannels);
        return F.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{Common()}, kernel_size={KernelSize}, stride={Stride}" +
        (Padding != new Size2(0, 0) ? $", padding={Padding}" : "") +
        (OutputPadding != new Size2(0, 0) ? $", output_padding={OutputPadding}" : "") +
        (Dilation != new Size2(1, 1) ? $", dilation={Dilation}" : "") + Tail();
}
