using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Ember.Data;

/// <summary>An IDX array of unsigned bytes (the MNIST file format): its dimensions and data, row-major.</summary>
/// <param name="Dimensions">The sizes, e.g. <c>[60000, 28, 28]</c> for images or <c>[60000]</c> for labels.</param>
/// <param name="Data">The bytes, the product of <paramref name="Dimensions"/> long.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>
/// Reads IDX files (<c>*-ubyte</c>, or gzip-compressed <c>*-ubyte.gz</c>) of unsigned bytes, as used by MNIST,
/// Fashion-MNIST and KMNIST. The header is validated before anything large is allocated: the magic number, the
/// number of dimensions, that the sizes multiply to at most <see cref="MaxBytes"/>, and — for uncompressed
/// files — that the file holds exactly that many bytes. A gzip stream's length is unknown in advance, so it is
/// read in bounded chunks into the buffer the header announced, and a short or over-long stream is an error.
/// Every problem is an <see cref="InvalidDataException"/> that names the file and what was wrong.
/// </summary>
public static class Idx
{
    /// <summary>The largest data section accepted: 2^31 - 1 bytes (a .NET array's limit).</summary>
    public const long MaxBytes = int.MaxValue;

    /// <summary>The magic number of a 1-D unsigned-byte IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The magic number of a 3-D unsigned-byte IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>
    /// Reads an IDX file of unsigned bytes. When <paramref name="expectedDims"/> is given (1 for labels, 3 for
    /// images), the magic number must be <c>0x0000080N</c> for that N.
    /// </summary>
    /// <exception cref="InvalidDataException">On a wrong magic number, bad dimensions, or a truncated or over-long
    /// file.</exception>
    /// <exception cref="FileNotFoundException">When <paramref name="path"/> does not exist.</exception>
    public static IdxArray Read(string path, int? expectedDims = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        using Stream s = gz ? new GZipStream(file, CompressionMode.Decompress) : file;
        string name = Path.GetFileName(path);
        try
        {
            return Read(s, name, gz ? null : file.Length, expectedDims);
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith(name + ":", StringComparison.Ordinal))
        {
            // GZipStream's own errors (a corrupt deflate stream) do not say which file.
            throw new InvalidDataException($"{name}: corrupt gzip data: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads an IDX array of unsigned bytes from <paramref name="stream"/> (already decompressed). Give
    /// <paramref name="streamLength"/> when the total length is known, to check it before allocating.
    /// </summary>
    /// <param name="stream">The IDX bytes.</param>
    /// <param name="name">A name for error messages (e.g. the file name).</param>
    /// <param name="streamLength">The stream's total length in bytes, when known.</param>
    /// <param name="expectedDims">The required number of dimensions, if any.</param>
    public static IdxArray Read(Stream stream, string name, long? streamLength = null, int? expectedDims = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> head = stackalloc byte[4];
        if (ReadFull(stream, head) < 4)
            throw new InvalidDataException($"{name}: not an IDX file: it ends before the 4-byte magic number.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(head);
        int type = (magic >> 8) & 0xFF, rank = magic & 0xFF;
        if ((magic & unchecked((int)0xFFFF0000)) != 0 || type != 0x08)
            throw new InvalidDataException(
                $"{name}: not an unsigned-byte IDX file: magic number 0x{magic:X8}, expected 0x0000080N " +
                $"(0x{LabelsMagic:X8} for labels, 0x{ImagesMagic:X8} for images).");
        if (expectedDims is int want && rank != want)
            throw new InvalidDataException($"{name}: expected an IDX file with {want} dimension(s) (magic " +
                $"0x{0x800 | want:X8}) but the magic number 0x{magic:X8} says {rank}.");
        if (rank == 0)
            throw new InvalidDataException($"{name}: the magic number 0x{magic:X8} gives 0 dimensions.");

        var dimBytes = new byte[4 * rank];
        if (ReadFull(stream, dimBytes) < dimBytes.Length)
            throw new InvalidDataException($"{name}: truncated header: {rank} dimension sizes announced, the file " +
                "ends before them.");
        var dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            int d = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (d < 0) throw new InvalidDataException($"{name}: dimension {i} has negative size {d}.");
            dims[i] = d;
            total *= d;
            if (total > MaxBytes)
                throw new InvalidDataException(
                    $"{name}: dimensions [{string.Join(", ", dims[..(i + 1)])}...] need more than {MaxBytes} bytes; " +
                    "refusing to allocate (corrupt or hostile header?).");
        }
        long headerLength = 4 + 4L * rank;
        if (streamLength is long len && len != headerLength + total)
            throw new InvalidDataException(
                $"{name}: dimensions [{string.Join(", ", dims)}] need {headerLength + total} bytes ({headerLength} " +
                $"header + {total} data) but the file has {len} bytes" +
                (len < headerLength + total ? " (truncated)." : " (trailing data)."));

        var data = GC.AllocateUninitializedArray<byte>((int)total);
        int read = 0;
        while (read < data.Length)
        {
            // Bounded reads: a decompressing stream may end early, and nothing past the announced size is buffered.
            int n = stream.Read(data, read, Math.Min(1 << 20, data.Length - read));
            if (n == 0)
                throw new InvalidDataException($"{name}: truncated: dimensions [{string.Join(", ", dims)}] " +
                    $"need {total} data bytes, the stream ended after {read}.");
            read += n;
        }
        if (streamLength is null && stream.ReadByte() >= 0)
            throw new InvalidDataException($"{name}: trailing data after the {total} bytes that dimensions " +
                $"[{string.Join(", ", dims)}] describe.");
        return new IdxArray(dims, data);
    }

    /// <summary>Writes an unsigned-byte IDX array (for tests and for making small slices); gzip when the path ends in
    /// <c>.gz</c>.</summary>
    public static void Write(string path, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (dimensions.Length is 0 or > 255)
            throw new ArgumentException($"Idx.Write: 1 to 255 dimensions, got {dimensions.Length}.",
                nameof(dimensions));
        long total = 1;
        foreach (int d in dimensions) total *= d;
        if (total != data.Length)
            throw new ArgumentException($"Idx.Write: dimensions need {total} bytes, got {data.Length}.", nameof(data));
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.SmallestSize) : file;
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, 0x800 | dimensions.Length);
        s.Write(word);
        foreach (int d in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            s.Write(word);
        }
        s.Write(data);
    }

    private static int ReadFull(Stream s, Span<byte> buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = s.Read(buffer[read..]);
            if (n == 0) break;
            read += n;
        }
        return read;
    }
}
