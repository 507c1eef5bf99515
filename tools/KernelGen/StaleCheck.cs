using System;

namespace Ember.Tools.KernelGen;

/// <summary>Compares the committed file with a fresh generation and says where they first differ.</summary>
internal static class StaleCheck
{
    /// <summary>Null when <paramref name="committed"/> equals <paramref name="generated"/>; otherwise a one-line hint
    /// naming the first differing line and both versions of it.</summary>
    public static string? Describe(string? committed, string generated)
    {
        if (committed is null) return "the file is missing";
        if (string.Equals(committed, generated, StringComparison.Ordinal)) return null;
        string[] a = committed.Split('\n'), b = generated.Split('\n');
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
                return $"first difference at line {i + 1}:\n  committed: {Clip(a[i])}\n  generated: {Clip(b[i])}";
        }
        return $"the committed file has {a.Length} lines, the generator writes {b.Length}";
    }

    private static string Clip(string line) => line.Length <= 160 ? line : line[..157] + "...";
}
