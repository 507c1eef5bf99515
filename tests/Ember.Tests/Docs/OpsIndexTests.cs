using System;
using System.IO;
using System.Linq;

namespace Ember.Tests.Docs;

/// <summary>docs/ops.md is generated from the source and must be current.</summary>
public class OpsIndexTests
{
    [Fact]
    public void OpsIndexIsCurrent()
    {
        string root = OpsIndex.RepoRoot();
        string path = Path.Combine(root, "docs", "ops.md");
        string generated = OpsIndex.Render(OpsIndex.Collect(root));
        if (Environment.GetEnvironmentVariable("EMBER_UPDATE_DOCS") == "1") File.WriteAllText(path, generated);
        string committed = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal)
            : "";
        Assert.True(committed == generated,
            "docs/ops.md is stale (a node class, its name, summary or file changed). Regenerate it " +
            $"with: {OpsIndex.RegenerateCommand}");
    }

    [Fact]
    public void EveryNodeHasANameAFormulaAndAnApi()
    {
        var entries = OpsIndex.Collect(OpsIndex.RepoRoot());
        Assert.True(entries.Count > 90, $"only {entries.Count} node classes found");
        Assert.All(entries,
            e => Assert.False(string.IsNullOrWhiteSpace(e.Formula), $"{e.Class} has no <summary> formula"));
        var noName = entries.Where(e => e.TorchNames.Length == 0).Select(e => e.Class).ToArray();
        Assert.Empty(noName);
    }
}
