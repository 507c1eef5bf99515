using System;
using System.Collections.Generic;
using System.IO;
using Ember.Tests.Support;

namespace Ember.Tests.Docs;

/// <summary>
/// The C# blocks of the repository's markdown files, read from the files themselves, compiled and run
/// (<see cref="MarkdownSnippets"/>), so the documentation cannot drift from the API. Console output is redirected
/// while they run, hence the serial collection.
/// </summary>
[Collection(SerialCollection.Name)]
public class ReadmeSnippetTests
{
    /// <summary>Markdown files whose C# blocks must compile and run; a new document is one more row.</summary>
    public static TheoryData<string> Documents => new() { "README.md", "docs/io.md", "docs/onnx.md" };

    /// <summary>Checks that run after a section's last block, in its scope; they test what the prose claims.</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> s_checks = new()
    {
        ["README.md"] = new()
        {
            ["Seeing the graph"] = """
                Xunit.Assert.Equal("NllLossBackward0", loss.GradFn!.ToString());
                Xunit.Assert.Equal("(LogSoftmaxBackward0, 0)", loss.GradFn.NextFunctions[0].ToString());
                """,
            ["More of the PyTorch way"] = """
                Xunit.Assert.Equal(new[] { 2, 2 }, rows.Shape.ToArray());
                Xunit.Assert.Equal(0f, x[2, 0].Item<float>());
                Xunit.Assert.Equal(new[] { 4, 2 }, idx.Shape.ToArray());
                Xunit.Assert.Equal(new[] { 8, 5 }, y.Shape.ToArray());
                Xunit.Assert.NotNull(g.GradFn);
                Xunit.Assert.Equal("CopySlices", h.GradFn!.Name);
                h.Sum().Backward();
                Xunit.Assert.Equal(new[] { 10f, 1f, 1f }, w.Grad!.ToArray<float>());
                """,
        },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void CodeBlocksCompileRunAndPrintWhatTheDocumentShows(string document) =>
        MarkdownSnippets.Run(RepositoryFile(document), s_checks.GetValueOrDefault(document));

    [Fact]
    public void ReadmeHasRunnableCompileOnlyAndOutputBlocks()
    {
        var snippets = MarkdownSnippets.Extract(RepositoryFile("README.md"));
        Assert.Contains(snippets, s => !s.CompileOnly);
        Assert.Contains(snippets, s => s.CompileOnly);
        Assert.Contains(snippets, s => s.ExpectedOutput is not null);
    }

    /// <summary>A marker the harness does not know fails loudly instead of being ignored.</summary>
    [Fact]
    public void UnknownMarkersAreErrors() => WithDocument(
        "<!-- snippet: compile-onyl -->\n```csharp\nvar a = 1;\n```\n",
        path => Assert.Throws<FormatException>(() => MarkdownSnippets.Extract(path)));

    /// <summary>The harness's own checks: it catches a wrong output and a block that does not compile.</summary>
    [Fact]
    public void WrongOutputAndBrokenCodeFail()
    {
        WithDocument("```csharp\nConsole.WriteLine(1 + 1);\n```\n<!-- snippet: output -->\n```\n3\n```\n",
            path => Assert.Contains("the document shows", Fails(path)));
        WithDocument("```csharp\nvar t = Tensor.NoSuchMethod();\n```\n",
            path => Assert.Contains("does not compile", Fails(path)));
    }

    /// <summary>Compile-only blocks never run; a continued block sees the first one's variables; types hoist.</summary>
    [Fact]
    public void CompileOnlyBlocksDoNotRunAndContinuedBlocksShareTheirScope()
    {
        const string doc = """
            ```csharp
            sealed class Twice { public static int Of(int v) => 2 * v; }
            var a = Twice.Of(21);
            ```
            <!-- snippet: compile-only -->
            ```csharp
            throw new InvalidOperationException("compile-only blocks must not run");
            ```
            <!-- snippet: continues -->
            ```csharp
            Console.WriteLine(a);
            ```
            <!-- snippet: output -->
            ```
            42
            ```
            """;
        WithDocument(doc, path => Assert.Equal("42\n", MarkdownSnippets.Run(path)[2]!.Replace("\r", "")));
    }

    private static string Fails(string path) => Assert.ThrowsAny<Exception>(() => MarkdownSnippets.Run(path)).Message;

    private static void WithDocument(string markdown, Action<string> check)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ember-snippet-{Guid.NewGuid():N}.md");
        File.WriteAllText(path, markdown);
        try { check(path); }
        finally { File.Delete(path); }
    }

    /// <summary>The file at the repository root (found upward from the test binaries).</summary>
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ember.sln")))
                return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException("no Ember.sln above " + AppContext.BaseDirectory);
    }
}
