using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="Adam"/> (PyTorch keys: lr, betas, eps, weight_decay, amsgrad, maximize).</summary>
public sealed class AdamOptions : AdamFamilyOptions
{
    /// <summary>Use the AMSGrad variant (the maximum of past squared averages).</summary>
    public bool Amsgrad { get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    protected internal override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["amsgrad"] = Amsgrad;
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected internal override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        Amsgrad = ReadBool(group, "amsgrad", Amsgrad, optimizer);
        Maximize = ReadBool(group, "maximize", Maximize, optimizer);
    }
}

/// <summary>
/// Adam (Kingma &amp; Ba) with PyTorch's update formula, L2 weight decay and AMSGrad (<c>torch.optim.Adam</c>); with
/// decoupled weight decay it is <see cref="AdamW"/>. State per parameter: <c>"step"</c>, <c>"exp_avg"</c>,
/// <c>"exp_avg_sq"</c> and, with amsgrad, <c>"max_exp_avg_sq"</c> (all of the parameter's shape).
/// </summary>
public class Adam : Optimizer
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];
    private readonly AdamOptions _defaults;
    private readonly bool _decoupled;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(parameters, lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: false) { }

    private protected Adam(IEnumerable<Parameter> parameters, double lr, (double Beta1, double Beta2)? betas,
        double eps, double weightDecay, bool amsgrad, bool maximize, bool decoupled)
    {
        _decoupled = decoupled;
        _defaults = new AdamOptions { Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay, Amsgrad = amsgrad, Maximize = maximize };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<AdamOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((AdamOptions)o));

    private protected override IReadOnlyList<string> StateTensorNames => s_stateNames;
    private protected override IEnumerable<string> RequiredStateTensors(OptimizerOptions options) =>
        ((AdamOptions)options).Amsgrad ? s_stateNames : s_stateNames[..2];

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
                var s = StateOf(p);
                RawTensor m = Buffer(s, "exp_avg", p), v = Buffer(s, "exp_avg_sq", p);
                RawTensor? vMax = o.Amsgrad ? Buffer(s, "max_exp_avg_sq", p) : null;
                s.Step++;
                if (p.DType == DType.Float32)
                    OptimizerKernels.Adam(data.Span<float>(), g.Span<float>(), m.Span<float>(), v.Span<float>(),
                        vMax is null ? default : vMax.Span<float>(), s.Step, o.Lr, o.Betas.Beta1, o.Betas.Beta2,
                        o.Eps, o.WeightDecay, o.Amsgrad, o.Maximize, _decoupled);
                else
                    OptimizerKernels.Adam(data.Span<double>(), g.Span<double>(), m.Span<double>(), v.Span<double>(),
                        vMax is null ? default : vMax.Span<double>(), s.Step, o.Lr, o.Betas.Beta1, o.Betas.Beta2,
                        o.Eps, o.WeightDecay, o.Amsgrad, o.Maximize, _decoupled);
            }
        }
    }
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter): Adam with decoupled weight decay, <c>p *= 1 - lr·weightDecay</c> before the Adam
/// update (<c>torch.optim.AdamW</c>; default <c>weightDecay</c> 0.01). Options and state are <see cref="Adam"/>'s.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(parameters, lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: true) { }
}
