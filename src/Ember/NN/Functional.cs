using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember.NN;

/// <summary>Stateless functions behind the layers and losses (PyTorch's <c>torch.nn.functional</c>).</summary>
public static partial class F
{
    /// <summary><c>max(x, 0)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor ReLU(Tensor input) => input.ReLU();

    /// <summary>Logistic sigmoid.</summary>
    public static Tensor Sigmoid(Tensor input) => input.Sigmoid();

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor input) => input.Tanh();

    /// <summary>GELU: <c>x·Φ(x)</c>; <paramref name="approximate"/> "tanh" uses PyTorch's tanh approximation.</summary>
    public static Tensor GELU(Tensor input, string approximate = "none") => approximate switch
    {
        "none" => GeluBackward0.Apply(input, tanh: false),
        "tanh" => GeluBackward0.Apply(input, tanh: true),
        _ => throw new ArgumentException(
            $"GELU: approximate must be 'none' or 'tanh', got '{approximate}'.", nameof(approximate)),
    };

    /// <summary>SiLU (swish): <c>x·σ(x)</c>.</summary>
    public static Tensor SiLU(Tensor input) => SiluBackward0.Apply(input);

    /// <summary>Softplus: <c>ln(1 + e^(βx))/β</c>, linear above <paramref name="threshold"/> for stability.</summary>
    public static Tensor Softplus(Tensor input, double beta = 1, double threshold = 20) =>
        SoftplusBackward0.Apply(input, beta, threshold);

    /// <summary>LeakyReLU: <c>x</c> for positive x, <c>negativeSlope·x</c> otherwise.</summary>
    public static Tensor LeakyReLU(Tensor input, double negativeSlope = 0.01) =>
        LeakyReluBackward0.Apply(input, negativeSlope);

    /// <summary>ELU: <c>x</c> for positive x, <c>α(eˣ - 1)</c> otherwise.</summary>
    public static Tensor ELU(Tensor input, double alpha = 1) => EluBackward0.Apply(input, alpha);

    /// <summary>Hardtanh: clamps to [<paramref name="minVal"/>, <paramref name="maxVal"/>].</summary>
    public static Tensor Hardtanh(Tensor input, double minVal = -1, double maxVal = 1) =>
        HardtanhBackward0.Apply(input, minVal, maxVal);

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor input, int dim) => input.Softmax(dim);

    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public static Tensor LogSoftmax(Tensor input, int dim) => input.LogSoftmax(dim);

    /// <summary>
    /// <c>y = x Wᵀ + b</c>. For 2-D input with a bias this is one <c>Addmm</c> (the graph shows <c>AddmmBackward0</c>
    /// with a <c>TBackward0</c> edge to the weight, as in PyTorch).
    /// </summary>
    /// <param name="input"><c>(*, in)</c>.</param>
    /// <param name="weight"><c>[out, in]</c>.</param>
    /// <param name="bias"><c>[out]</c> or null.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.Dim == 2)
            return bias is null ? input.Mm(weight.T) : Tensor.Addmm(bias, input, weight.T);
        if (input.Dim > 2)
        {
            int[] outShape = input.Shape.ToArray();
            outShape[^1] = weight.Shape[0];
            return Linear(input.Reshape(-1, input.Shape[^1]), weight, bias).View(outShape);
        }
        Tensor y = input.MatMul(weight.T);
        return bias is null ? y : y + bias;
    }
}
