using System;
using Ember.Core;

namespace Ember;

/// <summary>
/// A tensor that is a learnable parameter of a model: a leaf that requires grad by default, found by
/// <c>Module.Parameters()</c> and updated by optimizers. It shares storage with the tensor it was made from.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps <paramref name="data"/> (detached from any graph) as a parameter.</summary>
    public Parameter(Tensor data, bool requiresGrad = true) : base(data.Raw)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (requiresGrad && !data.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"Parameter: only floating-point tensors can require gradients, got {data.DType.TorchName()}; pass " +
                "requiresGrad: false or convert with .To(DType.Float32).");
        ClaimStorage();
        RequiresGrad = requiresGrad;
    }

    internal Parameter(RawTensor raw, bool requiresGrad) : base(raw)
    {
        ClaimStorage();
        RequiresGrad = requiresGrad;
    }

    /// <summary>
    /// True for the empty placeholder a lazy (Keras-style) layer holds until it is built: it has no values yet, and an
    /// optimizer refuses it (PyTorch's <c>UninitializedParameter</c>).
    /// </summary>
    public bool IsUninitialized { get; private init; }

    /// <summary>An empty placeholder parameter for a layer that learns its input size on first use.</summary>
    internal static Parameter Uninitialized(DType dtype) => new(Tensor.Zeros([0], dtype)) { IsUninitialized = true };

    /// <summary>
    /// Replaces the parameter's values with <paramref name="values"/> (cast and broadcast), without recording a graph
    /// node.
    /// </summary>
    public void CopyFrom(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!values.Shape.SequenceEqual(Shape))
            throw new ArgumentException(
                $"Parameter.CopyFrom: expected values of shape {Shapes.Format(Shape)}, got " +
                $"{Shapes.Format(values.Shape)}.");
        CopyRaw(values);
    }
}
