using System;
using System.Collections.Generic;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>
/// Hyper-parameters of <see cref="Adam"/> (PyTorch keys: lr, betas, eps, weight_decay, amsgrad, maximize).
/// </summary>
public sealed class AdamOptions : AdamFamilyOptions
{
    /// <summary>Use the AMSGrad variant (the maximum of past squared averages).</summary>
    public bool Amsgrad { get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["amsgrad"] = Amsgrad;
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
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
public class Adam : Optimizer<AdamOptions>
{
    private static readonly string[] s_stateNames = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];
    private readonly bool _decoupled;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(parameters, lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: false) { }

    private protected Adam(IEnumerable<Parameter> parameters, double lr, (double Beta1, double Beta2)? betas,
        double eps, double weightDecay, bool amsgrad, bool maximize, bool decoupled)
        : base(parameters, new AdamOptions
        {
            Lr = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay, Amsgrad = amsgrad,
            Maximize = maximize,
        }) => _decoupled = decoupled;

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_stateNames;

    /// <inheritdoc/>
    protected override IEnumerable<string> RequiredStateBuffers(AdamOptions options) =>
        options.Amsgrad ? s_stateNames : s_stateNames[..2];

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, AdamOptions o)
    {
        Span<T> m = state.Buffer("exp_avg"), v = state.Buffer("exp_avg_sq");
        Span<T> vMax = o.Amsgrad ? state.Buffer("max_exp_avg_sq") : default;
        OptimizerKernels.Adam(param, grad, m, v, vMax, state.Step, o.Lr, o.Betas.Beta1, o.Betas.Beta2, o.Eps,
            o.WeightDecay, o.Amsgrad, o.Maximize, _decoupled);
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
