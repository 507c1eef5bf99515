using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Ember.Graph;

/// <summary>
/// The node at the bottom of the graph for a leaf tensor that requires grad: it adds the incoming gradient
/// into <see cref="Variable"/>'s <c>Grad</c>. This is how <c>optimizer.Step()</c> finds the gradient.
/// </summary>
public sealed class AccumulateGrad : Node
{
    internal AccumulateGrad(Tensor variable)
    {
        Variable = variable;
        SetInputs(null, count: 0);
    }

    /// <summary>The leaf tensor whose <c>Grad</c> this node accumulates into.</summary>
    public Tensor Variable { get; }

    /// <inheritdoc/>
    public override string Name => "AccumulateGrad";

    // One lock per leaf, as PyTorch's AccumulateGrad holds a mutex: graphs on several threads may reach the same
    // parameter, and the read-add-write of .Grad below must not interleave. Uncontended it costs tens of
    // nanoseconds per leaf per backward.
    private readonly Lock _sync = new();

    internal override Tensor?[] Apply(Tensor?[] gradOutputs)
    {
        Tensor? g = gradOutputs[0];
        if (g is null) return [];
        lock (_sync) Accumulate(g);
        RunPostHooks();
        return [];
    }

    private List<Action<Tensor>>? _postHooks;

    /// <summary>Adds a hook run after each accumulation into <see cref="Variable"/>'s <c>Grad</c>.</summary>
    internal RemovableHandle AddPostHook(Action<Tensor> hook)
    {
        var list = _postHooks ??= [];
        list.Add(hook);
        return new RemovableHandle(() => list.Remove(hook));
    }

    /// <summary>
    /// Accumulates a gradient that the engine knows nothing else references (see <c>Engine</c>'s ownership
    /// tracking): a first gradient becomes <c>Grad</c> itself instead of a copy, as PyTorch's AccumulateGrad steals
    /// a gradient whose reference count is one. Anything else goes the usual way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AccumulateOwned(Tensor g)
    {
        lock (_sync)
        {
            if (Variable.Grad is null && !Autograd.IsGradEnabled && g.GradFn is null && g.Raw.IsContiguous
                && g.DType == Variable.DType)
                Variable.Grad = g;
            else
                Accumulate(g);
        }
        RunPostHooks();
    }

    // Outside the lock: a hook may be slow (it may hand the gradient to a communication thread).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPostHooks()
    {
        if (_postHooks is { } hooks)
            foreach (var hook in hooks.ToArray()) hook(Variable);
    }

    private void Accumulate(Tensor g)
    {
        Tensor? old = Variable.Grad;
        if (Autograd.IsGradEnabled)
        {
            // createGraph: keep the gradient differentiable (gradient penalties, Hessian-vector products).
            Variable.Grad = old is null ? g : old + g;
        }
        else if (old is null)
        {
            // The incoming tensor may be shared with other edges (AddBackward passes one gradient to both inputs),
            // so the leaf gets its own copy that later accumulation may write in place.
            Variable.Grad = g.DetachedCopy();
        }
        else if (old.GradFn is null && old.Raw.IsContiguous && old.Raw.Shape.AsSpan().SequenceEqual(g.Raw.Shape))
        {
            old.AddInPlaceRaw(g);
        }
        else
        {
            Variable.Grad = (old + g).Detach();
        }
    }
}
