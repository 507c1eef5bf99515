using System;
using System.Collections.Generic;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>
/// Hyper-parameters of <see cref="Adagrad"/> (PyTorch keys: lr, lr_decay, eps, weight_decay, initial_accumulator_value,
/// maximize).
/// </summary>
public sealed class AdagradOptions : OptimizerOptions
{
    /// <summary>Learning-rate decay: the step size is <c>lr / (1 + (step-1)·lrDecay)</c>.</summary>
    public double LrDecay { get; set; }
    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; set; }
    /// <summary>Starting value of the sum of squared gradients.</summary>
    public double InitialAccumulatorValue { get; set; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; set; } = 1e-10;
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    /// <inheritdoc/>
    protected override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(LrDecay >= 0))
            throw new ArgumentException($"{optimizer}: invalid lrDecay value {LrDecay}; expected lrDecay >= 0.");
        if (!(WeightDecay >= 0))
            throw new ArgumentException(
                $"{optimizer}: invalid weightDecay value {WeightDecay}; expected weightDecay >= 0.");
        if (!(InitialAccumulatorValue >= 0))
            throw new ArgumentException($"{optimizer}: invalid initialAccumulatorValue {InitialAccumulatorValue}; " +
                "expected initialAccumulatorValue >= 0.");
        if (!(Eps >= 0))
            throw new ArgumentException($"{optimizer}: invalid epsilon value (eps) {Eps}; expected eps >= 0.");
    }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["lr_decay"] = LrDecay;
        group["eps"] = Eps;
        group["weight_decay"] = WeightDecay;
        group["initial_accumulator_value"] = InitialAccumulatorValue;
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        LrDecay = ReadDouble(group, "lr_decay", LrDecay, optimizer);
        Eps = ReadDouble(group, "eps", Eps, optimizer);
        WeightDecay = ReadDouble(group, "weight_decay", WeightDecay, optimizer);
        InitialAccumulatorValue = ReadDouble(group, "initial_accumulator_value", InitialAccumulatorValue, optimizer);
        Maximize = ReadBool(group, "maximize", Maximize, optimizer);
    }
}

/// <summary>
/// Adagrad (Duchi et al.) with PyTorch's formula (<c>torch.optim.Adagrad</c>). State per parameter, created when the
/// parameter's group is added (as PyTorch does in its constructor): <c>"step"</c> and <c>"sum"</c> (parameter's shape,
/// filled with <c>initialAccumulatorValue</c>).
/// </summary>
public sealed class Adagrad : Optimizer<AdagradOptions>
{
    private static readonly string[] s_stateNames = ["sum"];

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Adagrad(IEnumerable<Parameter> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(parameters, new AdagradOptions
        {
            Lr = lr, LrDecay = lrDecay, WeightDecay = weightDecay, InitialAccumulatorValue = initialAccumulatorValue,
            Eps = eps, Maximize = maximize,
        })
    {
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_stateNames;

    /// <inheritdoc/>
    protected override bool CreatesStateWhenGroupIsAdded => true;

    /// <inheritdoc/>
    protected override void InitializeState<T>(ParamState<T> state, AdagradOptions options) =>
        state.Buffer("sum", options.InitialAccumulatorValue);

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, AdagradOptions o) =>
        Apply(Plan(state, o), param, grad);

    private protected override SliceRule<T> Plan<T>(ParamState<T> state, AdagradOptions o) =>
        new Rule<T>(o.Lr / (1 + (state.Step - 1) * o.LrDecay), o)
        {
            B0 = state.BufferTensor("sum", o.InitialAccumulatorValue),
        };

    private sealed class Rule<T>(double clr, AdagradOptions o) : SliceRule<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _eps = o.Eps, _weightDecay = o.WeightDecay;
        private readonly bool _maximize = o.Maximize;

        public override void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> b0, Span<T> b1, Span<T> b2) =>
            OptimizerKernels.Adagrad(p, g, b0, clr, _eps, _weightDecay, _maximize);
    }
}
