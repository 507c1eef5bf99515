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
        { typeof(Float32Math), "Log" }, // its vector loop; LogF is not always inlined into it
        { typeof(Float32Math), "Tail" },
        { typeof(Float32Math), "LogTail" },
        { typeof(LstmKernels), "CellBackward" }, // once per LSTM step in backward (issue 17)
        { typeof(LstmKernels), "HiddenBackward" },
        { typeof(LstmKernels), "CellBackwardRows" }, // every step of a chunk of rows in the sequence backward
        { typeof(GateMath), "Sigmoid" }, // the LSTM/GRU gates' span-level path (AVX2), every step
        { typeof(GateMath), "Tanh" },
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

    /// <summary>
    /// <see cref="MethodImplOptions.AggressiveInlining"/> is a hint: in a large vector loop the JIT may still call the
    /// helper, and without <see cref="MethodImplOptions.AggressiveOptimization"/> that call runs tier-0 code (the
    /// W1 loop spent a fifth of its tiered warm-up in <c>Float32Math.LogReduced</c> that way). So every vector
    /// helper of <see cref="Float32Math"/> carries both.
    /// </summary>
    [Fact]
    public void Float32MathVectorHelpersAreOptimizedWhenNotInlined()
    {
        MethodInfo[] helpers = typeof(Float32Math)
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveInlining))
            .ToArray();
        Assert.Contains(helpers, m => m.Name == "LogReduced");
        Assert.All(helpers, m => Assert.True(
            m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"Float32Math.{m} is AggressiveInlining without AggressiveOptimization"));
    }

    /// <summary>
    /// ReLU's span loop is Ember's own (not <c>TensorPrimitives.Max</c>, whose package is not precompiled and so
    /// ran as tier-0 code for thousands of steps) and is compiled optimized on its first call.
    /// </summary>
    [Fact]
    public void ReluSpanLoopIsAggressivelyOptimized()
    {
        MethodInfo invoke = typeof(ReluOperator<float>).GetMethod(
            "Invoke", [typeof(ReadOnlySpan<float>), typeof(Span<float>)])!;
        Assert.True(invoke.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization));
    }
}
