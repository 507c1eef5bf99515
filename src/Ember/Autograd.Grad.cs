using System;
using Ember.Core;
using Ember.Graph;

namespace Ember;

public static partial class Autograd
{
    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/> (PyTorch's
    /// <c>torch.autograd.grad</c>), returned instead of accumulated into <c>.Grad</c>. Only the part of the graph
    /// that leads to the inputs runs.
    /// </summary>
    /// <param name="outputs">Tensors to differentiate (scalars, or pass <paramref name="gradOutputs"/>).</param>
    /// <param name="inputs">Tensors to differentiate with respect to (leaves or intermediate results).</param>
    /// <param name="gradOutputs">The vector in the vector-Jacobian product, one per output (null: ones for
    /// scalars).</param>
    /// <param name="retainGraph">Keep saved tensors for another backward (defaults to
    /// <paramref name="createGraph"/>).</param>
    /// <param name="createGraph">Record the backward pass so the returned gradients can be differentiated
    /// again.</param>
    /// <param name="allowUnused">Return null for inputs the outputs do not depend on, instead of throwing.</param>
    /// <returns>One gradient per input, shaped like it.</returns>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs = null,
        bool? retainGraph = null, bool createGraph = false, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (gradOutputs is not null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"Grad: got {gradOutputs.Length} gradOutputs for {outputs.Length} outputs.");
        var captures = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].RequiresGrad)
                throw new InvalidOperationException(
                    $"Grad: input {i} does not require grad; set RequiresGrad = true on it before computing the " +
                    "outputs.");
            captures[i] = inputs[i].GradientEdge();
        }
        Tensor?[] grads = Engine.Run(outputs, gradOutputs ?? new Tensor?[outputs.Length], retainGraph ?? createGraph,
            createGraph, captures, "Grad");
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is null && !allowUnused)
                throw new InvalidOperationException(
                    $"Grad: one of the differentiated tensors (input {i}, shape {Shapes.Format(inputs[i].Shape)}) " +
                    "appears to not have been used in the graph. Pass allowUnused: true if this is the desired " +
                    "behavior.");
            if (grads[i] is Tensor g && !createGraph) grads[i] = g.Detach();
        }
        return grads;
    }

    /// <summary>
    /// The gradient of one output with respect to one input; see
    /// <see cref="Grad(Tensor[], Tensor[], Tensor[], bool?, bool, bool)"/>.
    /// </summary>
    public static Tensor Grad(Tensor output, Tensor input, Tensor? gradOutput = null, bool? retainGraph = null,
        bool createGraph = false) =>
        Grad([output], [input], [gradOutput], retainGraph, createGraph)[0]!;

    /// <summary>
    /// Checks second derivatives by finite differences (PyTorch's <c>gradgradcheck</c>): GradCheck of the function
    /// that maps the inputs to their gradients (backward recorded with <c>createGraph</c>, against a fixed random
    /// output gradient).
    /// </summary>
    public static bool GradGradCheck(Func<Tensor[], Tensor> function, Tensor[] inputs, double eps = 1e-6,
        double atol = 1e-5, double rtol = 1e-3, bool raiseException = true, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(function);
        Tensor probe;
        using (NoGrad()) probe = function(inputs);
        var u = Tensor.Randn(probe.Shape, new Generator(seed), probe.DType);
        Tensor Gradients(Tensor[] xs)
        {
            // GradCheck evaluates under NoGrad for its finite differences; the gradient function needs a graph either
            // way.
            using var enable = EnableGrad();
            var diff = Array.FindAll(xs, x => x.RequiresGrad);
            var y = function(xs);
            var g = Grad([y], diff, [u], createGraph: true, allowUnused: true);
            for (int i = 0; i < g.Length; i++) g[i] ??= Tensor.ZerosLike(diff[i]);
            return Tensor.Cat([.. Array.ConvertAll(g, t => t!.Reshape(-1))]);
        }
        return GradCheck(Gradients, inputs, eps, atol, rtol, raiseException);
    }
}
