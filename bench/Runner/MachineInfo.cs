using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Ember.Bench.Runner;

/// <summary>What the table's numbers depend on: CPU model, core count, runtime, and how busy the machine was.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Runtime, DateTime StartedUtc, string LoadAtStart)
{
    public static MachineInfo Capture() =>
        new(CpuModel(), Environment.ProcessorCount, RuntimeInformation.FrameworkDescription, DateTime.UtcNow,
            LoadAverageNow());

    /// <summary>1-, 5- and 15-minute load averages (Linux); other processes' load skews multi-threaded
    /// numbers.</summary>
    public static string LoadAverageNow() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary><c>lscpu</c>'s "Model name", else /proc/cpuinfo's, else the architecture.</summary>
    private static string CpuModel()
    {
        try
        {
            using Process? lscpu =
                Process.Start(new ProcessStartInfo("lscpu") { RedirectStandardOutput = true, UseShellExecute = false });
            if (lscpu is not null)
            {
                string output = lscpu.StandardOutput.ReadToEnd();
                lscpu.WaitForExit();
                string? model = FieldValue(output, "Model name");
                if (model is not null) return model;
            }
        }
        catch (System.ComponentModel.Win32Exception) { } // no lscpu on this system
        if (File.Exists("/proc/cpuinfo") && FieldValue(File.ReadAllText("/proc/cpuinfo"), "model name") is string name)
            return name;
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string? FieldValue(string text, string field) => text.Split('\n')
        .Where(l => l.StartsWith(field, StringComparison.Ordinal) && l.Contains(':'))
        .Select(l => l[(l.IndexOf(':') + 1)..].Trim())
        .FirstOrDefault();
}

internal static class RepoRoot
{
    /// <summary>The repository root: the nearest directory above the working directory (or this program) holding
    /// bench/Runner.</summary>
    public static string Find()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "bench", "Runner", "Runner.csproj"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (a directory with " +
            "bench/Runner/Runner.csproj); run bench/run.sh.");
    }
}
