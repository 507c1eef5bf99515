using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// The keys <see cref="ModuleBase.LoadStateDict"/> could not match (PyTorch's <c>_IncompatibleKeys</c>).
/// </summary>
/// <param name="MissingKeys">Entries the module has but the state dict lacks.</param>
/// <param name="UnexpectedKeys">Entries of the state dict the module does not have.</param>
public sealed record IncompatibleKeys(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

public abstract partial class ModuleBase
{
    /// <summary>
    /// The module's state: every parameter and persistent buffer under its dotted PyTorch name (<c>0.weight</c>,
    /// <c>features.1.running_mean</c>, <c>features.1.num_batches_tracked</c>), in PyTorch's order (each module's
    /// parameters, then its buffers, then its children). The values are <b>detached aliases</b>, as in PyTorch: they
    /// share storage with the module, so later training changes them; clone them for a snapshot.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>();
        Collect(this, "", dict);
        return dict;

        static void Collect(ModuleBase m, string prefix, OrderedDictionary<string, Tensor> dict)
        {
            var slots = m.Slots().ToArray();
            foreach (var s in slots)
                if (s.Kind == ModuleDiscovery.Kind.Parameter && s.Value is Tensor p) dict[prefix + s.Name] = p.Detach();
            foreach (var s in slots)
                if (s.Kind == ModuleDiscovery.Kind.Buffer && s.Persistent && s.Value is Tensor b)
                    dict[prefix + s.Name] = b.Detach();
            foreach (var s in slots)
                if (s.Kind == ModuleDiscovery.Kind.Module && s.Value is ModuleBase c)
                    Collect(c, prefix + s.Name + ".", dict);
        }
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/>'s tensors into this module's parameters and persistent buffers, in place
    /// (optimizers keep working) and without recording gradients; values are cast to each target's dtype.
    /// Shape mismatches are always errors; with <paramref name="strict"/> (the default) missing and unexpected keys
    /// are errors too, reported in PyTorch's words. Nothing is copied when there is an error.
    /// </summary>
    /// <returns>The missing and unexpected keys (both empty when <paramref name="strict"/> succeeded).</returns>
    public IncompatibleKeys LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateDict();
        var missing = own.Keys.Where(k => !stateDict.ContainsKey(k)).ToList();
        var unexpected = stateDict.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var errors = new List<string>();
        if (strict && unexpected.Count > 0)
            errors.Add($"Unexpected key(s) in state_dict: {string.Join(", ", unexpected.Select(k => $"\"{k}\""))}. ");
        if (strict && missing.Count > 0)
            errors.Add($"Missing key(s) in state_dict: {string.Join(", ", missing.Select(k => $"\"{k}\""))}. ");
        foreach (var (key, target) in own)
        {
            if (!stateDict.TryGetValue(key, out var value)) continue;
            if (value is null) { errors.Add($"While copying the parameter named \"{key}\", got null."); continue; }
            if (!value.Shape.SequenceEqual(target.Shape))
                errors.Add(
                    $"size mismatch for {key}: copying a param with shape {TorchSize(value.Shape)} from checkpoint, " +
                    $"the shape in current model is {TorchSize(target.Shape)}.");
        }
        if (errors.Count > 0)
        {
            var sb = new StringBuilder($"Error(s) in loading state_dict for {GetType().Name}:");
            foreach (var e in errors) sb.Append("\n\t").Append(e);
            throw new ArgumentException(sb.ToString(), nameof(stateDict));
        }
        foreach (var (key, target) in own)
            if (stateDict.TryGetValue(key, out var value)) target.CopyRaw(value);
        return new IncompatibleKeys(missing, unexpected);
    }

    private static string TorchSize(ReadOnlySpan<int> shape) => $"torch.Size([{string.Join(", ", shape.ToArray())}])";

    /// <summary>
    /// Casts every floating-point parameter and buffer (and existing gradient) to <paramref name="dtype"/>; integer
    /// buffers such as <c>num_batches_tracked</c> are left alone. Parameters are replaced by new
    /// <see cref="Parameter"/> objects, so build the optimizer after converting the model (PyTorch gives the same
    /// advice for <c>.cuda()</c>).
    /// </summary>
    internal void CastTo(DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException(
                $"Module.To: only floating-point dtypes are accepted, got {dtype.TorchName()}.");
        foreach (var m in Modules())
            foreach (var s in m.Slots())
            {
                if (s.Value is not Tensor t || !t.DType.IsFloatingPoint() || t.DType == dtype) continue;
                if (s.Kind == ModuleDiscovery.Kind.Parameter && t is Parameter p)
                {
                    var q = new Parameter(new Tensor(RawOps.Cast(p.Raw, dtype)), p.RequiresGrad);
                    if (p.Grad is not null) q.Grad = new Tensor(RawOps.Cast(p.Grad.Raw, dtype));
                    s.Set(m, q);
                }
                else if (s.Kind == ModuleDiscovery.Kind.Buffer) s.Set(m, new Tensor(RawOps.Cast(t.Raw, dtype)));
            }
    }
}

/// <summary>
/// Fluent module conversions that keep the module's static type: <c>var net = new Net().To(DType.Float64);</c>.
/// </summary>
public static class ModuleExtensions
{
    /// <summary>
    /// Casts the floating-point parameters and buffers to <paramref name="dtype"/> (see <see cref="ModuleBase"/>'s
    /// notes on parameter identity); returns the module.
    /// </summary>
    public static TModule To<TModule>(this TModule module, DType dtype) where TModule : ModuleBase
    {
        ArgumentNullException.ThrowIfNull(module);
        module.CastTo(dtype);
        return module;
    }

    /// <summary>
    /// Moves parameters and buffers to <paramref name="device"/> (only the CPU exists today, so this checks and returns
    /// the module).
    /// </summary>
    public static TModule To<TModule>(this TModule module, Device device) where TModule : ModuleBase
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var t in module.Parameters().Cast<Tensor>().Concat(module.Buffers())) t.To(device);
        return module;
    }
}
