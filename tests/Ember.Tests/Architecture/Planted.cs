// Test-only types for the architecture test's self-check; nothing calls them. Each one refers to a type that the
// Core layer's allow-list forbids (Ember.Tensor and friends) exactly once, in the place its name says. The
// self-check scans them with Core's allow-list and asserts each reference is found, and that the body-only ones
// are invisible to a signature-only scan (so the check proves that method bodies are read).
// Deliberately odd code (static members of generic types, public nested types, unused members): no style or
// analyzer advice applies here, so none may break the build when analyzers are switched on.
#pragma warning disable
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Ember.Kernels;

namespace Ember.Tests.Architecture.Planted;

/// <summary>The reference is a static call inside a method body.</summary>
public static class InMethodBody
{
    public static int Run() => Tensor.Zeros(2).Dim;
}

/// <summary>The reference is inside a lambda that captures a local, so it lives in a closure class.</summary>
public static class InCapturingLambda
{
    public static int Run(int n)
    {
        Func<int> f = () => Tensor.Zeros(n).Dim;
        return f();
    }
}

/// <summary>The reference is inside a non-capturing lambda (the compiler's cached <c>&lt;&gt;c</c> class).</summary>
public static class InStaticLambda
{
    public static int Run() => ((Func<int>)(static () => Autograd.IsGradEnabled ? 1 : 0))();
}

/// <summary>The reference is inside a local function.</summary>
public static class InLocalFunction
{
    public static int Run()
    {
        return Local();
        static int Local() => Tensor.Ones(1).Dim;
    }
}

/// <summary>The reference is in a static field initializer (compiled into the static constructor).</summary>
public static class InStaticInitializer
{
    private static readonly object s_value = Tensor.Zeros(1);

    public static object Value => s_value;
}

/// <summary>The reference is in an instance field initializer (compiled into the constructor).</summary>
public sealed class InFieldInitializer
{
    private readonly object _value = new Parameter(Tensor.Zeros(1));

    public object Value => _value;
}

/// <summary>The reference is inside a property getter.</summary>
public sealed class InPropertyAccessor
{
    public int Rank => Tensor.Zeros(3).Dim;
}

/// <summary>The reference is inside custom event accessors.</summary>
public sealed class InEventAccessor
{
    public event EventHandler? Changed
    {
        add => GC.KeepAlive(Tensor.Zeros(1));
        remove { }
    }
}

/// <summary>The reference is only a generic argument of a type constructed in a body.</summary>
public static class InGenericTypeInstantiation
{
    public static int Run() => new List<TensorIndex>().Count;
}

/// <summary>The reference is only a generic argument of a method called in a body (not in its signature).</summary>
public static class InGenericMethodInstantiation
{
    public static int Run() => Unsafe.SizeOf<GradModeScope>();
}

/// <summary>The reference is a <c>typeof</c> in a body.</summary>
public static class InTypeOf
{
    public static string Run() => typeof(Parameter).Name;
}

/// <summary>The reference is a catch clause.</summary>
public static class InCatchClause
{
    public static bool Run(Action a)
    {
        try { a(); return true; }
        catch (GradCheckException) { return false; }
    }
}

/// <summary>The reference is inside an iterator (a compiler-generated state machine).</summary>
public static class InIterator
{
    public static IEnumerable<int> Run()
    {
        yield return Tensor.Zeros(2).Dim;
    }
}

/// <summary>The reference is inside an async method after an await (another state machine).</summary>
public static class InAsyncMethod
{
    public static async Task<int> Run()
    {
        await Task.Yield();
        return Tensor.Zeros(2).Dim;
    }
}

/// <summary>The reference is inside a method of a (real) nested type.</summary>
public static class WithNestedType
{
    public static class Inner
    {
        public static int Run() => Tensor.Zeros(2).Dim;
    }
}

/// <summary>Marks a type with another type, for <see cref="InAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class MarkAttribute(Type marked) : Attribute
{
    public Type Marked { get; } = marked;
}

/// <summary>The reference is a <c>typeof</c> argument of an attribute on a method: metadata, not a body.</summary>
public static class InAttribute
{
    [Mark(typeof(Tensor))]
    public static int Run() => 0;
}

/// <summary>The reference is a generic constraint: metadata, not a body.</summary>
public static class InGenericConstraint<T>
    where T : Tensor
{
    public static int Run() => 0;
}

/// <summary>A type that uses only what Core may use: the self-check asserts it is not reported.</summary>
public static class Allowed
{
    public static int Run() => DType.Float32.GetHashCode() + GC.MaxGeneration;
}

// Public-surface plants: each names a Kernels type in the place its name says (or hides it, where the name says).

/// <summary>Exposes a Kernels type as a method parameter.</summary>
public static class SurfaceParameter
{
    public static void Run(ConvGeometry geometry) => GC.KeepAlive(geometry);
}

/// <summary>Exposes a Kernels type through a protected property of an unsealed type.</summary>
public abstract class SurfaceProtected
{
    protected abstract ConvGeometry Geometry { get; }
}

/// <summary>Exposes a Kernels type as a generic argument of a return type.</summary>
public static class SurfaceGenericArgument
{
    public static List<ConvGeometry> Run() => [];
}

/// <summary>Exposes a Kernels type through an attribute's <c>typeof</c> argument.</summary>
[Mark(typeof(Gemm))]
public static class SurfaceAttribute;

/// <summary>Hides a Kernels type behind private protected and internal members: not part of the surface.</summary>
public abstract class SurfaceHidden
{
    private protected abstract ConvGeometry Geometry { get; }

    internal static ConvGeometry Make() => default;

    /// <summary>A body may use it: bodies are not surface.</summary>
    public static int Run() => Make().GetHashCode();
}
