using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Core;

namespace Ember.Optim;

/// <summary>Hyper-parameters shared by every optimizer's parameter groups.</summary>
public abstract class OptimizerOptions
{
    /// <summary>The learning rate (schedulers change it per group).</summary>
    public double Lr { get; set; }

    /// <summary>A copy, so that each group can change its own values.</summary>
    public OptimizerOptions Clone() => (OptimizerOptions)MemberwiseClone();
}

/// <summary>A set of parameters optimized with the same hyper-parameters (PyTorch's <c>param_groups</c> entry).</summary>
public sealed class ParamGroup
{
    internal ParamGroup(IReadOnlyList<Parameter> parameters, OptimizerOptions options)
    {
        Parameters = parameters;
        Options = options;
    }

    /// <summary>The parameters of this group.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The group's hyper-parameters (an instance of the optimizer's options type).</summary>
    public OptimizerOptions Options { get; }

    /// <summary>The group's learning rate.</summary>
    public double Lr { get => Options.Lr; set => Options.Lr = value; }
}

/// <summary>
/// Base of the optimizers: parameter groups, <see cref="ZeroGrad"/> and <see cref="Step"/>. Optimizers update
/// parameters in place, outside the graph, with fused per-parameter kernels.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups = [];

    /// <summary>The parameter groups, in the order they were added.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Adds a group; its options start as a copy of the defaults, then <paramref name="configure"/> may change them.</summary>
    protected void AddGroup(IEnumerable<Parameter> parameters, OptimizerOptions defaults, Action<OptimizerOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        if (list.Count == 0) throw new ArgumentException($"{GetType().Name}: got an empty parameter list.");
        foreach (var p in list)
        {
            if (p is null) throw new ArgumentException($"{GetType().Name}: the parameter list contains null.");
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{GetType().Name}: can only optimize floating-point parameters, got {p.DType.TorchName()} {Shapes.Format(p.Shape)}.");
            foreach (var g in _groups)
                if (g.Parameters.Contains(p))
                    throw new ArgumentException($"{GetType().Name}: some parameters appear in more than one parameter group.");
        }
        var options = defaults.Clone();
        configure?.Invoke(options);
        if (options.Lr < 0) throw new ArgumentException($"{GetType().Name}: invalid learning rate {options.Lr}.");
        _groups.Add(new ParamGroup(list, options));
    }

    /// <summary>Clears the gradients of every parameter: to null by default (PyTorch 2's behaviour), to zeros when <paramref name="setToNone"/> is false.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var g in _groups)
            foreach (var p in g.Parameters)
            {
                if (p.Grad is null) continue;
                p.Grad = setToNone ? null : Tensor.ZerosLike(p.Grad);
            }
    }

    /// <summary>Performs one update of every parameter that has a gradient.</summary>
    public abstract void Step();

    /// <summary>The gradient of <paramref name="p"/> as a contiguous tensor of <paramref name="p"/>'s dtype and shape.</summary>
    private protected static RawTensor GradOf(Parameter p)
    {
        var g = p.Grad!.Raw;
        if (g.DType != p.DType) g = RawOps.Cast(g, p.DType);
        if (!g.Shape.AsSpan().SequenceEqual(p.Raw.Shape))
            throw new InvalidOperationException($"{nameof(Optimizer)}: gradient of shape {Shapes.Format(g.Shape)} does not match parameter of shape {Shapes.Format(p.Raw.Shape)}.");
        return RawOps.Contiguous(g);
    }

    /// <summary>The parameter's storage as a contiguous tensor that updates write through to.</summary>
    private protected static RawTensor DataOf(Parameter p)
    {
        if (!p.Raw.IsContiguous)
            throw new InvalidOperationException($"{nameof(Optimizer)}: parameters must be contiguous, got strides {Shapes.Format(p.Raw.Strides)} for shape {Shapes.Format(p.Raw.Shape)}.");
        p.Raw.Storage.Version++;
        return p.Raw;
    }
}
