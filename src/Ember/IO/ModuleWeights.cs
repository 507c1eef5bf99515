using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Ember.Core;
using Ember.NN;

namespace Ember.IO;

/// <summary>
/// Saving and loading a module's weights (its <see cref="ModuleBase.StateDict"/>: parameters and persistent
/// buffers under PyTorch's names). These are extension methods in <c>Ember.IO</c>, not members of
/// <see cref="ModuleBase"/>, because DESIGN.md's layers let IO use NN but not NN use IO; the names
/// <c>SaveWeights</c>/<c>LoadWeights</c> leave <c>Save</c>/<c>Load</c> free for a later whole-model API.
/// </summary>
public static class ModuleWeights
{
    /// <summary>
    /// Writes the module's state dict to <paramref name="path"/> as safetensors (atomically: the old file survives
    /// a crash mid-save). The file loads in PyTorch into the equivalent model by the same names.
    /// </summary>
    public static void SaveWeights(this ModuleBase module, string path,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Safetensors.Save(path, module.StateDict(), metadata);
    }

    /// <summary>
    /// Loads weights from <paramref name="path"/> into the module in place: a safetensors file, or a PyTorch
    /// <c>.pt</c>/<c>.pth</c> zip file holding a state dict (or a dict with one under <c>"model"</c>,
    /// <c>"state_dict"</c> or <c>"model_state_dict"</c>); the format is recognized from the content. Shapes and dtypes
    /// must match exactly; with <paramref name="strict"/> (the default) so must the keys. Nothing is copied when
    /// there is an error.
    /// </summary>
    /// <returns>The keys the module has that the file lacks and the file's keys the module lacks (both empty
    /// when <paramref name="strict"/> succeeded).</returns>
    /// <exception cref="InvalidDataException">The file is damaged or not a supported format.</exception>
    /// <exception cref="ArgumentException">The file does not match the module (the message names every key and
    /// both sides of each mismatch).</exception>
    public static IncompatibleKeys LoadWeights(this ModuleBase module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        var state = ReadStateDict(path);
        return Apply(module, state, strict, $"LoadWeights('{path}')");
    }

    /// <summary>Reads a state dict from a safetensors or PyTorch zip file, sniffing the format.</summary>
    internal static IReadOnlyDictionary<string, Tensor> ReadStateDict(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return TorchFile.LooksLikeTorch(path) ? TorchFile.LoadStateDict(path) : Safetensors.Load(path);
    }

    /// <summary>Checks every key, shape and dtype, reports all problems at once, then copies in place.</summary>
    internal static IncompatibleKeys Apply(ModuleBase module, IReadOnlyDictionary<string, Tensor> state, bool strict,
        string who)
    {
        var own = module.StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var errors = new List<string>();
        if (strict && missing.Count > 0) errors.Add($"missing keys (in the model, not in the file): {Join(missing)}");
        if (strict && unexpected.Count > 0)
            errors.Add($"unexpected keys (in the file, not in the model): {Join(unexpected)}");
        foreach (var (key, target) in own)
        {
            if (!state.TryGetValue(key, out var value)) continue;
            if (!value.Shape.SequenceEqual(target.Shape) || value.DType != target.DType)
                errors.Add($"'{key}': the file has {Describe(value)}, the model has {Describe(target)}");
        }
        if (errors.Count > 0)
        {
            var sb = new StringBuilder($"{who}: the file does not match {module.GetType().Name}:");
            foreach (var e in errors) sb.Append("\n  ").Append(e);
            if (errors.Any(e => e.Contains("torch.", StringComparison.Ordinal)))
                sb.Append("\n  (convert the model with module.To(dtype), or the file's tensors, so that dtypes agree)");
            throw new ArgumentException(sb.ToString());
        }
        module.LoadStateDict(state, strict: false);
        return new IncompatibleKeys(missing, unexpected);
    }

    private static string Join(List<string> keys) => string.Join(", ", keys.Select(k => $"'{k}'"));

    private static string Describe(Tensor t) => $"{t.DType.TorchName()} {Shapes.Format(t.Shape)}";
}
