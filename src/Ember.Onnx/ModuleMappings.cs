using System;
using Ember.Keras;
using Ember.NN;

namespace Ember.Onnx;

/// <summary>
/// Layers the exporter takes whole (their functional kernels record internal geometry that is not part of the traced
/// op stream): each becomes one ONNX op (or a few) built from the layer's public configuration, with its parameters
/// and buffers as initializers under their state-dict names.
/// </summary>
internal static class ModuleMappings
{
    /// <summary>Whether the exporter takes <paramref name="module"/>'s call as one op.</summary>
    public static bool Claims(object module) => module is Linear or Dense or Conv1d or Conv2d or ConvTranspose2d
        or Conv2D or MaxPool1d or MaxPool2d or AvgPool2d or AdaptiveAvgPool2d or Pooling2D or GlobalAveragePooling2D
        or BatchNormBase
        or BatchNormalization or LayerNorm or NN.Dropout or NN.Embedding;

    /// <summary>Whether <paramref name="module"/> may call an activation child after its op (Keras).</summary>
    public static bool HasActivation(object module) => module is Dense or Conv2D;

    /// <summary>Emits the claimed <paramref name="module"/> from input <paramref name="x"/> to <paramref name="y"/>.
    /// </summary>
    public static void Emit(object module, Tensor x, Tensor y, OnnxTracer t)
    {
        GraphBuilder b = t.Builder;
        string input = b.Name(x);
        string output = module switch
        {
            Linear l => EmitLinear(t, x, input, l.Weight, l.Bias),
            Dense d => EmitLinear(t, x, input, d.Weight, d.Bias),
            Conv1d c => EmitConv(t, input, Spatial(x, false), c.Weight, c.Bias, [c.KernelSize], [c.Stride],
                [c.Dilation], c.Padding, c.Groups),
            Conv2d c => EmitConv(t, input, Spatial(x, false), c.Weight, c.Bias, [c.KernelSize.H, c.KernelSize.W],
                [c.Stride.H, c.Stride.W], [c.Dilation.H, c.Dilation.W], c.Padding, c.Groups),
            ConvTranspose2d c => EmitConvTranspose(t, input, c),
            Conv2D c => EmitKerasConv(t, x, input, c),
            MaxPool1d p => EmitPool(t, "MaxPool", input, [p.KernelSize], [p.Stride], [p.Padding, p.Padding], p.CeilMode,
                GraphBuilder.Ints("dilations", p.Dilation)),
            MaxPool2d p => EmitPool(t, "MaxPool", input, [p.KernelSize.H, p.KernelSize.W], [p.Stride.H, p.Stride.W],
                [p.Padding.H, p.Padding.W, p.Padding.H, p.Padding.W], p.CeilMode,
                GraphBuilder.Ints("dilations", p.Dilation.H, p.Dilation.W)),
            AvgPool2d p => EmitAvgPool(t, input, p),
            AdaptiveAvgPool2d p => EmitAdaptiveAvg(t, x, input, p),
            Pooling2D p => EmitKerasPool(t, x, input, p),
            GlobalAveragePooling2D g => t.Reduce("ReduceMean", input,
                g.DataFormat == DataFormat.ChannelsLast ? [1, 2] : [2, 3], g.KeepDims),
            BatchNormBase bn => EmitBatchNorm(t, x, input, bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar, bn.Eps,
                bn.NumFeatures, channelsLast: false),
            BatchNormalization bn => EmitBatchNorm(t, x, input, bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar,
                bn.Epsilon, x.Shape[x.Dim == 2 || bn.DataFormat == DataFormat.ChannelsFirst ? 1 : x.Dim - 1],
                channelsLast: bn.DataFormat == DataFormat.ChannelsLast && x.Dim > 2),
            LayerNorm ln => EmitLayerNorm(t, x, input, ln),
            NN.Dropout => b.Node("Identity", [input]),
            NN.Embedding e => b.Node("Gather", [b.Name(e.Weight), x.DType == DType.Int64 ? input
                : b.Node("Cast", [input], null, GraphBuilder.Int("to", OnnxTracer.OnnxType(DType.Int64)))]),
            _ => throw t.Unsupported($"layer {module.GetType().Name}"),
        };
        t.Bind(y, output, x);
    }

    // The spatial sizes of an image batch: dims 2.. (channels first) or 1..^1 (channels last).
    private static int[] Spatial(Tensor x, bool channelsLast) =>
        channelsLast ? x.Shape[1..^1].ToArray() : x.Shape[2..].ToArray();

