using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.IO;

/// <summary>
/// An in-process listener on the runtime's own event source (the events dotnet-trace would collect): every method
/// the JIT compiles with its tier, the thread and how long the JIT took, plus the tiering background worker's
/// start/stop events with its pending-method count. Written as TSV to the file given by <c>--jit-trace</c>.
/// </summary>
internal sealed class JitTrace : EventListener
{
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const EventKeywords CompilationDiagnosticKeyword = (EventKeywords)0x2000000000;
    // The tiering events (Settings, Pause, Resume, BackgroundJitStart/Stop) are under the Compilation keyword.
    private const EventKeywords CompilationKeyword = (EventKeywords)0x1000000000;

    private readonly ConcurrentQueue<string> lines = new();
    private readonly ConcurrentDictionary<(long Thread, long Method), DateTime> started = new();
    private readonly DateTime origin = DateTime.UtcNow;
    private volatile bool enabled;

    public static string Marker { get; set; } = "setup";

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose,
                JitKeyword | CompilationDiagnosticKeyword | CompilationKeyword);
            enabled = true;
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!enabled || e.Payload is null) return;
        double t = (e.TimeStamp - origin).TotalMilliseconds;
        switch (e.EventName)
        {
            case "MethodJittingStarted_V1":
                started[(e.OSThreadId, Convert.ToInt64(e.Payload[0], CultureInfo.InvariantCulture))] = e.TimeStamp;
                break;
            case "MethodLoadVerbose_V1":
            case "MethodLoadVerbose_V2":
                OnMethodLoaded(e, t);
                break;
            case "R2RGetEntryPoint":
                // A ReadyToRun method's first call: no JIT, but it re-arms the tiering delay like a tier-0 JIT.
                lines.Enqueue(string.Create(CultureInfo.InvariantCulture,
                    $"{t:F1}\t{Marker}\tr2r\t{e.OSThreadId}\t\t\t{e.Payload[1]}::{e.Payload[2]}"));
                break;
            case "TieredCompilationSettings":
            case "TieredCompilationBackgroundJitStart":
            case "TieredCompilationBackgroundJitStop":
            case "TieredCompilationPause":
            case "TieredCompilationResume":
                lines.Enqueue(string.Create(CultureInfo.InvariantCulture,
                    $"{t:F1}\t{Marker}\t{e.EventName}\t{e.OSThreadId}\t\t\t{string.Join(' ', e.Payload)}"));
                break;
        }
    }

    // A method's code is ready: log jitted ones (not R2R lookups) with their tier and compile time.
    private void OnMethodLoaded(EventWrittenEventArgs e, double t)
    {
        long id = Convert.ToInt64(e.Payload![0], CultureInfo.InvariantCulture);
        uint flags = Convert.ToUInt32(e.Payload[5], CultureInfo.InvariantCulture);
        if ((flags & 0x8) == 0) return; // not jitted (R2R lookup)
        double ms = started.TryRemove((e.OSThreadId, id), out DateTime s)
            ? (e.TimeStamp - s).TotalMilliseconds : double.NaN;
        int tier = (int)((flags >> 7) & 0x7);
        string name = $"{e.Payload[6]}::{e.Payload[7]}";
        lines.Enqueue(string.Create(CultureInfo.InvariantCulture,
            $"{t:F1}\t{Marker}\tjit\t{e.OSThreadId}\t{TierName(tier)}\t{ms:F2}\t{name}"));
    }

    // The runtime's MethodFlags tier field (bits 7-9): the first four values are stable across versions; the rest
    // (OSR, instrumented tiers) have moved between releases, so they are printed as numbers. For exact tier names
    // per method, DOTNET_JitStdOutFile=FILE DOTNET_JitDisasmSummary=1 lists every compile with its tier.
    private static string TierName(int tier) => tier switch
    {
        1 => "MinOpts",
        2 => "Optimized",
        3 => "Tier0",
        4 => "Tier1",
        _ => "tier" + tier.ToString(CultureInfo.InvariantCulture),
    };

    public void Save(string path)
    {
        var all = new List<string>(lines);
        File.WriteAllLines(path, all);
    }
}
