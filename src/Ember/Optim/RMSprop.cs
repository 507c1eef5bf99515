using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Core;
using Ember.Kernels;

namespace Ember.Optim;

/// <summary>Hyper-parameters of <see cref="RMSprop"/> (PyTorch keys: lr, momentum, alpha, eps, centered, weight_decay, maximize).</summary>
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
    /// <summary>Normalize by an estimate of the gradient's variance (running square minus squared running mean).</summary>
    public bool Centered { get; set; }
    /// <summary>Maximize the objective instead of minimizing it.</summary>
    public bool Maximize { get; set; }

    double IMomentumOptions.MomentumTerm { get => Momentum; set => Momentum = value; }

    /// <inheritdoc/>
    protected internal override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(Eps >= 0)) throw new ArgumentException($"{optimizer}: invalid epsilon value (eps) {Eps}; expected eps >= 0.");
        if (!(Momentum >= 0)) throw new ArgumentException($"{optimizer}: invalid momentum value {Momentum}; expected momentum >= 0.");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"{optimizer}: invalid weightDecay value {WeightDecay}; expected weightDecay >= 0.");
        if (!(Alpha >= 0)) throw new ArgumentException($"{optimizer}: invalid alpha value {Alpha}; expected alpha >= 0.");
    }

    /// <inheritdoc/>
    protected internal override void WriteTo(IDictionary<string, object> group)
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
    protected internal override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
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
public sealed class RMSprop : Optimizer
{
    private static readonly string[] s_stateNames = ["square_avg", "momentum_buffer", "grad_avg"];
    private readonly RMSpropOptions _defaults;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public RMSprop(IEnumerable<Parameter> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
    {
        _defaults = new RMSpropOptions { Lr = lr, Alpha = alpha, Eps = eps, WeightDecay = weightDecay, Momentum = momentum, Centered = centered, Maximize = maximize };
        AddGroup(parameters, _defaults, null);
    }

    /// <summary>Adds a parameter group; <paramref name="configure"/> overrides the defaults for it.</summary>
    public void AddParamGroup(IEnumerable<Parameter> parameters, Action<RMSpropOptions>? configure = null) =>
        AddGroup(parameters, _defaults, configure is null ? null : o => configure((RMSpropOptions)o));

    private protected override IReadOnlyList<string> StateTensorNames => s_stateNames;
    private protected override IEnumerable<string> RequiredStateTensors(OptimizerOptions options)
    {
        var o = (RMSpropOptions)options;
        return s_stateNames.Where(n => n == "square_avg" || (n == "momentum_buffer" && o.Momentum > 0) || (n == "grad_avg" && o.Centered));
    }

    /// <inheritdoc/>
    public override void Step()
    {
        foreach (var group in ParamGroups)
        {
            var o = (RMSpropOptions)group.Options;
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var g = GradOf(p);
                var data = DataOf(p);
                var s = StateOf(p);
                RawTensor sq = Buffer(s, "square_avg", p);
                RawTensor? buf = o.Momentum > 0 ? Buffer(s, "momentum_buffer", p) : null;
                RawTensor? avg = o.Centered ? Buffer(s, "grad_avg", p) : null;
                s.Step++;
                if (p.DType == DType.Float32)
                    OptimizerKernels.RmsProp(data.Span<float>(), g.Span<float>(), sq.Span<float>(), avg is null ? default : avg.Span<float>(),
                        buf is null ? default : buf.Span<float>(), o.Lr, o.Alpha, o.Eps, o.WeightDecay, o.Momentum, o.Centered, o.Maximize);
                else
                    OptimizerKernels.RmsProp(data.Span<double>(), g.Span<double>(), sq.Span<double>(), avg is null ? default : avg.Span<double>(),
                        buf is null ? default : buf.Span<double>(), o.Lr, o.Alpha, o.Eps, o.WeightDecay, o.Momentum, o.Centered, o.Maximize);
            }
        }
    }
}
