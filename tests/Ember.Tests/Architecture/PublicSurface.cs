using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace Ember.Tests.Architecture;

/// <summary>
/// Lists the types a user can see through public types: base types, interfaces, generic constraints, attributes
/// (with <c>typeof</c> arguments), and the signatures and attributes of every public or protected (or protected
/// internal) member. Private protected and internal members are not part of the surface.
/// </summary>
public static class PublicSurface
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>
    /// Every "Type.Member -> ForbiddenType" where a visible part of <paramref name="types"/> names a forbidden type.
    /// </summary>
    public static IReadOnlyList<string> Violations(IEnumerable<Type> types, Func<Type, bool> forbidden)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in types.Where(t => t.IsVisible))
        {
            void Report(string where, IEnumerable<Type> seen)
            {
                foreach (var t in seen.Where(forbidden)) found.Add($"{where} -> {LayerChecker.NameOf(t)}");
            }
            string name = LayerChecker.NameOf(type);
            if (forbidden(type)) found.Add($"{name} (the type itself)");
            Report(name, Unpack(type.BaseType));
            Report(name, type.GetInterfaces().SelectMany(Unpack));
            Report(name, Generics(type.IsGenericTypeDefinition ? type.GetGenericArguments() : []));
            Report(name, Attributes(type.GetCustomAttributesData()));
            foreach (var member in type.GetMembers(Declared).Where(IsVisible))
                Report($"{name}.{member.Name}", MemberTypes(member));
        }
        return found.ToList();
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(IsVisible),
        EventInfo e => e.AddMethod is { } add && IsVisible(add),
        // Nested types are visited as types of their own (IsVisible filters them).
        _ => false,
    };

    private static List<Type> MemberTypes(MemberInfo member)
    {
        var types = new List<Type>(Attributes(member.GetCustomAttributesData()));
        switch (member)
        {
            case FieldInfo f: types.AddRange(Unpack(f.FieldType)); break;
            case PropertyInfo p:
                types.AddRange(Unpack(p.PropertyType));
                foreach (var i in p.GetIndexParameters()) types.AddRange(Unpack(i.ParameterType));
                break;
            case EventInfo e: types.AddRange(Unpack(e.EventHandlerType)); break;
            case MethodBase m:
                if (m is MethodInfo mi)
                {
                    types.AddRange(Unpack(mi.ReturnType));
                    types.AddRange(Attributes(mi.ReturnParameter.GetCustomAttributesData()));
                    if (mi.IsGenericMethodDefinition) types.AddRange(Generics(mi.GetGenericArguments()));
                }
                foreach (var p in m.GetParameters())
                {
                    types.AddRange(Unpack(p.ParameterType));
                    types.AddRange(Attributes(p.GetCustomAttributesData()));
                }
                break;
        }
        return types;
    }

    private static IEnumerable<Type> Generics(Type[] parameters) =>
        parameters.SelectMany(g => g.GetGenericParameterConstraints().SelectMany(Unpack)
            .Concat(Attributes(g.GetCustomAttributesData())));

    private static IEnumerable<Type> Attributes(IEnumerable<CustomAttributeData> attributes)
    {
        foreach (var a in attributes)
        {
            foreach (var t in Unpack(a.AttributeType)) yield return t;
            foreach (var arg in a.ConstructorArguments.Concat(a.NamedArguments.Select(n => n.TypedValue)))
            {
                var values = arg.Value is IEnumerable<CustomAttributeTypedArgument> items ? items.Append(arg) : [arg];
                foreach (var v in values)
                {
                    foreach (var t in Unpack(v.ArgumentType)) yield return t;
                    if (v.Value is Type typeOf) foreach (var t in Unpack(typeOf)) yield return t;
                }
            }
        }
    }

    /// <summary>A type with its element type and generic arguments, recursively; skips generic parameters.</summary>
    private static IEnumerable<Type> Unpack(Type? type)
    {
        if (type is null || type.IsGenericParameter) yield break;
        if (type.HasElementType)
        {
            foreach (var t in Unpack(type.GetElementType())) yield return t;
            yield break;
        }
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            foreach (var t in type.GetGenericArguments().SelectMany(Unpack)) yield return t;
    }
}
