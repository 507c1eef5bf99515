using System;
using System.Collections.Generic;
using System.Numerics;
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
public sealed class RAdam : Optimizer<RAdamOptions>
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_avg_sq"];

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public RAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0)
        : base(parameters, new RAdamOptions
        {
            Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay,
        })
    {
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_stateNames;

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, RAdamOptions o) =>
        Apply(Plan(state, o), param, grad);

    private protected override SliceRule<T> Plan<T>(ParamState<T> state, RAdamOptions o)
    {
        var (beta1, beta2) = o.Betas;
        double step = state.Step;
        double bc1 = 1 - Math.Pow(beta1, step);
        double bc2 = 1 - Math.Pow(beta2, step);
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * step * Math.Pow(beta2, step) / bc2;
        double rect = rhoT > 5.0
            ? Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
            : -1; // the kernel's "not rectified" marker
        return new Rule<T>(bc1, Math.Sqrt(bc2), rect, o)
        {
            B0 = state.BufferTensor("exp_avg"), B1 = state.BufferTensor("exp_avg_sq"),
        };
    }

    private sealed class Rule<T>(double bc1, double bc2Sqrt, double rect, RAdamOptions o) : SliceRule<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _lr = o.Lr, _beta1 = o.Betas.Beta1, _beta2 = o.Betas.Beta2, _eps = o.Eps,
            _weightDecay = o.WeightDecay;

        public override void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2) =>
            OptimizerKernels.RAdam(p, g, b0, b1, bc1, bc2Sqrt, rect, _lr, _beta1, _beta2, _eps, _weightDecay);
    }
}
