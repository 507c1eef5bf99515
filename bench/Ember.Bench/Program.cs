// Runs one workload on Ember in this process and prints one JSON line (see bench/README.md).
// Usage: Ember.Bench --workload iris|gemm|fma [--threads N] [--quick]
using System;
using System.Reflection;
using Ember.Bench;
using Ember.Bench.Shared;

BenchArgs options = BenchArgs.Parse(args);
int threads = EmberThreads.Apply(options.Threads);
var report = new BenchReport("Ember", options.Workload, threads, options.Quick);
switch (options.Workload)
{
    case "iris": IrisWorkload.Run(report, options.Quick); break;
    case "gemm": GemmWorkload.Run(report, options.Quick); break;
    case "fma": FmaProbe.Run(report, options.Quick); break;
    default: throw new ArgumentException($"Unknown workload '{options.Workload}' (iris, gemm, fma).");
}
report.WriteJsonLine(Console.Out);

namespace Ember.Bench
{
    /// <summary>
    /// Ember's kernel thread count. <c>Ember.Kernels.WorkerPool.ThreadCount</c> arrives with the threaded GEMM; until
    /// then Ember runs on the calling thread. Reflection keeps this program building on both sides of that merge.
    /// TODO: call WorkerPool.ThreadCount directly once it exists on the main branch.
    /// </summary>
    internal static class EmberThreads
    {
        public static int Apply(int? requested)
        {
            PropertyInfo? property = typeof(Ember.Kernels.Gemm).Assembly
                .GetType("Ember.Kernels.WorkerPool")?
                .GetProperty("ThreadCount", BindingFlags.Public | BindingFlags.Static);
            if (property is null) return 1;
            if (requested is int n && property.CanWrite) property.SetValue(null, n);
            return (int)property.GetValue(null)!;
        }
    }
}
