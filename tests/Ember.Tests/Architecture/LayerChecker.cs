using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Tests.Support;

namespace Ember.Tests.Architecture;

/// <summary>Checks types against layer allow-lists (<see cref="Layers"/>), using <see cref="IlReferences"/>.</summary>
public sealed class LayerChecker
{
    private readonly IReadOnlyList<Layer> _layers;
    private readonly IReadOnlyDictionary<string, Layer> _byName;

    /// <summary>A checker for <paramref name="layers"/>; each <c>MayUse</c> name must be a layer of the list.</summary>
    public LayerChecker(IReadOnlyList<Layer> layers)
    {
        _layers = layers;
        _byName = Layers.ByName(layers);
        foreach (var l in layers)
            foreach (var used in l.MayUse)
                if (!_byName.ContainsKey(used)) throw new ArgumentException($"Layer {l.Name} may use unknown {used}.");
    }

    /// <summary>A type's name in messages and in the known-violation list (generic definition, no args).</summary>
    public static string NameOf(Type type)
    {
        type = IlReferences.Owner(type);
        if (type.IsGenericType) type = type.GetGenericTypeDefinition();
        return type.FullName ?? type.Name;
    }

    /// <summary>
    /// The layer that owns <paramref name="type"/>: a member naming its top-level type, else the longest member
    /// that is its namespace or a parent of it; null if none does.
    /// </summary>
    public Layer? LayerOf(Type type)
    {
        Type top = type;
        while (top.DeclaringType is { } outer) top = outer;
        string? ns = top.Namespace;
        Layer? best = null;
        int bestLength = -1;
        foreach (var layer in _layers)
        {
            foreach (var m in layer.Members)
            {
                if (m == top.FullName) return layer;
                bool matches = ns is not null
                    && (ns == m || ns.StartsWith(m + ".", StringComparison.Ordinal));
                if (matches && m.Length > bestLength) (best, bestLength) = (layer, m.Length);
            }
        }
        return best;
    }

    /// <summary>Whether the compiler emitted the top-level type that holds <paramref name="type"/>.</summary>
    public static bool IsCompilerPlumbing(Type type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return IlReferences.IsCompilerGenerated(type);
    }

    /// <summary>
    /// The types the checker visits for an assembly: every type a person wrote, nested ones included; the
    /// compiler's closures and state machines are read as part of the type that declares them.
    /// </summary>
    public static IEnumerable<Type> WrittenTypes(System.Reflection.Assembly assembly) =>
        assembly.GetTypes().Where(t => !IlReferences.IsCompilerGenerated(t) && !IsCompilerPlumbing(t));

    /// <summary>
    /// Every reference from <paramref name="types"/> that their layer's allow-list does not permit, as sorted,
    /// distinct "Type -> Type" strings; a type that belongs to no layer is reported as "Type -> (no layer)".
    /// </summary>
    public IReadOnlyList<string> Violations(IEnumerable<Type> types, ReferenceScope scope)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (LayerOf(type) is not { } layer)
            {
                found.Add($"{NameOf(type)} -> (no layer)");
                continue;
            }
            foreach (var r in IlReferences.Of(type, scope))
            {
                if (IsCompilerPlumbing(r) && r.Namespace is null) continue;
                Layer? target = LayerOf(r);
                if (target == layer || (target is not null && layer.MayUse.Contains(target.Name))) continue;
                found.Add($"{NameOf(type)} -> {NameOf(r)}");
            }
        }
        return found.ToList();
    }
}
