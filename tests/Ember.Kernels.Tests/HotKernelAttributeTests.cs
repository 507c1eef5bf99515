using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Kernels.Tests;

/// <summary>
/// The kernels the W1 loop spends its time in must be JIT-compiled fully optimized on their first call
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): under .NET's default tiered JIT, tier-0 SIMD code is
/// several times slower and stays for thousands of steps (bench/README.md, "Tiered compilation"). A structural guard,
/// not a timing test: it fails when the attribute is dropped from one of these methods.
/// </summary>
public class HotKernelAttributeTests
{
    public static TheoryData<Type, string> HotMethods() => new()
    {
        { typeof(SoftmaxKernel), "Run" },
        { typeof(CascadeSum), "Cascade" },
        { typeof(CascadeSum), "Columns" },
        { typeof(Float32Math), "Map" }, // ExpD/LogD are inlined into it (issue 13's speed work)
        { typeof(ActivationBackward), "LogSoftmax" },
        { typeof(ActivationBackward), "Relu" },
        { typeof(Reduce), "Sum" },
        { typeof(OptimizerKernels), "Adam" },
        { typeof(ElementwiseDriver), "Walk" },
    };

    [Theory]
    [MemberData(nameof(HotMethods))]
    public void HotKernelIsAggressivelyOptimized(Type type, string name)
    {
        MethodInfo[] methods = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.Name == name).ToArray();
        Assert.NotEmpty(methods);
        Assert.All(methods, m => Assert.True(
            m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"{type.Name}.{m} lacks [MethodImpl(MethodImplOptions.AggressiveOptimization)]"));
    }
}
