using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Ember.Graph;

namespace Ember.Tests.Docs;

/// <summary>
/// Writes docs/ops.md, Ember's counterpart of PyTorch's derivatives.yaml: for every backward node class, the PyTorch
/// node names it reports, the public API that records it, its file and the formula from its summary. The set of node
/// classes comes from reflection (every concrete <see cref="Node"/> in the Ember assembly), the rest from the source.
/// </summary>
internal static partial class OpsIndex
{
    public const string RegenerateCommand = "EMBER_UPDATE_DOCS=1 dotnet test tests/Ember.Tests --filter OpsIndex";

    /// <summary>One node class as the index shows it.</summary>
    public sealed record Entry(string Class, string[] TorchNames, string File, string[] Api, string Formula);

    /// <summary>The repository root (the folder holding Ember.sln), found from the test binaries upwards.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ember.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("OpsIndex: no Ember.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>Reads the source under src/Ember and builds one entry per concrete node class.</summary>
    public static List<Entry> Collect(string root)
    {
        string srcRoot = Path.Combine(root, "src", "Ember");
        var files = Directory.GetFiles(srcRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f =>
                !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                        && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar,
                            StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Path: Path.GetRelativePath(root, f).Replace('\\', '/'), Text: File.ReadAllText(f)))
            .ToArray();

        var nodeTypes = typeof(Node).Assembly.GetTypes()
            .Where(t => typeof(Node).IsAssignableFrom(t) && !t.IsAbstract && !t.IsNested)
            .Select(t => t.Name.Split('`')[0])
            .Distinct()
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();

