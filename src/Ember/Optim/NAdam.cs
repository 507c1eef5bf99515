using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="NAdam"/> (PyTorch keys: lr, betas, eps, weight_decay, momentum_decay).</summary>
public sealed class NAdamOptions : AdamFamilyOptions
{
    /// <summary>Momentum decay ψ of the momentum schedule <c>μₜ = β1·(1 - ½·0.96^(t·ψ))</c>.</summary>
    public double MomentumDecay { get; set; } = 4e-3;

    /// <inheritdoc/>
    protected internal override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(MomentumDecay >= 0)) throw new ArgumentException($"{optimizer}: invalid momentumDecay value {MomentumDecay}; expected momentumDecay >= 0.");
    }

    /// <inheritdoc/>
    protected internal override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["momentum_decay"] = MomentumDecay;
    }

    /// <inheritdoc/>
    protected internal override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        MomentumDecay = ReadDouble(group, "momentum_decay", MomentumDecay, optimizer);
    }
}

/// <summary>
/// NAdam: Adam with Nesterov momentum and Dozat's momentum schedule, as PyTorch 1.13 computes it
/// (<c>torch.optim.NAdam</c>; default lr 2e-3). State per parameter: <c>"step"</c>, <c>"mu_product"</c> (a number: the
/// product of the μₜ so far, kept in float32 as PyTorch does), <c>"exp_avg"</c> and <c>"exp_avg_sq"</c> (parameter's shape).
/// </summary>
/// <remarks>
/// PyTorch 1.13 computes the next product as <c>Πμ·μₜ·μₜ₊₁</c> after <c>Πμ</c> already includes μₜ (PyTorch 2.0 changed it
/// to <c>Πμ·μₜ₊₁</c>). Ember follows 1.13, its numerical oracle, so results match PyTorch 1.13 step for step.
/// </remarks>
public sealed class NAdam : Optimizer
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_avg_sq"];
    private static readonly string[] s_numberNames = ["mu_product"];
    private readonly NAdamOptions _defaults;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public NAdam(IEnumerable<Parameter> parameters, double lr = 2e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, double momentumDecay = 4e-3)
    {
        _defaults = new NAdamOptions { Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay, MomentumDecay = momentumDecay };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<NAdamOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((NAdamOptions)o));

    private protected override IReadOnlyList<string> StateTensorNames => s_stateNames;
    private protected override IReadOnlyList<string> StateNumberNames => s_numberNames;

    /// <inheritdoc/>
    public override void Step()
    {
        foreach (var group in ParamGroups)
        {
            var o = (NAdamOptions)group.Options;
            var (beta1, beta2) = o.Betas;
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var g = GradOf(p);
                var data = DataOf(p);
                var s = StateOf(p);
                RawTensor m = Buffer(s, "exp_avg", p), v = Buffer(s, "exp_avg_sq", p);
                double muProduct = s.Numbers.TryGetValue("mu_product", out var mp) ? mp : 1.0;
                s.Step++;
                double step = s.Step;
                double bc2 = 1 - Math.Pow(beta2, step);
                double mu = beta1 * (1.0 - 0.5 * Math.Pow(0.96, step * o.MomentumDecay));
                double muNext = beta1 * (1.0 - 0.5 * Math.Pow(0.96, (step + 1) * o.MomentumDecay));
                // mu_product is a float32 tensor in PyTorch: each product rounds to float32.
                muProduct = (float)muProduct * (float)mu;
                double muProductNext = (float)((float)muProduct * (float)mu) * (float)muNext;
                s.Numbers["mu_product"] = muProduct;
                double gradCoef = -o.Lr * (1.0 - mu) / (1.0 - muProduct);
                double avgCoef = -o.Lr * muNext / (1.0 - muProductNext);
                if (p.DType == DType.Float32)
                    OptimizerKernels.NAdam(data.Span<float>(), g.Span<float>(), m.Span<float>(), v.Span<float>(),
                        bc2, gradCoef, avgCoef, beta1, beta2, o.Eps, o.WeightDecay);
                else
                    OptimizerKernels.NAdam(data.Span<double>(), g.Span<double>(), m.Span<double>(), v.Span<double>(),
                        bc2, gradCoef, avgCoef, beta1, beta2, o.Eps, o.WeightDecay);
            }
        }
    }
}
