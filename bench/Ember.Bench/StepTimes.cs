using System;
using System.Diagnostics;

namespace Ember.Bench;

/// <summary>
/// Diagnostic (EMBER_STEP_TIMES=1, W2/W4 only): where the first-use cost of the timed epoch lies, on stderr. Prints
/// the first steps' times, the median step, and the excess over the median of the first 1, 10, 100 steps and of
/// the whole epoch (cold cost: JIT, type loading, first-touch page faults, pool start).
/// </summary>
internal static class StepTimes
{
    public static void Print(long[] stamps)
    {
        int steps = stamps.Length - 1;
        var ms = new double[steps];
        for (int i = 0; i < steps; i++) ms[i] = (stamps[i + 1] - stamps[i]) * 1000.0 / Stopwatch.Frequency;
        var sorted = (double[])ms.Clone();
        Array.Sort(sorted);
        double median = sorted[steps / 2];
        Console.Error.Write($"steps {steps}, median {median:F3} ms; first:");
        for (int i = 0; i < Math.Min(8, steps); i++) Console.Error.Write($" {ms[i]:F2}");
        Console.Error.WriteLine();
        foreach (int k in new[] { 1, 2, 10, 100, steps })
        {
            double excess = 0;
            for (int i = 0; i < Math.Min(k, steps); i++) excess += ms[i] - median;
            Console.Error.WriteLine($"excess over median, first {k} steps: {excess:F1} ms");
        }
    }
}
