using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Ember.IO;
using static Ember.Tests.IO.IoTestUtil;

namespace Ember.Tests.IO;

/// <summary>Writes pickle opcodes by hand, for hostile-file tests.</summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _s = new();

    public PickleWriter() => Op(0x80).Op(2);

    public PickleWriter Op(byte op) { _s.WriteByte(op); return this; }

    public PickleWriter Op(char op) => Op((byte)op);

    public PickleWriter Global(string module, string name) =>
        Op('c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleWriter Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op('X').Raw(BitConverter.GetBytes(b.Length)).Raw(b);
    }

    public PickleWriter Int(int v) => Op('J').Raw(BitConverter.GetBytes(v));

    public PickleWriter Raw(byte[] b) { _s.Write(b); return this; }

    /// <summary>A (storage, offset, size, stride) tensor via _rebuild_tensor_v2; the storage is 'key'.</summary>
    public PickleWriter Tensor(string key, long numel, int offset, int[] size, int[] stride,
        string storage = "FloatStorage")
    {
        Global("torch._utils", "_rebuild_tensor_v2").Op('(');
        Op('(').Str("storage").Global("torch", storage).Str(key).Str("cpu").Int((int)numel).Op('t').Op('Q');
        Int(offset);
        Op('('); foreach (int v in size) Int(v); Op('t');
        Op('('); foreach (int v in stride) Int(v); Op('t');
        Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R');
        return Op('t').Op('R');
    }

    public byte[] Stop() { Op('.'); return _s.ToArray(); }
}

