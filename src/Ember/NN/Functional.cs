using System;
using Ember.Core;

namespace Ember.NN;

/// <summary>Stateless functions behind the layers and losses (PyTorch's <c>torch.nn.functional</c>).</summary>
public static partial class F
{
    /// <summary><c>max(x, 0)</c>.</summary>
    public static Tensor ReLU(Tensor input) => input.ReLU();

    /// <summary>Logistic sigmoid.</summary>
    public static Tensor Sigmoid(Tensor input) => input.Sigmoid();

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor input) => input.Tanh();

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
