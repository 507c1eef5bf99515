using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="Adam"/>.</summary>
public sealed class AdamOptions : OptimizerOptions
{
    /// <summary>Coefficients (β1, β2) of the running averages of the gradient and its square.</summary>
    public (double Beta1, double Beta2) Betas { get; set; } = (0.9, 0.999);
    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; set; } = 1e-8;
    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; set; }
    /// <summary>Use the AMSGrad variant (the maximum of past squared averages).</summary>
    public bool Amsgrad { get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }
}

/// <summary>Adam (Kingma &amp; Ba), with PyTorch's update formula, weight decay and AMSGrad (<c>torch.optim.Adam</c>).</summary>
public sealed class Adam : Optimizer
{
    private sealed class State
    {
        public long Step;
        public required RawTensor ExpAvg, ExpAvgSq;
        public RawTensor? MaxExpAvgSq;
    }

    private readonly Dictionary<Parameter, State> _state = new(ReferenceEqualityComparer.Instance);
    private readonly AdamOptions _defaults;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
    {
        var b = betas ?? (0.9, 0.999);
        if (eps < 0) throw new ArgumentException($"Adam: invalid epsilon value {eps}.");
        if (b.Beta1 is < 0 or >= 1) throw new ArgumentException($"Adam: invalid beta parameter at index 0: {b.Beta1}.");
        if (b.Beta2 is < 0 or >= 1) throw new ArgumentException($"Adam: invalid beta parameter at index 1: {b.Beta2}.");
        if (weightDecay < 0) throw new ArgumentException($"Adam: invalid weightDecay value {weightDecay}.");
        _defaults = new AdamOptions { Lr = lr, Betas = b, Eps = eps, WeightDecay = weightDecay, Amsgrad = amsgrad, Maximize = maximize };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<AdamOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((AdamOptions)o));

    /// <inheritdoc/>
    public override void Step()
    {
        foreach (var group in ParamGroups)
        {
            var o = (AdamOptions)group.Options;
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var g = GradOf(p);
                var data = DataOf(p);
                if (!_state.TryGetValue(p, out var s))
                {
                    int[] shape = p.Raw.Shape;
                    s = new State { ExpAvg = RawOps.Full(shape, 0, p.DType), ExpAvgSq = RawOps.Full(shape, 0, p.DType) };
                    _state[p] = s;
                }
                if (o.Amsgrad) s.MaxExpAvgSq ??= RawOps.Full(p.Raw.Shape, 0, p.DType);
                s.Step++;
                if (p.DType == DType.Float32)
                    OptimizerKernels.Adam(data.Span<float>(), g.Span<float>(), s.ExpAvg.Span<float>(), s.ExpAvgSq.Span<float>(),
                        s.MaxExpAvgSq is null ? default : s.MaxExpAvgSq.Span<float>(), s.Step, o.Lr, o.Betas.Beta1, o.Betas.Beta2,
                        o.Eps, o.WeightDecay, o.Amsgrad, o.Maximize);
                else
                    OptimizerKernels.Adam(data.Span<double>(), g.Span<double>(), s.ExpAvg.Span<double>(), s.ExpAvgSq.Span<double>(),
                        s.MaxExpAvgSq is null ? default : s.MaxExpAvgSq.Span<double>(), s.Step, o.Lr, o.Betas.Beta1, o.Betas.Beta2,
                        o.Eps, o.WeightDecay, o.Amsgrad, o.Maximize);
            }
        }
    }
}
