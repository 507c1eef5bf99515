using System;
using System.Collections.Generic;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>
/// Hyper-parameters of <see cref="NAdam"/> (PyTorch keys: lr, betas, eps, weight_decay, momentum_decay).
/// </summary>
public sealed class NAdamOptions : AdamFamilyOptions
{
    /// <summary>Momentum decay ψ of the momentum schedule <c>μₜ = β1·(1 - ½·0.96^(t·ψ))</c>.</summary>
    public double MomentumDecay { get; set; } = 4e-3;

    /// <inheritdoc/>
    protected override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(MomentumDecay >= 0))
            throw new ArgumentException(
                $"{optimizer}: invalid momentumDecay value {MomentumDecay}; expected momentumDecay >= 0.");
    }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["momentum_decay"] = MomentumDecay;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        MomentumDecay = ReadDouble(group, "momentum_decay", MomentumDecay, optimizer);
    }
}

/// <summary>
/// NAdam: Adam with Nesterov momentum and Dozat's momentum schedule, as PyTorch 1.13 computes it
/// (<c>torch.optim.NAdam</c>; default lr 2e-3). State per parameter: <c>"step"</c>, <c>"mu_product"</c> (a number:
/// the product of the μₜ so far, kept in float32 as PyTorch does), <c>"exp_avg"</c> and <c>"exp_avg_sq"</c>
/// (parameter's shape).
/// </summary>
/// <remarks>
/// PyTorch 1.13 computes the next product as <c>Πμ·μₜ·μₜ₊₁</c> after <c>Πμ</c> already includes μₜ (PyTorch 2.0
/// changed it to <c>Πμ·μₜ₊₁</c>). Ember follows 1.13, its numerical oracle, so results match PyTorch 1.13 step for
/// step.
/// </remarks>
public sealed class NAdam : Optimizer<NAdamOptions>
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_avg_sq"];
    private static readonly string[] s_numberNames = ["mu_product"];

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public NAdam(IEnumerable<Parameter> parameters, double lr = 2e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, double momentumDecay = 4e-3)
        : base(parameters, new NAdamOptions
        {
            Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay, MomentumDecay = momentumDecay,
        })
    {
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_stateNames;

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateNumberNames => s_numberNames;

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, NAdamOptions o) =>
        Apply(Plan(state, o), param, grad);

    private protected override SliceRule<T> Plan<T>(ParamState<T> state, NAdamOptions o)
    {
        var (beta1, _) = o.Betas;
        double step = state.Step;
        double bc2 = 1 - Math.Pow(o.Betas.Beta2, step);
        double mu = beta1 * (1.0 - 0.5 * Math.Pow(0.96, step * o.MomentumDecay));
        double muNext = beta1 * (1.0 - 0.5 * Math.Pow(0.96, (step + 1) * o.MomentumDecay));
        // mu_product is a float32 tensor in PyTorch: each product rounds to float32.
        double muProduct = (float)state.Number("mu_product", 1.0) * (float)mu;
        double muProductNext = (float)((float)muProduct * (float)mu) * (float)muNext;
        state.SetNumber("mu_product", muProduct);
        double gradCoef = -o.Lr * (1.0 - mu) / (1.0 - muProduct);
        double avgCoef = -o.Lr * muNext / (1.0 - muProductNext);
        return new Rule<T>(bc2, gradCoef, avgCoef, o)
        {
            B0 = state.BufferTensor("exp_avg"), B1 = state.BufferTensor("exp_avg_sq"),
        };
    }

    private sealed class Rule<T>(double bc2, double gradCoef, double avgCoef, NAdamOptions o) : SliceRule<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _beta1 = o.Betas.Beta1, _beta2 = o.Betas.Beta2, _eps = o.Eps,
            _weightDecay = o.WeightDecay;

        public override void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2) =>
            OptimizerKernels.NAdam(p, g, b0, b1, bc2, gradCoef, avgCoef, _beta1, _beta2, _eps, _weightDecay);
    }
}
