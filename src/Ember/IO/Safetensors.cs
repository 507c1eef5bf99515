using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Ember.Core;

namespace Ember.IO;

/// <summary>
/// The safetensors format that Hugging Face and PyTorch users exchange weights in: an 8-byte little-endian header
/// length, a UTF-8 JSON header (each tensor's <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> relative to the
/// data section, plus an optional <c>__metadata__</c> string map) padded with spaces to a multiple of 8, then the
/// tensors' bytes, row-major and little-endian, with no holes or overlaps. Dtypes: F64, F32, F16, BF16, I64, I32,
/// I16, I8, U8, BOOL. Keys are free-form; use PyTorch's state-dict names (<see cref="NN.ModuleBase.StateDict"/>) so
/// that files move between Ember and PyTorch.
/// </summary>
/// <remarks>
/// <see cref="Save"/> replaces the file atomically (a temporary file in the same folder, flushed to disk, renamed
/// over the old one). <see cref="Load(string)"/> reads each tensor straight into its final array and checks the whole
/// header first: a damaged or hostile file ends in an <see cref="InvalidDataException"/> naming the file and the
/// problem, and no allocation is larger than the file itself.
/// </remarks>
public static class Safetensors
{
    /// <summary>The largest header accepted (as the reference implementation: 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The header key of the metadata string map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> (in the given order) and <paramref name="metadata"/> to
    /// <paramref name="path"/>, replacing any existing file atomically. Views and non-contiguous tensors are
    /// written row-major; scalars (shape <c>[]</c>) and empty tensors are allowed.
    /// </summary>
    /// <exception cref="ArgumentException">A key is repeated, empty, or is <c>__metadata__</c>.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        TensorBytes.RequireLittleEndian("Safetensors.Save");
        var items = new List<(string Key, RawTensor Raw)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, t) in tensors)
        {
            if (string.IsNullOrEmpty(key) || key == MetadataKey)
                throw new ArgumentException($"Safetensors.Save: invalid tensor key '{key}'.", nameof(tensors));
            if (!seen.Add(key))
                throw new ArgumentException($"Safetensors.Save: key '{key}' appears twice.", nameof(tensors));
            if (t is null) throw new ArgumentException($"Safetensors.Save: tensor '{key}' is null.", nameof(tensors));
            items.Add((key, t.Raw));
        }
        byte[] header = BuildHeader(items, metadata);
        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            s.Write(len);
            s.Write(header);
            foreach (var (_, raw) in items) TensorBytes.Write(s, raw);
        });
    }

    /// <summary>
    /// Reads every tensor of the safetensors file at <paramref name="path"/>, in the header's order. Each tensor
    /// owns a fresh array (no file mapping stays open).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file (the message says why).
    /// </exception>
    public static OrderedDictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Reads the tensors and the <c>__metadata__</c> map (empty when the file has none).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static OrderedDictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TensorBytes.RequireLittleEndian("Safetensors.Load");
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            var header = ReadHeader(fs, out long dataStart);
            metadata = header.Metadata;
            var result = new OrderedDictionary<string, Tensor>(header.Entries.Count, StringComparer.Ordinal);
            var byOffset = header.Entries.ToArray();
            Array.Sort(byOffset, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var e in byOffset)
            {
                fs.Position = dataStart + e.Begin;
                Storage storage;
                try { storage = TensorBytes.Read(fs, e.DType, Shapes.NumEl(e.Shape)); }
                catch (InvalidDataException ex) { throw Bad(path, $"tensor '{e.Key}': {ex.Message}"); }
                loaded[e.Key] = new Tensor(new RawTensor(storage, e.Shape));
            }
            foreach (var e in header.Entries) result.Add(e.Key, loaded[e.Key]);
            return result;
        }
        catch (HeaderException ex) { throw Bad(path, ex.Message); }
        catch (EndOfStreamException) { throw Bad(path, "the file ended early (it changed while being read?)"); }
    }

    /// <summary>The <c>__metadata__</c> map of the file at <paramref name="path"/>, reading only its header.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static IReadOnlyDictionary<string, string> LoadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try { return ReadHeader(fs, out _).Metadata; }
        catch (HeaderException ex) { throw Bad(path, ex.Message); }
    }

    private static InvalidDataException Bad(string path, string problem) =>
        new($"Safetensors.Load: '{path}' is not a valid safetensors file: {problem}.");

    internal static string DTypeName(DType d) => d switch
    {
        DType.Float64 => "F64",
        DType.Float32 => "F32",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.Int16 => "I16",
        DType.Int8 => "I8",
        DType.UInt8 => "U8",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    private static DType? ParseDType(string name) => name switch
    {
        "F64" => DType.Float64,
        "F32" => DType.Float32,
        "F16" => DType.Float16,
        "BF16" => DType.BFloat16,
        "I64" => DType.Int64,
        "I32" => DType.Int32,
        "I16" => DType.Int16,
        "I8" => DType.Int8,
        "U8" => DType.UInt8,
        "BOOL" => DType.Bool,
        _ => null,
    };

    private static byte[] BuildHeader(List<(string Key, RawTensor Raw)> items,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v ?? "");
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (key, raw) in items)
            {
                long bytes = (long)raw.NumEl * raw.DType.ElementSize();
                w.WriteStartObject(key);
                w.WriteString("dtype", DTypeName(raw.DType));
                w.WriteStartArray("shape");
                foreach (int d in raw.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        // Pad with spaces so that the data section starts 8-byte aligned (8 + header length is a multiple of 8).
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>One tensor of a parsed header, checked against the data section.</summary>
    internal sealed record Entry(string Key, DType DType, int[] Shape, long Begin, long End);

    /// <summary>A parsed and fully checked header.</summary>
    internal sealed record Header(List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>A header problem, turned into an <see cref="InvalidDataException"/> naming the file.</summary>
    private sealed class HeaderException(string message) : Exception(message);

    private static Header ReadHeader(FileStream fs, out long dataStart)
    {
        long fileLength = fs.Length;
        if (fileLength < 8)
            throw new HeaderException($"the file has {fileLength} bytes, fewer than the 8-byte header length");
        Span<byte> len = stackalloc byte[8];
        fs.ReadExactly(len);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n > MaxHeaderBytes)
            throw new HeaderException($"the header length {n} is over the {MaxHeaderBytes}-byte limit");
        if ((long)n > fileLength - 8)
            throw new HeaderException($"the header length {n} runs past the end of the {fileLength}-byte file");
        var bytes = new byte[n];
        fs.ReadExactly(bytes);
        dataStart = 8 + (long)n;
        return ParseHeader(bytes, fileLength - dataStart);
    }

    /// <summary>Parses and checks a header against a data section of <paramref name="dataLength"/> bytes.</summary>
    internal static Header ParseHeader(byte[] bytes, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new HeaderException("the header is not valid UTF-8");
        var entries = new List<Entry>();
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var r = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 8 });
            Expect(ref r, JsonTokenType.StartObject, "the header is not a JSON object");
            while (Next(ref r) != JsonTokenType.EndObject)
            {
                string key = r.GetString()!;
                if (!keys.Add(key)) throw new HeaderException($"key '{key}' appears twice");
                if (key == MetadataKey) metadata = ReadMetadata(ref r);
                else entries.Add(ReadEntry(ref r, key));
            }
            if (r.Read()) throw new HeaderException("the header has content after its JSON object");
        }
        catch (JsonException ex) { throw new HeaderException($"the header is not valid JSON ({ex.Message})"); }
        CheckLayout(entries, dataLength);
        return new Header(entries, metadata);
    }

    private static JsonTokenType Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new HeaderException("the header's JSON ends early");
        return r.TokenType;
    }

    private static void Expect(ref Utf8JsonReader r, JsonTokenType type, string problem)
    {
        if (Next(ref r) != type) throw new HeaderException(problem);
    }

    private static Dictionary<string, string> ReadMetadata(ref Utf8JsonReader r)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        Expect(ref r, JsonTokenType.StartObject, "__metadata__ is not an object of strings");
        while (Next(ref r) != JsonTokenType.EndObject)
        {
            string k = r.GetString()!;
            Expect(ref r, JsonTokenType.String, $"__metadata__ value of '{k}' is not a string");
            if (!d.TryAdd(k, r.GetString()!)) throw new HeaderException($"__metadata__ key '{k}' appears twice");
        }
        return d;
    }

    private static Entry ReadEntry(ref Utf8JsonReader r, string key)
    {
        Expect(ref r, JsonTokenType.StartObject, $"tensor '{key}' is not an object");
        string? dtypeName = null;
        List<long>? shape = null, offsets = null;
        while (Next(ref r) != JsonTokenType.EndObject)
        {
            string field = r.GetString()!;
            switch (field)
            {
                case "dtype" when dtypeName is null:
                    Expect(ref r, JsonTokenType.String, $"tensor '{key}': dtype is not a string");
                    dtypeName = r.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadInts(ref r, key, "shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadInts(ref r, key, "data_offsets");
                    break;
                default:
                    throw new HeaderException($"tensor '{key}': unexpected or repeated field '{field}'");
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
            throw new HeaderException($"tensor '{key}' lacks one of dtype, shape, data_offsets");
        var dtype = ParseDType(dtypeName) ?? throw new HeaderException(
            $"tensor '{key}' has unknown dtype '{dtypeName}' " +
            "(known: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        if (offsets.Count != 2 || offsets[0] > offsets[1])
            throw new HeaderException($"tensor '{key}': data_offsets must be [begin, end] with begin <= end");
        var dims = new int[shape.Count];
        long numel = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i] > int.MaxValue)
                throw new HeaderException($"tensor '{key}': dimension {shape[i]} is too large");
            dims[i] = (int)shape[i];
            numel = numel * dims[i];
            if (numel > int.MaxValue)
                throw new HeaderException(
                    $"tensor '{key}': shape [{string.Join(", ", shape)}] has over 2^31-1 elements");
        }
        long expected = numel * dtype.ElementSize();
        if (offsets[1] - offsets[0] != expected)
            throw new HeaderException($"tensor '{key}': data_offsets span {offsets[1] - offsets[0]} bytes, but " +
                $"{dtypeName} x [{string.Join(", ", shape)}] needs {expected}");
        return new Entry(key, dtype, dims, offsets[0], offsets[1]);
    }

    private static List<long> ReadInts(ref Utf8JsonReader r, string key, string field)
    {
        Expect(ref r, JsonTokenType.StartArray, $"tensor '{key}': {field} is not an array");
        var list = new List<long>();
        while (Next(ref r) != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out long v) || v < 0)
                throw new HeaderException($"tensor '{key}': {field} holds something other than a non-negative integer");
            if (list.Count >= 64) throw new HeaderException($"tensor '{key}': {field} has over 64 entries");
            list.Add(v);
        }
        return list;
    }

    /// <summary>The tensors must tile the data section exactly: no holes, no overlaps, nothing past the end.</summary>
    private static void CheckLayout(List<Entry> entries, long dataLength)
    {
        var sorted = entries.ToArray();
        Array.Sort(sorted, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long pos = 0;
        foreach (var e in sorted)
        {
            if (e.End > dataLength)
                throw new HeaderException($"tensor '{e.Key}': data_offsets [{e.Begin}, {e.End}] run past the end " +
                    $"of the {dataLength}-byte data section");
            if (e.Begin < pos) throw new HeaderException($"tensor '{e.Key}' overlaps the tensor before it");
            if (e.Begin > pos) throw new HeaderException($"the data section has a hole before tensor '{e.Key}'");
            pos = e.End;
        }
        if (pos != dataLength)
            throw new HeaderException($"the data section has {dataLength - pos} bytes that no tensor uses");
    }
}
