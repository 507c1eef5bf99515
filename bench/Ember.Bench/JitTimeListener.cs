using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Tracing;

namespace Ember.Bench;

/// <summary>
/// Diagnostic (EMBER_JIT_LIST=1, or =all for every method; W2/W4 only): lists the methods JIT-compiled while the
/// epoch runs, slowest first, on stderr. The durations are from runtime events (JIT start to method load), so they
/// include type loading and, on a busy machine, time the thread was descheduled; the listener itself slows the run,
/// so never time with it on.
/// </summary>
internal sealed class JitTimeListener : EventListener
{
    private const int JitKeyword = 0x10;
    private readonly ConcurrentDictionary<ulong, DateTime> _start = new();
    private readonly ConcurrentBag<(double Ms, string Name, int Size)> _done = [];

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)JitKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var payload = eventData.Payload;
        if (payload is null || payload.Count == 0 || payload[0] is not ulong id)
            return;
        if (eventData.EventName == "MethodJittingStarted_V1")
        {
            _start[id] = eventData.TimeStamp;
        }
        else if (eventData.EventName is "MethodLoadVerbose_V1" or "MethodLoadVerbose_V2"
            && _start.TryRemove(id, out DateTime t0) && payload.Count > 7)
        {
            // MethodLoadVerbose: MethodID, ModuleID, MethodStartAddress, MethodSize, MethodToken, MethodFlags,
            // MethodNamespace, MethodName, ...
            _done.Add(((eventData.TimeStamp - t0).TotalMilliseconds, $"{payload[6]}::{payload[7]}",
                Convert.ToInt32(payload[3], System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Writes the count, the summed duration and the 40 slowest methods (all with EMBER_JIT_LIST=all) to
    /// stderr.</summary>
    public void Print()
    {
        var list = new List<(double Ms, string Name, int Size)>(_done);
        list.Sort((a, b) => b.Ms.CompareTo(a.Ms));
        double total = 0;
        foreach (var x in list) total += x.Ms;
        Console.Error.WriteLine($"JIT events in the epoch: {list.Count} methods, {total:F1} ms (event time)");
        int shown = Environment.GetEnvironmentVariable("EMBER_JIT_LIST") == "all" ? list.Count : 40;
        for (int i = 0; i < Math.Min(shown, list.Count); i++)
            Console.Error.WriteLine($"{list[i].Ms,8:F2} ms {list[i].Size,6} B native  {list[i].Name}");
    }
}
