using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Tracing;

namespace Ember.Graph;

/// <summary>
/// Shared wiring for ops of one differentiable input (element-wise ops, reductions, scans): records the node when
/// needed, saves the input and/or the output for backward, and hands them to the subclass's derivative. Each op is
/// still its own sealed class with its own name and formula.
/// </summary>
internal abstract class SingleInputNode<TSelf> : SingleOutputNode where TSelf : SingleInputNode<TSelf>, new()
{
    private SavedTensor? _x, _y;

    /// <summary>Whether backward needs the input.</summary>
    protected virtual bool SavesInput
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => true;
    }

    /// <summary>Whether backward needs the output.</summary>
    protected virtual bool SavesOutput
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => false;
    }

    /// <summary>
    /// Wraps the already computed <paramref name="result"/> of the op on <paramref name="x"/>, recording a node when
    /// grad mode and <paramref name="x"/> call for one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor Record(Tensor x, RawTensor result) => Record(x, result, 0, static (_, _) => { });

    /// <summary>
    /// As <see cref="Record(Tensor, RawTensor)"/>, passing <paramref name="state"/> to a static configure callback (no
    /// closure per call).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor Record<TState>(Tensor x, RawTensor result, TState state, Action<TSelf, TState> configure)
    {
        bool record = Autograd.ShouldRecord(x) && result.DType.IsFloatingPoint();
        if (!record && !OpTracer.IsActive) return new Tensor(result);
        var node = new TSelf();
        configure(node, state);
        if (!record) return Traced(node, new Tensor(result), state, 1, x);
        node.SetInputs(x);
        if (node.SavesInput) node._x = node.Save(x);
        var y = new Tensor(result, node);
        if (node.SavesOutput) node._y = node.Save(y);
        return Traced(node, y, state, 1, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal sealed override Tensor?[] Backward(Tensor grad) =>
        [Derivative(grad, _x is null ? null! : Unpack(_x), _y is null ? null! : Unpack(_y))];

    /// <summary>
    /// dL/dx from dL/dy = <paramref name="grad"/>, the input <paramref name="x"/> and the output <paramref name="y"/>
    /// (null when not saved).
    /// </summary>
    protected abstract Tensor Derivative(Tensor grad, Tensor x, Tensor y);

    /// <summary>
    /// A 0/1 tensor of <paramref name="dtype"/>: a constant of the graph (used where a derivative is piecewise).
    /// </summary>
    protected static Tensor Mask(RawTensor boolMask, DType dtype) => new(RawOps.Cast(boolMask, dtype));
}
