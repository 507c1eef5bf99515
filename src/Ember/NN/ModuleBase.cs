using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ember.NN;

/// <summary>
/// The tree part of every module: parameters, buffers, child modules, train/eval mode, printing, state dicts.
/// Parameters, buffers (<see cref="Tensor"/> fields marked <see cref="BufferAttribute"/>) and children are discovered
/// from the subclass's fields and auto-properties in declaration order and named as PyTorch would (<c>Fc1</c>,
/// <c>_fc1</c>, <c>m_fc1</c> → <c>fc1</c>); <see cref="StateNameAttribute"/> overrides a name. Modules that hold a
/// dynamic number of members register them with <see cref="RegisterModule"/>, <see cref="RegisterParameter"/> and
/// <see cref="RegisterBuffer"/>.
/// </summary>
[DynamicallyAccessedMembers(ModuleDiscovery.Members)]
public abstract partial class ModuleBase
{
    private sealed class Registered(string name, object? item, ModuleDiscovery.Kind kind, bool persistent)
    {
        public readonly string Name = name;
        public object? Item = item;
        public readonly ModuleDiscovery.Kind Kind = kind;
        public readonly bool Persistent = persistent;
    }

    private List<Registered>? _registered;

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a child module under <paramref name="name"/> (PyTorch's <c>add_module</c>).</summary>
    protected void RegisterModule(string name, ModuleBase module) =>
        Register(name, module ?? throw new ArgumentNullException(nameof(module)), ModuleDiscovery.Kind.Module, true);

    /// <summary>Registers a parameter under <paramref name="name"/> (PyTorch's <c>register_parameter</c>).</summary>
    protected void RegisterParameter(string name, Parameter parameter) =>
        Register(name, parameter ?? throw new ArgumentNullException(nameof(parameter)),
            ModuleDiscovery.Kind.Parameter, true);

    /// <summary>
    /// Registers a buffer: state that is not a parameter (no gradient, not seen by optimizers) but moves and casts with
    /// the module and, when <paramref name="persistent"/>, is saved in <c>StateDict()</c> (e.g. BatchNorm's
    /// <c>running_mean</c>). A null buffer is registered but skipped until set. PyTorch's <c>register_buffer</c>.
    /// </summary>
    protected void RegisterBuffer(string name, Tensor? tensor, bool persistent = true)
    {
        if (tensor is Parameter)
            throw new ArgumentException(
                $"{GetType().Name}.RegisterBuffer: '{name}' is a Parameter; use RegisterParameter.");
        Register(name, tensor, ModuleDiscovery.Kind.Buffer, persistent);
    }

    /// <summary>The registered buffer <paramref name="name"/> (null when it was registered as null).</summary>
    protected Tensor? GetBuffer(string name) =>
        _registered?.Find(r => r.Name == name && r.Kind == ModuleDiscovery.Kind.Buffer) is { } r ? (Tensor?)r.Item
        : throw new KeyNotFoundException($"{GetType().Name}: no registered buffer named '{name}'.");

    private void Register(string name, object? item, ModuleDiscovery.Kind kind, bool persistent)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: member name can't contain \".\", got '{name}'.");
        _registered ??= [];
        if (_registered.Exists(r => r.Name == name) || ModuleDiscovery.For(GetType()).Any(m => m.Name == name))
            throw new ArgumentException($"{GetType().Name}: a member named '{name}' is already registered.");
        _registered.Add(new Registered(name, item, kind, persistent));
    }

    /// <summary>Removes every registered child module (for containers that rebuild their numbering).</summary>
    private protected void ClearRegisteredModules() =>
        _registered?.RemoveAll(r => r.Kind == ModuleDiscovery.Kind.Module);

    /// <summary>One direct member: its name, kind and current value, and how to replace it.</summary>
    private readonly record struct Slot(string Name, ModuleDiscovery.Kind Kind, bool Persistent, object? Value,
        ModuleDiscovery.Member? Field, Registered? Entry)
    {
        public void Set(ModuleBase owner, object? value)
        {
            if (Field is not null) Field.Set(owner, value);
            else Entry!.Item = value;
        }
    }

    /// <summary>Direct members in declaration order, then registered ones (null values included).</summary>
    private IEnumerable<Slot> Slots()
    {
        foreach (var m in ModuleDiscovery.For(GetType()))
            yield return new Slot(m.Name, m.Kind, m.Persistent, m.Get(this), m, null);
        if (_registered is not null)
            foreach (var r in _registered.ToArray())
                yield return new Slot(r.Name, r.Kind, r.Persistent, r.Item, null, r);
    }

    /// <summary>Direct non-null members (parameters, buffers and child modules).</summary>
    private IEnumerable<(string Name, object Item)> Members()
    {
        foreach (var s in Slots())
            if (s.Value is { } v) yield return (s.Name, v);
    }

    /// <summary>The direct children with their names.</summary>
    public IEnumerable<(string Name, ModuleBase Module)> NamedChildren()
    {
        foreach (var s in Slots())
            if (s.Kind == ModuleDiscovery.Kind.Module && s.Value is ModuleBase m) yield return (s.Name, m);
    }

