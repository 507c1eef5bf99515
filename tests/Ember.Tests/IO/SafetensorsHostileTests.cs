using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Ember.IO;
using static Ember.Tests.IO.IoTestUtil;

namespace Ember.Tests.IO;

/// <summary>
/// Hand-made damaged and hostile safetensors files: each must end in an <see cref="InvalidDataException"/> that
/// names the file and the problem, never a crash, a hang or a huge allocation.
/// </summary>
public class SafetensorsHostileTests
{
    /// <summary>A file from a header (padded to 8) and a data section; <paramref name="length"/> overrides the
    /// 8-byte header length.</summary>
    internal static byte[] File(string header, int dataBytes = 0, ulong? length = null) =>
        File(Encoding.UTF8.GetBytes(header), dataBytes, length);

    internal static byte[] File(byte[] header, int dataBytes = 0, ulong? length = null)
    {
        var ms = new MemoryStream();
        ms.Write(BitConverter.GetBytes(length ?? (ulong)header.Length));
        ms.Write(header);
        ms.Write(new byte[dataBytes]);
        return ms.ToArray();
    }

    private static string T(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    public static TheoryData<string, byte[], string> Cases() => new()
    {
        { "empty file", [], "fewer than the 8-byte header length" },
        { "7 bytes", new byte[7], "fewer than the 8-byte header length" },
        { "header length past the end", File("{}", 0, 1000), "runs past the end" },
        { "header length over 100 MB", File("{}", 0, 200_000_000), "over the 100000000-byte limit" },
        { "header length 2^64-1", File("{}", 0, ulong.MaxValue), "over the 100000000-byte limit" },
        { "invalid UTF-8", File([(byte)'{', 0xff, 0xfe, (byte)'}']), "not valid UTF-8" },
        { "truncated JSON", File("{\"a\":"), "not valid JSON" },
        { "not an object", File("[1,2]"), "not a JSON object" },
        { "content after the object", File("{} {}"), "not valid JSON" },
        { "deeply nested", File("{\"a\":" + new string('[', 5000) + new string(']', 5000) + "}"),
            "tensor 'a' is not an object" },
        { "offsets out of range", File("{" + T("a", "F32", "[100]", 0, 400) + "}", 4), "run past the end" },
        { "overlap", File("{" + T("a", "F32", "[1]", 0, 4) + "," + T("b", "F32", "[1]", 2, 6) + "}", 6),
            "overlaps" },
        { "hole", File("{" + T("a", "F32", "[1]", 0, 4) + "," + T("b", "F32", "[1]", 8, 12) + "}", 12), "hole" },
        { "unused trailing bytes", File("{" + T("a", "F32", "[1]", 0, 4) + "}", 8), "4 bytes that no tensor uses" },
        { "byte count vs dtype x shape", File("{" + T("a", "F32", "[2]", 0, 4) + "}", 4),
            "span 4 bytes, but F32 x [2] needs 8" },
        { "unknown dtype", File("{" + T("a", "F8", "[1]", 0, 1) + "}", 1), "unknown dtype 'F8'" },
        { "duplicate keys", File("{" + T("a", "U8", "[1]", 0, 1) + "," + T("a", "U8", "[1]", 1, 2) + "}", 2),
            "key 'a' appears twice" },
        { "duplicate metadata keys", File("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"), "appears twice" },
        { "metadata value not a string", File("{\"__metadata__\":{\"k\":1}}"), "is not a string" },
        { "negative dimension", File("{" + T("a", "U8", "[-1]", 0, 0) + "}"), "non-negative integer" },
        { "dimension beyond int64", File("{" + T("a", "U8", "[1e30]", 0, 0) + "}"), "non-negative integer" },
        { "fractional dimension", File("{" + T("a", "U8", "[2.5]", 0, 0) + "}"), "non-negative integer" },
        { "dimension over int32", File("{" + T("a", "U8", "[4294967296]", 0, 0) + "}"), "is too large" },
        { "overflowing shape", File("{" + T("a", "F64", "[2147483647,2147483647,2147483647]", 0, 8) + "}", 8),
            "over 2^31-1 elements" },
        { "shape with 65 dims", File("{" + T("a", "U8", "[" + string.Join(",", new string('1', 65).ToCharArray())
            + "]", 0, 1) + "}", 1), "over 64 entries" },
        { "begin after end", File("{" + T("a", "U8", "[0]", 4, 0) + "}", 4), "begin <= end" },
        { "missing field", File("{\"a\":{\"dtype\":\"U8\",\"shape\":[0]}}"), "lacks one of" },
        { "unknown field", File("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":1}}"),
            "unexpected or repeated field 'x'" },
        { "dtype not a string", File("{\"a\":{\"dtype\":3,\"shape\":[0],\"data_offsets\":[0,0]}}"),
            "dtype is not a string" },
        { "bool byte 2", BoolByte2(), "bool element holds byte 2" },
    };

