using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Core;

namespace Ember.Optim;

public abstract partial class Optimizer
{
    /// <summary>
    /// A snapshot of the optimizer's state with PyTorch's structure (see <see cref="OptimizerStateDict"/>):
    /// per-parameter state by index, and each group's options with its parameter indices. Tensors are copies.
    /// Each state entry holds <c>"step"</c> (when <see cref="CountsSteps"/>), the numbers and the buffers the update
    /// rule created through <see cref="ParamState{T}"/>.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var state = new Dictionary<int, IReadOnlyDictionary<string, object>>();
        var groups = new List<IReadOnlyDictionary<string, object>>();
        int index = 0;
        foreach (var g in _groups)
        {
            var d = new Dictionary<string, object>(StringComparer.Ordinal);
            g.Options.WriteGroup(d);
            if (g.InitialLr is double initial) d["initial_lr"] = initial;
            var ids = new int[g.Parameters.Count];
            for (int i = 0; i < ids.Length; i++, index++)
            {
                ids[i] = index;
                if (!_state.TryGetValue(g.Parameters[i], out var s)) continue;
                var entry = new Dictionary<string, object>(StringComparer.Ordinal);
                if (CountsSteps) entry["step"] = s.Step;
                foreach (var (k, v) in s.Numbers) entry[k] = v;
                foreach (var (k, v) in s.Tensors) entry[k] = new Tensor(RawOps.Clone(v));
                state[index] = entry;
            }
            d["params"] = ids;
            groups.Add(d);
        }
        return new OptimizerStateDict(state, groups);
    }

    /// <summary>
    /// Restores a state produced by <see cref="StateDict"/> (of an optimizer of the same type over parameters of the
    /// same shapes, grouped the same way). Group options (learning rates included) and per-parameter state are
    /// replaced; tensors are copied (cast to the parameter's dtype), never aliased. Throws
    /// <see cref="ArgumentException"/>, leaving the optimizer unchanged, when the group or parameter counts, the shapes
    /// or the state names do not match (names are checked against <see cref="StateBufferNames"/> and
    /// <see cref="StateNumberNames"/>).
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string who = $"{Name}.LoadStateDict";
        if (stateDict.ParamGroups.Count != _groups.Count)
            throw new ArgumentException(
                $"{who}: the state dict has {stateDict.ParamGroups.Count} parameter groups, this optimizer has " +
                $"{_groups.Count}.");
        var options = new OptimizerOptions[_groups.Count];
        var initialLrs = new double?[_groups.Count];
        var byIndex = new Dictionary<int, (Parameter P, int Group)>();
        for (int gi = 0; gi < _groups.Count; gi++)
        {
            var gd = stateDict.ParamGroups[gi] ?? throw new ArgumentException($"{who}: parameter group {gi} is null.");
            var group = _groups[gi];
            if (!gd.TryGetValue("params", out var idsObj) || ToIndices(idsObj) is not int[] ids)
                throw new ArgumentException($"{who}: parameter group {gi} has no 'params' list of parameter indices.");
            if (ids.Length != group.Parameters.Count)
                throw new ArgumentException(
                    $"{who}: parameter group {gi} has {ids.Length} parameters in the state dict, " +
                    $"{group.Parameters.Count} in this optimizer.");
            for (int j = 0; j < ids.Length; j++)
                if (!byIndex.TryAdd(ids[j], (group.Parameters[j], gi)))
                    throw new ArgumentException($"{who}: parameter index {ids[j]} appears more than once in 'params'.");
            var o = group.Options.Clone();
            o.ReadGroup(gd, Name);
            o.ValidateFor(Name);
            options[gi] = o;
            if (gd.TryGetValue("initial_lr", out var il) && il is not null)
                initialLrs[gi] = OptimizerOptions.ToDouble(il) ?? throw new ArgumentException(
                    $"{who}: 'initial_lr' of group {gi} must be a number, got {OptimizerOptions.Describe(il)}.");
        }

        var state = new Dictionary<Parameter, StateEntry>(ReferenceEqualityComparer.Instance);
        foreach (var (index, entries) in stateDict.State)
        {
            if (!byIndex.TryGetValue(index, out var owner))
                throw new ArgumentException(
                    $"{who}: the state dict has state for parameter index {index}, which no parameter group lists.");
            state[owner.P] = ReadState(who, index, owner.P, entries, options[owner.Group]);
        }

        for (int gi = 0; gi < _groups.Count; gi++)
        {
            _groups[gi].Options = options[gi];
            _groups[gi].InitialLr = initialLrs[gi];
        }
        _state = state;
    }

    private StateEntry ReadState(string who, int index, Parameter p, IReadOnlyDictionary<string, object> entries,
        OptimizerOptions options)
    {
        var s = new StateEntry();
        bool hasStep = false;
        foreach (var (name, value) in entries)
        {
            if (CountsSteps && name == "step")
            {
                double? step = OptimizerOptions.ToDouble(value);
                if (step is not double d || d < 0 || d != Math.Floor(d))
                    throw new ArgumentException(
                        $"{who}: 'step' of parameter {index} must be a non-negative whole number, " +
                        $"got {OptimizerOptions.Describe(value)}.");
                s.Step = (long)d;
                hasStep = true;
            }
            else if (StateNumberNames.Contains(name))
            {
                s.Numbers[name] = OptimizerOptions.ToDouble(value)
                    ?? throw new ArgumentException(
                        $"{who}: '{name}' of parameter {index} must be a number, got " +
                        $"{OptimizerOptions.Describe(value)}.");
            }
            else if (StateBufferNames.Contains(name))
            {
                if (value is null) continue; // PyTorch's SGD stores momentum_buffer = None before momentum is used
                if (value is not Tensor t)
                    throw new ArgumentException(
                        $"{who}: '{name}' of parameter {index} must be a tensor, got " +
                        $"{OptimizerOptions.Describe(value)}.");
                if (!t.Shape.SequenceEqual(p.Shape))
                    throw new ArgumentException(
                        $"{who}: '{name}' of parameter {index} has shape {Shapes.Format(t.Shape)}, " +
                        $"but the parameter has shape {Shapes.Format(p.Shape)}.");
                if (!t.DType.IsFloatingPoint())
                    throw new ArgumentException(
                        $"{who}: '{name}' of parameter {index} must be floating point, got {t.DType.TorchName()}.");
                s.Tensors[name] = RawOps.Clone(t.DType == p.DType ? t.Raw : RawOps.Cast(t.Raw, p.DType));
            }
            else
            {
                var known = (CountsSteps ? new[] { "step" } : []).Concat(StateNumberNames).Concat(StateBufferNames);
                throw new ArgumentException(
                    $"{who}: unknown state '{name}' for parameter {index}; {Name} keeps {string.Join(", ", known)}.");
            }
        }
        if (CountsSteps && !hasStep)
            throw new ArgumentException($"{who}: the state of parameter {index} lacks 'step'.");
        foreach (var name in StateNumberNames)
            if (!s.Numbers.ContainsKey(name))
                throw new ArgumentException($"{who}: the state of parameter {index} lacks '{name}'.");
        foreach (var name in RequiredBuffers(options))
            if (!s.Tensors.ContainsKey(name))
                throw new ArgumentException($"{who}: the state of parameter {index} lacks '{name}'.");
        return s;
    }

    private static int[]? ToIndices(object? v) => v switch
    {
        int[] a => a,
        long[] l => l.Select(x => (int)x).ToArray(),
        IEnumerable<int> e => e.ToArray(),
        IEnumerable<long> e => e.Select(x => (int)x).ToArray(),
        _ => null,
    };
}
