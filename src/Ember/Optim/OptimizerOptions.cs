using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Ember.Optim;

/// <summary>
/// Hyper-parameters of one parameter group. Each optimizer has its own derived type; every group holds its own
/// instance (a copy of the optimizer's defaults, possibly changed by <c>AddParamGroup</c>'s configure callback
/// or by a learning-rate scheduler).
/// </summary>
public abstract class OptimizerOptions
{
    /// <summary>The learning rate (schedulers change it per group).</summary>
    public double Lr { [MethodImpl(MethodImplOptions.AggressiveOptimization)] get; set; }

    /// <summary>
    /// A copy, so that each group can change its own values. The copy is shallow (<c>MemberwiseClone</c>), so a
    /// derived type should hold only values (numbers, bools, tuples) or immutable objects.
    /// </summary>
    public OptimizerOptions Clone() => (OptimizerOptions)MemberwiseClone();

    // The optimizer base reaches the protected hooks through these, so that derived types in any assembly override
    // them as plain `protected` members.
    internal void ValidateFor(string optimizer) => Validate(optimizer);
    internal void WriteGroup(IDictionary<string, object> group) => WriteTo(group);
    internal void ReadGroup(IReadOnlyDictionary<string, object> group, string optimizer) => ReadFrom(group, optimizer);

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming <paramref name="optimizer"/>, the option and the bad value when
    /// an option is out of range. Derived types check their own options after calling the base.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected virtual void Validate(string optimizer)
    {
        if (!(Lr >= 0)) throw new ArgumentException($"{optimizer}: invalid learning rate (lr) {Lr}; expected lr >= 0.");
    }

    /// <summary>
    /// Writes the options under PyTorch's <c>param_groups</c> keys (<c>"lr"</c>, <c>"weight_decay"</c>, ...).
    /// </summary>
    protected virtual void WriteTo(IDictionary<string, object> group) => group["lr"] = Lr;

    /// <summary>Reads the options written by <see cref="WriteTo"/>; a missing key keeps the current value.</summary>
    protected virtual void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer) =>
        Lr = ReadDouble(group, "lr", Lr, optimizer);

    /// <summary>Reads a number (any numeric CLR type) stored under <paramref name="key"/>.</summary>
    protected static double ReadDouble(IReadOnlyDictionary<string, object> group, string key, double current,
        string optimizer)
    {
        if (!group.TryGetValue(key, out var v)) return current;
        return ToDouble(v) ?? throw new ArgumentException(
            $"{optimizer}.LoadStateDict: param group option '{key}' must be a number, got {Describe(v)}.");
    }

    /// <summary>Reads a bool stored under <paramref name="key"/>.</summary>
    protected static bool ReadBool(IReadOnlyDictionary<string, object> group, string key, bool current,
        string optimizer)
    {
        if (!group.TryGetValue(key, out var v)) return current;
        return v is bool b ? b : throw new ArgumentException(
            $"{optimizer}.LoadStateDict: param group option '{key}' must be a bool, got {Describe(v)}.");
    }

    /// <summary>
    /// Reads a pair of numbers (PyTorch's <c>betas</c> tuple) stored as a two-element array or value tuple.
    /// </summary>
    protected static (double, double) ReadPair(IReadOnlyDictionary<string, object> group, string key,
        (double, double) current, string optimizer)
    {
        if (!group.TryGetValue(key, out var v)) return current;
        switch (v)
        {
            case (double a, double b): return (a, b);
            case double[] { Length: 2 } d: return (d[0], d[1]);
            case System.Collections.IList { Count: 2 } l when ToDouble(l[0]) is double a && ToDouble(l[1]) is double b:
                return (a, b);
        }
        throw new ArgumentException(
            $"{optimizer}.LoadStateDict: param group option '{key}' must be two numbers, got {Describe(v)}.");
    }

    internal static double? ToDouble(object? v) => v switch
    {
        double d => d,
        float f => f,
        long l => l,
        int i => i,
        Tensor { NumEl: 1 } t when t.DType.IsFloatingPoint() || t.DType is DType.Int64 or DType.Int32 =>
            t.Item<double>(),
        _ => null,
    };

    internal static string Describe(object? v) => v switch
    {
        null => "null",
        Tensor t => $"a {t.DType.TorchName()} tensor of shape [{string.Join(", ", t.Shape.ToArray())}]",
        _ => $"{v} ({v.GetType().Name})",
    };
}

/// <summary>
/// Options with a momentum coefficient that <see cref="OneCycleLR"/> can cycle: PyTorch's <c>momentum</c> for SGD
/// and RMSprop, <c>betas[0]</c> for the Adam family.
/// </summary>
public interface IMomentumOptions
{
    /// <summary>The coefficient being cycled (SGD/RMSprop: <c>Momentum</c>; Adam family: <c>Betas.Beta1</c>).</summary>
    double MomentumTerm { get; set; }
}

/// <summary>
/// Options shared by the Adam family (Adam, AdamW, Adamax, NAdam, RAdam): betas, epsilon and weight decay.
/// </summary>
public abstract class AdamFamilyOptions : OptimizerOptions, IMomentumOptions
{
    /// <summary>
    /// Coefficients (β1, β2) of the running averages of the gradient and of its square (or infinity norm).
    /// </summary>
    public (double Beta1, double Beta2) Betas
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        set;
    } = (0.9, 0.999);
    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { [MethodImpl(MethodImplOptions.AggressiveOptimization)] get; set; } = 1e-8;
    /// <summary>Weight decay: an L2 penalty added to the gradient (AdamW: decoupled, <c>p *= 1 - lr·wd</c>).</summary>
    public double WeightDecay { [MethodImpl(MethodImplOptions.AggressiveOptimization)] get; set; }

    double IMomentumOptions.MomentumTerm { get => Betas.Beta1; set => Betas = (value, Betas.Beta2); }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(Eps >= 0))
            throw new ArgumentException($"{optimizer}: invalid epsilon value (eps) {Eps}; expected eps >= 0.");
        if (Betas.Beta1 is < 0 or >= 1 || double.IsNaN(Betas.Beta1))
            throw new ArgumentException($"{optimizer}: invalid beta parameter at index 0 (betas.Beta1): " +
                $"{Betas.Beta1}; expected 0 <= beta1 < 1.");
        if (Betas.Beta2 is < 0 or >= 1 || double.IsNaN(Betas.Beta2))
            throw new ArgumentException($"{optimizer}: invalid beta parameter at index 1 (betas.Beta2): " +
                $"{Betas.Beta2}; expected 0 <= beta2 < 1.");
        if (!(WeightDecay >= 0))
            throw new ArgumentException(
                $"{optimizer}: invalid weightDecay value {WeightDecay}; expected weightDecay >= 0.");
    }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["betas"] = new[] { Betas.Beta1, Betas.Beta2 };
        group["eps"] = Eps;
        group["weight_decay"] = WeightDecay;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        Betas = ReadPair(group, "betas", Betas, optimizer);
        Eps = ReadDouble(group, "eps", Eps, optimizer);
        WeightDecay = ReadDouble(group, "weight_decay", WeightDecay, optimizer);
    }
}
