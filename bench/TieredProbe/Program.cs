// W1 (the seed's Iris loop) timed in blocks of steps from process start, so the tiered JIT's warm-up shows: the
// first block is cold (JIT), later blocks show when tier-1 code arrives. Prints one line per block.
// Usage: TieredProbe [--blocks N] [--steps-per-block N] [--jit-trace FILE.tsv]
//   compare: DOTNET_TieredCompilation=0 dotnet bin/Release/net10.0/TieredProbe.dll   vs   the default.
using System;
using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using Ember;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

int blocks = 20, perBlock = 1000;
string? jitTracePath = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--blocks") blocks = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[i] == "--steps-per-block")
        perBlock = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[i] == "--jit-trace") jitTracePath = args[i + 1];
}
using JitTrace? jitTrace = jitTracePath is null ? null : new JitTrace();
string tiered = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") == "0" ? "off" : "on";
Console.WriteLine($"tiered compilation {tiered}, server GC {GCSettings.IsServerGC}, {perBlock} steps a block");
long processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime().Ticks;
Tensor.ManualSeed(0);
IrisDataset iris = Datasets.Iris();
Tensor x = Tensor.From(iris.Data).To(DType.Float32);
Tensor y = Tensor.From(iris.Target);
var model = new Clf();
var optimizer = new Adam(model.Parameters(), lr: 0.01);
var lossFn = new CrossEntropyLoss();
double best = double.MaxValue;
for (int b = 0; b < blocks; b++)
{
    JitTrace.Marker = "block " + b.ToString(System.Globalization.CultureInfo.InvariantCulture);
    long start = Stopwatch.GetTimestamp();
    double cpuStart = ThreadCpu.Milliseconds();
    long jitMethodsStart = System.Runtime.JitInfo.GetCompiledMethodCount();
    TimeSpan jitTimeStart = System.Runtime.JitInfo.GetCompilationTime();
    Tensor loss = null!;
    for (int i = 0; i < perBlock; i++)
    {
        Tensor yPred = model.Call(x);
        loss = lossFn.Call(yPred, y);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
    }
    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    double cpu = ThreadCpu.Milliseconds() - cpuStart;
    long jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethodsStart;
    double jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jitTimeStart).TotalMilliseconds;
    best = Math.Min(best, cpu);
    double sinceStart = (DateTime.UtcNow.Ticks - processStart) / (double)TimeSpan.TicksPerMillisecond;
    Console.WriteLine($"block {b,3}: {cpu,8:F1} ms thread CPU ({1000 * cpu / perBlock,6:F1} us/step), " +
        $"{ms,8:F1} ms wall, JIT {jitMethods,4} methods {jitMs,6:F1} ms, " +
        $"{sinceStart,7:F0} ms since process start, loss {loss.Item<float>():F4}");
}
if (jitTrace is not null && jitTracePath is not null) jitTrace.Save(jitTracePath);
Console.WriteLine($"best block: {best:F1} ms thread CPU ({1000 * best / perBlock:F1} us/step)");

/// <summary>
/// The calling thread's CPU time (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)): unlike wall time it does not count
/// time the thread waited for a core, which matters on a shared machine. Falls back to wall time elsewhere.
/// </summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        _ = ClockGetTime(ClockThreadCpuTimeId, out TimeSpec t);
        return t.Seconds * 1000.0 + t.Nanoseconds / 1e6;
    }
}

/// <summary>The seed's classifier: 4 → 10 → ReLU → 3.</summary>
internal sealed class Clf : Module
{
    private readonly Linear fc1 = new(4, 10), fc2 = new(10, 3);

    public override Tensor Forward(Tensor x) => fc2.Call(F.ReLU(fc1.Call(x)));
}
