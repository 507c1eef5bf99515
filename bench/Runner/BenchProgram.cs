using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace Ember.Bench.Runner;

internal readonly record struct RunOutcome(string? JsonLine, string? Error, double Seconds);

/// <summary>One bench project: built once in Release, then started as a fresh process per run; or (with
/// <paramref name="script"/>) a Python script run by Debian's /usr/bin/python3;
/// <paramref name="variant"/> names a build variant: built with <c>-p:{variant}=true</c> into
/// <c>bin/{variant}</c>.</summary>
internal sealed class BenchProgram(string name, string projectDir, string? script = null, string? variant = null)
{
    private string Dll => Path.Combine(projectDir, "bin", variant ?? Path.Combine("Release", "net10.0"),
        Path.GetFileName(projectDir) + ".dll");

    public const string Python = "/usr/bin/python3";

    public bool Build()
    {
        if (script is not null)
        {
            // Nothing to build: check that the interpreter and torch are there.
            var (code, _, err) = Execute(Python, ["-c", "import torch, numpy"], timeoutSeconds: 120);
            if (code == 0) return true;
            Console.Error.WriteLine($"{name} bench unavailable ({Python} cannot import torch and numpy): {err.Trim()}");
            return false;
        }
        Console.Error.WriteLine($"building {name} bench (Release) ...");
        string[] build = ["build", projectDir, "-c", "Release", "-nologo", "-v", "q"];
        if (variant is not null)
            build = [.. build, $"-p:{variant}=true", "-o", Path.Combine(projectDir, "bin", variant)];
        var (exitCode, stdout, stderr) = Execute("dotnet", build, timeoutSeconds: 900);
        // Quiet builds print only problems; surface warnings (e.g. the libLibTorchSharp.so patch step's) as well.
        foreach (string line in (stdout + stderr).Split('\n')
            .Where(l => l.Contains(": warning ", StringComparison.Ordinal)).Distinct())
            Console.Error.WriteLine("  " + line.Trim());
        if (exitCode == 0) return true;
        Console.Error.WriteLine($"{name} bench failed to build:\n{stdout}{stderr}");
        return false;
    }

    public RunOutcome Run(string workload, int? threads, bool quick, int timeoutSeconds, bool tiered = false)
    {
        string[] args = script is null ? ["exec", Dll, "--workload", workload] : [script, "--workload", workload];
        if (threads is int n)
            args = [.. args, "--threads", n.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (quick) args = [.. args, "--quick"];
        long start = Stopwatch.GetTimestamp();
        var (exitCode, stdout, stderr) = Execute(script is null ? "dotnet" : Python, args, timeoutSeconds, tiered);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        string? json = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith('{'));
        if (exitCode == 0 && json is not null) return new RunOutcome(json, null, seconds);
        string tail =
            string.Join(" | ",
            stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
        return new RunOutcome(null,
            exitCode == -1 ? $"timed out after {timeoutSeconds} s" : $"exit code {exitCode}: {tail}", seconds);
    }

    /// <summary>Runs a process to completion (or kills it at the timeout, returning exit code -1).</summary>
    private static (int ExitCode, string Stdout, string Stderr) Execute(string fileName, string[] args,
        int timeoutSeconds, bool tiered = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        // OpenBLAS picks its kernels by CPUID only when these are unset (the PyTorch column reports what it chose).
        info.Environment.Remove("OPENBLAS_CORETYPE");
        info.Environment.Remove("OPENBLAS_L2_SIZE");
        // The bench projects set TieredCompilation=false; the environment variable overrides runtimeconfig.json, so a
        // tiered column runs with the runtime's defaults (tiered JIT and dynamic PGO), as a new app does.
        if (tiered) info.Environment["DOTNET_TieredCompilation"] = "1";
        else info.Environment.Remove("DOTNET_TieredCompilation");
        using Process process = Process.Start(info)
            ?? throw new InvalidOperationException($"could not start {fileName}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, stdout.Result, stderr.Result);
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
