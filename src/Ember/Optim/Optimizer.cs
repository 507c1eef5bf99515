using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Core;

namespace Ember.Optim;

/// <summary>A set of parameters optimized with the same hyper-parameters (PyTorch's <c>param_groups</c> entry).</summary>
public sealed class ParamGroup
{
    internal ParamGroup(IReadOnlyList<Parameter> parameters, OptimizerOptions options)
    {
        Parameters = parameters;
        Options = options;
    }

    /// <summary>The parameters of this group.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The group's hyper-parameters (an instance of the optimizer's options type).</summary>
    public OptimizerOptions Options { get; internal set; }

    /// <summary>The group's learning rate.</summary>
    public double Lr { get => Options.Lr; set => Options.Lr = value; }

    /// <summary>
    /// The learning rate a scheduler started from (PyTorch's <c>initial_lr</c>): set by the first scheduler created on
    /// the optimizer (<see cref="OneCycleLR"/> sets it to <c>maxLr / divFactor</c>); null until then.
    /// </summary>
    public double? InitialLr { get; set; }
}

/// <summary>
/// Base of the optimizers: parameter groups, per-parameter state, <see cref="ZeroGrad"/>, <see cref="Step"/> and
/// <see cref="StateDict"/>/<see cref="LoadStateDict"/>. Optimizers update parameters in place, outside the graph, with
/// fused per-parameter kernels (one pass over the elements, no temporaries).
/// </summary>
public abstract class Optimizer
{
    /// <summary>Per-parameter state: PyTorch's <c>"step"</c>, named buffers of the parameter's shape and dtype, and named numbers.</summary>
    private protected sealed class ParamState
    {
        public long Step;
        public readonly Dictionary<string, RawTensor> Tensors = new(StringComparer.Ordinal);
        public readonly Dictionary<string, double> Numbers = new(StringComparer.Ordinal);
    }

    private readonly List<ParamGroup> _groups = [];
    private Dictionary<Parameter, ParamState> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>The parameter groups, in the order they were added.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    private string Name => GetType().Name;

