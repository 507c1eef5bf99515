using System;

namespace Ember.Kernels;

/// <summary>
/// The shape of a 2-D convolution <c>y = conv(x, w)</c> (1-D convolutions use <c>InH = KH = 1</c>):
/// input <c>(Batch, InChannels, InH, InW)</c>, weight <c>(OutChannels, InChannels / Groups, KH, KW)</c>, output
/// <c>(Batch, OutChannels, OutH, OutW)</c>. <see cref="PadH"/>/<see cref="PadW"/> are the zero rows/columns added
/// before the input (top/left); the padding after it is implied by the output size, so asymmetric ("same")
/// padding needs no copy of the input.
/// </summary>
public readonly record struct ConvGeometry(
    int Batch, int InChannels, int InH, int InW, int OutChannels, int KH, int KW,
    int StrideH, int StrideW, int PadH, int PadW, int DilH, int DilW, int Groups, int OutH, int OutW)
{
    /// <summary>Input channels per group.</summary>
    public int GroupInChannels => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int GroupOutChannels => OutChannels / Groups;

    /// <summary>Rows of the column matrix of one group: <c>GroupInChannels · KH · KW</c>.</summary>
    public int ColRows => GroupInChannels * KH * KW;

    /// <summary>Output positions per plane: <c>OutH · OutW</c>.</summary>
    public int OutPlane => OutH * OutW;

    /// <summary>Input positions per plane: <c>InH · InW</c>.</summary>
    public int InPlane => InH * InW;

    /// <summary>Whether the column matrix is the input itself (1×1 kernel, stride 1, no padding).</summary>
    public bool IsPointwise =>
        KH == 1 && KW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0 && OutH == InH && OutW == InW;

    /// <summary>Output length of a convolution or pooling window along one dim:
    /// <c>⌊(in + padTotal - d·(k-1) - 1) / s⌋ + 1</c>.</summary>
    public static int OutputSize(int input, int kernel, int stride, int padTotal, int dilation) =>
        (input + padTotal - dilation * (kernel - 1) - 1) / stride + 1;

    /// <summary>Throws when the geometry is inconsistent (a bug in the caller, not a user error).</summary>
    public void Validate()
    {
        if (Batch < 0 || InChannels <= 0 || OutChannels <= 0 || Groups <= 0 || InChannels % Groups != 0
            || OutChannels % Groups != 0 || KH <= 0 || KW <= 0 || StrideH <= 0 || StrideW <= 0 || DilH <= 0
            || DilW <= 0 || OutH < 0 || OutW < 0 || PadH < 0 || PadW < 0)
            throw new ArgumentException(
                $"convolution: invalid geometry: input {Batch}x{InChannels}x{InH}x{InW}, output channels " +
                $"{OutChannels}, kernel {KH}x{KW}, stride {StrideH}x{StrideW}, padding {PadH}x{PadW}, dilation " +
                $"{DilH}x{DilW}, groups {Groups}, output {OutH}x{OutW}; sizes, strides, dilations and groups must " +
                "be positive and padding non-negative.");
    }
}
