using Ember.Core;

namespace Ember.Graph;

/// <summary>
/// <c>ZeroGrad(setToNone: false)</c> of optimizers and modules: PyTorch 1.13's <c>zero_grad(set_to_none=False)</c>
/// zeroes each <c>.grad</c> in place, so the next backward accumulates into the same buffer instead of a fresh
/// tensor every step (issue 12: no per-step large arrays the engine could reuse). A gradient that is part of a graph
/// (made with <c>createGraph</c>) or not contiguous is replaced by new zeros, as before.
/// </summary>
internal static class GradZeroing
{
    public static void Zero(Tensor parameter)
    {
        if (parameter.Grad is not Tensor g) return;
        if (g.GradFn is null && !g.RequiresGrad && g.Raw.IsContiguous)
            RawOps.Fill(g.Raw, 0);
        else
            parameter.Grad = Tensor.ZerosLike(g);
    }
}