    /// <summary>Adds a group; its options start as a copy of the defaults, then <paramref name="configure"/> may change them.</summary>
    protected void AddGroup(IEnumerable<Parameter> parameters, OptimizerOptions defaults, Action<OptimizerOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(defaults);
        var list = parameters.ToList();
        if (list.Count == 0) throw new ArgumentException($"{Name}: got an empty parameter list.");
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var p in list)
        {
            if (p is null) throw new ArgumentException($"{Name}: the parameter list contains null.");
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{Name}: can only optimize floating-point parameters, got {p.DType.TorchName()} {Shapes.Format(p.Shape)}.");
            if (!seen.Add(p)) throw new ArgumentException($"{Name}: a parameter appears twice in the same parameter group.");
            foreach (var g in _groups)
                if (g.Parameters.Contains(p))
                    throw new ArgumentException($"{Name}: some parameters appear in more than one parameter group.");
        }
        var options = defaults.Clone();
        configure?.Invoke(options);
        options.Validate(Name);
        var group = new ParamGroup(list, options);
        _groups.Add(group);
        OnGroupAdded(group);
    }

    /// <summary>Called after a group is added (Adagrad creates its state eagerly here, as PyTorch does in its constructor).</summary>
    private protected virtual void OnGroupAdded(ParamGroup group) { }

    /// <summary>Clears the gradients of every parameter: to null by default (PyTorch 2's behaviour), to zeros when <paramref name="setToNone"/> is false.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var g in _groups)
            foreach (var p in g.Parameters)
            {
                if (p.Grad is null) continue;
                p.Grad = setToNone ? null : Tensor.ZerosLike(p.Grad);
            }
    }

    /// <summary>Performs one update of every parameter that has a gradient.</summary>
    public abstract void Step();

    // ---- per-parameter state -------------------------------------------------------------------------------

    /// <summary>Whether the state has PyTorch's <c>"step"</c> counter (every optimizer but SGD).</summary>
    private protected virtual bool CountsSteps => true;

    /// <summary>Names of the state tensors this optimizer may keep (all of the parameter's shape and dtype).</summary>
    private protected abstract IReadOnlyList<string> StateTensorNames { get; }

    /// <summary>Names of the scalar state numbers (NAdam's <c>"mu_product"</c>).</summary>
    private protected virtual IReadOnlyList<string> StateNumberNames => [];

    /// <summary>The state tensors a loaded state must contain for a group with <paramref name="options"/>.</summary>
    private protected virtual IEnumerable<string> RequiredStateTensors(OptimizerOptions options) => StateTensorNames;

    /// <summary>The state of <paramref name="p"/>, created empty on first use.</summary>
    private protected ParamState StateOf(Parameter p)
    {
        if (!_state.TryGetValue(p, out var s)) _state[p] = s = new ParamState();
        return s;
    }

    /// <summary>The buffer <paramref name="name"/> of <paramref name="p"/>'s state, created filled with <paramref name="fill"/>.</summary>
    private protected static RawTensor Buffer(ParamState s, string name, Parameter p, double fill = 0)
    {
        if (!s.Tensors.TryGetValue(name, out var t)) s.Tensors[name] = t = RawOps.Full(p.Raw.Shape, fill, p.DType);
        return t;
    }

    /// <summary>The gradient of <paramref name="p"/> as a contiguous tensor of <paramref name="p"/>'s dtype and shape.</summary>
    private protected static RawTensor GradOf(Parameter p)
    {
        var g = p.Grad!.Raw;
        if (g.DType != p.DType) g = RawOps.Cast(g, p.DType);
        if (!g.Shape.AsSpan().SequenceEqual(p.Raw.Shape))
            throw new InvalidOperationException($"{nameof(Optimizer)}: gradient of shape {Shapes.Format(g.Shape)} does not match parameter of shape {Shapes.Format(p.Raw.Shape)}.");
        return RawOps.Contiguous(g);
    }

    /// <summary>The parameter's storage as a contiguous tensor that updates write through to.</summary>
    private protected static RawTensor DataOf(Parameter p)
    {
        if (!p.Raw.IsContiguous)
            throw new InvalidOperationException($"{nameof(Optimizer)}: parameters must be contiguous, got strides {Shapes.Format(p.Raw.Strides)} for shape {Shapes.Format(p.Raw.Shape)}.");
        p.Raw.Storage.Version++;
        return p.Raw;
    }

    // ---- state dict -----------------------------------------------------------------------------------------

    /// <summary>
    /// A snapshot of the optimizer's state with PyTorch's structure (see <see cref="OptimizerStateDict"/>): per-parameter
    /// state by index, and each group's options with its parameter indices. Tensors are copies.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var state = new Dictionary<int, IReadOnlyDictionary<string, object>>();
        var groups = new List<IReadOnlyDictionary<string, object>>();
        int index = 0;
        foreach (var g in _groups)
        {
            var d = new Dictionary<string, object>(StringComparer.Ordinal);
            g.Options.WriteTo(d);
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
    /// Restores a state produced by <see cref="StateDict"/> (of an optimizer of the same type over parameters of the same
    /// shapes, grouped the same way). Group options (learning rates included) and per-parameter state are replaced;
    /// tensors are copied (cast to the parameter's dtype), never aliased. Throws <see cref="ArgumentException"/>, leaving
    /// the optimizer unchanged, when the group or parameter counts, the shapes or the state names do not match.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string who = $"{Name}.LoadStateDict";
        if (stateDict.ParamGroups.Count != _groups.Count)
            throw new ArgumentException($"{who}: the state dict has {stateDict.ParamGroups.Count} parameter groups, this optimizer has {_groups.Count}.");
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
                throw new ArgumentException($"{who}: parameter group {gi} has {ids.Length} parameters in the state dict, {group.Parameters.Count} in this optimizer.");
            for (int j = 0; j < ids.Length; j++)
                if (!byIndex.TryAdd(ids[j], (group.Parameters[j], gi)))
                    throw new ArgumentException($"{who}: parameter index {ids[j]} appears more than once in 'params'.");
            var o = group.Options.Clone();
            o.ReadFrom(gd, Name);
            o.Validate(Name);
            options[gi] = o;
            if (gd.TryGetValue("initial_lr", out var il) && il is not null)
                initialLrs[gi] = OptimizerOptions.ToDouble(il) ?? throw new ArgumentException($"{who}: 'initial_lr' of group {gi} must be a number, got {OptimizerOptions.Describe(il)}.");
        }

        var state = new Dictionary<Parameter, ParamState>(ReferenceEqualityComparer.Instance);
        foreach (var (index, entries) in stateDict.State)
        {
            if (!byIndex.TryGetValue(index, out var owner))
                throw new ArgumentException($"{who}: the state dict has state for parameter index {index}, which no parameter group lists.");
            state[owner.P] = ReadState(who, index, owner.P, entries, options[owner.Group]);
        }

        for (int gi = 0; gi < _groups.Count; gi++)
        {
            _groups[gi].Options = options[gi];
            _groups[gi].InitialLr = initialLrs[gi];
        }
        _state = state;
    }

    private ParamState ReadState(string who, int index, Parameter p, IReadOnlyDictionary<string, object> entries, OptimizerOptions options)
    {
        var s = new ParamState();
        bool hasStep = false;
        foreach (var (name, value) in entries)
        {
            if (CountsSteps && name == "step")
            {
                double? step = OptimizerOptions.ToDouble(value);
                if (step is not double d || d < 0 || d != Math.Floor(d))
                    throw new ArgumentException($"{who}: 'step' of parameter {index} must be a non-negative whole number, got {OptimizerOptions.Describe(value)}.");
                s.Step = (long)d;
                hasStep = true;
            }
            else if (StateNumberNames.Contains(name))
            {
                s.Numbers[name] = OptimizerOptions.ToDouble(value)
                    ?? throw new ArgumentException($"{who}: '{name}' of parameter {index} must be a number, got {OptimizerOptions.Describe(value)}.");
            }
            else if (StateTensorNames.Contains(name))
            {
                if (value is null) continue; // PyTorch's SGD stores momentum_buffer = None before momentum is used
                if (value is not Tensor t)
                    throw new ArgumentException($"{who}: '{name}' of parameter {index} must be a tensor, got {OptimizerOptions.Describe(value)}.");
                if (!t.Shape.SequenceEqual(p.Shape))
                    throw new ArgumentException($"{who}: '{name}' of parameter {index} has shape {Shapes.Format(t.Shape)}, but the parameter has shape {Shapes.Format(p.Shape)}.");
                if (!t.DType.IsFloatingPoint())
                    throw new ArgumentException($"{who}: '{name}' of parameter {index} must be floating point, got {t.DType.TorchName()}.");
                s.Tensors[name] = RawOps.Clone(t.DType == p.DType ? t.Raw : RawOps.Cast(t.Raw, p.DType));
            }
            else
            {
                var known = (CountsSteps ? new[] { "step" } : []).Concat(StateNumberNames).Concat(StateTensorNames);
                throw new ArgumentException($"{who}: unknown state '{name}' for parameter {index}; {Name} keeps {string.Join(", ", known)}.");
            }
        }
        if (CountsSteps && !hasStep) throw new ArgumentException($"{who}: the state of parameter {index} lacks 'step'.");
        foreach (var name in StateNumberNames)
            if (!s.Numbers.ContainsKey(name)) throw new ArgumentException($"{who}: the state of parameter {index} lacks '{name}'.");
        foreach (var name in RequiredStateTensors(options))
            if (!s.Tensors.ContainsKey(name)) throw new ArgumentException($"{who}: the state of parameter {index} lacks '{name}'.");
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
