using System;
using System.IO;
using System.Linq;

namespace Ember.Tests.Docs;

/// <summary>
/// docs/adding-an-op.md shows excerpts of real code rather than a program: every C# line it shows must still stand,
/// word for word, in src/ or tests/, so the walkthrough cannot drift from the code it walks through.
/// </summary>
public class ExcerptTests
{
    [Fact]
    public void AddingAnOpShowsCodeThatExists()
    {
        string root = OpsIndex.RepoRoot();
        string source = string.Join("\n", new[] { "src", "tests" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Select(File.ReadAllText)).Replace(" ", "", StringComparison.Ordinal);
        var lines = MarkdownSnippets.Extract(Path.Combine(root, "docs", "adding-an-op.md"))
            .SelectMany(s => s.Code.Split('\n'))
            .Select(l => l.Trim())
            .Where(l => l.Length > 1 && !l.StartsWith("//", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(lines);
        var missing = lines.Where(l => !source.Contains(l.Replace(" ", "", StringComparison.Ordinal),
            StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0,
            "docs/adding-an-op.md shows lines not in src/ or tests/:\n" + string.Join("\n", missing));
    }
}