    private static string EmitLinear(OnnxTracer t, Tensor x, string input, Tensor weight, Tensor? bias)
    {
        GraphBuilder b = t.Builder;
        if (x.Dim == 2)
        {
            string[] inputs = bias is null ? [input, b.Name(weight)] : [input, b.Name(weight), b.Name(bias)];
            return b.Node("Gemm", inputs, null, GraphBuilder.Int("transB", 1));
        }
        string y = b.Node("MatMul", [input, t.Transpose(b.Name(weight), 1, 0)]);
        return bias is null ? y : b.Node("Add", [y, b.Name(bias)]);
    }

    private static long[] Pads(int[] spatial, long[] kernel, long[] stride, long[] dilation, Padding padding)
    {
        int n = kernel.Length;
        long[] pads = new long[2 * n];
        for (int i = 0; i < n; i++)
        {
            if (padding.Mode == "same")
            {
                // TensorFlow's and PyTorch's "same": the extra zero of an odd total goes after the input.
                long size = spatial[i], outSize = (size + stride[i] - 1) / stride[i];
                long total = Math.Max((outSize - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1 - size, 0);
                (pads[i], pads[i + n]) = (total / 2, total - total / 2);
            }
            else if (padding.Mode is null)
            {
                pads[i] = pads[i + n] = i == 0 ? padding.H : padding.W;
            }
        }
        return pads;
    }

    private static string EmitConv(OnnxTracer t, string input, int[] spatial, Tensor weight, Tensor? bias,
        long[] kernel, long[] stride, long[] dilation, Padding padding, int groups)
    {
        GraphBuilder b = t.Builder;
        string[] inputs = bias is null ? [input, b.Name(weight)] : [input, b.Name(weight), b.Name(bias)];
        return b.Node("Conv", inputs, null, GraphBuilder.Ints("kernel_shape", kernel),
            GraphBuilder.Ints("strides", stride), GraphBuilder.Ints("dilations", dilation),
            GraphBuilder.Ints("pads", Pads(spatial, kernel, stride, dilation, padding)),
            GraphBuilder.Int("group", groups));
    }

    private static string EmitConvTranspose(OnnxTracer t, string input, ConvTranspose2d c)
    {
        GraphBuilder b = t.Builder;
        string[] inputs = c.Bias is null ? [input, b.Name(c.Weight)] : [input, b.Name(c.Weight), b.Name(c.Bias)];
        return b.Node("ConvTranspose", inputs, null, GraphBuilder.Ints("kernel_shape", c.KernelSize.H, c.KernelSize.W),
            GraphBuilder.Ints("strides", c.Stride.H, c.Stride.W),
            GraphBuilder.Ints("dilations", c.Dilation.H, c.Dilation.W),
            GraphBuilder.Ints("pads", c.Padding.H, c.Padding.W, c.Padding.H, c.Padding.W),
            GraphBuilder.Ints("output_padding", c.OutputPadding.H, c.OutputPadding.W),
            GraphBuilder.Int("group", c.Groups));
    }

    private static string EmitKerasConv(OnnxTracer t, Tensor x, string input, Conv2D c)
    {
        bool last = c.DataFormat == DataFormat.ChannelsLast;
        string nchw = last ? t.Transpose(input, 0, 3, 1, 2) : input;
        long[] k = [c.KernelSize.H, c.KernelSize.W], s = [c.Strides.H, c.Strides.W];
        string y = EmitConv(t, nchw, Spatial(x, last), c.Weight, c.Bias, k, s, [1, 1], c.Padding, 1);
        return last ? t.Transpose(y, 0, 2, 3, 1) : y;
    }

    private static string EmitPool(OnnxTracer t, string op, string input, long[] kernel, long[] stride, long[] pads,
        bool ceil, Proto.AttributeProto? extra)
    {
        Proto.AttributeProto[] attrs =
        [
            GraphBuilder.Ints("kernel_shape", kernel), GraphBuilder.Ints("strides", stride),
            GraphBuilder.Ints("pads", pads), GraphBuilder.Int("ceil_mode", ceil ? 1 : 0),
        ];
        if (extra is not null) attrs = [.. attrs, extra];
        return t.Builder.Node(op, [input], null, attrs);
    }

    private static string EmitAvgPool(OnnxTracer t, string input, AvgPool2d p)
    {
        if (p.DivisorOverride != 0) throw t.Unsupported("AvgPool2d with divisorOverride");
        return EmitPool(t, "AveragePool", input, [p.KernelSize.H, p.KernelSize.W], [p.Stride.H, p.Stride.W],
            [p.Padding.H, p.Padding.W, p.Padding.H, p.Padding.W], p.CeilMode,
            GraphBuilder.Int("count_include_pad", p.CountIncludePad ? 1 : 0));
    }

    private static string EmitAdaptiveAvg(OnnxTracer t, Tensor x, string input, AdaptiveAvgPool2d p)
    {
        int h = x.Shape[2], w = x.Shape[3];
        int oh = p.OutputH ?? h, ow = p.OutputW ?? w;
        if (oh == 1 && ow == 1) return t.Builder.Node("GlobalAveragePool", [input]);
        if (h % oh != 0 || w % ow != 0)
            throw t.Unsupported($"AdaptiveAvgPool2d from {h}x{w} to {oh}x{ow}", " (only even divisions)");
        return EmitPool(t, "AveragePool", input, [h / oh, w / ow], [h / oh, w / ow], [0, 0, 0, 0], false, null);
    }

    private static string EmitKerasPool(OnnxTracer t, Tensor x, string input, Pooling2D p)
    {
        GraphBuilder b = t.Builder;
        bool last = p.DataFormat == DataFormat.ChannelsLast;
        string nchw = last ? t.Transpose(input, 0, 3, 1, 2) : input;
        long[] k = [p.PoolSize.H, p.PoolSize.W], s = [p.Strides.H, p.Strides.W];
        long[] pads = Pads(Spatial(x, last), k, s, [1, 1], p.PaddingMode == "same" ? Padding.Same : Padding.Valid);
        bool max = p is MaxPooling2D;
        // Keras averages over the valid (unpadded) inputs only.
        string y = EmitPool(t, max ? "MaxPool" : "AveragePool", nchw, k, s, pads, false,
            max ? null : GraphBuilder.Int("count_include_pad", 0));
        return last ? t.Transpose(y, 0, 2, 3, 1) : y;
    }

    private static string EmitBatchNorm(OnnxTracer t, Tensor x, string input, Tensor? weight, Tensor? bias,
        Tensor? mean, Tensor? var, double eps, int channels, bool channelsLast)
    {
        GraphBuilder b = t.Builder;
        if (mean is null || var is null)
            throw t.Unsupported("batch norm without running statistics", " (eval mode needs trackRunningStats)");
        DType dt = mean.DType;
        string scale = weight is not null ? b.Name(weight) : b.Name(Tensor.Ones([channels], dt));
        string shift = bias is not null ? b.Name(bias) : b.Name(Tensor.Zeros([channels], dt));
        string nc = input;
        long[] back = [];
        if (channelsLast)
        {
            long[] perm = new long[x.Dim];
            back = new long[x.Dim];
            perm[1] = x.Dim - 1;
            for (int i = 2; i < x.Dim; i++) perm[i] = i - 1;
            for (int i = 0; i < x.Dim; i++) back[perm[i]] = i;
            nc = t.Transpose(input, perm);
        }
        string y = b.Node("BatchNormalization", [nc, scale, shift, b.Name(mean), b.Name(var)], null,
            GraphBuilder.Float("epsilon", eps));
        return channelsLast ? t.Transpose(y, back) : y;
    }

    private static string EmitLayerNorm(OnnxTracer t, Tensor x, string input, LayerNorm ln)
    {
        GraphBuilder b = t.Builder;
        int k = ln.NormalizedShape.Length;
        if (b.Opset >= 17)
        {
            string scale = ln.Weight is not null ? b.Name(ln.Weight) : b.Name(Tensor.Ones(ln.NormalizedShape, x.DType));
            string[] inputs = ln.Bias is not null ? [input, scale, b.Name(ln.Bias)] : [input, scale];
            return b.Node("LayerNormalization", inputs, null, GraphBuilder.Int("axis", -k),
                GraphBuilder.Float("epsilon", ln.Eps));
        }
        long[] axes = new long[k];
        for (int i = 0; i < k; i++) axes[i] = i - k;
        string mean = t.Reduce("ReduceMean", input, axes, true);
        string d = b.Node("Sub", [input, mean]);
        string var = t.Reduce("ReduceMean", b.Node("Mul", [d, d]), axes, true);
        string std = b.Node("Sqrt", [b.Node("Add", [var, b.ConstScalar(ln.Eps, x.DType)])]);
        string y = b.Node("Div", [d, std]);
        if (ln.Weight is not null) y = b.Node("Mul", [y, b.Name(ln.Weight)]);
        if (ln.Bias is not null) y = b.Node("Add", [y, b.Name(ln.Bias)]);
        return y;
    }
}
