using Ember.Bench.Shared;
using Ember.NN;

namespace Ember.Bench;

/// <summary>
/// Issue 17's LSTM benchmark: one <see cref="LSTM"/> layer, forward over a (T, B, in) float32 batch, then backward
/// of the output's sum into the input and every parameter (gradients cleared between calls, as a training step
/// would). Median milliseconds per forward+backward.
/// </summary>
internal static class LstmWorkload
{
    public static void Run(BenchReport report, bool quick)
    {
        var (batch, steps, input, hidden) = Workloads.LstmShape(quick);
        Tensor.ManualSeed(0);
        var lstm = new LSTM(input, hidden);
        var parameters = lstm.Parameters();
        Tensor x = Tensor.Randn(steps, batch, input).RequiresGrad_();
        if (int.TryParse(System.Environment.GetEnvironmentVariable("EMBER_LSTM_CALLS"), out int calls))
        {
            // A fixed number of calls and nothing else, for instruction counts (perf stat, callgrind): runs with
            // 0 and with N calls differ by N calls' work, start-up and JIT cancel out. EMBER_LSTM_FORWARD_ONLY=1: the
            // calls are forward passes without grad; =recorded: recorded forward passes without backward.
            string? mode = System.Environment.GetEnvironmentVariable("EMBER_LSTM_FORWARD_ONLY");
            bool forwardOnly = mode == "1", recordedOnly = mode == "recorded";
            var times = new double[calls];
            double cpu0 = ProcessCpuMs(), main0 = MainThreadCpuMs();
            int g0 = System.GC.CollectionCount(0), g1 = System.GC.CollectionCount(1);
            System.TimeSpan pause0 = System.GC.GetTotalPauseDuration();
            long bytes0 = System.GC.GetTotalAllocatedBytes(true);
            for (int i = 0; i < calls; i++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                if (recordedOnly)
                    lstm.Call(x); // the recorded forward alone (the graph is dropped unused)
                else if (forwardOnly)
                {
                    using (Autograd.NoGrad()) lstm.Call(x);
                }
                else
                {
                    foreach (var p in parameters) p.Grad = null;
                    x.Grad = null;
                    lstm.Call(x).Output.Sum().Backward();
                }
                times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            double cpu = ProcessCpuMs() - cpu0, main = MainThreadCpuMs() - main0;
            report.Add("fixed calls", calls, "calls", MetricKind.Info);
            if (calls > 0)
            {
                // What the calls allocate and what the GC costs them (a gen0/gen1 GC stops every thread).
                report.Add("fixed calls: allocated KB per call",
                    (System.GC.GetTotalAllocatedBytes(true) - bytes0) / 1e3 / calls, "KB", MetricKind.Info);
                report.Add("fixed calls: gen0 GCs per call", (System.GC.CollectionCount(0) - g0) / (double)calls,
                    "GCs", MetricKind.Info);
                report.Add("fixed calls: gen1 GCs per call", (System.GC.CollectionCount(1) - g1) / (double)calls,
                    "GCs", MetricKind.Info);
                report.Add("fixed calls: GC pause ms per call",
                    (System.GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / calls, "ms", MetricKind.Info);
            }
            if (calls > 0 && main >= 0)
            {
                // CPU time of the calling thread (Linux): with the workers' share (process minus main) it shows how
                // the work splits; the main thread's part bounds a quiet machine's wall time from below.
                report.Add("fixed calls: main thread CPU ms per call", main / calls, "ms", MetricKind.Info);
                report.Add("fixed calls: other threads CPU ms per call", (cpu - main) / calls, "ms", MetricKind.Info);
            }
            if (calls >= 10)
            {
                // On a shared machine the fastest calls are the ones that had the cores to themselves: the low
                // quantiles of the steady half estimate a quiet run's time (the median is the load's).
                System.Array.Sort(times, calls / 2, calls - calls / 2);
                int n = calls - calls / 2;
                report.Add("fixed calls: min ms (steady half)", times[calls / 2], "ms", MetricKind.Info);
                report.Add("fixed calls: p10 ms (steady half)", times[calls / 2 + n / 10], "ms", MetricKind.Info);
                report.Add("fixed calls: median ms (steady half)", times[calls / 2 + n / 2], "ms", MetricKind.Info);
            }
            return;
        }
        static double ProcessCpuMs() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime
            .TotalMilliseconds;

        static double MainThreadCpuMs()
        {
            // /proc/thread-self/schedstat: nanoseconds on a CPU, waiting, time slices.
            try
            {
                string text = System.IO.File.ReadAllText("/proc/thread-self/schedstat");
                return long.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1e6;
            }
            catch (System.IO.IOException)
            {
                return double.NaN;
            }
            catch (System.UnauthorizedAccessException)
            {
                return double.NaN;
            }
        }

        double seconds = Timing.MedianSeconds(() =>
        {
            foreach (var p in parameters) p.Grad = null;
            x.Grad = null;
            lstm.Call(x).Output.Sum().Backward();
        }, Workloads.LstmBudgetSeconds(quick));
        report.Add(Workloads.LstmMetric(quick), seconds * 1e3, "ms", MetricKind.Time);
        const int allocCalls = 30;
        int gen0 = System.GC.CollectionCount(0), gen1 = System.GC.CollectionCount(1);
        int gen2 = System.GC.CollectionCount(2);
        System.TimeSpan pause = System.GC.GetTotalPauseDuration();
        long before = System.GC.GetTotalAllocatedBytes(true);
        for (int i = 0; i < allocCalls; i++)
        {
            foreach (var p in parameters) p.Grad = null;
            x.Grad = null;
            lstm.Call(x).Output.Sum().Backward();
        }
        double mb = (System.GC.GetTotalAllocatedBytes(true) - before) / 1e6 / allocCalls;
        double pauseMs = (System.GC.GetTotalPauseDuration() - pause).TotalMilliseconds / allocCalls;
        report.Add("fwd+bwd: allocated per call (MB)", mb, "MB", MetricKind.Info);
        // The runtime's gen0 budget decides how often fresh memory is faulted in, which the bytes alone do not show.
        report.Add("fwd+bwd: gen0 GCs per call", (System.GC.CollectionCount(0) - gen0) / (double)allocCalls, "GCs",
            MetricKind.Info);
        report.Add("fwd+bwd: gen1 GCs per call", (System.GC.CollectionCount(1) - gen1) / (double)allocCalls, "GCs",
            MetricKind.Info);
        report.Add("fwd+bwd: gen2 GCs per call", (System.GC.CollectionCount(2) - gen2) / (double)allocCalls, "GCs",
            MetricKind.Info);
        report.Add("fwd+bwd: GC pause per call (ms)", pauseMs, "ms", MetricKind.Info);
        double forward = Timing.MedianSeconds(() =>
        {
            using (Autograd.NoGrad()) lstm.Call(x);
        }, Workloads.LstmBudgetSeconds(quick) / 2);
        report.Add("forward only (no grad)", forward * 1e3, "ms", MetricKind.Time);
        // The recorded forward alone (graph built, no backward): what the steps' team and recording cost.
        double recorded = Timing.MedianSeconds(() => lstm.Call(x), Workloads.LstmBudgetSeconds(quick) / 2);
        report.Add("forward only (recorded)", recorded * 1e3, "ms", MetricKind.Info);
        // A padded batch of uneven lengths, as a text model feeds it: each entry stops at its length.
        int[] lengths = Workloads.LstmLengths(quick);
        double uneven = Timing.MedianSeconds(() =>
        {
            foreach (var p in parameters) p.Grad = null;
            x.Grad = null;
            lstm.Call(x, lengths).Output.Sum().Backward();
        }, Workloads.LstmBudgetSeconds(quick) / 2);
        report.Add(Workloads.LstmLengthsMetric(quick), uneven * 1e3, "ms", MetricKind.Time);
    }
}
