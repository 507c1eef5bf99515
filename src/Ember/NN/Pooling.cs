using System;
using System.Globalization;
using Ember.Core;

namespace Ember.NN;

/// <summary>2-D max pooling over <c>(N, C, H, W)</c> or <c>(C, H, W)</c>; see <see cref="F.MaxPool2d"/>.</summary>
/// <param name="kernelSize">Window size.</param>
/// <param name="stride">Window step (the kernel size by default).</param>
/// <param name="padding">Implicit -∞ padding on both sides.</param>
/// <param name="dilation">Spacing between window elements.</param>
/// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
public sealed class MaxPool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? dilation = null,
    bool ceilMode = false) : Module
{
    /// <summary>Window size.</summary>
    public Size2 KernelSize { get; } = kernelSize;

    /// <summary>Window step.</summary>
    public Size2 Stride { get; } = stride ?? kernelSize;

    /// <summary>Padding.</summary>
    public Size2 Padding { get; } = padding ?? 0;

    /// <summary>Spacing between window elements.</summary>
    public Size2 Dilation { get; } = dilation ?? 1;

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>
    /// The output and the flat index of each maximum in its input plane (PyTorch's <c>return_indices=True</c>).
    /// </summary>
    public (Tensor Output, Tensor Indices) ForwardWithIndices(Tensor input) =>
        F.MaxPool2dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"kernel_size={Scalar(KernelSize)}, stride={Scalar(Stride)}, padding={Scalar(Padding)}, " +
        $"dilation={Scalar(Dilation)}, ceil_mode={(CeilMode ? "True" : "False")}";

    internal static string Scalar(Size2 s) =>
        s.H == s.W ? s.H.ToString(System.Globalization.CultureInfo.InvariantCulture) : s.ToString();
}

/// <summary>1-D max pooling over <c>(N, C, L)</c> or <c>(C, L)</c>; see <see cref="F.MaxPool1d"/>.</summary>
/// <param name="kernelSize">Window size.</param>
/// <param name="stride">Window step (the kernel size by default).</param>
/// <param name="padding">Implicit -∞ padding on both sides.</param>
/// <param name="dilation">Spacing between window elements.</param>
/// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
public sealed class MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1,
    bool ceilMode = false) : Module
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Window step.</summary>
    public int Stride { get; } = stride ?? kernelSize;

    /// <summary>Padding.</summary>
    public int Padding { get; } = padding;

    /// <summary>Spacing between window elements.</summary>
    public int Dilation { get; } = dilation;

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.MaxPool1d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>The output and the index of each maximum along the length.</summary>
    public (Tensor Output, Tensor Indices) ForwardWithIndices(Tensor input) =>
        F.MaxPool1dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, " +
        $"ceil_mode={(CeilMode ? "True" : "False")}";
}

/// <summary>2-D average pooling over <c>(N, C, H, W)</c> or <c>(C, H, W)</c>; see <see cref="F.AvgPool2d"/>.</summary>
/// <param name="kernelSize">Window size.</param>
/// <param name="stride">Window step (the kernel size by default).</param>
/// <param name="padding">Implicit zero padding on both sides.</param>
/// <param name="ceilMode">Use ceil instead of floor for the output size.</param>
/// <param name="countIncludePad">Whether padding zeros count in the divisor.</param>
/// <param name="divisorOverride">Divide by this instead (0: none).</param>
public sealed class AvgPool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null, bool ceilMode = false,
    bool countIncludePad = true, int divisorOverride = 0) : Module
{
    /// <summary>Window size.</summary>
    public Size2 KernelSize { get; } = kernelSize;

    /// <summary>Window step.</summary>
    public Size2 Stride { get; } = stride ?? kernelSize;

    /// <summary>Padding.</summary>
    public Size2 Padding { get; } = padding ?? 0;

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <summary>Whether padding zeros count in the divisor.</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <summary>Fixed divisor (0: none).</summary>
    public int DivisorOverride { get; } = divisorOverride;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        F.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"kernel_size={MaxPool2d.Scalar(KernelSize)}, stride={MaxPool2d.Scalar(Stride)}, " +
        $"padding={MaxPool2d.Scalar(Padding)}";
}

