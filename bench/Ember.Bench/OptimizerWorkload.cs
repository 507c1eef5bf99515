using System;
using System.Diagnostics;
using Ember.Bench.Shared;
using Ember.Optim;

namespace Ember.Bench;

/// <summary>
/// Optimizer step cost (issue 12, fused optimizer step): ns per parameter of <c>Step()</c> for Adam, AdamW (amsgrad)
/// and SGD (momentum 0.9, Nesterov, weight decay) over the parameters of W2's MLP 784-256-128-10 (235,146 float32
/// parameters in 6 tensors), gradients fixed. Median of 7 timed blocks. Ember only (not run by bench/run.sh).
/// </summary>
internal static class OptimizerWorkload
{
    private static readonly int[][] s_shapes = [[256, 784], [256], [128, 256], [128], [10, 128], [10]];

    public static void Run(BenchReport report, bool quick)
    {
        int steps = quick ? 20 : 200;
        Measure(report, "Adam", ps => new Adam(ps, lr: 1e-3), steps);
        Measure(report, "AdamW amsgrad", ps => new AdamW(ps, lr: 1e-3, amsgrad: true), steps);
        Measure(report, "SGD m0.9", ps => new SGD(ps, lr: 0.01, momentum: 0.9), steps);
        Measure(report, "SGD nesterov wd", ps => new SGD(ps, lr: 0.01, momentum: 0.9, weightDecay: 1e-4,
            nesterov: true), steps);
    }

    private static void Measure(BenchReport report, string name, Func<Parameter[], Optimizer> create, int steps)
    {
        var gen = new Generator(1);
        var ps = new Parameter[s_shapes.Length];
        long count = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            ps[i] = new Parameter(Tensor.Randn(s_shapes[i], generator: gen) * 0.05);
            ps[i].Grad = Tensor.Randn(s_shapes[i], generator: gen) * 0.01;
            count += ps[i].NumEl;
        }
        var opt = create(ps);
        for (int i = 0; i < 20; i++) opt.Step(); // warm up: JIT, state buffers, worker threads
        var blocks = new double[7];
        for (int b = 0; b < blocks.Length; b++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++) opt.Step();
            blocks[b] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / steps / count;
        }
        Array.Sort(blocks);
        report.Add(name + " step", blocks[blocks.Length / 2], "ns/param", MetricKind.Time);
    }
}
