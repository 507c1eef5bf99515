using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="Adagrad"/> (PyTorch keys: lr, lr_decay, eps, weight_decay, initial_accumulator_value, maximize).</summary>
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
    protected internal override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(LrDecay >= 0)) throw new ArgumentException($"{optimizer}: invalid lrDecay value {LrDecay}; expected lrDecay >= 0.");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"{optimizer}: invalid weightDecay value {WeightDecay}; expected weightDecay >= 0.");
        if (!(InitialAccumulatorValue >= 0))
            throw new ArgumentException($"{optimizer}: invalid initialAccumulatorValue {InitialAccumulatorValue}; expected initialAccumulatorValue >= 0.");
        if (!(Eps >= 0)) throw new ArgumentException($"{optimizer}: invalid epsilon value (eps) {Eps}; expected eps >= 0.");
    }

    /// <inheritdoc/>
    protected internal override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["lr_decay"] = LrDecay;
        group["eps"] = Eps;
        group["weight_decay"] = WeightDecay;
        group["initial_accumulator_value"] = InitialAccumulatorValue;
        group["maximize"] = Maximize;
    }

    /// <inheritdoc/>
    protected internal override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
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
public sealed class Adagrad : Optimizer
{
    private static readonly string[] s_stateNames = ["sum"];
    private readonly AdagradOptions _defaults;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Adagrad(IEnumerable<Parameter> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
    {
        _defaults = new AdagradOptions { Lr = lr, LrDecay = lrDecay, WeightDecay = weightDecay, InitialAccumulatorValue = initialAccumulatorValue, Eps = eps, Maximize = maximize };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<AdagradOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((AdagradOptions)o));

    private protected override IReadOnlyList<string> StateTensorNames => s_stateNames;

    private protected override void OnGroupAdded(ParamGroup group)
    {
        var o = (AdagradOptions)group.Options;
        foreach (var p in group.Parameters) Buffer(StateOf(p), "sum", p, o.InitialAccumulatorValue);
    }

    /// <inheritdoc/>
    public override void Step()
    {
        foreach (var group in ParamGroups)
        {
            var o = (AdagradOptions)group.Options;
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var g = GradOf(p);
                var data = DataOf(p);
                var s = StateOf(p);
                RawTensor sum = Buffer(s, "sum", p, o.InitialAccumulatorValue);
                s.Step++;
                double clr = o.Lr / (1 + (s.Step - 1) * o.LrDecay);
                if (p.DType == DType.Float32)
                    OptimizerKernels.Adagrad(data.Span<float>(), g.Span<float>(), sum.Span<float>(), clr, o.Eps, o.WeightDecay, o.Maximize);
                else
                    OptimizerKernels.Adagrad(data.Span<double>(), g.Span<double>(), sum.Span<double>(), clr, o.Eps, o.WeightDecay, o.Maximize);
            }
        }
    }
}
