using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Ember.NN;

/// <summary>
/// Finds the parameter, buffer and child-module members of a module type: instance fields (auto-property backing
/// fields included) of type <see cref="Parameter"/> or <see cref="ModuleBase"/>, and fields of type
/// <see cref="Tensor"/> marked <see cref="BufferAttribute"/> (on the field or its auto-property), base class first,
/// each class in declaration order (metadata-token order, which the C# compiler emits in source order). Cached per
/// type.
/// </summary>
internal static class ModuleDiscovery
{
    public const DynamicallyAccessedMemberTypes Members =
        DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields |
        DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.NonPublicProperties;

    public enum Kind { Parameter, Buffer, Module }

    public sealed record Member(string Name, FieldInfo Field, Kind Kind, bool Persistent)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public object? Get(object owner) => Field.GetValue(owner);

        /// <summary>
        /// Replaces the value (used by <c>To(dtype)</c>); readonly instance fields can be set by reflection.
        /// </summary>
        public void Set(object owner, object? value) => Field.SetValue(owner, value);
    }

    private static readonly ConcurrentDictionary<Type, Member[]> s_cache = new();

    public static Member[] For([DynamicallyAccessedMembers(Members)] Type type) => s_cache.GetOrAdd(type, Discover);

    [UnconditionalSuppressMessage("Trimming", "IL2070",
        Justification = "ModuleBase carries DynamicallyAccessedMembers, so every module type keeps its fields.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075",
        Justification = "Base types of a module are modules too and are annotated the same way.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072",
        Justification = "Base types of a module are modules too and are annotated the same way.")]
    private static Member[] Discover(Type type)
    {
        var chain = new List<Type>();
        for (Type? t = type; t is not null && t != typeof(ModuleBase) && t != typeof(object); t = t.BaseType)
            chain.Add(t);
        chain.Reverse();
        var result = new List<Member>();
        var names = new HashSet<string>();
        foreach (Type t in chain)
        {
            FieldInfo[] fields = t.GetFields(
                BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            SortInDeclarationOrder(fields);
            foreach (FieldInfo f in fields)
            {
                Kind kind;
                BufferAttribute? buffer = null;
                if (typeof(Parameter).IsAssignableFrom(f.FieldType)) kind = Kind.Parameter;
                else if (typeof(ModuleBase).IsAssignableFrom(f.FieldType)) kind = Kind.Module;
                else if (f.FieldType == typeof(Tensor) && (buffer = Attribute<BufferAttribute>(t, f)) is not null)
                    kind = Kind.Buffer;
                else continue;
                string name = NameOf(t, f);
                if (!names.Add(name))
                    throw new InvalidOperationException(
                        $"{type.Name}: two members map to the parameter/buffer/module name '{name}'; rename one or " +
                        "use [StateName].");
                result.Add(new Member(name, f, kind, buffer?.Persistent ?? true));
            }
        }
        return result.ToArray();
    }

    /// <summary>
    /// Sorts by metadata token, which the C# compiler assigns in source order. NativeAOT keeps no metadata tokens
    /// (reading one throws "no metadata token available"); there the reflection metadata lists a type's fields in
    /// declaration order already, so that order is kept (the AOT smoke in .ci/run checks the Iris model's
    /// parameter order through its state dict).
    /// </summary>
    private static void SortInDeclarationOrder(FieldInfo[] fields)
    {
        foreach (FieldInfo f in fields)
            if (!f.HasMetadataToken()) return;
        Array.Sort(fields, (a, b) => a.MetadataToken.CompareTo(b.MetadataToken));
    }

    private static string NameOf([DynamicallyAccessedMembers(Members)] Type declaring, FieldInfo f)
    {
        string raw = f.Name;
        if (raw.StartsWith('<') && raw.IndexOf('>') is int end and > 1) raw = raw[1..end];
        return Attribute<StateNameAttribute>(declaring, f)?.Name ?? PyTorchName(raw);
    }

    /// <summary>An attribute on the field, or on the auto-property it backs.</summary>
    private static TAttr? Attribute<TAttr>([DynamicallyAccessedMembers(Members)] Type declaring, FieldInfo f)
        where TAttr : Attribute
    {
        var attr = f.GetCustomAttribute<TAttr>();
        if (attr is null && f.Name.StartsWith('<') && f.Name.IndexOf('>') is int end and > 1)
            attr = declaring.GetProperty(f.Name[1..end],
                BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                ?.GetCustomAttribute<TAttr>();
        return attr;
    }

    /// <summary><c>Fc1</c>, <c>_fc1</c>, <c>m_fc1</c> → <c>fc1</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string PyTorchName(string member)
    {
        string s = member.StartsWith("m_", StringComparison.Ordinal) ? member[2..] : member.TrimStart('_');
        if (s.Length == 0) return member;
        return char.ToLowerInvariant(s[0]) + s[1..];
    }
}
