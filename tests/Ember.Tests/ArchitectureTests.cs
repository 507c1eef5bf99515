using System;
using System.Linq;
using System.Reflection;
using Ember.Kernels;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>Enforces the arrows of DESIGN.md: each layer refers only to the layers below it.</summary>
public class ArchitectureTests
{
    private static readonly Assembly s_core = typeof(Tensor).Assembly;
    private static readonly Assembly s_kernels = typeof(Gemm).Assembly;

    private static string[] Violations(string ns, params string[] forbidden) =>
        s_core.GetTypes()
            .Where(t => t.Namespace == ns || (t.Namespace?.StartsWith(ns + ".", StringComparison.Ordinal) ?? false))
            .SelectMany(t => IlReferences.Of(t).Where(r => r.Assembly == s_core && forbidden.Any(f => Matches(r, f)))
                .Select(r => $"{t.FullName} -> {r.FullName}"))
            .Distinct()
            .ToArray();

    private static bool Matches(Type t, string forbidden) =>
        forbidden.EndsWith('.') ? (t.Namespace + ".").StartsWith(forbidden, StringComparison.Ordinal) : t.FullName == forbidden;

    [Fact]
    public void KernelsDependOnTheBclAndSystemNumericsTensorsOnly()
    {
        var refs = s_kernels.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.DoesNotContain(refs, r => r.StartsWith("Ember", StringComparison.Ordinal));
        Assert.All(refs, r => Assert.True(r.StartsWith("System", StringComparison.Ordinal) || r == "netstandard", $"Ember.Kernels references {r}"));
    }

    [Fact]
    public void CoreReferencesNoTrainingOrUiAssembly()
    {
        var refs = s_core.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        string[] banned = ["Ember.Training", "ScottPlot", "Spectre.Console", "SkiaSharp", "TorchSharp"];
        Assert.DoesNotContain(refs, r => banned.Any(b => r.StartsWith(b, StringComparison.Ordinal)));
        Assert.All(refs.Where(r => !r.StartsWith("System", StringComparison.Ordinal)), r => Assert.True(r is "Ember.Kernels" or "netstandard", $"Ember references {r}"));
    }

    [Fact]
    public void RawTensorCoreKnowsNothingOfGraphsOrPublicTensors()
    {
        Assert.Empty(Violations("Ember.Core", "Ember.Tensor", "Ember.Parameter", "Ember.Autograd", "Ember.Graph.", "Ember.NN.", "Ember.Optim.", "Ember.Data."));
    }

    [Fact]
    public void OptimizersAndDataKnowNothingOfNN()
    {
        Assert.Empty(Violations("Ember.Optim", "Ember.NN.", "Ember.Data."));
        Assert.Empty(Violations("Ember.Data", "Ember.NN.", "Ember.Optim."));
    }

    [Fact]
    public void TheCheckerSeesReferencesInsideMethodBodies()
    {
        // A test that cannot fail is no test: NN's Linear calls Tensor.Addmm inside a method body only.
        Assert.NotEmpty(Violations("Ember.NN", "Ember.Graph."));
        Assert.Contains(IlReferences.Of(typeof(Ember.NN.F)), t => t == typeof(Tensor));
    }
}
