using System;
using Ember.NN;

namespace Ember.Onnx.Import;

/// <summary>Layers: Gemm, convolutions, pooling and normalization, over Ember's functional ops.</summary>
internal static partial class ImportOps
{
    // Strides, dilations and pads past this are not a model, they are an attack on the allocator.
    private const int MaxWindowAttr = 1 << 16;

    // Y = alpha·A'·B' + beta·C; the PyTorch Linear form (transB = 1, 1-D bias) runs as F.Linear (AddmmBackward0).
    private static Tensor Gemm(NodeContext c)
    {
        Tensor a = c.In(0), b = c.In(1);
        Tensor? bias = c.Opt(2);
        double alpha = c.Float("alpha", 1), beta = c.Float("beta", 1);
        bool transA = c.Int("transA", 0) != 0, transB = c.Int("transB", 0) != 0;
        if (a.Dim != 2 || b.Dim != 2)
            throw c.Error($"A and B must be 2-D, got {Dims(a)} and {Dims(b)}.");
        if (!transA && transB && alpha == 1 && beta == 1 && (bias is null || bias.Dim == 1))
            return F.Linear(a, b, bias);
        Tensor y = (transA ? a.Transpose(0, 1) : a).MatMul(transB ? b.Transpose(0, 1) : b);
        if (alpha != 1) y = y.Mul(Scalar(alpha, y));
        if (bias is not null) y = y.Add(beta == 1 ? bias : bias.Mul(Scalar(beta, bias)));
        return y;
    }

    /// <summary>The window geometry shared by Conv and the pools: kernel, strides, dilations, begin/end pads.</summary>
    private readonly record struct Window(int[] Kernel, int[] Strides, int[] Dilations, int[] Begin, int[] End)
    {
        public bool Symmetric => Begin.AsSpan().SequenceEqual(End);
    }

