using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Ember.Tests.Docs;

/// <summary>
/// A <c>```csharp</c> block of a markdown file. An HTML comment on the line just before a fence marks a block
/// (several markers may share one comment, separated by commas):
/// <list type="bullet">
/// <item><c>&lt;!-- snippet: compile-only --&gt;</c>: compiled, never run (fragments, or code that needs files
/// the test machine does not have);</item>
/// <item><c>&lt;!-- snippet: continues --&gt;</c>: runs in the scope of the block before it, so it sees that block's
/// variables (otherwise each block is its own scope);</item>
/// <item><c>&lt;!-- snippet: output --&gt;</c> before a plain fenced block: what the csharp block above prints, or the
/// last lines of it;</item>
/// <item><c>&lt;!-- snippet: excerpt --&gt;</c>: an excerpt of real code, neither compiled nor run (a page whose blocks
/// are all excerpts says <c>&lt;!-- snippets: excerpts --&gt;</c> on a line of its own, and has a test of its own,
/// such as <see cref="ExcerptTests"/>).</item>
/// </list>
/// </summary>
public sealed record Snippet(int Line, string Section, string Code, bool CompileOnly, bool Continues)
{
    /// <summary>The text the block must end its console output with (an output block after it), or null.</summary>
    public string? ExpectedOutput { get; set; }

    /// <summary>Where the expected output's text lies in the file (0-based lines, end exclusive).</summary>
    public (int Start, int End) OutputLines { get; set; }

    /// <summary>An excerpt: shown, not compiled.</summary>
    public bool Excerpt { get; init; }
}

/// <summary>
/// Reads the C# blocks of a markdown file, compiles them with Roslyn against the Ember assemblies as one program and
/// runs them in-process with a fixed seed. Types declared in a block are hoisted out of the statements; the usual
/// namespaces are imported (<see cref="Usings"/>), as a project with implicit usings would.
/// </summary>
public static class MarkdownSnippets
{
    /// <summary>The namespaces every block may use without a using directive.</summary>
    public static readonly string[] Usings =
    [
        "System", "System.Collections.Generic", "System.Linq", "Ember", "Ember.Data", "Ember.Graph", "Ember.NN",
        "Ember.Optim",
    ];

    private const string Marker = "<!-- snippet:";

    /// <summary>The line that marks a whole page as excerpts.</summary>
    public const string ExcerptPage = "<!-- snippets: excerpts -->";

