using System;
using System.Collections.Generic;
using Ember.Core;

namespace Ember.Data;

/// <summary>
/// Collate functions: turn the list of samples of one batch into batch tensors (PyTorch's <c>collate_fn</c>).
/// Pass one to
/// <see cref="DataLoader.Create{T, TBatch}(Dataset{T}, int, Func{IReadOnlyList{T}, TBatch},
/// bool, bool, Generator?, int)"/>.
/// </summary>
public static class Collate
{
    /// <summary>
    /// Stacks the i-th tensor of every sample into batch tensor i, of shape <c>(B, *sampleShape)</c> (PyTorch's
    /// default collate for <see cref="TensorDataset"/>). All samples must agree in shape and dtype per position.
    /// </summary>
    public static Tensor[] Stack(IReadOnlyList<Tensor[]> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("Collate.Stack: empty batch.", nameof(samples));
        int fields = samples[0].Length;
        var result = new Tensor[fields];
        var column = new Tensor[samples.Count];
        for (int f = 0; f < fields; f++)
        {
            for (int i = 0; i < samples.Count; i++)
            {
                if (samples[i].Length != fields)
                    throw new ArgumentException($"Collate.Stack: sample 0 has {fields} tensors but sample {i} " +
                        $"has {samples[i].Length}.");
                column[i] = samples[i][f];
            }
            result[f] = StackTensors(column);
        }
        return result;
    }

    /// <summary>Stacks per-sample input tensors into <c>(B, *shape)</c> and labels into an int64 tensor
    /// <c>(B)</c>.</summary>
    public static (Tensor Input, Tensor Target) Stack(IReadOnlyList<(Tensor Input, long Label)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("Collate.Stack: empty batch.", nameof(samples));
        var inputs = new Tensor[samples.Count];
        var labels = new long[samples.Count];
        for (int i = 0; i < inputs.Length; i++) (inputs[i], labels[i]) = samples[i];
        return (StackTensors(inputs), new Tensor(RawTensor.FromArray(labels, [labels.Length])));
    }

    /// <summary>Stacks feature rows into a float32 tensor <c>(B, F)</c> and labels into int64 <c>(B)</c> (tabular data,
    /// e.g. <see cref="CsvDataset"/>).</summary>
    public static (Tensor Input, Tensor Target) Tabular(IReadOnlyList<(double[] Features, long Label)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("Collate.Tabular: empty batch.", nameof(samples));
        int f = samples[0].Features.Length;
        var x = GC.AllocateUninitializedArray<float>(samples.Count * f);
        var y = new long[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            var (row, label) = samples[i];
            if (row.Length != f)
                throw new ArgumentException($"Collate.Tabular: sample 0 has {f} features but sample {i} " +
                    $"has {row.Length}.");
            for (int j = 0; j < f; j++) x[i * f + j] = (float)row[j];
            y[i] = label;
        }
        return (new Tensor(RawTensor.FromArray(x, [samples.Count, f])), new Tensor(RawTensor.FromArray(y, [y.Length])));
    }

    /// <summary>
    /// A collate for 8-bit images: a float32 batch <c>(B, C, H, W)</c> scaled to [0, 1] and, when
    /// <paramref name="mean"/>/<paramref name="std"/> are given, normalized per channel — <see cref="ToTensor"/> and
    /// <see cref="Normalize"/> fused over the whole batch, with one allocation — plus int64 labels <c>(B)</c>.
    /// </summary>
    public static Func<IReadOnlyList<(Image Image, long Label)>, (Tensor Input, Tensor Target)> Images(
        double[]? mean = null, double[]? std = null)
    {
        if ((mean is null) != (std is null))
            throw new ArgumentException("Collate.Images: give both mean and std, or neither.");
        if (mean is not null && (mean.Length == 0 || mean.Length != std!.Length))
            throw new ArgumentException("Collate.Images: mean and std need the same, non-zero number of channels, " +
                $"got {mean.Length} and {std!.Length}.");
        if (std is not null)
            for (int k = 0; k < std.Length; k++)
                if (std[k] == 0 || double.IsNaN(std[k]))
                    throw new ArgumentException(
                        $"Collate.Images: std[{k}] is {std[k]}, which would divide by zero (or give NaN); every std " +
                        "must be non-zero.", nameof(std));
        double[]? m = (double[]?)mean?.Clone(), s = (double[]?)std?.Clone();
        return samples => ImageBatch(samples, m, s);
    }