    private static Window ReadWindow(NodeContext c, Tensor x, int[] kernel, int stridesDefault = 1)
    {
        int k = kernel.Length;
        if (x.Dim != k + 2) throw c.Error($"expected a {k + 2}-D input (N, C, ...), got {Dims(x)}.");
        int[] strides = c.Ints("strides", k, stridesDefault, 1, MaxWindowAttr);
        int[] dilations = c.Ints("dilations", k, 1, 1, MaxWindowAttr);
        int[] pads = c.Ints("pads", 2 * k, 0, 0, MaxWindowAttr);
        int[] begin = pads[..k], end = pads[k..];
        string autoPad = c.Str("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                break;
            case "VALID":
                Array.Clear(begin);
                Array.Clear(end);
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                for (int i = 0; i < k; i++)
                {
                    int size = x.Shape[2 + i], outSize = (size + strides[i] - 1) / strides[i];
                    int total = Math.Max(0, (outSize - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
                    begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                    end[i] = total - begin[i];
                }
                break;
            default:
                throw c.Error(
                    $"attribute 'auto_pad' = '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER.");
        }
        return new Window(kernel, strides, dilations, begin, end);
    }

    private static int[] Kernel(NodeContext c, Tensor? weight, int minRank = 1)
    {
        long[]? ks = c.Ints("kernel_shape");
        if (ks is null && weight is null) throw c.Error("attribute 'kernel_shape' is required.");
        int[] kernel = ks is not null ? c.ToInts(ks, 1, "kernel_shape") : weight!.Shape[2..].ToArray();
        if (weight is not null && !kernel.AsSpan().SequenceEqual(weight.Shape[2..]))
            throw c.Error($"kernel_shape [{string.Join(", ", kernel)}] does not match the weight {Dims(weight)}.");
        if (kernel.Length < minRank || kernel.Length > 2)
            throw c.Unsupported($"{kernel.Length}-D windows are not supported (1-D and 2-D are).");
        return kernel;
    }

    // Output size of a window op along one dim: floor (or ceil) of (in + pads - dilated kernel) / stride, plus one.
    private static long OutSize(long size, int kernel, int stride, int dilation, int pads, bool ceil = false)
    {
        long span = size + pads - (long)dilation * (kernel - 1) - 1;
        if (span < 0) return 0;
        return (ceil ? (span + stride - 1) / stride : span / stride) + 1;
    }

    private static void CheckWindowOutput(NodeContext c, Tensor x, int channels, Window w, bool ceil = false)
    {
        Span<long> shape = stackalloc long[x.Dim];
        shape[0] = x.Shape[0];
        shape[1] = channels;
        for (int i = 0; i < w.Kernel.Length; i++)
        {
            shape[2 + i] = OutSize(x.Shape[2 + i], w.Kernel[i], w.Strides[i], w.Dilations[i], w.Begin[i] + w.End[i],
                ceil);
            if (shape[2 + i] <= 0) throw c.Error($"the window does not fit the input {Dims(x)}.");
        }
        c.CheckSize(shape);
    }

    private static Tensor Conv(NodeContext c)
    {
        Tensor x = c.In(0), weight = c.In(1);
        Tensor? bias = c.Opt(2);
        int[] kernel = Kernel(c, weight);
        Window w = ReadWindow(c, x, kernel);
        int groups = c.Int("group", 1, 1, int.MaxValue);
        CheckWindowOutput(c, x, weight.Shape[0], w);
        if (!w.Symmetric) x = PadConstant(c, x, w.Begin, w.End, 0);
        int[] p = w.Symmetric ? w.Begin : new int[kernel.Length];
        return kernel.Length == 1
            ? F.Conv1d(x, weight, bias, w.Strides[0], p[0], w.Dilations[0], groups)
            : F.Conv2d(x, weight, bias, (w.Strides[0], w.Strides[1]), (p[0], p[1]), (w.Dilations[0], w.Dilations[1]),
                groups);
    }

    private static Tensor ConvTranspose(NodeContext c)
    {
        Tensor x = c.In(0), weight = c.In(1);
        Tensor? bias = c.Opt(2);
        int[] kernel = Kernel(c, weight);
        if (c.Has("output_shape"))
            throw c.Unsupported("attribute 'output_shape' is not supported; give 'pads' and 'output_padding'.");
        if (c.Str("auto_pad", "NOTSET") != "NOTSET") throw c.Unsupported("only auto_pad = NOTSET is supported.");
        Window w = ReadWindow(c, x, kernel);
        if (!w.Symmetric) throw c.Unsupported("asymmetric pads are not supported.");
        int k = kernel.Length;
        int[] outPad = c.Ints("output_padding", k, 0, 0, MaxWindowAttr);
        int groups = c.Int("group", 1, 1, int.MaxValue);
        Span<long> shape = stackalloc long[x.Dim];
        shape[0] = x.Shape[0];
        shape[1] = (long)weight.Shape[1] * groups;
        for (int i = 0; i < k; i++)
            shape[2 + i] = ((long)x.Shape[2 + i] - 1) * w.Strides[i] - 2L * w.Begin[i] +
                (long)w.Dilations[i] * (kernel[i] - 1) + outPad[i] + 1;
        c.CheckSize(shape);
        if (k == 2)
            return F.ConvTranspose2d(x, weight, bias, (w.Strides[0], w.Strides[1]), (w.Begin[0], w.Begin[1]),
                (outPad[0], outPad[1]), groups, (w.Dilations[0], w.Dilations[1]));
        // 1-D as 2-D of height 1.
        return F.ConvTranspose2d(x.Unsqueeze(2), weight.Unsqueeze(2), bias, (1, w.Strides[0]), (0, w.Begin[0]),
            (0, outPad[0]), groups, (1, w.Dilations[0])).Squeeze(2);
    }

    private static Tensor MaxPool(NodeContext c)
    {
        if (c.WantsOutput(1)) throw c.Unsupported("its Indices output is not supported.");
        Tensor x = c.In(0);
        int[] kernel = Kernel(c, null);
        Window w = ReadWindow(c, x, kernel);
        bool ceil = c.Int("ceil_mode", 0) != 0;
        CheckWindowOutput(c, x, x.Shape[1], w, ceil);
        if (!w.Symmetric)
        {
            x = PadConstant(c, x, w.Begin, w.End, double.NegativeInfinity);
            w = w with { Begin = new int[kernel.Length], End = new int[kernel.Length] };
        }
        return kernel.Length == 1
            ? F.MaxPool1d(x, kernel[0], w.Strides[0], w.Begin[0], w.Dilations[0], ceil)
            : F.MaxPool2d(x, (kernel[0], kernel[1]), (w.Strides[0], w.Strides[1]), (w.Begin[0], w.Begin[1]),
                (w.Dilations[0], w.Dilations[1]), ceil);
    }

    private static Tensor AveragePool(NodeContext c)
    {
        Tensor x = c.In(0);
        int[] kernel = Kernel(c, null);
        Window w = ReadWindow(c, x, kernel);
        if (Array.Exists(w.Dilations, d => d != 1)) throw c.Unsupported("dilations other than 1 are not supported.");
        bool ceil = c.Int("ceil_mode", 0) != 0, includePad = c.Int("count_include_pad", 0) != 0;
        CheckWindowOutput(c, x, x.Shape[1], w, ceil);
        if (!w.Symmetric)
        {
            if (!includePad) throw c.Unsupported("asymmetric pads with count_include_pad = 0 are not supported.");
            x = PadConstant(c, x, w.Begin, w.End, 0);
            w = w with { Begin = new int[kernel.Length], End = new int[kernel.Length] };
        }
        bool oneD = kernel.Length == 1;
        Tensor x4 = oneD ? x.Unsqueeze(2) : x;
        Size2 kk = oneD ? (1, kernel[0]) : (kernel[0], kernel[1]);
        Size2 s = oneD ? (1, w.Strides[0]) : (w.Strides[0], w.Strides[1]);
        Size2 p = oneD ? (0, w.Begin[0]) : (w.Begin[0], w.Begin[1]);
        Tensor y = F.AvgPool2d(x4, kk, s, p, ceil, includePad);
        return oneD ? y.Squeeze(2) : y;
    }

    private static int[] SpatialDims(NodeContext c)
    {
        Tensor x = c.In(0);
        if (x.Dim < 3) throw c.Error($"expected an input (N, C, ...) of rank 3 or more, got {Dims(x)}.");
        int[] dims = new int[x.Dim - 2];
        for (int i = 0; i < dims.Length; i++) dims[i] = i + 2;
        return dims;
    }

    // ONNX momentum weighs the running value (0.9); PyTorch's weighs the batch statistic (0.1).
    private static Tensor BatchNormalization(NodeContext c)
    {
        if (c.WantsOutput(1) || c.WantsOutput(2))
            throw c.Unsupported("its running mean/variance outputs (training mode in the file) are not supported.");
        Tensor x = c.In(0);
        double eps = c.Float("epsilon", 1e-5), momentum = c.Float("momentum", 0.9);
        bool training = c.Training || c.Int("training_mode", 0) != 0;
        return F.BatchNorm(x, c.In(3), c.In(4), c.In(1), c.In(2), training, 1 - momentum, eps);
    }

    private static Tensor LayerNormalization(NodeContext c)
    {
        if (c.WantsOutput(1) || c.WantsOutput(2))
            throw c.Unsupported("its Mean and InvStdDev outputs are not supported.");
        Tensor x = c.In(0), scale = c.In(1);
        Tensor? bias = c.Opt(2);
        int axis = c.Axis(c.Int("axis", -1), x.Dim);
        int[] normalized = x.Shape[axis..].ToArray();
        double eps = c.Float("epsilon", 1e-5);
        bool exact = scale.Shape.SequenceEqual(normalized) && (bias is null || bias.Shape.SequenceEqual(normalized));
        if (exact) return F.LayerNorm(x, normalized, scale, bias, eps);
        Tensor y = F.LayerNorm(x, normalized, null, null, eps).Mul(scale);
        return bias is null ? y : y.Add(bias);
    }

    /// <summary>Pads dims 2.. of <paramref name="x"/> with <paramref name="value"/>: begin/end per spatial dim.
    /// </summary>
    private static Tensor PadConstant(NodeContext c, Tensor x, int[] begin, int[] end, double value)
    {
        long[] b = new long[x.Dim], e = new long[x.Dim];
        for (int i = 0; i < begin.Length; i++)
        {
            b[2 + i] = begin[i];
            e[2 + i] = end[i];
        }
        return PadAll(c, x, b, e, value);
    }

    /// <summary>Pads (or, for negative amounts, crops) every dim: <paramref name="begin"/>/<paramref name="end"/> per
    /// dim.</summary>
    private static Tensor PadAll(NodeContext c, Tensor x, long[] begin, long[] end, double value)
    {
        Span<long> shape = stackalloc long[x.Dim];
        for (int d = 0; d < x.Dim; d++)
        {
            if (begin[d] < -x.Shape[d] || end[d] < -x.Shape[d] || begin[d] > int.MaxValue || end[d] > int.MaxValue)
                throw c.Error($"pads [{begin[d]}, {end[d]}] are out of range for dim {d} of {Dims(x)}.");
            shape[d] = x.Shape[d] + begin[d] + end[d];
            if (shape[d] < 0) throw c.Error($"pads [{begin[d]}, {end[d]}] crop dim {d} of {Dims(x)} below zero.");
        }
        c.CheckSize(shape);
        for (int d = 0; d < x.Dim; d++)
        {
            int lo = (int)begin[d], hi = (int)end[d];
            if (lo < 0 || hi < 0)
            {
                int start = Math.Max(-lo, 0), stop = x.Shape[d] - Math.Max(-hi, 0);
                x = x.Narrow(d, start, stop - start);
            }
            if (lo > 0 || hi > 0)
            {
                int[] s = x.Shape.ToArray();
                var parts = new System.Collections.Generic.List<Tensor>(3);
                if (lo > 0)
                {
                    s[d] = lo;
                    parts.Add(Tensor.Full(s, value, x.DType));
                }
                parts.Add(x);
                if (hi > 0)
                {
                    s[d] = hi;
                    parts.Add(Tensor.Full(s, value, x.DType));
                }
                x = Tensor.Cat([.. parts], d);
            }
        }
        return x;
    }

    private static string Dims(Tensor t) => $"[{string.Join(", ", t.Shape.ToArray())}]";
}
