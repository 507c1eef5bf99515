using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Ember.Data;

/// <summary>
/// A table read by <see cref="Datasets.Csv"/>: numeric features and one label column. Samples are
/// <c>(Features, Label)</c> rows; <see cref="Features"/> and <see cref="Target"/> give the whole table at once
/// (scikit-learn's <c>X</c> and <c>y</c>).
/// </summary>
public sealed class CsvDataset : Dataset<(double[] Features, long Label)>
{
    internal CsvDataset(double[,] features, double[] target, long[]? labels, string[] featureNames, string labelName,
        string[]? classes,
        IReadOnlyDictionary<string, string[]> categories, string? whyNoLabels = null)
    {
        _whyNoLabels = whyNoLabels;
        Features = features;
        Target = target;
        Labels = labels;
        FeatureNames = featureNames;
        LabelName = labelName;
        Classes = classes;
        Categories = categories;
    }

    private readonly string? _whyNoLabels;

    /// <summary>The feature matrix, <c>double[rows, features]</c>.</summary>
    public double[,] Features { get; }

    /// <summary>The label column as numbers: its values, or class indices when it holds text (see
    /// <see cref="Classes"/>).</summary>
    public double[] Target { get; }

    /// <summary>The labels as class indices, or null when the label column has numbers that are not class indices
    /// (non-integer or negative values, e.g. a regression target or -1/1 labels).</summary>
    public long[]? Labels { get; }

    /// <summary>Feature column names (from the header, or "0", "1", ... without one).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The label column's name.</summary>
    public string LabelName { get; }

    /// <summary>When the label column holds text: the class names in sorted order, indexed by label (as scikit-learn's
    /// <c>LabelEncoder</c>).</summary>
    public IReadOnlyList<string>? Classes { get; }

    /// <summary>For each categorical feature column: its categories in sorted order; the column holds their
    /// indices.</summary>
    public IReadOnlyDictionary<string, string[]> Categories { get; }

    /// <inheritdoc/>
    public override int Count => Target.Length;

    /// <inheritdoc/>
    public override (double[] Features, long Label) this[int index]
    {
        get
        {
            CheckIndex(index, Count);
            if (Labels is null)
                throw new InvalidOperationException(
                    $"CsvDataset: the label column '{LabelName}' {_whyNoLabels ?? "has no class indices"}, so " +
                    "samples have no class label; use Features and Target.");
            int f = Features.GetLength(1);
            var row = new double[f];
            for (int j = 0; j < f; j++) row[j] = Features[index, j];
            return (row, Labels[index]);
        }
    }
}

public static partial class Datasets
{
    /// <summary>
    /// Reads a delimited text file (CSV) into numeric features and a label column. Fields may be quoted
    /// (<c>"a, b"</c>, <c>""</c> for a quote); blank lines are skipped. A label column holding text is encoded as
    /// class indices in sorted order (see <see cref="CsvDataset.Classes"/>); feature columns must be numeric
    /// unless listed in <paramref name="categorical"/>, which are encoded the same way. A bad row (wrong number of
    /// fields, a value that is not a number, an empty value) is an <see cref="InvalidDataException"/> naming the file,
    /// line number and column.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="labelColumn">The label column's name (the header's, or "0", "1", ... without a header); null for
    /// the last column.</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="hasHeader">Whether the first line names the columns.</param>
    /// <param name="categorical">Feature columns holding text categories.</param>
    /// <param name="encoding">The file's text encoding; null (the default) for strict UTF-8 (a byte-order mark
    /// selects UTF-16/32 instead), where bytes that are not valid UTF-8 are an <see cref="InvalidDataException"/>
    /// naming the file and line, never silently replaced (which would merge distinct labels such as Latin-1
    /// <c>café</c> and <c>cafè</c>). Pass e.g. <see cref="Encoding.Latin1"/> for files in another encoding.</param>
    public static CsvDataset Csv(string path, string? labelColumn = null, char delimiter = ',', bool hasHeader = true,
        IReadOnlyCollection<string>? categorical = null, Encoding? encoding = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string name = Path.GetFileName(path);
        using var reader = new StreamReader(path, encoding ?? s_strictUtf8, detectEncodingFromByteOrderMarks: true);
        var rows = new List<(string[] Fields, int Line)>();
        string[]? header = null;
        int lineNo = 0;
        for (string? line = ReadLine(reader, path); line is not null; line = ReadLine(reader, path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            string[] fields = SplitCsvLine(line, delimiter, name, lineNo);
            if (header is null && hasHeader) header = fields;
            else rows.Add((fields, lineNo));
        }
        int columns = header?.Length ?? (rows.Count > 0 ? rows[0].Fields.Length : 0);
        if (columns == 0) throw new InvalidDataException($"{name}: no data (the file is empty).");
        if (columns < 2)
            throw new InvalidDataException($"{name}: needs at least two columns (features and a label), " +
                $"found {columns}.");
        if (header is null)
        {
            header = new string[columns];
            for (int j = 0; j < columns; j++) header[j] = j.ToString(CultureInfo.InvariantCulture);
        }
        int labelIdx = labelColumn is null ? columns - 1 : Array.IndexOf(header, labelColumn);
        if (labelIdx < 0)
            throw new ArgumentException($"{name}: no column named '{labelColumn}'; the columns " +
                $"are: {string.Join(", ", header)}.", nameof(labelColumn));
        var isCategorical = new bool[columns];
        if (categorical is not null)
            foreach (string c in categorical)
            {
                int j = Array.IndexOf(header, c);
                if (j < 0)
                    throw new ArgumentException($"{name}: categorical column '{c}' is not " +
                        $"among: {string.Join(", ", header)}.", nameof(categorical));
                isCategorical[j] = true;
            }

        foreach (var (fields, line) in rows)
            if (fields.Length != columns)
                throw new InvalidDataException($"{name}:{line}: expected {columns} fields " +
                    $"(as {(hasHeader ? "the header" : "the first row")}) but found {fields.Length}.");

        // The label column is text when any value does not parse as a number.
        bool labelIsText = isCategorical[labelIdx];
        foreach (var (fields, _) in rows)
            if (!labelIsText && !TryParse(fields[labelIdx], out _)) labelIsText = true;

        int n = rows.Count, nf = columns - 1;
        var features = new double[n, nf];
        var target = new double[n];
        var featureNames = new string[nf];
        var categoryMaps = new Dictionary<string, string[]>();
        var encoded = new Dictionary<int, (string[] Classes, Dictionary<string, int> Index)>();
        for (int j = 0; j < columns; j++)
            if (isCategorical[j] || (j == labelIdx && labelIsText))
            {
                var set = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var (fields, line) in rows)
                {
                    if (fields[j].Length == 0)
                        throw new InvalidDataException($"{name}:{line}: column '{header[j]}' is empty.");
                    set.Add(fields[j]);
                }
                var classes = new string[set.Count];
                set.CopyTo(classes);
                var index = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int k = 0; k < classes.Length; k++) index[classes[k]] = k;
                encoded[j] = (classes, index);
                if (j != labelIdx) categoryMaps[header[j]] = classes;
            }

