using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace Ember.Bench.Shared;

/// <summary>Sizes and repetition budgets both engines use, so their numbers describe the same work.</summary>
public static class Workloads
{
    public static int IrisSteps(bool quick) => quick ? 50 : 1000;

    /// <summary>W3 shapes: (label, transA, transB, n). Square n×n×n; the transposed pair runs at one size.</summary>
    public static IReadOnlyList<GemmShape> GemmShapes(bool quick) => quick
        ? [new("NN", false, false, 64), new("NN", false, false, 128), new("NT", false, true, 128),
            new("TN", true, false, 128)]
        : [new("NN", false, false, 256), new("NN", false, false, 512), new("NN", false, false, 1024),
            new("NN", false, false, 2048),
           new("NT", false, true, 1024), new("TN", true, false, 1024)];

    /// <summary>Wall-clock budget for the timed repetitions of one GEMM shape (after its warm-up call).</summary>
    public static double GemmBudgetSeconds(bool quick) => quick ? 0.05 : 1.5;

    /// <summary>
    /// A shape whose single call is predicted (from the previous shape's rate) to take longer than this is skipped
    /// and reported as such, so a slow kernel cannot stretch the whole bench past its time box.
    /// </summary>
    public static double GemmMaxCallSeconds(bool quick) => quick ? 1 : 8;

    /// <summary>LSTM workload sizes (issue 17): (batch, seq, input, hidden); the quick smoke is smaller.</summary>
    public static (int Batch, int Steps, int Input, int Hidden) LstmShape(bool quick) =>
        quick ? (4, 8, 16, 32) : (32, 50, 64, 128);

    /// <summary>
    /// Per-entry lengths for the LSTM's variable-length row, what a padded text batch gives: entry <c>b</c> is
    /// <c>T − (7·b mod (T/2 + 1))</c> steps long, so entry 0 fills the padded length and the rest spread over
    /// <c>[T/2, T]</c> (B32 T50: 25-50 steps, mean 38.2). The same formula in bench/PyTorch/bench.py.
    /// </summary>
    public static int[] LstmLengths(bool quick)
    {
        var (batch, steps, _, _) = LstmShape(quick);
        var lengths = new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = steps - 7 * b % (steps / 2 + 1);
        return lengths;
    }

    /// <summary>The variable-length row's name, e.g. "fwd+bwd, lengths 25-50 (packed in PyTorch)".</summary>
    public static string LstmLengthsMetric(bool quick)
    {
        int[] lengths = LstmLengths(quick);
        return $"fwd+bwd, lengths {lengths.Min()}-{lengths.Max()} (packed in PyTorch)";
    }

    /// <summary>Wall-clock budget for the timed repetitions of the LSTM forward+backward (after warm-up).</summary>
    public static double LstmBudgetSeconds(bool quick) => quick ? 0.1 : 4;

    /// <summary>The metric name all three engines report, e.g. "fwd+bwd B32 T50 in64 H128".</summary>
    public static string LstmMetric(bool quick)
    {
        var (b, t, i, h) = LstmShape(quick);
        return $"fwd+bwd B{b} T{t} in{i} H{h}";
    }
}

public readonly record struct GemmShape(string Label, bool TransA, bool TransB, int N)
{
    public double Flops => 2.0 * N * N * N;

    /// <summary>Row label shared by both engines, e.g. "C=A·Bᵀ n=1024".</summary>
    public string Name => $"{Label switch { "NT" => "C=A·Bᵀ", "TN" => "C=Aᵀ·B", _ => "C=A·B" }} n={N}";
}

/// <summary>Times repeated calls of one operation: warm-up calls, then repetitions until a budget is spent.</summary>
public static class Timing
{
    /// <summary>
    /// Median seconds per call of <paramref name="call"/>: warm-up calls for a fifth of the budget (at least one),
    /// then between 3 and 50 timed calls within <paramref name="budgetSeconds"/> (at least one even when a call
    /// exceeds the budget).
    /// </summary>
    public static double MedianSeconds(Action call, double budgetSeconds)
    {
        // Warm-up: JIT, page faults, packing buffers, and thread pools coming up (libtorch's OpenMP workers can
        // stall the first calls by a scheduler tick when the other core is busy).
        long warmup = Stopwatch.GetTimestamp();
        do call(); while (Stopwatch.GetElapsedTime(warmup).TotalSeconds < 0.2 * budgetSeconds);
        Span<double> samples = stackalloc double[50];
        int count = 0;
        long start = Stopwatch.GetTimestamp();
        while (count < samples.Length)
        {
            long t0 = Stopwatch.GetTimestamp();
            call();
            samples[count++] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (count >= 3 && Stopwatch.GetElapsedTime(start).TotalSeconds >= budgetSeconds) break;
            if (samples[0] >= budgetSeconds) break; // one call already spends the budget
        }
        samples = samples[..count];
        samples.Sort();
        return count % 2 == 1 ? samples[count / 2] : 0.5 * (samples[count / 2 - 1] + samples[count / 2]);
    }

    /// <summary>
    /// Runs every shape through <paramref name="measure"/> (which returns median seconds per call), skipping shapes
    /// predicted to be too slow, and records GFLOP/s per shape.
    /// </summary>
    public static void RunGemmShapes(BenchReport report, bool quick, Func<GemmShape, double> measure)
    {
        double secondsPerFlop = 0; // the last measured shape's rate predicts the next shape's call time
        foreach (GemmShape shape in Workloads.GemmShapes(quick))
        {
            double predicted = secondsPerFlop * shape.Flops;
            if (predicted > Workloads.GemmMaxCallSeconds(quick))
            {
                Console.Error.WriteLine($"{shape.Name}: skipped, a call is predicted to take {predicted:F1} s");
                report.Add(shape.Name, double.NaN, "GFLOP/s", MetricKind.Throughput);
                report.Note($"skipped {shape.Name}",
                    $"a call was predicted to take over {Workloads.GemmMaxCallSeconds(quick):0} s");
                continue;
            }
            double seconds = measure(shape);
            secondsPerFlop = seconds / shape.Flops;
            double gflops = shape.Flops / seconds / 1e9;
            Console.Error.WriteLine($"{shape.Name}: {seconds * 1e3:F2} ms, {gflops:F2} GFLOP/s");
            report.Add(shape.Name, gflops, "GFLOP/s", MetricKind.Throughput);
        }
    }
}
