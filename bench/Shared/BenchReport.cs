using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Ember.Bench.Shared;

/// <summary>How a metric compares across engines: the runner prints ratios only for Time and Throughput.</summary>
public enum MetricKind { Time, Throughput, Info }

public readonly record struct Metric(string Name, double Value, string Unit, MetricKind Kind);

/// <summary>
/// Collects one process's results and writes them as a single JSON line on stdout, the protocol between the
/// bench programs and the runner. Progress and diagnostics go to stderr so stdout stays one line.
/// </summary>
public sealed class BenchReport(string engine, string workload, int threads, bool quick)
{
    private readonly List<Metric> metrics = [];
    private readonly List<KeyValuePair<string, string>> notes = [];

    public void Add(string name, double value, string unit, MetricKind kind) =>
        metrics.Add(new Metric(name, value, unit, kind));

    public void Note(string key, string value) => notes.Add(new(key, value));

    public void WriteJsonLine(TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("engine", engine);
            json.WriteString("workload", workload);
            json.WriteNumber("threads", threads);
            json.WriteBoolean("quick", quick);
            json.WriteStartArray("metrics");
            foreach (Metric m in metrics)
            {
                json.WriteStartObject();
                json.WriteString("name", m.Name);
                if (double.IsFinite(m.Value)) json.WriteNumber("value", m.Value);
                else json.WriteNull("value");
                json.WriteString("unit", m.Unit);
                json.WriteString("kind", m.Kind.ToString().ToLowerInvariant());
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("notes");
            foreach (var (key, value) in notes) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        output.Flush();
    }
}
