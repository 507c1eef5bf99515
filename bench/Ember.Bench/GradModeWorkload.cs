using System;
using System.Diagnostics;
using Ember.Bench.Shared;

namespace Ember.Bench;

/// <summary>
/// The cost of grad-mode bookkeeping (issue 13, item 11: modes flow with the async context): reading the mode, as
/// every op does; entering and leaving a <c>NoGrad</c> scope; and a recorded 1-element op, where that read and the
/// node bookkeeping are most of the work. Ember only (no TorchSharp counterpart; not run by bench/run.sh).
/// </summary>
internal static class GradModeWorkload
{
    public static void Run(BenchReport report, bool quick)
    {
        int reads = quick ? 10_000_000 : 200_000_000, scopes = quick ? 100_000 : 5_000_000;
        int ops = quick ? 20_000 : 1_000_000;
        for (int round = 0; round < 2; round++)
        {
            // Round 0 warms up (JIT, caches); round 1 is reported.
            long start = Stopwatch.GetTimestamp();
            int enabled = 0;
            for (int i = 0; i < reads; i++) if (Autograd.IsGradEnabled) enabled++;
            double readNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds / reads;

            start = Stopwatch.GetTimestamp();
            for (int i = 0; i < scopes; i++)
                using (Autograd.NoGrad()) enabled += Autograd.IsGradEnabled ? 1 : 0;
            double scopeNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds / scopes;

            Tensor a = Tensor.Ones([1], requiresGrad: true), b = Tensor.Ones([1]);
            start = Stopwatch.GetTimestamp();
            for (int i = 0; i < ops; i++) _ = a * b;
            double opNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds / ops;

            if (round == 0) continue;
            report.Add("Autograd.IsGradEnabled read", readNs, "ns", MetricKind.Time);
            report.Add("NoGrad scope enter+dispose", scopeNs, "ns", MetricKind.Time);
            report.Add("recorded 1-element Mul", opNs, "ns", MetricKind.Time);
            report.Add("checksum", enabled, "", MetricKind.Info);
        }
    }
}
