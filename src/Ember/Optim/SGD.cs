using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="SGD"/>.</summary>
public sealed class SGDOptions : OptimizerOptions
{
    /// <summary>Momentum factor μ (0 disables momentum).</summary>
    public double Momentum { get; set; }
    /// <summary>Dampening τ for momentum.</summary>
    public double Dampening { get; set; }
    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; set; }
    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }
}

/// <summary>Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay (PyTorch's <c>torch.optim.SGD</c>).</summary>
public sealed class SGD : Optimizer
{
    private readonly Dictionary<Parameter, RawTensor> _momentum = new(ReferenceEqualityComparer.Instance);
    private readonly SGDOptions _defaults;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
    {
        if (momentum < 0) throw new ArgumentException($"SGD: invalid momentum value {momentum}.");
        if (weightDecay < 0) throw new ArgumentException($"SGD: invalid weightDecay value {weightDecay}.");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening.");
        _defaults = new SGDOptions { Lr = lr, Momentum = momentum, Dampening = dampening, WeightDecay = weightDecay, Nesterov = nesterov, Maximize = maximize };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<SGDOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((SGDOptions)o));

    /// <inheritdoc/>
    public override void Step()
    {
        foreach (var group in ParamGroups)
        {
            var o = (SGDOptions)group.Options;
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var g = GradOf(p);
                var data = DataOf(p);
                bool first = false;
                RawTensor buf = default!;
                if (o.Momentum != 0 && !_momentum.TryGetValue(p, out buf!))
                {
                    buf = RawTensor.Empty(p.DType, p.Raw.Shape);
                    _momentum[p] = buf;
                    first = true;
                }
                if (p.DType == DType.Float32)
                    OptimizerKernels.Sgd(data.Span<float>(), g.Span<float>(), o.Momentum != 0 ? buf.Span<float>() : default, first,
                        o.Lr, o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov, o.Maximize);
                else
                    OptimizerKernels.Sgd(data.Span<double>(), g.Span<double>(), o.Momentum != 0 ? buf.Span<double>() : default, first,
                        o.Lr, o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov, o.Maximize);
            }
        }
    }
}
