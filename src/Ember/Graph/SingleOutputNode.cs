using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Tracing;

namespace Ember.Graph;

/// <summary>
/// A node of an op with one differentiable output (unary, binary and n-ary ops alike). Its <c>Record</c> helpers hold
/// the wiring every op repeats: wrap the computed result, and only when grad mode and an input call for it, create the
/// node, record its inputs, let the op save what its backward needs, and attach the node to the result.
/// </summary>
public abstract class SingleOutputNode : Node
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal sealed override Tensor?[] Apply(Tensor?[] gradOutputs) => Backward(gradOutputs[0]!);

    /// <summary>The backward formula: input gradients from the output gradient <paramref name="grad"/>.</summary>
    internal abstract Tensor?[] Backward(Tensor grad);

    // The helpers below take static callbacks (cached delegates) and pass per-call values as arguments, so the no-grad
    // path allocates nothing but the result and the recording path nothing but the node.

    /// <summary>
    /// Wraps <paramref name="result"/> of an op on <paramref name="a"/>, recording a <typeparamref name="TNode"/> when
    /// needed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor Record<TNode>(Tensor a, RawTensor result) where TNode : SingleOutputNode, new()
    {
        bool record = Autograd.ShouldRecord(a);
        if (!record && !OpTracer.IsActive) return new Tensor(result);
        var node = new TNode();
        node.SetInputs(a);
        return Traced(node, record ? new Tensor(result, node) : new Tensor(result), (object?)null, 1, a);
    }

    /// <summary>
    /// As <see cref="Record{TNode}(Tensor, RawTensor)"/>; <paramref name="setup"/> stores <paramref name="state"/> and
    /// saves tensors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor Record<TNode, TState>(Tensor a, RawTensor result, TState state,
        Action<TNode, Tensor, TState> setup)
        where TNode : SingleOutputNode, new()
    {
        bool record = Autograd.ShouldRecord(a);
        if (!record && !OpTracer.IsActive) return new Tensor(result);
        var node = new TNode();
        node.SetInputs(a);
        setup(node, a, state);
        return Traced(node, record ? new Tensor(result, node) : new Tensor(result), state, 1, a);
    }

    /// <summary>
    /// Wraps <paramref name="result"/> of an op on <paramref name="a"/> and <paramref name="b"/>, recording a node when
    /// either needs it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor Record<TNode>(Tensor a, Tensor b, RawTensor result,
        Action<TNode, Tensor, Tensor>? setup = null)
        where TNode : SingleOutputNode, new()
    {
        bool record = Autograd.ShouldRecord(a, b);
        if (!record && !OpTracer.IsActive) return new Tensor(result);
        var node = new TNode();
        node.SetInputs(a, b);
        setup?.Invoke(node, a, b);
        return Traced(node, record ? new Tensor(result, node) : new Tensor(result), (object?)null, 2, a, b);
    }

    /// <summary>
    /// As <see cref="Record{TNode}(Tensor, Tensor, RawTensor, Action{TNode, Tensor, Tensor})"/>, with per-call
    /// <paramref name="state"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor Record<TNode, TState>(Tensor a, Tensor b, RawTensor result, TState state,
        Action<TNode, Tensor, Tensor, TState> setup) where TNode : SingleOutputNode, new()
    {
        bool record = Autograd.ShouldRecord(a, b);
        if (!record && !OpTracer.IsActive) return new Tensor(result);
        var node = new TNode();
        node.SetInputs(a, b);
        setup(node, a, b, state);
        return Traced(node, record ? new Tensor(result, node) : new Tensor(result), state, 2, a, b);
    }

    /// <summary>
    /// Wraps <paramref name="result"/> of an op of three inputs (the last two optional, such as a weight and a bias),
    /// recording a node with three edges (a null edge for an absent input) when any input needs a gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor Record<TNode, TState>(Tensor a, Tensor? b, Tensor? c, RawTensor result, TState state,
        Action<TNode, Tensor, Tensor?, Tensor?, TState> setup) where TNode : SingleOutputNode, new()
    {
        bool record = Autograd.ShouldRecord(b, a, c ?? a);
        if (!record && !OpTracer.IsActive) return new Tensor(result);
        var node = new TNode();
        node.SetInputs(a, b, c, count: 3);
        setup(node, a, b, c, state);
        return Traced(node, record ? new Tensor(result, node) : new Tensor(result), state, 3, a, b, c);
    }

    /// <summary>
    /// Wraps <paramref name="result"/> of an op over a list of tensors (cat, stack); integer results are not recorded.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor Record<TNode, TState>(Tensor[] inputs, RawTensor result, TState state,
        Action<TNode, TState> setup)
        where TNode : SingleOutputNode, new()
    {
        bool record = false;
        foreach (var t in inputs) record |= Autograd.ShouldRecord(t);
        record &= result.DType.IsFloatingPoint();
        if (!record && !OpTracer.IsActive) return new Tensor(result);
        var node = new TNode();
        node.SetInputs(inputs);
        setup(node, state);
        return Traced(node, record ? new Tensor(result, node) : new Tensor(result), state, inputs);
    }

    /// <summary>
    /// Returns <paramref name="y"/>, first reporting the op (its first <paramref name="count"/> inputs) to the active
    /// tracer if there is one. Callers build the node when a tracer is active even without grad mode: its name (and
    /// the state its setup stores) is what the tracer sees.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private protected static Tensor Traced<TState>(Node node, Tensor y, TState state, int count, Tensor? a,
        Tensor? b = null, Tensor? c = null)
    {
        if (OpTracer.IsActive)
            OpTracer.Report(node.Name, y, state, count == 1 ? [a] : count == 2 ? [a, b] : [a, b, c]);
        return y;
    }

    /// <summary>As <see cref="Traced{TState}(Node, Tensor, TState, int, Tensor?, Tensor?, Tensor?)"/> for a list.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private protected static Tensor Traced<TState>(Node node, Tensor y, TState state, Tensor[] inputs)
    {
        if (OpTracer.IsActive) OpTracer.Report(node.Name, y, state, inputs);
        return y;
    }

    /// <summary>
    /// Saves <paramref name="a"/> and <paramref name="b"/> for a product's backward, each only if the other needs a
    /// gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected void SaveForProduct(Tensor a, Tensor b, ref SavedTensor? savedA, ref SavedTensor? savedB)
    {
        if (b.RequiresGrad) savedA = Save(a);
        if (a.RequiresGrad) savedB = Save(b);
    }
}
