using System;
using Ember.Core;

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

    /// <summary>Runs the module: input preparation, lazy build, then <see cref="Forward"/>.</summary>
    public TOut Call(TIn input)
    {
        input = PrepareInput(input);
        if (!_built)
        {
            Build(input);
            _built = true;
        }
        return Forward(input);
    }

    /// <summary>The computation. Override this; call <see cref="Call"/>.</summary>
    public abstract TOut Forward(TIn input);

    /// <summary>Creates parameters whose size depends on the first input (Keras-style lazy layers). Runs once, before the first <see cref="Forward"/>.</summary>
    protected virtual void Build(TIn input) { }

    /// <summary>Adjusts the input before <see cref="Forward"/> (e.g. casting); the default returns it unchanged.</summary>
    protected virtual TIn PrepareInput(TIn input) => input;
}

/// <summary>
/// A module from one tensor to one tensor, the common case (<c>Linear</c>, <c>ReLU</c>, <c>Sequential</c>, your models).
/// Floating-point input is cast to the module's parameter dtype (float64 data into a float32 model just works);
/// integer or bool input into a module with floating-point parameters is an error that says how to convert.
/// </summary>
public abstract class Module : Module<Tensor, Tensor>
{
    /// <summary>Whether integer input is meaningful (e.g. embedding indices); such modules get their input uncast.</summary>
    protected virtual bool AcceptsIntegerInput => false;

    /// <inheritdoc/>
    protected override Tensor PrepareInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input, nameof(input));
        if (AcceptsIntegerInput) return input;
        DType? dt = ParameterDType;
        if (dt is not DType target) return input;
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{GetType().Name} expected floating-point input ({target.TorchName()}) but got a {input.DType.TorchName()} tensor of shape {Shapes.Format(input.Shape)}. " +
                $"Convert it with x.To(DType.{target}) (integer class labels belong in the loss's target, not the model's input).");
        return input.DType == target ? input : input.To(target);
    }
}
