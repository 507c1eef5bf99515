using System;
using System.Collections.Generic;
using System.Globalization;

namespace Ember.Bench.Runner;

/// <summary><c>run.sh [--reps N] [--quick] [--only iris,gemm,fma,w2,w4,tracer]</c></summary>
internal sealed record RunnerOptions(int Reps, bool Quick, HashSet<string>? Only)
{
    public const string Usage = "usage: bench/run.sh [--reps N] [--quick] [--only iris,gemm,fma,w2,w4,tracer]";

    /// <summary>A single bench process that runs longer than this is killed and reported as failed.</summary>
    public int TimeoutSeconds => Quick ? 120 : 600;

    public static RunnerOptions Parse(string[] args)
    {
        int? reps = null;
        bool quick = false;
        HashSet<string>? only = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reps" when i + 1 < args.Length
                    && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0:
                    reps = n;
                    i++;
                    break;
                case "--quick": quick = true; break;
                case "--only" when i + 1 < args.Length:
                    only = new HashSet<string>(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                case "-h" or "--help": throw new ArgumentException(Usage);
                default: throw new ArgumentException($"Unknown or incomplete argument '{args[i]}'.\n{Usage}");
            }
        }
        return new RunnerOptions(reps ?? (quick ? 1 : 5), quick, only);
    }
}

/// <summary>One column of the table: an engine at a thread count (null: the engine's default).
/// <paramref name="Tiered"/>: the .NET bench process runs with the runtime's default tiered JIT
/// (<c>DOTNET_TieredCompilation=1</c> overrides the project's <c>TieredCompilation=false</c>), as an app with
/// default settings does.</summary>
internal sealed record Variant(string Engine, int? Threads, bool Tiered = false)
{
    public static readonly Variant Ember = new("Ember", null);
    public static readonly Variant EmberTiered = new("Ember", null, Tiered: true);
    public static readonly Variant TorchDefault = new("TorchSharp", null);
    public static readonly Variant TorchOneThread = new("TorchSharp", 1);
    public static readonly Variant PyTorchDefault = new("PyTorch", null);
    public static readonly Variant PyTorchOneThread = new("PyTorch", 1);

    /// <summary>Ember built with the tracer's per-op check compiled out (the tracer workload's B side).</summary>
    public static readonly Variant EmberNoTracerSeam = new("Ember, no tracer seam", null);

    /// <summary>W2/W4 columns: Ember, TorchSharp and PyTorch + OpenBLAS, each at its default and at 1 thread.</summary>
    public static readonly Variant[] Training = [Ember, TorchDefault, TorchOneThread, PyTorchDefault, PyTorchOneThread];

    public string Column => (Threads is int n ? $"{Engine} ({n} thread{(n == 1 ? "" : "s")})" : Engine)
        + (Tiered ? " (tiered JIT)" : "");
}

internal sealed record Workload(string Title, string Id, Variant[] Variants);
