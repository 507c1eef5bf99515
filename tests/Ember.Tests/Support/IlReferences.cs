using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace Ember.Tests.Support;

/// <summary>Which parts of a type <see cref="IlReferences.Of"/> reads.</summary>
public enum ReferenceScope
{
    /// <summary>
    /// Declarations only: base type, interfaces, generic constraints, attributes, fields, properties, events and
    /// method signatures. What a reader of the metadata sees without opening a method body.
    /// </summary>
    Signatures,

    /// <summary>Declarations plus the IL of every method body (closures and state machines included).</summary>
    SignaturesAndBodies,
}

/// <summary>
/// Lists every type a type refers to, for the architecture test. Declarations: base type, interfaces, generic
/// constraints (of the type and of its methods), custom attributes (with <c>typeof</c> arguments) on the type
/// and on every member, parameter and generic parameter, fields, properties, events, method and constructor
/// signatures (static constructor included). Bodies: locals, catch clauses and every type, method or field
/// token in the IL (calls, allocations, casts, <c>typeof</c>, field initializers, which compile into
/// constructors), with generic instantiations of types and methods unpacked. Compiler-generated nested types
/// (lambda closures, local-function display classes, iterator and async state machines) count as part of the
/// type that declares them; a real nested type is a type of its own (the architecture test visits it itself).
/// Not read: <c>calli</c> signatures (C# emits them only for function pointers, which Ember does not use).
/// </summary>
public static class IlReferences
{
    private static readonly Dictionary<short, OpCode> s_opcodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Whether the compiler, not a person, wrote this type (closures, state machines, ...).</summary>
    public static bool IsCompilerGenerated(Type type) =>
        type.Name.Contains('<', StringComparison.Ordinal)
        || type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false);

    /// <summary>The type a person wrote that owns <paramref name="type"/> (itself unless compiler-generated).</summary>
    public static Type Owner(Type type)
    {
        while (type.DeclaringType is { } outer && IsCompilerGenerated(type)) type = outer;
        return type;
    }

    /// <summary>
    /// The types <paramref name="type"/> (with its compiler-generated nested types) refers to, generic
    /// definitions and their arguments listed separately, array/pointer/by-ref types as their element type.
    /// </summary>
    public static IReadOnlySet<Type> Of(Type type, ReferenceScope scope = ReferenceScope.SignaturesAndBodies)
    {
        var result = new HashSet<Type>();
        Collect(type, scope, result, new HashSet<Type>());
        return result;
    }

    private static void Collect(Type type, ReferenceScope scope, HashSet<Type> result, HashSet<Type> seen)
    {
        void Add(Type? t)
        {
            if (t is null || !seen.Add(t)) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsFunctionPointer)
            {
                Add(t.GetFunctionPointerReturnType());
                foreach (var p in t.GetFunctionPointerParameterTypes()) Add(p);
                return;
            }
            if (t.IsGenericParameter)
            {
                foreach (var c in t.GetGenericParameterConstraints()) Add(c);
                Attributes(t.GetCustomAttributesData());
                return;
            }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                Add(t.GetGenericTypeDefinition());
                foreach (var a in t.GetGenericArguments()) Add(a);
                return;
            }
            result.Add(t);
        }
        void Attributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var a in attributes)
            {
                Add(a.AttributeType);
                foreach (var arg in a.ConstructorArguments.Concat(a.NamedArguments.Select(n => n.TypedValue)))
                    Argument(arg);
            }
        }
        void Argument(CustomAttributeTypedArgument arg)
        {
            Add(arg.ArgumentType);
            if (arg.Value is Type typeOf) Add(typeOf);
            else if (arg.Value is IEnumerable<CustomAttributeTypedArgument> items)
                foreach (var item in items) Argument(item);
        }
        void Signature(MethodBase m)
        {
            Add(m.DeclaringType);
            if (m is MethodInfo mi)
            {
                Add(mi.ReturnType);
                if (mi.IsGenericMethod) foreach (var g in mi.GetGenericArguments()) Add(g);
            }
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        if (type.IsGenericTypeDefinition) foreach (var g in type.GetGenericArguments()) Add(g);
        Attributes(type.GetCustomAttributesData());
        foreach (var f in type.GetFields(All))
        {
            Add(f.FieldType);
            Attributes(f.GetCustomAttributesData());
        }
        foreach (var p in type.GetProperties(All))
        {
            Add(p.PropertyType);
            Attributes(p.GetCustomAttributesData());
        }
        foreach (var e in type.GetEvents(All))
        {
            Add(e.EventHandlerType);
            Attributes(e.GetCustomAttributesData());
        }
        // GetConstructors with BindingFlags.Static includes the static constructor (static field initializers).
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            Signature(m);
            Attributes(m.GetCustomAttributesData());
            if (m is MethodInfo mi) Attributes(mi.ReturnParameter.GetCustomAttributesData());
            foreach (var p in m.GetParameters()) Attributes(p.GetCustomAttributesData());
            if (scope == ReferenceScope.Signatures || m.GetMethodBody() is not { } body) continue;
            foreach (var local in body.LocalVariables) Add(local.LocalType);
            foreach (var clause in body.ExceptionHandlingClauses)
                if (clause.Flags == ExceptionHandlingClauseOptions.Clause) Add(clause.CatchType);
            foreach (var member in BodyMembers(m, body))
            {
                switch (member)
                {
                    case Type t: Add(t); break;
                    case MethodBase mb: Signature(mb); break;
                    case FieldInfo fi: Add(fi.DeclaringType); Add(fi.FieldType); break;
                }
            }
        }
        foreach (var nested in type.GetNestedTypes(All))
            if (IsCompilerGenerated(nested)) Collect(nested, scope, result, seen);
    }

    private static IEnumerable<MemberInfo> BodyMembers(MethodBase method, MethodBody body)
    {
        byte[]? il = body.GetILAsByteArray();
        if (il is null) yield break;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int pos = 0;
        while (pos < il.Length)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            pos += il[pos] == 0xFE ? 2 : 1;
            OpCode op = s_opcodes[value];
            int operandSize = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pos),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType
                or OperandType.InlineTok)
            {
                // No catch: a token that cannot be resolved would be a reference the test silently skips.
                yield return method.Module.ResolveMember(BitConverter.ToInt32(il, pos), typeArgs, methodArgs)!;
            }
            pos += operandSize;
        }
    }
}
