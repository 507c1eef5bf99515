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
        double seconds = Timing.MedianSeconds(() =>
        {
            foreach (var p in parameters) p.Grad = null;
            x.Grad = null;
            lstm.Call(x).Output.Sum().Backward();
        }, Workloads.LstmBudgetSeconds(quick));
        report.Add(Workloads.LstmMetric(quick), seconds * 1e3, "ms", MetricKind.Time);
        double forward = Timing.MedianSeconds(() =>
        {
            using (Autograd.NoGrad()) lstm.Call(x);
        }, Workloads.LstmBudgetSeconds(quick) / 2);
        report.Add("forward only (no grad)", forward * 1e3, "ms", MetricKind.Time);
    }
}
