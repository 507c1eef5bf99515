using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="RAdam"/> (PyTorch keys: lr, betas, eps, weight_decay).</summary>
public sealed class RAdamOptions : AdamFamilyOptions
{
}

/// <summary>
/// RAdam (Liu et al.): Adam with a rectified adaptive learning rate, plain momentum SGD while the variance of the
/// adaptive term is intractable (ρₜ ≤ 5) (<c>torch.optim.RAdam</c>). State per parameter: <c>"step"</c>,
/// <c>"exp_avg"</c> and <c>"exp_avg_sq"</c> (parameter's shape).
/// </summary>
public sealed class RAdam : Optimizer
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_avg_sq"];
    private readonly RAdamOptions _defaults;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public RAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0)
    {
        _defaults = new RAdamOptions { Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<RAdamOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((RAdamOptions)o));

    private protected override IReadOnlyList<string> StateTensorNames => s_stateNames;

    /// <inheritdoc/>
    public override void Step()
    {
        foreach (var group in ParamGroups)
        {
            var o = (RAdamOptions)group.Options;
            var (beta1, beta2) = o.Betas;
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var g = GradOf(p);
                var data = DataOf(p);
                var s = StateOf(p);
                RawTensor m = Buffer(s, "exp_avg", p), v = Buffer(s, "exp_avg_sq", p);
                s.Step++;
                double step = s.Step;
                double bc1 = 1 - Math.Pow(beta1, step);
                double bc2 = 1 - Math.Pow(beta2, step);
                double rhoInf = 2 / (1 - beta2) - 1;
                double rhoT = rhoInf - 2 * step * Math.Pow(beta2, step) / bc2;
                double rect = rhoT > 5.0
                    ? Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
                    : -1; // the kernel's "not rectified" marker
                if (p.DType == DType.Float32)
                    OptimizerKernels.RAdam(data.Span<float>(), g.Span<float>(), m.Span<float>(), v.Span<float>(),
                        bc1, Math.Sqrt(bc2), rect, o.Lr, beta1, beta2, o.Eps, o.WeightDecay);
                else
                    OptimizerKernels.RAdam(data.Span<double>(), g.Span<double>(), m.Span<double>(), v.Span<double>(),
                        bc1, Math.Sqrt(bc2), rect, o.Lr, beta1, beta2, o.Eps, o.WeightDecay);
            }
        }
    }
}
