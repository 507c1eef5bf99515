using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember.NN;

/// <summary>
/// A module from <typeparamref name="TIn"/> to <typeparamref name="TOut"/>. Subclasses override
/// <see cref="Forward"/>; callers use <see cref="Call"/>, the one shared entry that prepares the input
/// (dtype casting for tensors), builds lazily-sized layers on first use, then runs <see cref="Forward"/>.
/// Calling <see cref="Forward"/> directly works and skips those steps, as <c>.forward()</c> does in PyTorch.
/// </summary>
public abstract class Module<TIn, TOut> : ModuleBase
{
    private bool _built;
    private List<Func<Module<TIn, TOut>, TIn, TIn>>? _forwardPreHooks;
    private List<Func<Module<TIn, TOut>, TIn, TOut, TOut>>? _forwardHooks;

    /// <summary>
    /// Runs the module: forward pre-hooks, input preparation (casting), lazy build, <see cref="Forward"/>, then
    /// forward hooks. This is the one entry every module shares (PyTorch's <c>__call__</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TOut Call(TIn input)
    {
        JitWarmup.Stop(); // a forward pass runs: the background JIT warm-up (started by an optimizer) yields the cores
        return OpTracer.Current is { } tracer ? OpTracer.Call(tracer, this, input, CallCore) : CallCore(input);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private TOut CallCore(TIn input)
    {
        if (_forwardPreHooks is not null)
            foreach (var hook in _forwardPreHooks.ToArray()) input = hook(this, input);
        input = PrepareInput(input);
        if (!_built)
        {
            Build(input);
            _built = true;
        }
        TOut output = FinishOutput(input, Forward(input));
        if (_forwardHooks is not null)
            foreach (var hook in _forwardHooks.ToArray()) output = hook(this, input, output);
        return output;
    }

    /// <summary>
    /// Registers a hook run before <see cref="Forward"/>; it returns the input to use (return it unchanged to keep it).
    /// </summary>
    /// <returns>A handle whose <c>Remove()</c> unregisters the hook.</returns>
    public RemovableHandle RegisterForwardPreHook(Func<Module<TIn, TOut>, TIn, TIn> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var list = _forwardPreHooks ??= [];
        list.Add(hook);
        return new RemovableHandle(() => list.Remove(hook));
    }

    /// <summary>
    /// Registers a hook run after <see cref="Forward"/> with the input and output; it returns the output to use.
    /// </summary>
    /// <returns>A handle whose <c>Remove()</c> unregisters the hook.</returns>
    public RemovableHandle RegisterForwardHook(Func<Module<TIn, TOut>, TIn, TOut, TOut> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var list = _forwardHooks ??= [];
        list.Add(hook);
        return new RemovableHandle(() => list.Remove(hook));
    }

    /// <summary>
    /// Post-processes the output of <see cref="Forward"/> inside <see cref="Call"/> (backward hooks attach here).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected virtual TOut FinishOutput(TIn input, TOut output) => output;

    /// <summary>The computation. Override this; call <see cref="Call"/>.</summary>
    public abstract TOut Forward(TIn input);

    /// <summary>
    /// Creates parameters whose size depends on the first input (Keras-style lazy layers). Runs once, before the first
    /// <see cref="Forward"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected virtual void Build(TIn input) { }

    /// <summary>
    /// Adjusts the input before <see cref="Forward"/> (e.g. casting); the default returns it unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected virtual TIn PrepareInput(TIn input) => input;
}

/// <summary>
/// A module from one tensor to one tensor, the common case (<c>Linear</c>, <c>ReLU</c>, <c>Sequential</c>, your
/// models). Floating-point input is cast to the module's parameter dtype (float64 data into a float32 model just
/// works); integer or bool input into a module with floating-point parameters is an error that says how to convert.
/// </summary>
public abstract class Module : Module<Tensor, Tensor>
{
    private List<Func<Module, Tensor?, Tensor, Tensor?>>? _backwardHooks;

    /// <summary>
    /// Whether integer input is meaningful (e.g. embedding indices); such modules get their input uncast.
    /// </summary>
    protected virtual bool AcceptsIntegerInput
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => false;
    }

    /// <summary>
    /// Registers a hook called during backward with the gradient of the module's input (null when the input needs none)
    /// and of its output; it may return a replacement input gradient (PyTorch's <c>register_full_backward_hook</c>).
    /// </summary>
    /// <returns>A handle whose <c>Remove()</c> unregisters the hook.</returns>
    public RemovableHandle RegisterFullBackwardHook(Func<Module, Tensor?, Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var list = _backwardHooks ??= [];
        list.Add(hook);
        return new RemovableHandle(() => list.Remove(hook));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override Tensor PrepareInput(Tensor input)
    {
        input = CastInput(input);
        // With backward hooks, an identity node marks where the input's gradient arrives.
        return _backwardHooks is { Count: > 0 } && Autograd.IsGradEnabled && input.RequiresGrad
            ? BackwardHookFunctionBackward.Apply(input)
            : input;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override Tensor FinishOutput(Tensor input, Tensor output)
    {
        if (_backwardHooks is not { Count: > 0 } || !Autograd.IsGradEnabled || !output.RequiresGrad) return output;
        output = BackwardHookFunctionBackward.Apply(output);
        var hooks = _backwardHooks.ToArray();
        Tensor? gradOutput = null;
        output.RegisterHook(g => { gradOutput = g; return null; });
        if (input.GradFn is BackwardHookFunctionBackward)
        {
            input.RegisterHook(g =>
            {
                Tensor? current = g;
                foreach (var hook in hooks) current = hook(this, current, gradOutput!) ?? current;
                return current;
            });
        }
        else
        {
            // The input needs no gradient: the hooks see the output gradient only.
            output.RegisterHook(g =>
            {
                foreach (var hook in hooks) hook(this, null, g);
                return null;
            });
        }
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Tensor CastInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input, nameof(input));
        if (AcceptsIntegerInput) return input;
        DType? dt = ParameterDType;
        if (dt is not DType target) return input;
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{GetType().Name} expected floating-point input ({target.TorchName()}) but got a " +
                $"{input.DType.TorchName()} tensor of shape {Shapes.Format(input.Shape)}. Convert it with " +
                $"x.To(DType.{target}) (integer class labels belong in the loss's target, not the model's input).");
        return input.DType == target ? input : input.To(target);
    }
}
