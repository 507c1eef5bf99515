using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Ember.Bench.Runner;

/// <summary>Collects every run's metrics by (workload, metric, column) and renders medians, ranges and
/// ratios.</summary>
internal sealed class ResultTable
{
    private sealed class Row(string workload, string metric, string unit, string kind)
    {
        public string Workload { get; } = workload;
        public string Metric { get; } = metric;
        public string Unit { get; } = unit;
        public string Kind { get; } = kind;
        public Dictionary<Variant, List<double?>> Samples { get; } = [];
    }

    private readonly List<Row> rows = []; // first-seen order, which is each program's reporting order
    private readonly List<Variant> columns = [];
    private readonly Dictionary<Variant, int> threadsSeen = [];
    private readonly SortedSet<string> notes = new(StringComparer.Ordinal);
    private readonly List<string> failures = [];

    public bool AnyFailure => failures.Count > 0;

    public void Add(string workload, Variant variant, string jsonLine)
    {
        AddColumn(variant);
        using JsonDocument doc = JsonDocument.Parse(jsonLine);
        JsonElement result = doc.RootElement;
        threadsSeen[variant] = result.GetProperty("threads").GetInt32();
        foreach (JsonElement m in result.GetProperty("metrics").EnumerateArray())
        {
            string name = m.GetProperty("name").GetString()!;
            Row? row = rows.Find(r => r.Workload == workload && r.Metric == name);
            if (row is null)
            {
                row = new Row(workload, name, m.GetProperty("unit").GetString()!, m.GetProperty("kind").GetString()!);
                rows.Add(row);
            }
            JsonElement value = m.GetProperty("value");
            double? sample = value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
            if (!row.Samples.TryGetValue(variant, out List<double?>? list)) row.Samples[variant] = list = [];
            list.Add(sample);
        }
        foreach (JsonProperty note in result.GetProperty("notes").EnumerateObject())
            notes.Add($"{result.GetProperty("engine").GetString()}: {note.Name}: {note.Value.GetString()}");
    }

    public void AddFailure(string workload, Variant variant, string error)
    {
        AddColumn(variant);
        failures.Add($"{workload}, {variant.Column}: {error}");
    }

    public string ToMarkdown(MachineInfo machine, RunnerOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Machine: {machine.Cpu}, {machine.Cores} " +
            $"cores; {machine.Runtime}; {machine.StartedUtc:yyyy-MM-dd HH:mm} UTC; " +
            $"{options.Reps} rep(s){(options.Quick ? ", --quick" : "")}; " +
            $"load average at start {machine.LoadAtStart}, at end {MachineInfo.LoadAverageNow()}.");
        text.AppendLine("Cells: median [min–max] over the reps (each rep a fresh process). Ratio: Ember ÷ the column " +
            "before it, of the medians;");
        text.AppendLine("for ms (↓) a ratio below 1 means Ember is faster, for GFLOP/s (↑) a ratio above 1 means " +
            "Ember is faster.");
        text.AppendLine();

        Variant? ember = columns.FirstOrDefault(c => c.Engine == "Ember" && !c.Tiered);
        var header = new List<string> { "Workload", "Metric" };
        foreach (Variant column in columns)
        {
            header.Add(ColumnTitle(column));
            if (column != ember && ember is not null) header.Add($"Ember/{ShortTitle(column)}");
        }
        text.AppendLine("| " + string.Join(" | ", header) + " |");
        text.AppendLine("|" + string.Concat(header.Select((_, i) => i < 2 ? " --- |" : " ---: |")));
        foreach (Row row in rows)
        {
            var cells = new List<string> { row.Workload, MetricTitle(row) };
            foreach (Variant column in columns)
            {
                cells.Add(Cell(row, column));
                if (column != ember && ember is not null) cells.Add(Ratio(row, ember, column));
            }
            text.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
        if (notes.Count > 0 || failures.Count > 0) text.AppendLine();
        foreach (string note in notes) text.AppendLine("- " + note);
        foreach (string failure in failures) text.AppendLine("- FAILED " + failure);
        return text.ToString();
    }

    private void AddColumn(Variant variant)
    {
        if (!columns.Contains(variant)) columns.Add(variant);
    }

    private string ColumnTitle(Variant column) => threadsSeen.TryGetValue(column, out int threads)
        ? $"{column.Engine} ({threads} thr{(column.Threads is null ? ", default" : "")}" +
            $"{(column.Tiered ? ", tiered JIT" : "")})"
        : column.Column;

    private static string ShortTitle(Variant column)
    {
        string engine = column.Engine == "TorchSharp" ? "TS" : column.Engine;
        if (column.Tiered) return $"{engine} tiered";
        return column.Threads is int n ? $"{engine} {n} thr" : $"{engine} default";
    }

    private static string MetricTitle(Row row) => row.Kind switch
    {
        "time" => $"{row.Metric} ({row.Unit} ↓)",
        "throughput" => $"{row.Metric} ({row.Unit} ↑)",
        _ =>
        row.Unit.Length == 0 || row.Metric.Contains(row.Unit, StringComparison.Ordinal) ? row.Metric
        : $"{row.Metric} ({row.Unit})",
    };

    private static string Cell(Row row, Variant column)
    {
        if (!row.Samples.TryGetValue(column, out List<double?>? samples)) return "—";
        double[] values = [.. samples.Where(s => s.HasValue).Select(s => s!.Value).Order()];
        if (values.Length == 0) return "skipped";
        string median = Format(Median(values));
        string min = Format(values[0]), max = Format(values[^1]);
        return min == max ? median : $"{median} [{min}–{max}]";
    }

    private static string Ratio(Row row, Variant ember, Variant other)
    {
        if (row.Kind is not ("time" or "throughput")) return "";
        double? a = MedianOf(row, ember), b = MedianOf(row, other);
        if (a is not double x || b is not double y || y == 0) return "—";
        double ratio = x / y;
        // Two significant digits below 0.1, so a 200× gap does not print as 0.00.
        return ratio.ToString(ratio >= 0.1 ? "0.00" : "G2", CultureInfo.InvariantCulture);
    }

    private static double? MedianOf(Row row, Variant column)
    {
        if (!row.Samples.TryGetValue(column, out List<double?>? samples)) return null;
        double[] values = [.. samples.Where(s => s.HasValue).Select(s => s!.Value).Order()];
        return values.Length == 0 ? null : Median(values);
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);

    private static string Format(double value)
    {
        double magnitude = Math.Abs(value);
        string format = magnitude >= 100 || value == Math.Round(value) ? "0"
            : magnitude >= 10 ? "0.0" : magnitude >= 1 ? "0.00" : "0.000";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }
}
