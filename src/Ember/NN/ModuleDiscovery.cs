using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Ember.NN;

/// <summary>
/// Finds the parameter and child-module members of a module type: instance fields (auto-property backing
/// fields included) of type <see cref="Parameter"/> or <see cref="ModuleBase"/>, base class first, each class
/// in declaration order (metadata-token order, which the C# compiler emits in source order). Cached per type.
/// </summary>
internal static class ModuleDiscovery
{
    public const DynamicallyAccessedMemberTypes Members =
        DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields |
        DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.NonPublicProperties;

    public sealed record Member(string Name, FieldInfo Field)
    {
        public object? Get(object owner) => Field.GetValue(owner);
    }

    private static readonly ConcurrentDictionary<Type, Member[]> s_cache = new();

    public static Member[] For([DynamicallyAccessedMembers(Members)] Type type) => s_cache.GetOrAdd(type, Discover);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "ModuleBase carries DynamicallyAccessedMembers, so every module type keeps its fields.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Base types of a module are modules too and are annotated the same way.")]
    private static Member[] Discover(Type type)
    {
        var chain = new List<Type>();
        for (Type? t = type; t is not null && t != typeof(ModuleBase) && t != typeof(object); t = t.BaseType) chain.Add(t);
        chain.Reverse();
        var result = new List<Member>();
        var names = new HashSet<string>();
        foreach (Type t in chain)
        {
            FieldInfo[] fields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            Array.Sort(fields, (a, b) => a.MetadataToken.CompareTo(b.MetadataToken));
            foreach (FieldInfo f in fields)
            {
                if (!typeof(Parameter).IsAssignableFrom(f.FieldType) && !typeof(ModuleBase).IsAssignableFrom(f.FieldType)) continue;
                string name = NameOf(t, f);
                if (!names.Add(name))
                    throw new InvalidOperationException($"{type.Name}: two members map to the parameter/module name '{name}'; rename one or use [StateName].");
                result.Add(new Member(name, f));
            }
        }
        return result.ToArray();
    }

    private static string NameOf(Type declaring, FieldInfo f)
    {
        string raw = f.Name;
        var attr = f.GetCustomAttribute<StateNameAttribute>();
        if (raw.StartsWith('<') && raw.IndexOf('>') is int end and > 1)
        {
            raw = raw[1..end];
            attr ??= declaring.GetProperty(raw, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                ?.GetCustomAttribute<StateNameAttribute>();
        }
        return attr?.Name ?? PyTorchName(raw);
    }

    /// <summary><c>Fc1</c>, <c>_fc1</c>, <c>m_fc1</c> → <c>fc1</c>.</summary>
    public static string PyTorchName(string member)
    {
        string s = member.StartsWith("m_", StringComparison.Ordinal) ? member[2..] : member.TrimStart('_');
        if (s.Length == 0) return member;
        return char.ToLowerInvariant(s[0]) + s[1..];
    }
}
