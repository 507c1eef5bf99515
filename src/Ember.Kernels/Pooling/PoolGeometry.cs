using System;

namespace Ember.Kernels;

/// <summary>
/// The shape of a 2-D pooling window over <c>Planes</c> independent planes <c>(InH, InW)</c> (batch × channels),
/// producing <c>(OutH, OutW)</c> per plane. 1-D pooling uses <c>InH = KH = 1</c>.
/// </summary>
public readonly record struct PoolGeometry(
    int Planes, int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW, int DilH, int DilW,
    int OutH, int OutW)
{
    /// <summary>Input elements per plane.</summary>
    public int InPlane => InH * InW;

    /// <summary>Output elements per plane.</summary>
    public int OutPlane => OutH * OutW;

    /// <summary>
    /// PyTorch's <c>pooling_output_shape</c>: <c>⌊(in + 2p - d(k-1) - 1 + (ceil ? s-1 : 0)) / s⌋ + 1</c>, minus one
    /// when ceil mode would start the last window inside the right padding.
    /// </summary>
    public static int OutputSize(int input, int kernel, int stride, int pad, int dilation, bool ceilMode)
    {
        int numerator = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        int size = (int)Math.Floor((double)numerator / stride) + 1;
        if (ceilMode && (size - 1) * stride >= input + pad) size--;
        return size;
    }
}

/// <summary>Runs <c>Planes</c> independent pooling planes, on the worker pool when the work is large.</summary>
internal static class PlaneParallel
{
    public const long Threshold = 1 << 16;

    public static int Chunks(int planes, long work) =>
        work < Threshold || planes <= 1 ? 1 : Math.Min(planes, 4 * WorkerPool.ThreadCount);

    public static (int Begin, int End) Range(int planes, int chunk, int chunks) =>
        ((int)((long)planes * chunk / chunks), (int)((long)planes * (chunk + 1) / chunks));
}
