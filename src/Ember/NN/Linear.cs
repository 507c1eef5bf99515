using System;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// Applies <c>y = x Wᵀ + b</c>. Input <c>(*, InFeatures)</c>, output <c>(*, OutFeatures)</c>; weight
/// <c>[OutFeatures, InFeatures]</c> (PyTorch's layout), bias <c>[OutFeatures]</c>. Initialized as PyTorch does: weight
/// and bias from U(-1/√in, 1/√in).
/// </summary>
public class Linear : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="inFeatures">Size of each input sample.</param>
    /// <param name="outFeatures">Size of each output sample.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">Parameter dtype (float32 by default).</param>
    /// <param name="generator">Random source for the initialization (the default generator otherwise).</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType dtype = DType.Float32,
        Generator? generator = null)
    {
        if (inFeatures < 0 || outFeatures < 0)
            throw new ArgumentException(
                $"Linear: feature counts must be non-negative, got inFeatures={inFeatures}, " +
                $"outFeatures={outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter(Tensor.Zeros([outFeatures, inFeatures], dtype));
        Bias = bias ? new Parameter(Tensor.Zeros([outFeatures], dtype)) : null;
        ResetParameters(generator);
    }

    /// <summary>Size of each input sample.</summary>
    public int InFeatures { get; }

    /// <summary>Size of each output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, <c>[OutFeatures, InFeatures]</c>.</summary>
    public Parameter Weight { [MethodImpl(MethodImplOptions.AggressiveOptimization)] get; }

    /// <summary>The bias, <c>[OutFeatures]</c>, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Re-draws the parameters with PyTorch's default initialization.</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5), generator: generator);
        if (Bias is not null)
        {
            double bound = InFeatures > 0 ? 1 / Math.Sqrt(InFeatures) : 0;
            Init.Uniform_(Bias, -bound, bound, generator);
        }
    }

    /// <inheritdoc/>
    protected internal override DType? ParameterDType
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Weight.DType;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException(
                $"Linear(in_features={InFeatures}, out_features={OutFeatures}) expected input of shape (*, " +
                $"{InFeatures}) but got {Shapes.Format(input.Shape)}.");
        return F.Linear(input, Weight, Bias);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")}";
}
