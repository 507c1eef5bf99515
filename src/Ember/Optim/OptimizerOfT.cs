using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.Optim;

/// <summary>
/// The base to derive an optimizer from: the base runs the loop over all parameter groups and parameters, and the
/// derived class supplies only its update rule for one parameter, over spans, in <see cref="Update{T}"/>.
/// </summary>
/// <remarks>
/// <para>What the base does for every parameter with a gradient, in order, on each <see cref="Optimizer.Step()"/>:
/// checks that the gradient has the parameter's shape, casts it to the parameter's dtype and makes it contiguous;
/// bumps the parameter's version counter (in-place modification, as autograd sees it); creates the parameter's
/// state on first use (through <see cref="InitializeState{T}"/>); increments its <see cref="ParamState{T}.Step"/>
/// when <see cref="Optimizer.CountsSteps"/>; then calls <see cref="Update{T}"/> once, with <c>T</c> the parameter's
/// element type (float32 or float64). The base also owns <see cref="Optimizer.ZeroGrad"/>, the parameter groups and
/// <see cref="Optimizer.StateDict"/>/<see cref="Optimizer.LoadStateDict"/>, whose per-parameter entries are exactly
/// what the rule stored in its <see cref="ParamState{T}"/>.</para>
/// <para>What the derived class supplies: its options type <typeparamref name="TOptions"/> (the hyper-parameters of
/// a group, with their PyTorch state-dict keys), the names of its state (<see cref="Optimizer.StateBufferNames"/>,
/// optionally <see cref="Optimizer.StateNumberNames"/>), and <see cref="Update{T}"/>. The rule must touch only the
/// spans and state it is given (the base may later run several parameters' updates concurrently) and must not keep
/// them after it returns.</para>
/// </remarks>
/// <typeparam name="TOptions">The optimizer's hyper-parameter type; each group holds its own instance.</typeparam>
public abstract class Optimizer<TOptions> : Optimizer where TOptions : OptimizerOptions
{
    private readonly TOptions _defaults;

    /// <summary>
    /// Creates the optimizer with one parameter group over <paramref name="parameters"/>, whose options are a copy of
    /// <paramref name="defaults"/> (later groups start from the same defaults).
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, holds null, a duplicate or a non-floating-point
    /// parameter, or an option is out of range.</exception>
#pragma warning disable RS0022 // Intended: Optimizer<TOptions> is the public way to derive from Optimizer.
    protected Optimizer(IEnumerable<Parameter> parameters, TOptions defaults)
#pragma warning restore RS0022
    {
        ArgumentNullException.ThrowIfNull(defaults);
        _defaults = (TOptions)defaults.Clone();
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>
    /// Adds a parameter group (PyTorch's <c>add_param_group</c>): its options start as a copy of the optimizer's
    /// defaults, then <paramref name="configure"/> may change them (e.g. <c>o =&gt; o.Lr = 0.1</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A parameter already belongs to a group, or the options are out of
    /// range; the optimizer is then unchanged.</exception>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<TOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((TOptions)o));

    /// <summary>
    /// The update rule: updates one parameter in place from its gradient and its state. Called by the base once per
    /// parameter with a gradient and per <see cref="Optimizer.Step()"/>; see the class remarks for what is already
    /// done. The arithmetic should round to <typeparamref name="T"/> the way the reference implementation does.
    /// </summary>
    /// <typeparam name="T">The parameter's element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="param">The parameter's elements (contiguous, row-major), to be updated in place.</param>
    /// <param name="grad">The gradient, same length and layout, already in <typeparamref name="T"/>.</param>
    /// <param name="state">The parameter's state: step counter, buffers created on first use, numbers.</param>
    /// <param name="options">The hyper-parameters of the parameter's group.</param>
    protected abstract void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, TOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Called when a parameter's state is created (before its first update, or when its group is added if
    /// <see cref="Optimizer.CreatesStateWhenGroupIsAdded"/>): create buffers that must not start at zero here, e.g.
    /// Adagrad's <c>"sum"</c> filled with its initial accumulator value. Nothing by default.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected virtual void InitializeState<T>(ParamState<T> state, TOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
    }

    /// <summary>
    /// The buffers a parameter's state must hold for a group with <paramref name="options"/>, checked by
    /// <see cref="Optimizer.LoadStateDict"/>: all of <see cref="Optimizer.StateBufferNames"/> by default; fewer when
    /// some exist only with some options (Adam's <c>"max_exp_avg_sq"</c> with amsgrad).
    /// </summary>
    protected virtual IEnumerable<string> RequiredStateBuffers(TOptions options) => StateBufferNames;

    // The one float32/float64 dispatch of every optimizer.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected sealed override void UpdateParameter(RawTensor param, RawTensor grad, StateEntry state,
        OptimizerOptions options, FusedStep fused)
    {
        var o = (TOptions)options;
        if (param.DType == DType.Float32) UpdateOrQueue<float>(param, grad, state, o, fused);
        else UpdateOrQueue<double>(param, grad, state, o, fused);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdateOrQueue<T>(RawTensor param, RawTensor grad, StateEntry entry, TOptions o, FusedStep fused)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new ParamState<T>(this, entry, param);
        if (Plan(state, o) is { } rule) fused.Add(param, grad, rule);
        else Update(param.Span<T>(), grad.Span<T>(), state, o);
    }

    /// <summary>
    /// A built-in optimizer's rule split for the fused step: does the per-parameter part now (state, coefficients)
    /// and returns the element-wise rest; null (the default, and every optimizer outside Ember) runs
    /// <see cref="Update{T}"/> instead.
    /// </summary>
    private protected virtual SliceRule<T>? Plan<T>(ParamState<T> state, TOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> => null;

    /// <summary>Runs a planned rule over whole spans (a built-in's <see cref="Update{T}"/>).</summary>
    private protected static void Apply<T>(SliceRule<T> rule, Span<T> param, ReadOnlySpan<T> grad)
        where T : unmanaged, IFloatingPointIeee754<T> => rule.ApplyRange(param, grad, 0, param.Length);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected sealed override void CreateState(RawTensor param, StateEntry state, OptimizerOptions options)
    {
        var o = (TOptions)options;
        if (param.DType == DType.Float32) InitializeState(new ParamState<float>(this, state, param), o);
        else InitializeState(new ParamState<double>(this, state, param), o);
    }

    private protected sealed override IEnumerable<string> RequiredBuffers(OptimizerOptions options) =>
        RequiredStateBuffers((TOptions)options);
}