        var entries = new List<Entry>();
        foreach (string cls in nodeTypes)
        {
            var decl = new Regex(@"\bclass\s+" + Regex.Escape(cls) + @"\b");
            var hit = files.Select(f => (f.Path, f.Text, Match: decl.Match(f.Text)))
                .FirstOrDefault(f => f.Match.Success);
            if (hit.Match is null || !hit.Match.Success)
                throw new InvalidOperationException($"OpsIndex: node class {cls} was not found under src/Ember.");
            string summary = SummaryBefore(hit.Text, hit.Match.Index);
            var (start, end) = BodyRange(hit.Text, hit.Match.Index);
            string body = hit.Text[start..end];
            string[] names = TorchNames(body, summary);
            string[] api = ApiMentioning(files, cls);
            entries.Add(new Entry(cls, names, hit.Path, api, summary));
        }
        return entries;
    }

    /// <summary>The markdown page.</summary>
    public static string Render(List<Entry> entries)
    {
        var sb = new StringBuilder();
        sb.Append("# Ops and their gradients\n\n");
        sb.Append("Generated from the source by `tests/Ember.Tests/Docs/OpsIndex.cs`; do not edit by hand. A test " +
            "fails when it\n");
        sb.Append("is stale; regenerate with `" + RegenerateCommand + "`.\n\n");
        sb.Append("One row per backward node class (one sealed class per differentiable op, forward wiring and " +
            "backward formula\n");
        sb.Append("side by side): the PyTorch 1.13 node name(s) it reports as `GradFn.Name`, the public API that " +
            "records it,\n");
        sb.Append("and the formula from its summary. Open the file and search for the class to see both directions.\n");
        sb.Append("See [adding-an-op.md](adding-an-op.md) for how a new op gets here.\n");
        foreach (var group in entries.GroupBy(e => e.File).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append("\n## [").Append(group.Key).Append("](../").Append(group.Key).Append(")\n\n");
            sb.Append("| PyTorch node | Ember API | class | formula |\n| --- | --- | --- | --- |\n");
            foreach (var e in group.OrderBy(e => e.TorchNames.FirstOrDefault() ?? e.Class, StringComparer.Ordinal))
            {
                sb.Append("| ").Append(string.Join("<br>", e.TorchNames.Select(n => "`" + n + "`")))
                  .Append(" | ").Append(string.Join(", ", e.Api.Select(a => "`" + Cell(a) + "`")))
                  .Append(" | `").Append(e.Class).Append('`')
                  .Append(" | ").Append(Cell(e.Formula)).Append(" |\n");
            }
        }
        return sb.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>The text of the /// summary just above a declaration, with XML tags turned into plain
    /// markdown.</summary>
    private static string SummaryBefore(string text, int declIndex)
    {
        int lineStart = text.LastIndexOf('\n', Math.Max(0, declIndex - 1)) + 1;
        var lines = new List<string>();
        int pos = lineStart - 1;
        while (pos > 0)
        {
            int prevStart = text.LastIndexOf('\n', pos - 1) + 1;
            string line = text[prevStart..pos].Trim();
            if (line.StartsWith("///", StringComparison.Ordinal)) lines.Insert(0, line[3..].Trim());
            else if (!line.StartsWith('[')) break; // attributes may sit between the docs and the class
            pos = prevStart - 1;
        }
        string xml = string.Join(" ", lines);
        var m = SummaryRegex().Match(xml);
        string s = m.Success ? m.Groups[1].Value : xml;
        s = SeeRegex().Replace(s, x => "`" + x.Groups[1].Value.Split('.').Last() + "`");
        s = ParamRefRegex().Replace(s, x => "`" + x.Groups[1].Value + "`");
        s = s.Replace("<c>", "`", StringComparison.Ordinal).Replace("</c>", "`", StringComparison.Ordinal);
        s = TagRegex().Replace(s, "");
        s = s.Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal)
             .Replace("&amp;", "&", StringComparison.Ordinal);
        return SpacesRegex().Replace(s, " ").Trim();
    }

    /// <summary>The span from a class declaration's opening brace to its closing one (brace counting).</summary>
    private static (int Start, int End) BodyRange(string text, int declIndex)
    {
        int open = text.IndexOf('{', declIndex);
        int semi = text.IndexOf(';', declIndex);
        if (open < 0 || (semi >= 0 && semi < open)) return (declIndex, declIndex);
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return (open, i + 1);
        }
        return (open, text.Length);
    }

    /// <summary>
    /// The PyTorch names a node reports: the string literals of its <c>Name</c> property; when the name is computed
    /// (a field set by the op), the <c>...Backward</c> names its summary lists.
    /// </summary>
    private static string[] TorchNames(string body, string summary)
    {
        var m = NamePropertyRegex().Match(body);
        var names = new List<string>();
        if (m.Success)
        {
            string expr = m.Groups[1].Value;
            if (expr.TrimStart().StartsWith('{'))
            {
                var (s, e) = BodyRange(body, m.Index);
                expr = body[s..e];
            }
            // A name assembled from pieces ("A" + "Backward0", interpolation) is not a list of choices: use the
            // summary.
            bool computed = expr.Contains('+', StringComparison.Ordinal)
                || expr.Contains("$\"", StringComparison.Ordinal);
            if (!computed)
                foreach (Match lit in LiteralRegex().Matches(expr)) names.Add(lit.Groups[1].Value);
        }
        if (names.Count == 0)
            foreach (Match n in TorchNameInTextRegex().Matches(summary)) names.Add(n.Value);
        if (names.Count == 0) names.Add("(set by the caller)");
        return names.Where(n => n.Length > 0).Distinct().ToArray();
    }

    /// <summary>
    /// Members outside the node class that mention it: public members (methods, operators, properties) of the
    /// user-facing types, found by taking the nearest member declaration above each mention. A mention inside a
    /// private helper counts for the public members of the same file that call the helper (two levels deep).
    /// </summary>
    private static string[] ApiMentioning((string Path, string Text)[] files, string cls)
    {
        var result = new List<string>();
        foreach (var (_, text) in files)
        {
            var decl = new Regex(@"\bclass\s+" + Regex.Escape(cls) + @"\b").Match(text);
            int ownEnd = decl.Success ? BodyRange(text, decl.Index).End : -1;
            var names = new Queue<(string Name, int Depth)>();
            names.Enqueue((cls, 0));
            var seen = new HashSet<string>(StringComparer.Ordinal) { cls };
            while (names.Count > 0)
            {
                var (name, depth) = names.Dequeue();
                var mention = new Regex(@"\b" + Regex.Escape(name) + (depth == 0 ? @"\b" : @"\s*[\(<]"));
                foreach (Match hit in mention.Matches(text))
                {
                    if (decl.Success && hit.Index >= decl.Index && hit.Index < ownEnd) continue;
                    int lineStart = text.LastIndexOf('\n', Math.Max(0, hit.Index - 1)) + 1;
                    if (text.AsSpan(lineStart, hit.Index - lineStart).TrimStart().StartsWith("///")) continue;
                    var member = EnclosingMember(text, hit.Index);
                    if (member is not { } m || m.Name == name) continue;
                    if (m.IsPublic) { if (!result.Contains(m.Display)) result.Add(m.Display); }
                    else if (depth < 2 && seen.Add(m.Name)) names.Enqueue((m.Name, depth + 1));
                }
            }
        }
        return result.ToArray();
    }

    private static (string Name, string Display, bool IsPublic)? EnclosingMember(string text, int index)
    {
        Match? last = null;
        foreach (Match m in MemberRegex().Matches(text[..index])) last = m;
        if (last is null) return null;
        // The declaration must still be open at the mention: its body (or expression) spans the index.
        string rest = text[last.Index..];
        int arrow = rest.IndexOf("=>", StringComparison.Ordinal), brace = rest.IndexOf('{');
        int semi = rest.IndexOf(';');
        int end;
        if (brace >= 0 && (arrow < 0 || brace < arrow) && (semi < 0 || brace < semi))
            end = last.Index + BodyRange(rest, 0).End;
        else
            end = semi < 0 ? text.Length : last.Index + semi;
        if (index > end) return null;
        string owner = OwnerType(text, last.Index);
        string name = last.Groups["name"].Value.Trim();
        string display = owner switch
        {
            "Tensor" => name.StartsWith("operator", StringComparison.Ordinal) ? "Tensor " + name : "Tensor." + name,
            "" => name,
            _ => owner + "." + name,
        };
        return (name, display, last.Groups["mods"].Value.Contains("public", StringComparison.Ordinal));
    }

    /// <summary>The name of the innermost type declared above <paramref name="index"/> (approximate: the last
    /// one).</summary>
    private static string OwnerType(string text, int index)
    {
        Match? last = null;
        foreach (Match m in TypeDeclRegex().Matches(text[..index])) last = m;
        return last?.Groups[1].Value ?? "";
    }

    [GeneratedRegex(@"<summary>(.*?)</summary>", RegexOptions.Singleline)]
    private static partial Regex SummaryRegex();
    [GeneratedRegex(@"<see\s+(?:cref|langword)=""([^""]+)""\s*/>")]
    private static partial Regex SeeRegex();
    [GeneratedRegex(@"<(?:type)?paramref\s+name=""([^""]+)""\s*/>")]
    private static partial Regex ParamRefRegex();
    [GeneratedRegex(@"</?[a-zA-Z][^>]*>")]
    private static partial Regex TagRegex();
    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacesRegex();
    [GeneratedRegex(@"override\s+string\s+Name\s*(=>[^;]*;|\{)")]
    private static partial Regex NamePropertyRegex();
    [GeneratedRegex(@"""([A-Za-z0-9_]*)""")]
    private static partial Regex LiteralRegex();
    [GeneratedRegex(@"\b[A-Z][A-Za-z0-9]*Backward[0-9]*\b|\bCopySlices\b")]
    private static partial Regex TorchNameInTextRegex();
    [GeneratedRegex(@"^[ \t]*(?<mods>(?:(?:public|internal|private|protected|static|override|virtual|new|sealed|" +
        @"implicit|explicit|unsafe)\s+)+)[\w<>\[\]\(\),\.\? ]+?\s+(?<name>operator\s*\S+?|this|[A-Z]\w*)" +
        @"\s*(?:<[^>\n]*>)?\s*[\(\[\{=]", RegexOptions.Multiline)]
    private static partial Regex MemberRegex();
    [GeneratedRegex(@"^[ \t]*(?:(?:public|internal|private|protected|static|sealed|abstract|partial|" +
        @"readonly|file)\s+)*(?:class|struct|record|interface)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclRegex();
}
