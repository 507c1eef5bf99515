using System.IO;

namespace Ember.Tools.KernelGen;

/// <summary>Finds the repository root, so the tool works from any folder inside the checkout.</summary>
internal static class RepoRoot
{
    /// <summary>The nearest folder at or above <paramref name="start"/> that holds Ember.sln, or null.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ember.sln"))) return dir.FullName;
        }
        return null;
    }
}
