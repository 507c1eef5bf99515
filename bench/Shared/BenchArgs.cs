using System;

namespace Ember.Bench.Shared;

/// <summary>Command line shared by both bench programs: <c>--workload iris|gemm|fma [--threads N]
/// [--quick]</c>.</summary>
public sealed record BenchArgs(string Workload, int? Threads, bool Quick)
{
    public static BenchArgs Parse(string[] args)
    {
        string? workload = null;
        int? threads = null;
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workload" when i + 1 < args.Length: workload = args[++i]; break;
                case "--threads" when i + 1 < args.Length:
                    threads = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--quick": quick = true; break;
                default:
                    throw new ArgumentException(
                        $"Unknown argument '{args[i]}'. Usage: --workload iris|gemm|fma [--threads N] [--quick]");
            }
        }
        return new BenchArgs(workload ?? throw new ArgumentException("Missing --workload iris|gemm|fma."), threads,
            quick);
    }
}
