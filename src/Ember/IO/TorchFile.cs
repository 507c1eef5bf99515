using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Ember.Core;

namespace Ember.IO;

/// <summary>
/// Reads PyTorch <c>.pt</c>/<c>.pth</c> files directly, safely: the zip format <c>torch.save</c> writes by default
/// since PyTorch 1.6 (<c>&lt;top&gt;/data.pkl</c> plus one <c>&lt;top&gt;/data/N</c> record per storage; PyTorch
/// 2.x's <c>byteorder</c> and <c>.data/serialization_id</c> records are accepted). The pickle is read by a
/// restricted reader that resolves only an allow-list of globals and never executes anything, so a hostile file
/// cannot run code; tensors that are views into a shared storage stay views (offset and strides kept).
/// </summary>
/// <remarks>
/// Not supported, each with a message saying so: the legacy pre-1.6 format
/// (<c>_use_new_zipfile_serialization=False</c>), TorchScript archives (<c>torch.jit.save</c>), and pickled module
/// objects (<c>torch.save(model)</c>). Damaged or hostile files end in an <see cref="InvalidDataException"/> naming
/// the file; no allocation exceeds what the file's records really hold.
/// </remarks>
public static class TorchFile
{
    /// <summary>Deflate cannot expand data more than about 1032 times; more is a zip bomb.</summary>
    private const long MaxExpansion = 1100;