    private static byte[] BoolByte2()
    {
        var f = File("{" + T("a", "BOOL", "[2]", 0, 2) + "}", 2);
        f[^1] = 2; // the data section is the last 2 bytes
        return f;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HostileFileEndsInCleanInvalidDataException(string name, byte[] content, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File(name.Replace(' ', '_') + ".safetensors");
        System.IO.File.WriteAllBytes(path, content);
        var ex = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MutationFuzzEndsInCleanExceptionOrValidLoad()
    {
        var outcome = Fuzz.Run("safetensors", ["mlp.safetensors", "cnn.safetensors", "dtypes.safetensors"],
            Fuzz.Cases(2000), Fuzz.MutateSafetensors, path =>
            {
                long bytes = 0;
                foreach (var (_, t) in Safetensors.Load(path)) bytes += (long)t.NumEl * t.DType.ElementSize();
                Assert.True(bytes <= new FileInfo(path).Length, "loaded more bytes than the file holds");
            });
        Assert.True(outcome.Rejected > outcome.Cases / 4, $"too few mutations were rejected: {outcome}");
    }
}

/// <summary>Seeded mutation fuzzing of fixture files (byte flips, truncations, header edits).</summary>
internal static class Fuzz
{
    internal sealed record Outcome(int Cases, int Loaded, int Rejected);

    /// <summary>The case count: <c>EMBER_FUZZ_CASES</c> when set (.ci/run runs more), else
    /// <paramref name="byDefault"/>.</summary>
    public static int Cases(int byDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("EMBER_FUZZ_CASES"), out int n) && n > 0 ? n : byDefault;

    /// <summary>Runs <paramref name="cases"/> mutations; every one must load or throw an
    /// <see cref="InvalidDataException"/> naming the file. Any other exception fails with the seed and case.</summary>
    public static Outcome Run(string what, string[] fixtures, int cases, Func<byte[], Random, byte[]> mutate,
        Action<string> load)
    {
        using var dir = new TempDir();
        var originals = Array.ConvertAll(fixtures, f => System.IO.File.ReadAllBytes(FixturePath(f)));
        int loaded = 0, rejected = 0;
        var deadline = DateTime.UtcNow.AddSeconds(
            double.TryParse(Environment.GetEnvironmentVariable("EMBER_FUZZ_SECONDS"), out double s) ? s : 600);
        for (int i = 0; i < cases && DateTime.UtcNow < deadline; i++)
        {
            var rng = new Random(14_000 + i);
            var original = originals[rng.Next(originals.Length)];
            var mutated = mutate(original, rng);
            string path = dir.File($"case{i % 8}.bin");
            System.IO.File.WriteAllBytes(path, mutated);
            try
            {
                load(path);
                loaded++;
            }
            catch (InvalidDataException ex) when (ex.Message.Contains(path, StringComparison.Ordinal))
            {
                rejected++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"{what} fuzz case {i} (seed {14_000 + i}): {ex.GetType().Name}: {ex.Message}");
            }
        }
        var outcome = new Outcome(loaded + rejected, loaded, rejected);
        TestContext.Current.TestOutputHelper?.WriteLine($"{what} fuzz: {outcome}");
        return outcome;
    }

    public static byte[] MutateSafetensors(byte[] original, Random rng)
    {
        var b = (byte[])original.Clone();
        int headerEnd = (int)Math.Min(8 + (long)BitConverter.ToUInt64(b, 0), b.Length);
        switch (rng.Next(5))
        {
            case 0: // flip bits anywhere
                for (int k = rng.Next(1, 4); k > 0; k--) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            case 1: // truncate
                return b.AsSpan(0, rng.Next(b.Length)).ToArray();
            case 2: // replace a header byte with a JSON-significant one
                {
                    const string chars = "0123456789-,.:[]{}\" eE";
                    for (int k = rng.Next(1, 3); k > 0; k--)
                        b[rng.Next(8, headerEnd)] = (byte)chars[rng.Next(chars.Length)];
                    return b;
                }
            case 3: // change a digit of the header (shapes, offsets)
                {
                    for (int tries = 0; tries < 50; tries++)
                    {
                        int p = rng.Next(8, headerEnd);
                        if (b[p] is >= (byte)'0' and <= (byte)'9') { b[p] = (byte)('0' + rng.Next(10)); break; }
                    }
                    return b;
                }
            default: // edit the header length
                {
                    long delta = rng.Next(3) switch
                    {
                        0 => rng.Next(-16, 17),
                        1 => rng.NextInt64(),
                        _ => 1L << rng.Next(63),
                    };
                    BitConverter.TryWriteBytes(b.AsSpan(0, 8), unchecked(BitConverter.ToInt64(b, 0) + delta));
                    return b;
                }
        }
    }

    public static byte[] MutateZip(byte[] original, Random rng)
    {
        var b = (byte[])original.Clone();
        if (rng.Next(4) == 0) return b.AsSpan(0, rng.Next(b.Length)).ToArray();
        for (int k = rng.Next(1, 5); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
        return b;
    }
}
