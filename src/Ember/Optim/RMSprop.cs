using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>
/// Hyper-parameters of <see cref="RMSprop"/> (PyTorch keys: lr, momentum, alpha, eps, centered, weight_decay,
/// maximize).
/// </summary>
public sealed class RMSpropOptions : OptimizerOptions, IMomentumOptions
{
    /// <summary>Smoothing constant α of the running average of the squared gradient.</summary>
    public double Alpha { get; set; } = 0.99;
    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; set; } = 1e-8;
    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; set; }
    /// <summary>Momentum factor μ (0 disables momentum).</summary>
    public double Momentum { get; set; }
    /// <summary>
    /// Normalize by an estimate of the gradient's variance (running square minus squared running mean).
    /// </summary>
    public bool Centered { get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    double IMomentumOptions.MomentumTerm { get => Momentum; set => Momentum = value; }

    /// <inheritdoc/>
    protected override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(Eps >= 0))
            throw new ArgumentException($"{optimizer}: invalid epsilon value (eps) {Eps}; expected eps >= 0.");
        if (!(Momentum >= 0))
            throw new ArgumentException($"{optimizer}: invalid momentum value {Momentum}; expected momentum >= 0.");
        if (!(WeightDecay >= 0))
            throw new ArgumentException(
                $"{optimizer}: invalid weightDecay value {WeightDecay}; expected weightDecay >= 0.");
        if (!(Alpha >= 0))
            throw new ArgumentException($"{optimizer}: invalid alpha value {Alpha}; expected alpha >= 0.");
    }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["momentum"] = Momentum;
        group["alpha"] = Alpha;
        group["eps"] = Eps;
        group["centered"] = Centered;
        group["weight_decay"] = WeightDecay;
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        Momentum = ReadDouble(group, "momentum", Momentum, optimizer);
        Alpha = ReadDouble(group, "alpha", Alpha, optimizer);
        Eps = ReadDouble(group, "eps", Eps, optimizer);
        Centered = ReadBool(group, "centered", Centered, optimizer);
        WeightDecay = ReadDouble(group, "weight_decay", WeightDecay, optimizer);
        Maximize = ReadBool(group, "maximize", Maximize, optimizer);
    }
}

/// <summary>
/// RMSprop (Hinton) with PyTorch's formula: optional momentum, centering and weight decay (<c>torch.optim.RMSprop</c>).
/// State per parameter: <c>"step"</c>, <c>"square_avg"</c>, plus <c>"momentum_buffer"</c> when momentum &gt; 0 and
/// <c>"grad_avg"</c> when centered (all of the parameter's shape).
/// </summary>
public sealed class RMSprop : Optimizer<RMSpropOptions>
{
    private static readonly string[] s_stateNames = ["square_avg", "momentum_buffer", "grad_avg"];

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public RMSprop(IEnumerable<Parameter> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(parameters, new RMSpropOptions
        {
            Lr = lr, Alpha = alpha, Eps = eps, WeightDecay = weightDecay, Momentum = momentum, Centered = centered,
            Maximize = maximize,
        })
    {
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_stateNames;

    /// <inheritdoc/>
    protected override IEnumerable<string> RequiredStateBuffers(RMSpropOptions options) =>
        s_stateNames.Where(n => n == "square_avg" || (n == "momentum_buffer" && options.Momentum > 0)
            || (n == "grad_avg" && options.Centered));

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, RMSpropOptions o) =>
        Apply(Plan(state, o), param, grad);

    private protected override SliceRule<T> Plan<T>(ParamState<T> state, RMSpropOptions o) => new Rule<T>(o)
    {
        B0 = state.BufferTensor("square_avg"), B1 = o.Centered ? state.BufferTensor("grad_avg") : null,
        B2 = o.Momentum > 0 ? state.BufferTensor("momentum_buffer") : null,
    };

    private sealed class Rule<T>(RMSpropOptions o) : SliceRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _lr = o.Lr, _alpha = o.Alpha, _eps = o.Eps, _weightDecay = o.WeightDecay,
            _momentum = o.Momentum;
        private readonly bool _centered = o.Centered, _maximize = o.Maximize;

        public override void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2) =>
            OptimizerKernels.RmsProp(p, g, b0, b1, b2, _lr, _alpha, _eps, _weightDecay, _momentum, _centered,
                _maximize);
    }
}
