using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="Adamax"/> (PyTorch keys: lr, betas, eps, weight_decay, maximize).</summary>
public sealed class AdamaxOptions : AdamFamilyOptions
{
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    protected internal override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected internal override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        Maximize = ReadBool(group, "maximize", Maximize, optimizer);
    }
}

/// <summary>
/// Adamax: Adam with the infinity norm in place of the squared average (<c>torch.optim.Adamax</c>; default lr 2e-3).
/// State per parameter: <c>"step"</c>, <c>"exp_avg"</c> and <c>"exp_inf"</c> (parameter's shape).
/// </summary>
public sealed class Adamax : Optimizer
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_inf"];
    private readonly AdamaxOptions _defaults;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Adamax(IEnumerable<Parameter> parameters, double lr = 2e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool maximize = false)
    {
        _defaults = new AdamaxOptions { Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay, Maximize = maximize };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<AdamaxOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((AdamaxOptions)o));

    private protected override IReadOnlyList<string> StateTensorNames => s_stateNames;

    /// <inheritdoc/>
    public override void Step()
    {
        foreach (var group in ParamGroups)
        {
            var o = (AdamaxOptions)group.Options;
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var g = GradOf(p);
                var data = DataOf(p);
                var s = StateOf(p);
                RawTensor m = Buffer(s, "exp_avg", p), u = Buffer(s, "exp_inf", p);
                s.Step++;
                if (p.DType == DType.Float32)
                    OptimizerKernels.Adamax(data.Span<float>(), g.Span<float>(), m.Span<float>(), u.Span<float>(), s.Step,
                        o.Lr, o.Betas.Beta1, o.Betas.Beta2, o.Eps, o.WeightDecay, o.Maximize);
                else
                    OptimizerKernels.Adamax(data.Span<double>(), g.Span<double>(), m.Span<double>(), u.Span<double>(), s.Step,
                        o.Lr, o.Betas.Beta1, o.Betas.Beta2, o.Eps, o.WeightDecay, o.Maximize);
            }
        }
    }
}
