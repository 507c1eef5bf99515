using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>
/// Hyper-parameters of <see cref="Adam"/> (PyTorch keys: lr, betas, eps, weight_decay, amsgrad, maximize).
/// </summary>
public sealed class AdamOptions : AdamFamilyOptions
{
    /// <summary>Use the AMSGrad variant (the maximum of past squared averages).</summary>
    public bool Amsgrad { [MethodImpl(MethodImplOptions.AggressiveOptimization)] get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { [MethodImpl(MethodImplOptions.AggressiveOptimization)] get; set; }

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
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, AdamOptions o) =>
        Apply(Plan(state, o), param, grad);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override SliceRule<T> Plan<T>(ParamState<T> state, AdamOptions o) =>
        new Rule<T>(state.Step, o, _decoupled)
        {
            B0 = state.BufferTensor("exp_avg"), B1 = state.BufferTensor("exp_avg_sq"),
            B2 = o.Amsgrad ? state.BufferTensor("max_exp_avg_sq") : null,
        };

    [method: MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private sealed class Rule<T>(long step, AdamOptions o, bool decoupled) : SliceRule<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _lr = o.Lr, _beta1 = o.Betas.Beta1, _beta2 = o.Betas.Beta2, _eps = o.Eps,
            _weightDecay = o.WeightDecay;
        private readonly bool _amsgrad = o.Amsgrad, _maximize = o.Maximize;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2) =>
            OptimizerKernels.Adam(p, g, b0, b1, b2, step, _lr, _beta1, _beta2, _eps, _weightDecay, _amsgrad,
                _maximize, decoupled);
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
