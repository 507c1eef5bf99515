using System;

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

    internal override Tensor?[] Apply(Tensor?[] gradOutputs)
    {
        Tensor? g = gradOutputs[0];
        if (g is null) return [];
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
        return [];
    }
}
