// Runs one workload on Ember in this process and prints one JSON line (see bench/README.md).
// Usage: Ember.Bench --workload iris|gemm|fma|math|gradmode|lstm|lstmgemm|lstmgate|mathcheck|gatecheck|w2|w4|optim
//        |conv|matmul|tracer|w2loader [--threads N] [--quick]
using System;
using Ember.Bench;
using Ember.Bench.Shared;

BenchArgs options = BenchArgs.Parse(args);
int threads = EmberThreads.Apply(options.Threads);
var report = new BenchReport("Ember", options.Workload, threads, options.Quick);
// The GC settings in force (EmberML's buildTransitive props set the LOH threshold; DOTNET_GC* overrides it).
var gcConfig = GC.GetConfigurationVariables();
report.Note("GC LOHThreshold", gcConfig.TryGetValue("LOHThreshold", out object? loh) ? $"{loh}" : "default");
report.Note("GC ConserveMemory", gcConfig.TryGetValue("ConserveMemory", out object? cm) ? $"{cm}" : "default");
// Ember's background JIT warm-up (an optimizer's constructor starts it; docs/design-notes.md, "JIT warm-up") is on
// by default, as in any app; EMBER_JIT_WARMUP=0 sets its runtime switch off for A/B runs.
if (Environment.GetEnvironmentVariable("EMBER_JIT_WARMUP") == "0") AppContext.SetSwitch("Ember.JitWarmup", false);
report.Note("JIT warm-up", AppContext.TryGetSwitch("Ember.JitWarmup", out bool warmup) && !warmup ? "off" : "on");
// The LSTM backward's per-step dh product runs on two threads (docs/design-notes.md, issue 17 backward pass);
// EMBER_LSTM_SPLIT=0 sets its runtime switch off for A/B runs (the lstm workload notes the setting).
if (Environment.GetEnvironmentVariable("EMBER_LSTM_SPLIT") == "0")
    AppContext.SetSwitch("Ember.RecurrentBackwardSplit", false);
if (options.Workload == "lstm")
{
    report.Note("LSTM backward split",
        AppContext.TryGetSwitch("Ember.RecurrentBackwardSplit", out bool split) && !split ? "off" : "on");
    // The whole-sequence LSTM backward split by batch rows (issue 17); EMBER_LSTM_SEQ_BACKWARD=0 turns it off.
    report.Note("LSTM sequence backward",
        Environment.GetEnvironmentVariable("EMBER_LSTM_SEQ_BACKWARD") == "0" ? "off" : "on");
    // Its tail (weight, bias and input gradients in one parallel phase, issue 17); EMBER_LSTM_TAIL=0 turns it off.
    report.Note("LSTM backward tail", Environment.GetEnvironmentVariable("EMBER_LSTM_TAIL") == "0" ? "off" : "on");
}
// Opt-in multicore JIT (the app-level System.Runtime.ProfileOptimization): the first run with EMBER_JIT_PROFILE=DIR
// records which methods it compiled into DIR/<workload>.jitprofile; later runs compile them on a background thread
// from startup on (during data loading), so the timed epoch no longer pays for the JIT. See bench/README.md, W2.
if (Environment.GetEnvironmentVariable("EMBER_JIT_PROFILE") is { Length: > 0 } jitProfileDir)
{
    string profile = options.Workload + ".jitprofile";
    System.IO.Directory.CreateDirectory(jitProfileDir);
    bool replay = System.IO.File.Exists(System.IO.Path.Combine(jitProfileDir, profile));
    System.Runtime.ProfileOptimization.SetProfileRoot(jitProfileDir);
    System.Runtime.ProfileOptimization.StartProfile(profile);
    report.Note("JIT profile", replay ? "replayed" : "recorded");
}
switch (options.Workload)
{
    case "iris": IrisWorkload.Run(report, options.Quick); break;
    case "gemm": GemmWorkload.Run(report, options.Quick); break;
    case "fma": FmaProbe.Run(report, options.Quick); break;
    case "math": MathProbe.Run(report, options.Quick); break;
    case "gradmode": GradModeWorkload.Run(report, options.Quick); break;
    case "lstm": LstmWorkload.Run(report, options.Quick); break;
    case "w2": FashionWorkloads.RunW2(report, options.Quick); break;
    case "w4": FashionWorkloads.RunW4(report, options.Quick); break;
    case "optim": OptimizerWorkload.Run(report, options.Quick); break;
    case "conv": ConvWorkload.Run(report, options.Quick); break;
    case "matmul": MatMulProbe.Run(report, options.Quick); break;
    case "w2loader": LoaderWorkload.Run(report, options.Quick); break;
    case "tracer": TracerWorkload.Run(report, options.Quick); break;
    case "lstmgemm": LstmGemmProbe.Run(report, options.Quick); break;
    case "lstmgate": LstmGateProbe.Run(report, options.Quick); break;
    case "mathcheck": MathBitsCheck.Run(report, options.Quick); break;
    case "gatecheck": GateMathCheck.Run(report, options.Quick); break;
    default:
        throw new ArgumentException(
            $"Unknown workload '{options.Workload}' " +
            "(iris, gemm, fma, math, gradmode, lstm, lstmgemm, lstmgate, mathcheck, gatecheck, w2, w4, optim, conv, "
            + "matmul, tracer, w2loader).");
}
report.WriteJsonLine(Console.Out);

namespace Ember.Bench
{
    /// <summary>Ember's kernel thread count: <paramref name="requested"/> sets it; the value in force is
    /// returned.</summary>
    internal static class EmberThreads
    {
        public static int Apply(int? requested)
        {
            if (requested is int n) Ember.Threading.ThreadCount = n;
            return Ember.Threading.ThreadCount;
        }
    }
}
