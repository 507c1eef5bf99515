using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Ember.Tests.Architecture;

/// <summary>
/// The methods a training step runs (W1: Linear, ReLU, cross-entropy, backward, Adam) carry
/// <see cref="MethodImplOptions.AggressiveOptimization"/>, so an app with the default tiered JIT runs optimized code
/// from its first steps instead of tier-0 code until the runtime's delayed recompiles (docs/design-notes.md, issue 18).
/// A structural guard over a sample of them, not a timing test: it fails when the attribute is dropped.
/// </summary>
public class HotPathAttributeTests
{
    public static TheoryData<string, string> HotMethods() => new()
    {
        { "Ember.Core.RawOps", "Addmm" },
        { "Ember.NN.Linear", "Forward" },
        { "Ember.Graph.Engine", "Accumulate" },
        { "Ember.Optim.Optimizer", "StepParameter" },
        { "Ember.Tensor", "GradientEdge" },
        // Small methods a step calls through non-inlined sites: without the attribute they ran as tier-0 code and
        // joined the runtime's late instrumented/tier-1 recompile wave (JitTrace, steps ~5000-10,000 of W1).
        { "Ember.Tensor", "get_Raw" },
        { "Ember.Tensor", "get_DType" },
        { "Ember.Autograd", "get_IsGradEnabled" },
        { "Ember.Core.RawTensor", "get_DType" },
        { "Ember.Core.RawTensor", "Empty" },
        { "Ember.Core.Storage", "Create" },
        { "Ember.Core.Shapes", "IsContiguous" },
        { "Ember.Core.RawOps", "NllLossNd" },
        { "Ember.Core.RawOps", "Cast" },
        { "Ember.DTypeDispatch", "Stored" },
        { "Ember.Graph.Engine", "MayOverwrite" },
        { "Ember.Graph.Node", "get_SequenceNr" },
        { "Ember.NN.Linear", "get_ParameterDType" },
        { "Ember.NN.ModuleBase", "get_ParameterDType" },
    };

    public static TheoryData<string> HotConstructors() => new()
    {
        "Ember.Tensor",
        "Ember.Core.RawTensor",
        "Ember.Graph.SavedTensor",
    };

    [Theory]
    [MemberData(nameof(HotMethods))]
    public void StepMethodIsAggressivelyOptimized(string typeName, string name)
    {
        Type type = typeof(Tensor).Assembly.GetType(typeName, throwOnError: true)!;
        MethodInfo[] methods = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
                | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name == name).ToArray();
        Assert.NotEmpty(methods);
        Assert.All(methods, m => Assert.True(
            m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"{typeName}.{m} lacks [MethodImpl(MethodImplOptions.AggressiveOptimization)]"));
    }

    [Theory]
    [MemberData(nameof(HotConstructors))]
    public void StepConstructorIsAggressivelyOptimized(string typeName)
    {
        Type type = typeof(Tensor).Assembly.GetType(typeName, throwOnError: true)!;
        ConstructorInfo[] ctors = type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic
            | BindingFlags.Instance);
        Assert.NotEmpty(ctors);
        Assert.Contains(ctors, c => c.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization));
    }
}
