using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Ember.Tests.Docs;

namespace Ember.Tests.Packaging;

/// <summary>
/// What a consumer of the NuGet packages relies on, read from the project files: every library under <c>src/</c> is
/// packed (a dependency that is not packed makes the package fail to restore with NU1101), nothing else is, and the
/// examples need no app-wide runtime switch. <c>.ci/package-smoke.sh</c> packs for real and runs a consumer app.
/// </summary>
public class PackagingTests
{
    private static readonly string s_root = OpsIndex.RepoRoot();

    private static IEnumerable<string> Projects(string folder) =>
        Directory.EnumerateFiles(Path.Combine(s_root, folder), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}",
                StringComparison.Ordinal));

    /// <summary>The values of every <paramref name="property"/> element in an MSBuild file.</summary>
    private static string[] Property(string file, string property) =>
        XDocument.Load(file).Descendants(property).Select(e => e.Value.Trim()).ToArray();

    [Fact]
    public void EveryProjectUnderSrcIsPackable()
    {
        string props = Path.Combine(s_root, "src", "Directory.Build.props");
        Assert.Equal(["true"], Property(props, "IsPackable"));
        Assert.Contains("MIT", Property(props, "PackageLicenseExpression"));
        Assert.Single(Property(props, "VersionPrefix"));
        Assert.Contains("snupkg", Property(props, "SymbolPackageFormat"));
        string[] projects = Projects("src").ToArray();
        Assert.Contains(projects, p => Path.GetFileName(p) == "Ember.csproj");
        Assert.Contains(projects, p => Path.GetFileName(p) == "Ember.Kernels.csproj");
        foreach (string project in projects)
        {
            // A project may not opt out, nor set its own version (one version for all packages).
            Assert.True(Property(project, "IsPackable").All(v => v == "true"), $"{project} sets IsPackable");
            Assert.Empty(Property(project, "Version"));
            Assert.Empty(Property(project, "VersionPrefix"));
            Assert.Empty(Property(project, "PackageId"));
        }
    }

    [Fact]
    public void NothingOutsideSrcIsPackable()
    {
        Assert.Equal(["false"], Property(Path.Combine(s_root, "Directory.Build.props"), "IsPackable"));
        string[] projects = new[] { "examples", "tests", "bench", "tools" }.SelectMany(Projects).ToArray();
        Assert.NotEmpty(projects);
        foreach (string project in projects)
            Assert.True(Property(project, "IsPackable").All(v => v == "false"), $"{project} sets IsPackable");
    }

    /// <summary>
    /// The examples are what users copy: they run with .NET's default runtime settings (tiered compilation on), so
    /// no app needs an app-wide switch to use Ember (bench/README.md, "Tiered compilation", has the measurements).
    /// </summary>
    [Fact]
    public void ExamplesDoNotSetRuntimeSwitches()
    {
        string[] projects = Projects("examples").ToArray();
        Assert.NotEmpty(projects);
        foreach (string project in projects)
        {
            Assert.Empty(Property(project, "TieredCompilation"));
            Assert.Empty(Property(project, "TieredPGO"));
            Assert.Empty(Property(project, "TieredCompilationQuickJitForLoops"));
        }
    }

    /// <summary>
    /// Issue 12: the GC settings Ember's allocation pattern needs reach every app. The package carries them as
    /// buildTransitive/EmberML.props (NuGet imports it into direct and transitive consumers); the examples, which
    /// reference the project instead, import the same file through examples/Directory.Build.props.
    /// </summary>
    [Fact]
    public void TheGcDefaultsArePackedAndReachTheExamples()
    {
        string props = Path.Combine(s_root, "src", "Ember", "buildTransitive", "EmberML.props");
        XDocument doc = XDocument.Load(props);
        string[] options = doc.Descendants("RuntimeHostConfigurationOption")
            .Select(e => (string)e.Attribute("Include")!).ToArray();
        Assert.Contains("System.GC.LOHThreshold", options);
        Assert.Equal(["2097152"], Property(props, "EmberGCLOHThreshold"));

        XElement packed = XDocument.Load(Path.Combine(s_root, "src", "Ember", "Ember.csproj")).Descendants("None")
            .Single(e => (string?)e.Attribute("Include") == "buildTransitive/EmberML.props");
        Assert.Equal("true", (string?)packed.Attribute("Pack"));
        Assert.Equal("buildTransitive/", (string?)packed.Attribute("PackagePath"));

        string examples = File.ReadAllText(Path.Combine(s_root, "examples", "Directory.Build.props"));
        Assert.Contains("../src/Ember/buildTransitive/EmberML.props", examples, StringComparison.Ordinal);
    }

    [Fact]
    public void PackagesCarryTheLicenceAndReadme()
    {
        Assert.True(File.Exists(Path.Combine(s_root, "LICENSE")));
        Assert.StartsWith("MIT License", File.ReadAllText(Path.Combine(s_root, "LICENSE")), StringComparison.Ordinal);
        string readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        Assert.Contains("## Use Ember in your project", readme, StringComparison.Ordinal);
        Assert.Contains("<!-- consumer-program: begin -->", readme, StringComparison.Ordinal);
    }
}
