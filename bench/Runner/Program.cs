// bench/run.sh → this runner: builds both bench programs in Release, runs each workload's variants in separate
// processes alternately (A B C A B C ...), and prints a markdown table of medians and Ember/TorchSharp ratios.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ember.Bench.Runner;

RunnerOptions options;
try { options = RunnerOptions.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

string root = RepoRoot.Find();
var emberBench = new BenchProgram("Ember", Path.Combine(root, "bench", "Ember.Bench"));
var torchBench = new BenchProgram("TorchSharp", Path.Combine(root, "bench", "TorchSharp.Bench"));
var pytorchBench = new BenchProgram("PyTorch", Path.Combine(root, "bench", "PyTorch"),
    script: Path.Combine(root, "bench", "PyTorch", "bench.py"));
var emberNoSeam = new BenchProgram("Ember (no tracer seam)", Path.Combine(root, "bench", "Ember.Bench"),
    variant: "EmberNoTracerSeam");
if (!emberBench.Build()) return 1;
// The B build last, into its own bin/ folder: the A build's output stays as it was built.
if ((options.Only is null || options.Only.Contains("tracer")) && !emberNoSeam.Build()) return 1;
bool torchBuilt = torchBench.Build();
bool pytorchReady = pytorchBench.Build();

var machine = MachineInfo.Capture();
Console.Error.WriteLine($"{machine.Cpu}, {machine.Cores} cores; load average {MachineInfo.LoadAverageNow()}");

var workloads = new List<Workload>
{
    new("W1 Iris", "iris", [Variant.Ember, Variant.TorchDefault, Variant.TorchOneThread, Variant.EmberTiered]),
    new("W3 SGEMM", "gemm", [Variant.Ember, Variant.TorchDefault, Variant.TorchOneThread]),
    new("FMA ceiling", "fma", [Variant.Ember]),
    new("Float32 transcendentals", "math", [Variant.Ember]),
    new("LSTM", "lstm", [Variant.Ember, Variant.TorchDefault, Variant.TorchOneThread, Variant.PyTorchDefault]),
    new("W2 F-MNIST MLP", "w2", Variant.Training),
    new("W4 LeNet-5", "w4", Variant.Training),
    new("W2 data feeding (issue 12)", "w2loader", [Variant.Ember]),
    new("MatMul result vs preallocated C (issue 12)", "matmul", [Variant.Ember]),
    new("Tracer off-cost (issue 19)", "tracer", [Variant.Ember, Variant.EmberNoTracerSeam]),
};
var results = new ResultTable();
string resultsDir = Path.Combine(root, "bench", "results");
Directory.CreateDirectory(resultsDir);
using var rawLog = new StreamWriter(Path.Combine(resultsDir, "latest.jsonl"));
foreach (Workload workload in workloads.Where(w => options.Only is null || options.Only.Contains(w.Id)))
{
    for (int rep = 1; rep <= options.Reps; rep++)
    {
        foreach (Variant variant in workload.Variants)
        {
            BenchProgram program = variant.Engine switch
            {
                "Ember" => emberBench,
                "PyTorch" => pytorchBench,
                "Ember, no tracer seam" => emberNoSeam,
                _ => torchBench,
            };
            if ((program == torchBench && !torchBuilt) || (program == pytorchBench && !pytorchReady)) continue;
            string label = $"[{workload.Id} {rep}/{options.Reps}] {variant.Column}";
            RunOutcome outcome = program.Run(workload.Id, variant.Threads, options.Quick, options.TimeoutSeconds,
                variant.Tiered);
            if (outcome.JsonLine is null)
            {
                Console.Error.WriteLine($"{label}: FAILED ({outcome.Error})");
                results.AddFailure(workload.Title, variant, outcome.Error!);
                continue;
            }
            rawLog.WriteLine(outcome.JsonLine);
            results.Add(workload.Title, variant, outcome.JsonLine);
            Console.Error.WriteLine($"{label}: {outcome.Seconds:F1} s");
        }
    }
}

string table = results.ToMarkdown(machine, options);
Console.WriteLine(table);
File.WriteAllText(Path.Combine(resultsDir, "latest.md"), table);
return results.AnyFailure ? 1 : 0;
