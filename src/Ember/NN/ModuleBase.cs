using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Text;

namespace Ember.NN;

/// <summary>
/// The tree part of every module: parameters, child modules, train/eval mode, printing. Parameters and
/// children are discovered from the subclass's fields and auto-properties in declaration order and named as
/// PyTorch would (<c>Fc1</c>, <c>_fc1</c>, <c>m_fc1</c> → <c>fc1</c>); <see cref="StateNameAttribute"/> overrides a
/// name. Modules that hold a dynamic number of children register them with <see cref="RegisterModule"/>.
/// </summary>
[DynamicallyAccessedMembers(ModuleDiscovery.Members)]
public abstract class ModuleBase
{
    private List<(string Name, object Item)>? _registered;

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a child module under <paramref name="name"/> (PyTorch's <c>add_module</c>).</summary>
    protected void RegisterModule(string name, ModuleBase module) => Register(name, module);

    /// <summary>Registers a parameter under <paramref name="name"/> (PyTorch's <c>register_parameter</c>).</summary>
    protected void RegisterParameter(string name, Parameter parameter) => Register(name, parameter);

    private void Register(string name, object item)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(item);
        _registered ??= [];
        if (_registered.Exists(r => r.Name == name))
            throw new ArgumentException($"{GetType().Name}: a member named '{name}' is already registered.");
        _registered.Add((name, item));
    }

    /// <summary>Direct members (parameters and child modules) in declaration order, then registered ones.</summary>
    private IEnumerable<(string Name, object Item)> Members()
    {
        foreach (var m in ModuleDiscovery.For(GetType()))
            if (m.Get(this) is { } value) yield return (m.Name, value);
        if (_registered is not null)
            foreach (var r in _registered) yield return r;
    }

    /// <summary>The direct children with their names.</summary>
    public IEnumerable<(string Name, ModuleBase Module)> NamedChildren()
    {
        foreach (var (name, item) in Members())
            if (item is ModuleBase m) yield return (name, m);
    }

    /// <summary>The direct children.</summary>
    public IEnumerable<ModuleBase> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>This module and all descendants with dotted names (this module's name is empty).</summary>
    public IEnumerable<(string Name, ModuleBase Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in NamedChildren())
            foreach (var m in child.NamedModules(prefix.Length == 0 ? name : prefix + "." + name))
                yield return m;
    }

    /// <summary>Parameters with dotted names (<c>fc1.weight</c>, <c>0.bias</c>), each once, in registration order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, item) in module.Members())
                if (item is Parameter p && seen.Add(p))
                    yield return (prefix.Length == 0 ? name : prefix + "." + name, p);
    }

    /// <summary>All parameters (for an optimizer): <c>new Adam(model.Parameters(), lr: 0.01)</c>.</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

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

    /// <summary>Clears the gradients of all parameters (to null by default, as PyTorch 2 does; zeros when <paramref name="setToNone"/> is false).</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (setToNone || p.Grad is null) p.Grad = null;
            else p.Grad = Tensor.ZerosLike(p.Grad);
        }
    }

    /// <summary>
    /// The dtype of the first floating-point parameter this module holds directly, which input tensors are cast
    /// to; null when it holds none (containers leave casting to the layers inside them).
    /// </summary>
    protected internal virtual DType? ParameterDType
    {
        get
        {
            foreach (var (_, item) in Members())
                if (item is Parameter p && p.DType.IsFloatingPoint()) return p.DType;
            return null;
        }
    }

    /// <summary>Extra text inside the parentheses of this module's line in <see cref="ToString"/> (PyTorch's <c>extra_repr</c>).</summary>
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

/// <summary>Overrides the PyTorch-style name of a parameter or child module field/property.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class StateNameAttribute(string name) : Attribute
{
    /// <summary>The name used in <c>NamedParameters()</c>, state dicts and printing.</summary>
    public string Name { get; } = name;
}
