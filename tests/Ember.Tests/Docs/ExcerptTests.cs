using System;
using System.IO;
using System.Linq;

namespace Ember.Tests.Docs;

/// <summary>
/// Excerpts are shown, not compiled (docs/adding-an-op.md is all excerpts; other pages mark single blocks), so every
/// C# line an excerpt shows must still stand, word for word, in src/, tests/ or examples/: a walkthrough cannot drift
/// from the code it walks through, and marking a block as an excerpt is no way around the snippet test.
/// </summary>
public class ExcerptTests
{
    private static readonly Lazy<string> s_source = new(() =>
    {
        string root = OpsIndex.RepoRoot();
        return string.Join("\n", new[] { "src", "tests", "examples" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Select(File.ReadAllText)).Replace(" ", "", StringComparison.Ordinal);
    });

    public static TheoryData<string> Documents => ReadmeSnippetTests.Documents;

    [Theory]
    [MemberData(nameof(Documents))]
    public void ExcerptsShowCodeThatExists(string document)
    {
        var lines = MarkdownSnippets.Extract(Path.Combine(OpsIndex.RepoRoot(), document))
            .Where(s => s.Excerpt)
            .SelectMany(s => s.Code.Split('\n'))
            .Select(l => l.Trim())
            .Where(l => l.Length > 1 && !l.StartsWith("//", StringComparison.Ordinal))
            .ToArray();
        var missing = lines.Where(l => !s_source.Value.Contains(l.Replace(" ", "", StringComparison.Ordinal),
            StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0,
            $"{document} shows excerpt lines not in src/, tests/ or examples/:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void AddingAnOpIsExcerptsAndTheyAreChecked()
    {
        var snippets = MarkdownSnippets.Extract(Path.Combine(OpsIndex.RepoRoot(), "docs", "adding-an-op.md"));
        Assert.NotEmpty(snippets);
        Assert.All(snippets, s => Assert.True(s.Excerpt));
        Assert.Contains("docs/adding-an-op.md", Documents.Select(d => d.Data));
    }
}