    /// <summary>The direct children.</summary>
    public IEnumerable<ModuleBase> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>
    /// This module and all descendants with dotted names (this module's name is empty), each once, preorder.
    /// </summary>
    public IEnumerable<(string Name, ModuleBase Module)> NamedModules(string prefix = "")
    {
        var seen = new HashSet<ModuleBase>(ReferenceEqualityComparer.Instance);
        return Walk(this, prefix, seen);

        static IEnumerable<(string, ModuleBase)> Walk(ModuleBase m, string prefix, HashSet<ModuleBase> seen)
        {
            if (!seen.Add(m)) yield break;
            yield return (prefix, m);
            foreach (var (name, child) in m.NamedChildren())
                foreach (var x in Walk(child, prefix.Length == 0 ? name : prefix + "." + name, seen))
                    yield return x;
        }
    }

    /// <summary>This module and all descendants, preorder (PyTorch's <c>modules()</c>).</summary>
    public IEnumerable<ModuleBase> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>
    /// Parameters with dotted names (<c>fc1.weight</c>, <c>0.bias</c>), each once, in registration order.
    /// </summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var s in module.Slots())
                if (s.Kind == ModuleDiscovery.Kind.Parameter && s.Value is Parameter p && seen.Add(p))
                    yield return (Join(prefix, s.Name), p);
    }

    /// <summary>All parameters (for an optimizer): <c>new Adam(model.Parameters(), lr: 0.01)</c>.</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>Buffers with dotted names (<c>bn1.running_mean</c>), persistent or not, each once.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var s in module.Slots())
                if (s.Kind == ModuleDiscovery.Kind.Buffer && s.Value is Tensor t && seen.Add(t))
                    yield return (Join(prefix, s.Name), t);
    }

    /// <summary>All buffers.</summary>
    public IEnumerable<Tensor> Buffers(bool recurse = true) => NamedBuffers(recurse).Select(b => b.Buffer);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>The number of scalar parameters (all, or only those that require grad).</summary>
    public long ParameterCount(bool trainableOnly = false)
    {
        long n = 0;
        foreach (var p in Parameters()) if (!trainableOnly || p.RequiresGrad) n += p.NumEl;
        return n;
    }

    /// <summary>Sets training mode on this module and its descendants (affects dropout, batch norm).</summary>
    public ModuleBase Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = mode;
        return this;
    }

    /// <summary>Sets evaluation mode (<c>Train(false)</c>).</summary>
    public ModuleBase Eval() => Train(false);

    /// <summary>
    /// Freezes (<c>false</c>) or unfreezes every parameter: optimizers skip parameters without gradients (PyTorch's
    /// <c>requires_grad_()</c>).
    /// </summary>
    public ModuleBase RequiresGrad_(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>
    /// Calls <paramref name="fn"/> on every descendant (children first) and then on this module, e.g. a custom
    /// initialization (PyTorch's <c>apply</c>).
    /// </summary>
    public ModuleBase Apply(Action<ModuleBase> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>
    /// Clears the gradients of all parameters (to null by default, as PyTorch 2 does; when
    /// <paramref name="setToNone"/> is false, zeroes them in place as PyTorch 1.13 does).
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (setToNone || p.Grad is null) p.Grad = null;
            else Graph.GradZeroing.Zero(p);
        }
    }

    private ModuleDiscovery.Member[]? _members;

    /// <summary>
    /// The dtype of the first floating-point parameter this module holds directly, which input tensors are cast
    /// to; null when it holds none (containers leave casting to the layers inside them).
    /// </summary>
    protected internal virtual DType? ParameterDType
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get
        {
            // Runs on every Call, so it walks the member arrays directly instead of the allocating enumerators, from
            // this instance's copy of the type's list (no Type-keyed lookup per step; under the tiered JIT that
            // lookup's recompiled code first-called RuntimeType.Equals, pausing the background recompiles).
            foreach (var m in _members ??= ModuleDiscovery.For(GetType()))
                if (m.Kind == ModuleDiscovery.Kind.Parameter && m.Get(this) is Parameter p && p.DType.IsFloatingPoint())
                    return p.DType;
            if (_registered is not null)
                foreach (var r in _registered)
                    if (r.Item is Parameter p && p.DType.IsFloatingPoint()) return p.DType;
            return null;
        }
    }

    /// <summary>
    /// Extra text inside the parentheses of this module's line in <see cref="ToString"/> (PyTorch's <c>extra_repr</c>).
    /// </summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>PyTorch-style summary of the module tree.</summary>
    public override string ToString()
    {
        var children = NamedChildren().ToList();
        string extra = ExtraRepr();
        if (children.Count == 0) return $"{GetType().Name}({extra})";
        var sb = new StringBuilder();
        sb.Append(GetType().Name).Append('(');
        if (extra.Length > 0) sb.Append("\n  ").Append(extra);
        foreach (var (name, child) in children)
            sb.Append("\n  (").Append(name).Append("): ").Append(child.ToString().Replace("\n", "\n  "));
        return sb.Append("\n)").ToString();
    }
}

/// <summary>Overrides the PyTorch-style name of a parameter, buffer or child module field/property.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class StateNameAttribute(string name) : Attribute
{
    /// <summary>The name used in <c>NamedParameters()</c>, state dicts and printing.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Marks a <see cref="Tensor"/> field or auto-property of a module as a buffer: state that is saved in the state dict
/// (unless <see cref="Persistent"/> is false), moved and cast by <c>To</c>, but is not a parameter (PyTorch's
/// <c>register_buffer</c>). Example:
/// <c>[Buffer, StateName("running_mean")] public Tensor RunningMean { get; private set; }</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class BufferAttribute(bool persistent = true) : Attribute
{
    /// <summary>Whether the buffer is part of <c>StateDict()</c>.</summary>
    public bool Persistent { get; } = persistent;
}