    private static (Tensor, Tensor) ImageBatch(IReadOnlyList<(Image Image, long Label)> samples, double[]? mean,
        double[]? std)
    {
        if (samples.Count == 0) throw new ArgumentException("Collate.Images: empty batch.", nameof(samples));
        Image first = samples[0].Image;
        int c = first.Channels, h = first.Height, w = first.Width, hw = h * w, n = c * hw;
        if (mean is not null && mean.Length != 1 && mean.Length != c)
            throw new ArgumentException($"Collate.Images: {mean.Length} mean/std values for images with {c} channels.");
        var x = GC.AllocateUninitializedArray<float>(samples.Count * n);
        var y = new long[samples.Count];
        // ToTensor and Normalize fused into one table lookup per pixel: table[ch][b] = (b / 255f - mean) * (1 / std),
        // the same float operations as the two passes, so the same bits.
        float[][] tables = PixelTables(c, mean, std);
        for (int i = 0; i < samples.Count; i++)
        {
            var (img, label) = samples[i];
            if (img.Channels != c || img.Height != h || img.Width != w)
                throw new ArgumentException($"Collate.Images: sample 0 is {h}x{w}x{c} but sample {i} " +
                    $"is {img.Height}x{img.Width}x{img.Channels}; crop or resize to one size first.");
            ToFloatChw(img.Pixels, c, hw, x, i * n, tables);
            y[i] = label;
        }
        return (new Tensor(RawTensor.FromArray(x, [samples.Count, c, h, w])),
            new Tensor(RawTensor.FromArray(y, [y.Length])));
    }

    /// <summary>b / 255f for every byte value: exactly torchvision's <c>x.float().div(255)</c>, without a division per
    /// pixel.</summary>
    private static readonly float[] s_unit = MakeUnitTable();

    private static float[] MakeUnitTable()
    {
        var t = new float[256];
        for (int b = 0; b < 256; b++) t[b] = b / 255f;
        return t;
    }

    /// <summary>The per-channel byte-to-float tables: <see cref="s_unit"/>, normalized when a mean is
    /// given.</summary>
    private static float[][] PixelTables(int channels, double[]? mean, double[]? std)
    {
        var tables = new float[channels][];
        for (int ch = 0; ch < channels; ch++)
        {
            if (mean is null)
            {
                tables[ch] = s_unit;
                continue;
            }
            int k = mean.Length == 1 ? 0 : ch;
            float mu = (float)mean[k], inv = (float)(1.0 / std![k]);
            var t = new float[256];
            for (int b = 0; b < 256; b++) t[b] = (s_unit[b] - mu) * inv;
            tables[ch] = t;
        }
        return tables;
    }

    /// <summary>Writes HWC bytes as CHW floats in [0, 1] at <paramref name="offset"/>.</summary>
    internal static void ToFloatChw(byte[] hwc, int channels, int hw, float[] dst, int offset) =>
        ToFloatChw(hwc, channels, hw, dst, offset, PixelTables(channels, null, null));

    /// <summary>Writes HWC bytes as CHW floats through the per-channel <paramref name="tables"/>.</summary>
    private static void ToFloatChw(byte[] hwc, int channels, int hw, float[] dst, int offset, float[][] tables)
    {
        if (channels == 1)
        {
            float[] table = tables[0];
            Span<float> d = dst.AsSpan(offset, hw);
            ReadOnlySpan<byte> src = hwc.AsSpan(0, hw);
            for (int i = 0; i < d.Length; i++) d[i] = table[src[i]];
            return;
        }
        for (int p = 0; p < hw; p++)
            for (int ch = 0; ch < channels; ch++)
                dst[offset + ch * hw + p] = tables[ch][hwc[p * channels + ch]];
    }

    /// <summary>Stacks tensors of one shape and dtype along a new first dimension (a contiguous copy).</summary>
    internal static Tensor StackTensors(Tensor[] tensors)
    {
        Tensor t0 = tensors[0];
        int n = t0.NumEl;
        int[] shape = new int[t0.Dim + 1];
        shape[0] = tensors.Length;
        t0.Shape.CopyTo(shape.AsSpan(1));
        var dst = RawTensor.Empty(t0.DType, shape);
        for (int i = 0; i < tensors.Length; i++)
        {
            Tensor t = tensors[i];
            if (t.DType != t0.DType || !t.Shape.SequenceEqual(t0.Shape))
                throw new ArgumentException(
                    $"Collate: cannot stack sample {i} ({t.DType.TorchName()}, shape {Shapes.Format(t.Shape)}) with " +
                    $"sample 0 ({t0.DType.TorchName()}, shape {Shapes.Format(t0.Shape)}).");
            RawTensor src = RawOps.Contiguous(t.Raw);
            Array.Copy(src.Storage.Array, src.Offset, dst.Storage.Array, i * n, n);
        }
        return new Tensor(dst);
    }
}
