using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>
/// Hyper-parameters of <see cref="SGD"/> (PyTorch keys: lr, momentum, dampening, weight_decay, nesterov, maximize).
/// </summary>
public sealed class SGDOptions : OptimizerOptions, IMomentumOptions
{
    /// <summary>Momentum factor μ (0 disables momentum).</summary>
    public double Momentum { get; set; }
    /// <summary>Dampening τ for momentum.</summary>
    public double Dampening { get; set; }
    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; set; }
    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    double IMomentumOptions.MomentumTerm { get => Momentum; set => Momentum = value; }

    /// <inheritdoc/>
    protected override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(Momentum >= 0))
            throw new ArgumentException($"{optimizer}: invalid momentum value {Momentum}; expected momentum >= 0.");
        if (!(WeightDecay >= 0))
            throw new ArgumentException(
                $"{optimizer}: invalid weightDecay value {WeightDecay}; expected weightDecay >= 0.");
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
            throw new ArgumentException($"{optimizer}: Nesterov momentum requires a momentum and zero dampening " +
                $"(got momentum {Momentum}, dampening {Dampening}).");
    }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["momentum"] = Momentum;
        group["dampening"] = Dampening;
        group["weight_decay"] = WeightDecay;
        group["nesterov"] = Nesterov;
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        Momentum = ReadDouble(group, "momentum", Momentum, optimizer);
        Dampening = ReadDouble(group, "dampening", Dampening, optimizer);
        WeightDecay = ReadDouble(group, "weight_decay", WeightDecay, optimizer);
        Nesterov = ReadBool(group, "nesterov", Nesterov, optimizer);
        Maximize = ReadBool(group, "maximize", Maximize, optimizer);
    }
}

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay (PyTorch's
/// <c>torch.optim.SGD</c>). State per parameter: <c>"momentum_buffer"</c> (parameter's shape), only when momentum is
/// used; the state has no <c>"step"</c>.
/// </summary>
public sealed class SGD : Optimizer<SGDOptions>
{
    private static readonly string[] s_stateNames = ["momentum_buffer"];

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(parameters, new SGDOptions
        {
            Lr = lr, Momentum = momentum, Dampening = dampening, WeightDecay = weightDecay, Nesterov = nesterov,
            Maximize = maximize,
        })
    {
    }

    /// <inheritdoc/>
    protected override bool CountsSteps => false;

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_stateNames;

    // A missing buffer means momentum has not been applied yet (PyTorch stores None): the next step starts it.
    /// <inheritdoc/>
    protected override IEnumerable<string> RequiredStateBuffers(SGDOptions options) => [];

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, SGDOptions o) =>
        Apply(Plan(state, o), param, grad);

    private protected override SliceRule<T> Plan<T>(ParamState<T> state, SGDOptions o)
    {
        RawTensor? buf = null;
        bool first = false;
        if (o.Momentum != 0 && (buf = state.FindBufferTensor("momentum_buffer")) is null)
        {
            buf = state.BufferTensor("momentum_buffer"); // the first step overwrites it with the gradient
            first = true;
        }
        return new Rule<T>(o, first) { B0 = buf };
    }

    private sealed class Rule<T>(SGDOptions o, bool first) : SliceRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _lr = o.Lr, _momentum = o.Momentum, _dampening = o.Dampening,
            _weightDecay = o.WeightDecay;
        private readonly bool _nesterov = o.Nesterov, _maximize = o.Maximize;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2) =>
            OptimizerKernels.Sgd(p, g, b0, first, _lr, _momentum, _dampening, _weightDecay, _nesterov, _maximize);
    }
}
