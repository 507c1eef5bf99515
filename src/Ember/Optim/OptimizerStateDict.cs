using System;
using System.Collections.Generic;

namespace Ember.Optim;

/// <summary>
/// An optimizer's state, structured as PyTorch's <c>optimizer.state_dict()</c>:
/// <list type="bullet">
/// <item><see cref="State"/>: parameter index → named state. Indices number the parameters of all groups in order
/// (group 0's parameters first). Values are <see cref="Tensor"/>s of the parameter's shape and dtype
/// (<c>"exp_avg"</c>, <c>"momentum_buffer"</c>, ...) or numbers (<c>"step"</c> as a <see cref="long"/>,
/// <c>"mu_product"</c> as a <see cref="double"/>). A parameter that has not been updated yet has no entry.</item>
/// <item><see cref="ParamGroups"/>: one dictionary per group with the options under PyTorch's keys (<c>"lr"</c>,
/// <c>"momentum"</c>, <c>"betas"</c> as a <c>double[2]</c>, <c>"weight_decay"</c>, ...), <c>"initial_lr"</c> when a
/// scheduler set it, and <c>"params"</c>: the group's parameter indices as an <c>int[]</c>.</item>
/// </list>
/// Values are only tensors, numbers, bools and arrays of numbers, so a checkpoint writer can serialize them.
/// <see cref="Optimizer.StateDict"/> returns copies: the dictionary does not change as training continues.
/// </summary>
public sealed class OptimizerStateDict
{
    /// <summary>Creates a state dict from its two parts (e.g. when reading a checkpoint).</summary>
    public OptimizerStateDict(IReadOnlyDictionary<int, IReadOnlyDictionary<string, object>> state,
        IReadOnlyList<IReadOnlyDictionary<string, object>> paramGroups)
    {
        State = state ?? throw new ArgumentNullException(nameof(state));
        ParamGroups = paramGroups ?? throw new ArgumentNullException(nameof(paramGroups));
    }

    /// <summary>Per-parameter state by parameter index (PyTorch's <c>"state"</c>).</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, object>> State { get; }

    /// <summary>The groups' options and parameter indices (PyTorch's <c>"param_groups"</c>).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object>> ParamGroups { get; }
}
