// Runs one workload on TorchSharp (libtorch 2.10, CPU) in this process and prints one JSON line, the same
// protocol as Ember.Bench (see bench/README.md).
// Usage: TorchSharp.Bench --workload iris|gemm|w2|w4 [--threads N] [--quick]
using System;
using Ember.Bench.Shared;
using TorchSharp;
using TorchSharpBench;

BenchArgs options = BenchArgs.Parse(args);
if (options.Threads is int n) torch.set_num_threads(n);
var report = new BenchReport("TorchSharp", options.Workload, torch.get_num_threads(), options.Quick);
report.Note("libtorch", torch.__version__);
switch (options.Workload)
{
    case "iris": IrisWorkload.Run(report, options.Quick); break;
    case "gemm": GemmWorkload.Run(report, options.Quick); break;
    case "lstm": LstmWorkload.Run(report, options.Quick); break;
    case "w2": FashionWorkloads.RunW2(report, options.Quick); break;
    case "w4": FashionWorkloads.RunW4(report, options.Quick); break;
    default: throw new ArgumentException($"Unknown workload '{options.Workload}' (iris, gemm, lstm, w2, w4).");
}
report.WriteJsonLine(Console.Out);
