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
}
