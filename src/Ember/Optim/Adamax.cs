using System;
using System.Collections.Generic;
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
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, AdamaxOptions o)
    {
        Span<T> m = state.Buffer("exp_avg"), u = state.Buffer("exp_inf");
        OptimizerKernels.Adamax(param, grad, m, u, state.Step, o.Lr, o.Betas.Beta1, o.Betas.Beta2, o.Eps,
            o.WeightDecay, o.Maximize);
    }
}
