using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Ember.Kernels;
using Ember.Tests.Architecture;
using Ember.Tests.Architecture.Planted;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>
/// Enforces DESIGN.md's layers as allow-lists (<see cref="Layers"/>): each layer names what it may use and
/// anything else fails, in signatures and in method bodies; assemblies reference only what their rule allows;
/// the public surface shows no core or Kernels type. Self-checks plant references that must be caught.
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly s_ember = typeof(Tensor).Assembly;
    private static readonly Assembly s_kernels = typeof(Gemm).Assembly;
    private static readonly LayerChecker s_checker = new(Layers.All);

    private static readonly Lazy<IReadOnlyList<string>> s_violations = new(() =>
        s_checker.Violations(ScannedTypes(), ReferenceScope.SignaturesAndBodies));

    private static IEnumerable<Type> ScannedTypes() => Layers.Assemblies
        .Select(r => Assembly.Load(r.Assembly)).SelectMany(LayerChecker.WrittenTypes);

    private static string Lines(IEnumerable<string> items) => string.Join(Environment.NewLine, items);

    [Fact]
    public void EveryReferenceIsOnItsLayersAllowList()
    {
        var unexpected = s_violations.Value.Except(Layers.KnownViolations).ToList();
        Assert.True(unexpected.Count == 0, "References outside the layer allow-lists (fix the reference, not the "
            + "list; see docs/design-notes.md, Layering):" + Environment.NewLine + Lines(unexpected));
    }

    [Fact]
    public void EveryKnownViolationStillOccurs()
    {
        var fixedOnes = Layers.KnownViolations.Except(s_violations.Value).ToList();
        Assert.True(fixedOnes.Count == 0, "Fixed, so delete from Layers.KnownViolations:" + Environment.NewLine
            + Lines(fixedOnes));
        Assert.Equal(Layers.KnownViolations.Length, Layers.KnownViolations.Distinct().Count());
    }

    [Fact]
    public void LayersPointDownAndEachOwnsCode()
    {
        for (int i = 0; i < Layers.All.Length; i++)
        {
            var below = Layers.All.Take(i).Select(l => l.Name).ToHashSet();
            Assert.All(Layers.All[i].MayUse, used => Assert.True(below.Contains(used),
                $"{Layers.All[i].Name} may use {used}, which is not listed below it: arrows point down only."));
        }
        var owners = ScannedTypes().Select(s_checker.LayerOf).ToHashSet();
        Assert.All(Layers.All.Where(l => l.Members.Any(m => m.StartsWith("Ember", StringComparison.Ordinal))),
            l =>
            Assert.True(owners.Contains(l),
            $"Layer {l.Name} owns no type of the library: remove it or fix its members."));
        // A member that names neither a type nor a namespace of the scanned code is stale.
        var namespaces = ScannedTypes().Select(t => t.Namespace).OfType<string>().ToHashSet();
        // Types named by a layer may live in any scanned assembly (Ember.DataFrame's are in Ember.Interop).
        var typeNames = ScannedTypes().Select(t => t.FullName).OfType<string>().ToHashSet();
        var stale = Layers.All.SelectMany(l => l.Members)
            .Where(m => m.StartsWith("Ember", StringComparison.Ordinal) && s_ember.GetType(m) is null
                && s_kernels.GetType(m) is null && !typeNames.Contains(m)
                && !namespaces.Any(n => n == m || n.StartsWith(m + ".", StringComparison.Ordinal)));
        Assert.Empty(stale);
    }

    public static TheoryData<string> AssemblyRuleNames() => [.. Layers.Assemblies.Select(r => r.Assembly)];

    [Theory]
    [MemberData(nameof(AssemblyRuleNames))]
    public void AssemblyReferencesOnlyWhatItsRuleAllows(string assembly)
    {
        var rule = Layers.Assemblies.Single(r => r.Assembly == assembly);
        var references = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(rule.Allows(r), $"{assembly} references {r}"));
    }

    [Fact]
    public void EveryLibraryAssemblyHasARuleAndTheRulesSeeReferences()
    {
        var library = typeof(ArchitectureTests).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!).Where(n => n.StartsWith("Ember", StringComparison.Ordinal));
        Assert.All(library, n => Assert.Contains(Layers.Assemblies, r => r.Assembly == n));
        // Not vacuous: the one reference between library assemblies is seen, and a rule rejects what it omits.
        Assert.Contains(s_ember.GetReferencedAssemblies(), a => a.Name == "Ember.Kernels");
        Assert.False(Layers.Assemblies.Single(r => r.Assembly == "Ember.Kernels").Allows("Ember"));
    }

    [Fact]
    public void CoreAssembliesNeitherReferenceNorAllowOptionalAssemblies()
    {
        // Optional assemblies may build on the ones below them (Ember.Distributed on Ember.Training), as their rows in
        // Layers.Assemblies allow; the core ones may use none.
        foreach (var rule in Layers.Assemblies.Where(r => !Layers.OptionalAssemblies.Contains(r.Assembly)))
        {
            var references = Assembly.Load(rule.Assembly).GetReferencedAssemblies().Select(a => a.Name!);
            Assert.Empty(references.Intersect(Layers.OptionalAssemblies));
            Assert.All(Layers.OptionalAssemblies, o => Assert.False(rule.Allows(o), $"{rule.Assembly} may use {o}"));
        }
    }

    [Fact]
    public void PublicSurfaceExposesNoCoreKernelsOrNumericsTensorsType()
    {
        var exported = s_ember.GetExportedTypes();
        Assert.NotEmpty(exported);
        var found = PublicSurface.Violations(exported.Where(t => !IsInterop(t)), HiddenFromUsers)
            .Concat(PublicSurface.Violations(exported.Where(IsInterop),
                t => HiddenFromUsers(t) && !IsNumericsTensors(t)));
        Assert.Empty(found);
    }

    private static bool IsInterop(Type t) => InNamespace(t, "Ember.Interop");
    private static bool IsNumericsTensors(Type t) => InNamespace(t, "System.Numerics.Tensors");

    private static bool HiddenFromUsers(Type t) =>
        t.Assembly == s_kernels || InNamespace(t, "Ember.Core") || IsNumericsTensors(t);

    private static bool InNamespace(Type t, string ns) =>
        t.Namespace is { } n && (n == ns || n.StartsWith(ns + ".", StringComparison.Ordinal));

    // Self-checks: a checker that cannot fail is no check.

    private static readonly Layer s_planted = new("Planted", ["Ember.Tests.Architecture.Planted"],
        Layers.Named("Core").MayUse);

    private static readonly LayerChecker s_plantedChecker = new([.. Layers.All, s_planted]);

    /// <summary>Planted type, the forbidden type it names, and whether only a method body names it.</summary>
    public static TheoryData<Type, string, bool> PlantedReferences() => new()
    {
        { typeof(InMethodBody), "Ember.Tensor", true },
        { typeof(InCapturingLambda), "Ember.Tensor", true },
        { typeof(InStaticLambda), "Ember.Autograd", true },
        { typeof(InLocalFunction), "Ember.Tensor", true },
        { typeof(InStaticInitializer), "Ember.Tensor", true },
        { typeof(InFieldInitializer), "Ember.Parameter", true },
        { typeof(InPropertyAccessor), "Ember.Tensor", true },
        { typeof(InEventAccessor), "Ember.Tensor", true },
        { typeof(InGenericTypeInstantiation), "Ember.TensorIndex", true },
        { typeof(InGenericMethodInstantiation), "Ember.GradModeScope", true },
        { typeof(InTypeOf), "Ember.Parameter", true },
        { typeof(InCatchClause), "Ember.GradCheckException", true },
        { typeof(InIterator), "Ember.Tensor", true },
        { typeof(InAsyncMethod), "Ember.Tensor", true },
        { typeof(WithNestedType.Inner), "Ember.Tensor", true },
        { typeof(InAttribute), "Ember.Tensor", false },
        { typeof(InGenericConstraint<>), "Ember.Tensor", false },
    };

    [Theory]
    [MemberData(nameof(PlantedReferences))]
    public void CheckerFindsAPlantedReference(Type planted, string forbidden, bool bodyOnly)
    {
        string expected = $"{LayerChecker.NameOf(planted)} -> {forbidden}";
        Assert.Contains(expected, s_plantedChecker.Violations([planted], ReferenceScope.SignaturesAndBodies));
        var signaturesOnly = s_plantedChecker.Violations([planted], ReferenceScope.Signatures);
        if (bodyOnly) Assert.DoesNotContain(expected, signaturesOnly);
        else Assert.Contains(expected, signaturesOnly);
    }

    [Fact]
    public void CheckerReportsExactlyThePlantedReferences()
    {
        var planted = LayerChecker.WrittenTypes(typeof(InMethodBody).Assembly)
            .Where(t => t.Namespace == s_planted.Members[0]).ToList();
        Assert.Contains(typeof(Allowed), planted);
        var expected = new SortedSet<string>(StringComparer.Ordinal)
        {
            "Ember.Tests.Architecture.Planted.InFieldInitializer -> Ember.Tensor",
        };
        foreach (var row in PlantedReferences())
            expected.Add($"{LayerChecker.NameOf(row.Data.Item1)} -> {row.Data.Item2}");
        Assert.Equal(expected, s_plantedChecker.Violations(planted, ReferenceScope.SignaturesAndBodies));
    }

    [Fact]
    public void PublicSurfaceCheckFindsPlantedKernelsTypes()
    {
        Type[] planted = [typeof(SurfaceParameter), typeof(SurfaceProtected), typeof(SurfaceGenericArgument),
            typeof(SurfaceAttribute), typeof(SurfaceHidden)];
        string[] expected =
        [
            "Ember.Tests.Architecture.Planted.SurfaceAttribute -> Ember.Kernels.Gemm",
            "Ember.Tests.Architecture.Planted.SurfaceGenericArgument.Run -> Ember.Kernels.ConvGeometry",
            "Ember.Tests.Architecture.Planted.SurfaceParameter.Run -> Ember.Kernels.ConvGeometry",
            "Ember.Tests.Architecture.Planted.SurfaceProtected.Geometry -> Ember.Kernels.ConvGeometry",
            "Ember.Tests.Architecture.Planted.SurfaceProtected.get_Geometry -> Ember.Kernels.ConvGeometry",
        ];
        Assert.Equal(expected, PublicSurface.Violations(planted, HiddenFromUsers));
    }
}