        for (int j = 0, f = 0; j < columns; j++)
            if (j != labelIdx) featureNames[f++] = header[j];
        for (int i = 0; i < n; i++)
        {
            var (fields, line) = rows[i];
            for (int j = 0, f = 0; j < columns; j++)
            {
                double v;
                if (encoded.TryGetValue(j, out var enc)) v = enc.Index[fields[j]];
                else if (fields[j].Length == 0)
                    throw new InvalidDataException($"{name}:{line}: column '{header[j]}' is empty (missing values " +
                        "are not supported; fill or drop them first).");
                else if (!TryParse(fields[j], out v))
                    throw new InvalidDataException(
                        $"{name}:{line}: column '{header[j]}' has '{fields[j]}', which is not a number (list text " +
                        "columns in categorical:).");
                if (j == labelIdx) target[i] = v;
                else features[i, f++] = v;
            }
        }

        long[]? labels = new long[n];
        string? whyNoLabels = null;
        for (int i = 0; i < n; i++)
        {
            double t = target[i];
            if (t != Math.Floor(t) || t > int.MaxValue)
                whyNoLabels = $"has non-integer values (e.g. {t.ToString(CultureInfo.InvariantCulture)} on line " +
                    $"{rows[i].Line}; a regression target)";
            else if (t < 0)
                whyNoLabels = $"has negative values (e.g. {t.ToString(CultureInfo.InvariantCulture)} on line " +
                    $"{rows[i].Line}), and class labels are indices 0..C-1 (map -1/1 labels to 0/1, or read the " +
                    "column as text with categorical: to encode it as classes)";
            if (whyNoLabels is not null) { labels = null; break; }
            labels[i] = (long)t;
        }
        return new CsvDataset(features, target, labels, featureNames, header[labelIdx],
            labelIsText ? encoded[labelIdx].Classes : null, categoryMaps, whyNoLabels);
    }

    private static readonly UTF8Encoding s_strictUtf8 =
        new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the next line; an undecodable byte becomes an error naming the file and the line that holds
    /// it.</summary>
    private static string? ReadLine(StreamReader reader, string path)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (DecoderFallbackException ex)
        {
            // The reader decodes a buffer ahead of the current line, so find the offending line in the raw bytes.
            var (line, column, bytes) = FindInvalidUtf8(path);
            throw new InvalidDataException(
                $"{Path.GetFileName(path)}:{line}: invalid UTF-8 at byte {column} of the line ({bytes}); the file " +
                "is not UTF-8. Pass the file's encoding, e.g. encoding: Encoding.Latin1, or convert it to UTF-8.",
                ex);
        }
    }

    /// <summary>The 1-based line and byte column of the first invalid UTF-8 sequence in the file, with its first
    /// bytes in hex.</summary>
    private static (int Line, int Column, string Bytes) FindInvalidUtf8(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        int line = 1, lineStart = 0;
        for (int pos = 0; pos < data.Length;)
        {
            if (Rune.DecodeFromUtf8(data.AsSpan(pos), out _, out int consumed) != OperationStatus.Done)
                return (line, pos - lineStart + 1, Convert.ToHexString(data, pos, Math.Min(consumed, 4)));
            if (data[pos] == (byte)'\n') { line++; lineStart = pos + consumed; }
            pos += consumed;
        }
        return (line, 0, "");
    }

    private static bool TryParse(string s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Splits one line into trimmed fields, honouring double quotes.</summary>
    private static string[] SplitCsvLine(string line, char delimiter, string name, int lineNo)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            field.Clear();
            while (i < line.Length && line[i] == ' ') i++;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                        throw new InvalidDataException($"{name}:{lineNo}: unterminated quoted field.");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                while (i < line.Length && line[i] == ' ') i++;
                if (i < line.Length && line[i] != delimiter)
                    throw new InvalidDataException($"{name}:{lineNo}: unexpected '{line[i]}' after a closing quote " +
                        $"(column {fields.Count + 1}).");
                fields.Add(field.ToString());
            }
            else
            {
                int end = line.IndexOf(delimiter, i);
                if (end < 0) end = line.Length;
                fields.Add(line[i..end].Trim());
                i = end;
            }
            if (i >= line.Length) return fields.ToArray();
            i++;   // the delimiter
            if (i == line.Length) { fields.Add(""); return fields.ToArray(); }
        }
    }
}
