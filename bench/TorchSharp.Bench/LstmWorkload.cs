using System.Linq;
using Ember.Bench.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchSharpBench;

/// <summary>Issue 17's LSTM benchmark on TorchSharp: the same sizes and steps as Ember.Bench's.</summary>
internal static class LstmWorkload
{
    public static void Run(BenchReport report, bool quick)
    {
        var (batch, steps, input, hidden) = Workloads.LstmShape(quick);
        manual_seed(0);
        using var lstm = nn.LSTM(input, hidden);
        using Tensor x = randn(steps, batch, input).requires_grad_();
        double seconds = Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            lstm.zero_grad();
            x.grad?.zero_();
            var (output, _, _) = lstm.forward(x);
            output.sum().backward();
        }, Workloads.LstmBudgetSeconds(quick));
        report.Add(Workloads.LstmMetric(quick), seconds * 1e3, "ms", MetricKind.Time);
        double forward = Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            lstm.forward(x);
        }, Workloads.LstmBudgetSeconds(quick) / 2);
        report.Add("forward only (no grad)", forward * 1e3, "ms", MetricKind.Time);
        // The same uneven lengths, the PyTorch way: pack, run, pad back to T.
        using Tensor lengths = tensor(Workloads.LstmLengths(quick).Select(l => (long)l).ToArray());
        double uneven = Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            lstm.zero_grad();
            x.grad?.zero_();
            var packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first: false, enforce_sorted: false);
            var (output, _, _) = lstm.call(packed);
            var (padded, _) = nn.utils.rnn.pad_packed_sequence(output, batch_first: false, total_length: steps);
            padded.sum().backward();
        }, Workloads.LstmBudgetSeconds(quick) / 2);
        report.Add(Workloads.LstmLengthsMetric(quick), uneven * 1e3, "ms", MetricKind.Time);
    }
}