    /// <summary>
    /// Reads the object <c>torch.save</c> stored: a state dict, or a checkpoint dict holding one, etc. Python
    /// dicts become <see cref="OrderedDictionary{TKey, TValue}"/> with <c>object</c> keys (string, long, double,
    /// bool), lists <see cref="List{T}"/> of <c>object?</c>, tuples <c>object?[]</c>, ints <see cref="long"/>,
    /// floats <see cref="double"/>, None null, tensors and parameters <see cref="Tensor"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged, hostile or of an unsupported kind.</exception>
    public static object? Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TensorBytes.RequireLittleEndian("TorchFile.Load");
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (IsLegacy(fs))
            throw Bad(path, "it is in PyTorch's legacy pre-1.6 format (_use_new_zipfile_serialization=False), " +
                "which is not supported; re-save it with a current PyTorch (torch.save(torch.load(f), f2))");
        fs.Position = 0;
        try
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Read);
            return new Reader(path, zip, fs.Length).Run();
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith("TorchFile", StringComparison.Ordinal))
        {
            throw Bad(path, ex.Message.TrimEnd('.'));
        }
        catch (EndOfStreamException) { throw Bad(path, "a record ended early"); }
    }

    /// <summary>
    /// Reads a state dict (string keys, tensor values) from the file: the saved object itself, or the one under
    /// <c>"state_dict"</c>, <c>"model_state_dict"</c> or <c>"model"</c> of a checkpoint dict, or the only such
    /// dict among its values.
    /// </summary>
    /// <exception cref="InvalidDataException">The file holds no state dict, or is damaged or unsupported.
    /// </exception>
    public static OrderedDictionary<string, Tensor> LoadStateDict(string path)
    {
        var root = Load(path);
        if (AsStateDict(root) is { } direct) return direct;
        if (root is OrderedDictionary<object, object?> d)
        {
            foreach (var key in new[] { "state_dict", "model_state_dict", "model" })
                if (d.TryGetValue(key, out var v) && AsStateDict(v) is { } sd) return sd;
            var candidates = d.Values.Select(AsStateDict).Where(x => x is not null).ToList();
            if (candidates.Count == 1) return candidates[0]!;
            throw Bad(path, $"it holds a dict with keys {string.Join(", ", d.Keys.Select(k => $"'{k}'"))}, none of " +
                "which is the only state dict (string keys, tensor values)");
        }
        throw Bad(path, $"it holds a {RestrictedUnpickler.Describe(root)}, not a state dict");
    }

    /// <summary>The dict as a state dict when every key is a string and every value a tensor.</summary>
    internal static OrderedDictionary<string, Tensor>? AsStateDict(object? value)
    {
        if (value is not OrderedDictionary<object, object?> d) return null;
        var sd = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in d)
        {
            if (k is not string s || v is not Tensor t) return null;
            sd[s] = t;
        }
        return sd;
    }

    /// <summary>
    /// Whether the file looks like a PyTorch file (a zip, or the legacy pickle) rather than safetensors, whose
    /// 9th byte opens the JSON header.
    /// </summary>
    internal static bool LooksLikeTorch(string path)
    {
        Span<byte> b = stackalloc byte[9];
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        int n = fs.ReadAtLeast(b, b.Length, throwOnEndOfStream: false);
        if (n >= 4 && b[0] == (byte)'P' && b[1] == (byte)'K' && b[2] == 3 && b[3] == 4) return true;
        return n >= 3 && b[0] == 0x80 && b[1] == 2 && b[2] == 0x8a && !(n == 9 && b[8] == (byte)'{');
    }

    // Legacy files are a bare pickle of the magic number 0x1950a86a20f9469cfc6c (LONG1 of 10 bytes).
    private static bool IsLegacy(FileStream fs)
    {
        Span<byte> b = stackalloc byte[4];
        return fs.ReadAtLeast(b, 4, throwOnEndOfStream: false) == 4 && b[0] == 0x80 && b[2] == 0x8a && b[3] == 10;
    }

    private static InvalidDataException Bad(string path, string problem) =>
        new($"TorchFile.Load: '{path}' cannot be read: {problem}.");

    private sealed class Reader(string path, ZipArchive zip, long fileLength)
    {
        private readonly Dictionary<string, Storage> _storages = new(StringComparer.Ordinal);
        private string _top = "";

        public object? Run()
        {
            var pickle = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length).ToList();
            if (zip.Entries.Any(e => e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal) ||
                e.FullName.Contains("/code/", StringComparison.Ordinal)))
                throw Bad(path, "it is a TorchScript archive (torch.jit.save), which is not supported; in PyTorch, " +
                    "save the scripted module's state_dict() with torch.save and load that");
            if (pickle.Count != 1)
                throw Bad(path, pickle.Count == 0 ? "the zip has no <top>/data.pkl record (not a torch.save file)"
                    : "the zip has more than one data.pkl record");
            _top = pickle[0].FullName[..^"data.pkl".Length];
            var order = zip.GetEntry(_top + "byteorder");
            if (order is not null && System.Text.Encoding.ASCII.GetString(ReadAll(order, 16)) != "little")
                throw Bad(path, "its byteorder record is not 'little' (big-endian files are not supported)");
            var bytes = ReadAll(pickle[0], int.MaxValue);
            return new RestrictedUnpickler(bytes, LoadStorage, Rebuild).Load();
        }

        private byte[] ReadAll(ZipArchiveEntry e, long max)
        {
            long n = CheckedLength(e);
            if (n > max) throw Bad(path, $"record '{e.FullName}' has {n} bytes, over the {max}-byte limit");
            var buf = new byte[n];
            using var s = e.Open();
            s.ReadExactly(buf);
            return buf;
        }

        // The declared length decides allocations, so it must be believable: within the file for stored
        // records, within deflate's expansion ratio for compressed ones.
        private long CheckedLength(ZipArchiveEntry e)
        {
            long n = e.Length, c = e.CompressedLength;
            if (n < 0 || c < 0 || c > fileLength || (n > c && n > c * MaxExpansion) || n > int.MaxValue)
                throw Bad(path, $"record '{e.FullName}' claims {n} bytes from {c} compressed (a zip bomb?)");
            return n;
        }

        private Storage LoadStorage(object? pid)
        {
            if (pid is not object?[] { Length: 5 } t || t[0] is not "storage" ||
                t[1] is not RestrictedUnpickler.Global type || t[2] is not string key || t[4] is not long numel)
                throw new InvalidDataException(
                    $"unsupported persistent id {RestrictedUnpickler.Describe(pid)} (expected a storage record)");
            var dtype = StorageDType(type.Name) ?? throw new InvalidDataException($"'{type.FullName}' is no storage");
            if (_storages.TryGetValue(key, out var cached))
            {
                if (cached.DType != dtype || cached.Length != numel)
                    throw new InvalidDataException($"storage '{key}' is declared twice with different types");
                return cached;
            }
            var entry = zip.GetEntry($"{_top}data/{key}")
                ?? throw new InvalidDataException($"storage record '{_top}data/{key}' is missing");
            long have = CheckedLength(entry);
            if (numel < 0 || numel > int.MaxValue || numel * dtype.ElementSize() > have)
                throw new InvalidDataException($"storage '{key}' declares {numel} elements of " +
                    $"{dtype.TorchName()}, but its record holds {have} bytes");
            using var s = entry.Open();
            var storage = TensorBytes.Read(s, dtype, (int)numel);
            _storages[key] = storage;
            return storage;
        }

        private static DType? StorageDType(string name) => name switch
        {
            "FloatStorage" => DType.Float32,
            "DoubleStorage" => DType.Float64,
            "HalfStorage" => DType.Float16,
            "BFloat16Storage" => DType.BFloat16,
            "LongStorage" => DType.Int64,
            "IntStorage" => DType.Int32,
            "ShortStorage" => DType.Int16,
            "CharStorage" => DType.Int8,
            "ByteStorage" => DType.UInt8,
            "BoolStorage" => DType.Bool,
            _ => null,
        };

        private static Tensor Rebuild(RestrictedUnpickler.Global g, object?[] args)
        {
            switch (g.FullName)
            {
                case "torch._utils._rebuild_tensor_v2":
                    if (args.Length is < 6 or > 7 || args[0] is not Storage storage || args[1] is not long offset
                        || args[2] is not object?[] size || args[3] is not object?[] stride)
                        throw new InvalidDataException("_rebuild_tensor_v2 called with unexpected arguments");
                    return new Tensor(View(storage, offset, size, stride));
                case "torch._utils._rebuild_parameter":
                    if (args.Length != 3 || args[0] is not Tensor data)
                        throw new InvalidDataException("_rebuild_parameter called with unexpected arguments");
                    return data;
                default:
                    throw new InvalidDataException($"'{g.FullName}' cannot be called");
            }
        }

        /// <summary>A view of the storage, checked to stay inside it.</summary>
        private static RawTensor View(Storage storage, long offset, object?[] size, object?[] stride)
        {
            if (size.Length != stride.Length || size.Length > 64)
                throw new InvalidDataException($"a tensor has {size.Length} sizes but {stride.Length} strides");
            var shape = new int[size.Length];
            var strides = new int[size.Length];
            long numel = 1, last = offset;
            for (int i = 0; i < shape.Length; i++)
            {
                if (size[i] is not long n || n < 0 || n > int.MaxValue || stride[i] is not long st || st < 0
                    || st > int.MaxValue)
                    throw new InvalidDataException("a tensor's sizes and strides must be non-negative integers");
                shape[i] = (int)n;
                strides[i] = (int)st;
                numel = Math.Min(numel * n, (long)int.MaxValue + 1);
                if (n > 0) last += (n - 1) * st;
            }
            if (numel > int.MaxValue) throw new InvalidDataException("a tensor has over 2^31-1 elements");
            if (offset < 0 || (numel > 0 && last >= storage.Length))
                throw new InvalidDataException($"a tensor view (offset {offset}, shape {Shapes.Format(shape)}, " +
                    $"strides {Shapes.Format(strides)}) reaches past its storage of {storage.Length} elements");
            return new RawTensor(storage, shape, strides, (int)offset);
        }
    }
}