/// <summary>
/// Hand-made damaged and hostile PyTorch files: refused globals (including one that would run a command), object
/// opcodes, memo and recursion tricks, missing and short records, zip bombs. Each ends in an
/// <see cref="InvalidDataException"/> naming the file.
/// </summary>
public class TorchFileHostileTests
{
    /// <summary>A torch.save-style zip: archive/data.pkl plus records.</summary>
    internal static byte[] Zip(byte[] pickle, params (string Name, byte[] Data)[] records)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in new[] { ("archive/data.pkl", pickle) }.Concat(records))
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        }
        return ms.ToArray();
    }

    private static byte[] StateDictWith(Action<PickleWriter> tensor, params (string, byte[])[] records)
    {
        var p = new PickleWriter().Op('}').Op('(').Str("w");
        tensor(p);
        return Zip(p.Op('u').Stop(), records);
    }

    private static byte[] Floats(int n) => new byte[n * 4];

    public static TheoryData<string, byte[], string> Cases() => new()
    {
        { "builtins.eval", Zip(new PickleWriter().Global("builtins", "eval").Str("1+1").Op(0x85).Op('R').Stop()),
            "'builtins.eval', which is not on the allow-list" },
        { "subprocess.Popen via STACK_GLOBAL",
            Zip(new PickleWriter().Str("subprocess").Str("Popen").Op(0x93).Stop()), "'subprocess.Popen'" },
        { "torch._utils._rebuild_tensor (not v2)", Zip(new PickleWriter().Global("torch._utils", "_rebuild_tensor")
            .Stop()), "'torch._utils._rebuild_tensor', which is not on the allow-list" },
        { "pickled user module", Zip(new PickleWriter().Global("__main__", "Net").Stop()), "pickled module object" },
        { "NEWOBJ", Zip(new PickleWriter().Global("collections", "OrderedDict").Op(')').Op(0x81).Stop()),
            "builds an arbitrary object" },
        { "BUILD on a list", Zip(new PickleWriter().Op(']').Op('}').Op('b').Stop()), "BUILD on something other" },
        { "REDUCE on a non-global", Zip(new PickleWriter().Str("x").Op(')').Op('R').Stop()), "REDUCE needs" },
        { "unknown memo key", Zip(new PickleWriter().Op('h').Op(7).Stop()), "memo key 7 was never stored" },
        { "string length past the end", Zip(new PickleWriter().Op('X').Raw([0xf0, 0xff, 0xff, 0x7f]).Stop()),
            "runs past the end of the pickle" },
        { "100000 nested MARKs", Zip(Enumerable.Repeat((byte)'(', 100_000).Prepend((byte)2).Prepend((byte)0x80)
            .Append((byte)'.').ToArray()), "STOP with a malformed stack" },
        { "no STOP", Zip(new PickleWriter().Op('}').Stop()[..^1]), "runs past the end of the pickle" },
        { "unknown opcode", Zip(new PickleWriter().Op(0xfe).Stop()), "unsupported pickle opcode 0xfe" },
        { "unhashable dict key", Zip(new PickleWriter().Op('}').Op(']').Op('N').Op('s').Stop()),
            "dict key of type list" },
        { "self-referencing list", Zip(new PickleWriter().Op(']').Op('q').Op(0).Op('h').Op(0).Op('a').Stop()),
            "holds a list, not a state dict" },
        { "persistent id not a storage", Zip(new PickleWriter().Str("x").Op('Q').Stop()),
            "unsupported persistent id str" },
        { "storage record missing", StateDictWith(p => p.Tensor("0", 4, 0, [4], [1])),
            "storage record 'archive/data/0' is missing" },
        { "storage too short", StateDictWith(p => p.Tensor("0", 1000, 0, [1000], [1]), ("archive/data/0", Floats(2))),
            "declares 1000 elements of torch.float32, but its record holds 8 bytes" },
        { "view past its storage", StateDictWith(p => p.Tensor("0", 4, 2, [3], [1]), ("archive/data/0", Floats(4))),
            "reaches past its storage of 4 elements" },
        { "negative stride", StateDictWith(p => p.Tensor("0", 4, 3, [4], [-1]), ("archive/data/0", Floats(4))),
            "non-negative integers" },
        { "unknown storage type", StateDictWith(p => p.Tensor("0", 4, 0, [4], [1], "QInt8Storage"),
            ("archive/data/0", Floats(4))), "'torch.QInt8Storage', which is not on the allow-list" },
        { "no data.pkl", ZipWithout(), "no <top>/data.pkl record" },
        { "big-endian byteorder", Zip(new PickleWriter().Op('}').Stop(), ("archive/byteorder", "big"u8.ToArray())),
            "byteorder record is not 'little'" },
        { "zip bomb (declared size)", Bomb(), "a zip bomb?" },
        { "not a zip", [(byte)'P', (byte)'K', 3, 4, 0, 0, 0], "cannot be read" },
    };

    private static byte[] ZipWithout()
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        using (var s = zip.CreateEntry("archive/other.pkl").Open()) s.WriteByte(1);
        return ms.ToArray();
    }

    /// <summary>A storage record whose central-directory entry claims 2 GB from a few compressed bytes.</summary>
    private static byte[] Bomb()
    {
        var p = new PickleWriter().Op('}').Op('(').Str("w");
        p.Tensor("0", 4, 0, [4], [1]);
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open())
                s.Write(p.Op('u').Stop());
            using (var s = zip.CreateEntry("archive/data/0", CompressionLevel.Optimal).Open()) s.Write(Floats(4));
        }
        var b = ms.ToArray();
        // Central directory header of the last entry: signature PK\1\2, uncompressed size at offset 24.
        int cd = b.AsSpan().LastIndexOf("PK\u0001\u0002"u8);
        BitConverter.TryWriteBytes(b.AsSpan(cd + 24, 4), 0x7ffffff0u);
        return b;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HostileFileEndsInCleanInvalidDataException(string name, byte[] content, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File(name.Replace(' ', '_') + ".pt");
        File.WriteAllBytes(path, content);
        var ex = Assert.Throws<InvalidDataException>(() => TorchFile.LoadStateDict(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APickleThatWouldRunACommandIsRefusedAndTheCommandNeverRuns()
    {
        using var dir = new TempDir();
        string marker = dir.File("pwned");
        string path = dir.File("evil.pt");
        // What `pickle.loads` would turn into os.system("touch <marker>").
        File.WriteAllBytes(path, Zip(new PickleWriter().Global("os", "system").Str($"touch {marker}").Op(0x85)
            .Op('R').Stop()));
        var ex = Assert.Throws<InvalidDataException>(() => TorchFile.Load(path));
        Assert.Contains("'os.system', which is not on the allow-list", ex.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was executed", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        var ex2 = Assert.Throws<InvalidDataException>(() => TorchFileTests.Mlp().LoadWeights(path));
        Assert.Contains("os.system", ex2.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void PyTorchFileMutationFuzzEndsInCleanExceptionOrValidLoad()
    {
        var outcome = Fuzz.Run("pt", ["mlp.pt", "dtypes.pt", "cnn_ckpt.pt"], Fuzz.Cases(1000), Fuzz.MutateZip,
            path => TorchFile.Load(path));
        Assert.True(outcome.Rejected > outcome.Cases / 4, $"too few mutations were rejected: {outcome}");
    }

    [Fact]
    public void PickleMutationFuzzEndsInCleanExceptionOrValidLoad()
    {
        // Mutate data.pkl itself and re-zip with a correct CRC, so the unpickler (not the zip check) sees the damage.
        var outcome = Fuzz.Run("pickle", ["mlp.pt", "dtypes.pt", "cnn_ckpt.pt"], Fuzz.Cases(1000), MutatePickle,
            path => TorchFile.Load(path));
        Assert.True(outcome.Loaded > 0 && outcome.Rejected > outcome.Cases / 4, $"unexpected outcome: {outcome}");
    }

    private static byte[] MutatePickle(byte[] original, Random rng)
    {
        using var zin = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read);
        var records = new List<(string, byte[])>();
        byte[] pickle = [];
        foreach (var e in zin.Entries)
        {
            using var s = e.Open();
            var data = new byte[e.Length];
            s.ReadExactly(data);
            if (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)) pickle = data;
            else records.Add(("archive/" + e.FullName[(e.FullName.IndexOf('/') + 1)..], data));
        }
        if (rng.Next(4) == 0) pickle = pickle[..rng.Next(pickle.Length)];
        else for (int k = rng.Next(1, 4); k > 0; k--) pickle[rng.Next(pickle.Length)] = (byte)rng.Next(256);
        return Zip(pickle, [.. records]);
    }
}