    /// <summary>The C# blocks of a markdown file, in order, with their markers and expected outputs.</summary>
    public static IReadOnlyList<Snippet> Extract(string path)
    {
        string[] lines = File.ReadAllLines(path);
        bool excerptPage = lines.Any(l => l.Trim() == ExcerptPage);
        var snippets = new List<Snippet>();
        string section = "";
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith('#')) section = line.TrimStart('#').Trim();
            if (!line.StartsWith("```", StringComparison.Ordinal)) continue;
            string lang = line[3..].Trim();
            int start = i + 1;
            int end = start;
            while (end < lines.Length && !lines[end].Trim().StartsWith("```", StringComparison.Ordinal)) end++;
            string code = string.Join('\n', lines[start..end]);
            string[] markers = MarkersBefore(lines, i);
            if (lang is "csharp" or "cs" or "c#")
            {
                bool excerpt = excerptPage || markers.Contains("excerpt");
                var snippet = new Snippet(start + 1, section, code, markers.Contains("compile-only"),
                    markers.Contains("continues"));
                snippets.Add(snippet with { Excerpt = excerpt });
            }
            else if (markers.Contains("output"))
            {
                if (snippets.Count == 0) throw new FormatException($"{path}:{i + 1}: an output block before any code");
                snippets[^1].ExpectedOutput = code;
                snippets[^1].OutputLines = (start, end);
            }
            i = end;
        }
        return snippets;
    }

    /// <summary>The markers of the comment on the nearest non-blank line above a fence.</summary>
    private static string[] MarkersBefore(string[] lines, int fence)
    {
        int j = fence - 1;
        while (j >= 0 && lines[j].Trim().Length == 0) j--;
        if (j < 0) return [];
        string above = lines[j].Trim();
        if (!above.StartsWith(Marker, StringComparison.Ordinal) || !above.EndsWith("-->", StringComparison.Ordinal))
            return [];
        string[] markers = above[Marker.Length..^3].Split(',', StringSplitOptions.TrimEntries);
        string[] known = ["compile-only", "continues", "output", "excerpt"];
        var unknown = markers.Except(known).ToArray();
        if (unknown.Length > 0) throw new FormatException($"line {j + 1}: unknown snippet marker {unknown[0]}");
        return markers;
    }

    /// <summary>
    /// Compiles and runs the blocks of <paramref name="path"/>; checks each expected output; returns every block's
    /// console output. <paramref name="checks"/> appends statements (usually assertions) to the last block of the
    /// named sections, where they see that block's variables.
    /// </summary>
    public static string?[] Run(string path, IReadOnlyDictionary<string, string>? checks = null)
    {
        IReadOnlyList<Snippet> snippets = [.. Extract(path).Where(s => !s.Excerpt)];
        if (snippets.Count == 0) return [];
        foreach (string section in checks?.Keys ?? [])
            Assert.True(snippets.Any(s => s.Section == section), $"{path}: no C# block under '{section}'");
        Assembly program = Compile(Path.GetFileName(path), Generate(Path.GetFileName(path), snippets, checks));
        Type type = program.GetType("SnippetProgram")!;
        TextWriter console = Console.Out;
        try
        {
            foreach (MethodInfo scope in type.GetMethods(BindingFlags.Public | BindingFlags.Static)
                         .Where(m => m.Name.StartsWith("Run", StringComparison.Ordinal)).OrderBy(m => m.MetadataToken))
            {
                Tensor.ManualSeed(0);
                try { scope.Invoke(null, null); }
                catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
            }
        }
        finally
        {
            Console.SetOut(console);
        }
        var outputs = (string?[])type.GetField("Outputs")!.GetValue(null)!;
        if (Environment.GetEnvironmentVariable("EMBER_SNIPPETS_UPDATE") == "1") Update(path, snippets, outputs);
        for (int i = 0; i < snippets.Count; i++)
        {
            if (snippets[i].ExpectedOutput is not string expected) continue;
            string actual = (outputs[i] ?? "").Replace("\r", "").TrimEnd();
            Assert.True(actual.EndsWith(expected.TrimEnd(), StringComparison.Ordinal),
                $"{path}:{snippets[i].Line}: the block printed\n{actual}\n\nbut the document shows\n{expected}");
        }
        return outputs;
    }

    /// <summary>
    /// Writes what the blocks printed into their output blocks (run the snippet test with EMBER_SNIPPETS_UPDATE=1
    /// after changing a page, then review the diff).
    /// </summary>
    private static void Update(string path, IReadOnlyList<Snippet> snippets, string?[] outputs)
    {
        var lines = File.ReadAllLines(path).ToList();
        for (int i = snippets.Count - 1; i >= 0; i--)
        {
            if (snippets[i].ExpectedOutput is null) continue;
            var (start, end) = snippets[i].OutputLines;
            lines.RemoveRange(start, end - start);
            lines.InsertRange(start, (outputs[i] ?? "").Replace("\r", "").TrimEnd().Split('\n'));
        }
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
    }

    /// <summary>
    /// One C# file: the blocks' statements as methods (one per scope; compile-only scopes are named so that they never
    /// run), each block's console output captured into <c>Outputs</c>, and the blocks' types after the class.
    /// </summary>
    private static string Generate(
        string file, IReadOnlyList<Snippet> snippets, IReadOnlyDictionary<string, string>? checks)
    {
        var usings = new SortedSet<string>(Usings.Select(u => $"using {u};"), StringComparer.Ordinal);
        var body = new StringBuilder();
        var types = new StringBuilder();
        foreach (List<int> scope in Scopes(snippets))
        {
            bool compileOnly = snippets[scope[0]].CompileOnly;
            body.Append($"public static void {(compileOnly ? "CompileOnly" : "Run")}{scope[0]:D3}() {{\n");
            foreach (int i in scope)
            {
                // A continued block nests inside the blocks it continues: it sees their variables, and may reuse a name
                // they declared only in an inner scope (a loop body), as separate statements in a file could.
                if (i != scope[0]) body.Append("{\n");
                Snippet s = snippets[i];
                var unit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(s.Code).GetRoot();
                foreach (var u in unit.Usings) usings.Add(u.ToString());
                body.Append($"var __out{i} = new System.IO.StringWriter(); System.Console.SetOut(__out{i});\n");
                foreach (MemberDeclarationSyntax member in unit.Members)
                {
                    int line = s.Line + member.GetLocation().GetLineSpan().StartLinePosition.Line;
                    var target = member is GlobalStatementSyntax ? body : types;
                    target.Append($"#line {line} \"{file}\"\n").Append(member.ToString()).Append("\n#line default\n");
                }
                bool lastOfSection = i == snippets.Count - 1 || snippets[i + 1].Section != s.Section;
                if (lastOfSection && checks is not null && checks.TryGetValue(s.Section, out string? check))
                    body.Append(check).Append('\n');
                body.Append($"Outputs[{i}] = __out{i}.ToString();\n");
            }
            body.Append('}', scope.Count).Append('\n');
        }
        return string.Join('\n', usings) +
            "\npublic static class SnippetProgram {\n" +
            $"public static readonly string?[] Outputs = new string?[{snippets.Count}];\n" +
            body + "}\n" + types;
    }

    /// <summary>
    /// The blocks grouped into scopes: a block marked <c>continues</c> joins the scope of the nearest block before it
    /// of the same kind (runnable or compile-only), so a compile-only fragment may sit between two runnable halves.
    /// </summary>
    private static List<List<int>> Scopes(IReadOnlyList<Snippet> snippets)
    {
        var scopes = new List<List<int>>();
        for (int i = 0; i < snippets.Count; i++)
        {
            var previous = scopes.LastOrDefault(g => snippets[g[0]].CompileOnly == snippets[i].CompileOnly);
            if (snippets[i].Continues && previous is not null) previous.Add(i);
            else if (snippets[i].Continues) throw new FormatException($"line {snippets[i].Line}: nothing to continue");
            else scopes.Add([i]);
        }
        return scopes;
    }

    private static Assembly Compile(string file, string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: file);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Append(typeof(Tensor).Assembly.Location)
            .Append(typeof(Assert).Assembly.Location)
            .Where(p => p.Length > 0)
            .Distinct()
            .Select(p => MetadataReference.CreateFromFile(p));
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
        var compilation = CSharpCompilation.Create(
            "Snippets." + Path.GetFileNameWithoutExtension(file), [tree], references, options);
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(result.Success,
            $"{file} does not compile:\n" + string.Join('\n', errors.Select(e => e.ToString())));
        return Assembly.Load(image.ToArray());
    }
}
