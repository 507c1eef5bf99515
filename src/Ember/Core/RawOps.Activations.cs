using System;
using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    // Fused backward kernels. A node uses them when the backward pass is not itself recorded (no createGraph),
    // so that one pass replaces a chain of tensor ops; the graph the user sees is unchanged.

    /// <summary><c>grad</c> where <paramref name="output"/> &gt; 0, else 0.</summary>
    public static RawTensor ReluBackward(RawTensor grad, RawTensor output)
    {
        if (IsHalfPrecision(output)) return Cast(ReluBackward(Cast(grad, DType.Float32), Cast(output, DType.Float32)), output.DType);
        grad = Contiguous(grad.DType == output.DType ? grad : Cast(grad, output.DType));
        output = Contiguous(output);
        var r = RawTensor.Empty(output.DType, output.Shape);
        switch (output.DType)
        {
            case DType.Float32: ActivationBackward.Relu<float>(grad.Span<float>(), output.Span<float>(), r.Span<float>()); break;
            case DType.Float64: ActivationBackward.Relu<double>(grad.Span<double>(), output.Span<double>(), r.Span<double>()); break;
            default: throw new NotSupportedException($"relu backward: {output.DType.TorchName()} has no gradient.");
        }
        return r;
    }

    /// <summary>Backward of (log-)softmax along <paramref name="dim"/> from its output.</summary>
    public static RawTensor SoftmaxBackward(RawTensor grad, RawTensor output, int dim, bool log)
    {
        if (IsHalfPrecision(output)) return Cast(SoftmaxBackward(Cast(grad, DType.Float32), Cast(output, DType.Float32), dim, log), output.DType);
        grad = Contiguous(grad.DType == output.DType ? grad : Cast(grad, output.DType));
        output = Contiguous(output);
        var (outer, n, inner) = Block(output.Shape, dim);
        var r = RawTensor.Empty(output.DType, output.Shape);
        if (output.DType == DType.Float32)
        {
            if (log) ActivationBackward.LogSoftmax<float>(grad.Span<float>(), output.Span<float>(), outer, n, inner, r.Span<float>());
            else ActivationBackward.Softmax<float>(grad.Span<float>(), output.Span<float>(), outer, n, inner, r.Span<float>());
        }
        else
        {
            if (log) ActivationBackward.LogSoftmax<double>(grad.Span<double>(), output.Span<double>(), outer, n, inner, r.Span<double>());
            else ActivationBackward.Softmax<double>(grad.Span<double>(), output.Span<double>(), outer, n, inner, r.Span<double>());
        }
        return r;
    }
}