/// <summary>
/// 2-D adaptive average pooling to a fixed <c>(H_out, W_out)</c>; see <see cref="F.AdaptiveAvgPool2d(Tensor, Size2)"/>.
/// </summary>
/// <param name="outputSize">Output size: one int or <c>(H_out, W_out)</c>.</param>
public sealed class AdaptiveAvgPool2d(Size2 outputSize) : Module
{
    /// <summary>
    /// Pools to <c>(H_out, W_out)</c> where a null size keeps the input's size along that dim (PyTorch's
    /// <c>AdaptiveAvgPool2d((None, 7))</c>); <see cref="OutputSize"/> then holds 0 for the kept dim.
    /// </summary>
    /// <param name="outputH"><c>H_out</c>, or null for the input's H.</param>
    /// <param name="outputW"><c>W_out</c>, or null for the input's W.</param>
    public AdaptiveAvgPool2d(int? outputH, int? outputW) : this(new Size2(outputH ?? 0, outputW ?? 0)) =>
        (OutputH, OutputW) = (outputH, outputW);

    /// <summary>Output size (0 along a dim kept from the input, see <see cref="OutputH"/>).</summary>
    public Size2 OutputSize { get; } = outputSize;

    /// <summary><c>H_out</c>, or null when the output keeps the input's H.</summary>
    public int? OutputH { get; } = outputSize.H;

    /// <summary><c>W_out</c>, or null when the output keeps the input's W.</summary>
    public int? OutputW { get; } = outputSize.W;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => OutputH is null || OutputW is null
        ? F.AdaptiveAvgPool2d(input, OutputH, OutputW)
        : F.AdaptiveAvgPool2d(input, OutputSize);

    /// <inheritdoc/>
    protected override string ExtraRepr() => OutputH is null || OutputW is null
        ? $"output_size=({OutputH?.ToString(CultureInfo.InvariantCulture) ?? "None"}, " +
          $"{OutputW?.ToString(CultureInfo.InvariantCulture) ?? "None"})"
        : $"output_size={MaxPool2d.Scalar(OutputSize)}";
}

/// <summary>
/// Flattens dims <c>startDim..endDim</c> into one: <c>(N, C, H, W)</c> → <c>(N, C·H·W)</c> by default.
/// </summary>
/// <param name="startDim">First dim to flatten (1: keep the batch dim).</param>
/// <param name="endDim">Last dim to flatten.</param>
public class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <summary>First dim to flatten.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>Last dim to flatten.</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}

/// <summary>
/// Splits dim <c>Dim</c> into <c>Sizes</c>: <c>(N, 784)</c> → <c>(N, 1, 28, 28)</c> with
/// <c>new Unflatten(1, [1, 28, 28])</c>.
/// </summary>
public sealed class Unflatten : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dim to split.</param>
    /// <param name="sizes">Its new sizes (one may be -1).</param>
    public Unflatten(int dim, int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0) throw new ArgumentException("Unflatten: sizes must not be empty.");
        Dim = dim;
        Sizes = (int[])sizes.Clone();
    }

    /// <summary>The dim to split.</summary>
    public int Dim { get; }

    /// <summary>Its new sizes.</summary>
    public int[] Sizes { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int d = Shapes.WrapDim(Dim, input.Dim, "unflatten");
        int known = 1, infer = -1;
        for (int i = 0; i < Sizes.Length; i++)
        {
            if (Sizes[i] == -1 && infer < 0) infer = i;
            else known *= Sizes[i];
        }
        int size = input.Shape[d];
        if (infer < 0 ? known != size : known == 0 || size % known != 0)
            throw new ArgumentException(
                $"unflatten: provided sizes [{string.Join(", ", Sizes)}] don't multiply up to the size of dim {Dim} " +
                $"({size}) in the input tensor {Shapes.Format(input.Shape)}.");
        var shape = new int[input.Dim - 1 + Sizes.Length];
        int k = 0;
        for (int i = 0; i < d; i++) shape[k++] = input.Shape[i];
        foreach (int s in Sizes) shape[k++] = s == -1 ? size / known : s;
        for (int i = d + 1; i < input.Dim; i++) shape[k++] = input.Shape[i];
        return input.View(shape);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"dim={Dim}, unflattened_size=({string.Join(", ", Sizes)}{(Sizes.Length == 1 ? "," : "")})";
}

/// <summary>Returns its input unchanged (a placeholder, e.g. to replace a layer).</summary>
public sealed class Identity : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input;
}
