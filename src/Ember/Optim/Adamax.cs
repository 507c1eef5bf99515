using System;
using System.Collections.Generic;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="Adamax"/> (PyTorch keys: lr, betas, eps, weight_decay, maximize).</summary>
public sealed class AdamaxOptions : AdamFamilyOptions
{
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        Maximize = ReadBool(group, "maximize", Maximize, optimizer);
    }
}

/// <summary>
/// Adamax: Adam with the infinity norm in place of the squared average (<c>torch.optim.Adamax</c>; default lr 2e-3).
/// State per parameter: <c>"step"</c>, <c>"exp_avg"</c> and <c>"exp_inf"</c> (parameter's shape).
/// </summary>
public sealed class Adamax : Optimizer<AdamaxOptions>
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_inf"];

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Adamax(IEnumerable<Parameter> parameters, double lr = 2e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool maximize = false)
        : base(parameters, new AdamaxOptions
        {
            Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay, Maximize = maximize,
        })
    {
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_stateNames;

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, AdamaxOptions o) =>
        Apply(Plan(state, o), param, grad);

    private protected override SliceRule<T> Plan<T>(ParamState<T> state, AdamaxOptions o) =>
        new Rule<T>(state.Step, o) { B0 = state.BufferTensor("exp_avg"), B1 = state.BufferTensor("exp_inf") };

    private sealed class Rule<T>(long step, AdamaxOptions o) : SliceRule<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _lr = o.Lr, _beta1 = o.Betas.Beta1, _beta2 = o.Betas.Beta2, _eps = o.Eps,
            _weightDecay = o.WeightDecay;
        private readonly bool _maximize = o.Maximize;

        public override void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2) =>
            OptimizerKernels.Adamax(p, g, b0, b1, step, _lr, _beta1, _beta2, _eps, _weightDecay, _maximize);
    }
}
