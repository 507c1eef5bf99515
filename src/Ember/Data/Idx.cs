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
    public static IdxArray Read(string path, int? expectedDims = null) =>
        ReadFile(path, expectedDims is int r ? Any(r) : null);

    /// <summary>
    /// Reads an IDX file of unsigned bytes whose dimensions must match <paramref name="expectedShape"/> (its length
    /// is the number of dimensions; an entry of -1 accepts any size there), e.g. <c>[60000]</c> for the labels that
    /// go with 60,000 images or <c>[-1, 28, 28]</c> for 28×28 images. The header is checked against it before any of
    /// the data is read or decompressed, so a wrong or hostile file fails at once, with little memory used.
    /// </summary>
    /// <exception cref="InvalidDataException">On a wrong magic number, dimensions other than expected, or a truncated
    /// or over-long file.</exception>
    /// <exception cref="FileNotFoundException">When <paramref name="path"/> does not exist.</exception>
    public static IdxArray Read(string path, int[] expectedShape)
    {
        ArgumentNullException.ThrowIfNull(expectedShape);
        return ReadFile(path, expectedShape);
    }

    /// <summary>The dimensions in an IDX file's header, without reading its data (for a <c>.gz</c> file only the
    /// first bytes are decompressed).</summary>
    /// <exception cref="InvalidDataException">On a wrong magic number or a truncated header.</exception>
    public static int[] ReadDimensions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12);
        bool gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        using Stream s = gz ? new GZipStream(file, CompressionMode.Decompress) : file;
        string name = Path.GetFileName(path);
        try
        {
            return ReadHeader(s, name, null).Dims;
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith(name + ":", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: corrupt gzip data: {ex.Message}", ex);
        }
    }

    /// <summary>The most a deflate stream can expand: 1032 output bytes per input byte (RFC 1951's longest match
    /// of 258 bytes coded in at least 2 bits), so a header that claims more than that from the compressed size is
    /// rejected before anything is allocated.</summary>
    private const long MaxDeflateRatio = 1032;

    private static int[] Any(int rank)
    {
        var shape = new int[rank];
        Array.Fill(shape, -1);
        return shape;
    }

    private static IdxArray ReadFile(string path, int[]? expectedShape)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        using Stream s = gz ? new GZipStream(file, CompressionMode.Decompress) : file;
        string name = Path.GetFileName(path);
        try
        {
            var (dims, total) = ReadHeader(s, name, expectedShape);
            long headerLength = 4 + 4L * dims.Length;
            if (!gz && file.Length != headerLength + total)
                throw new InvalidDataException(
                    $"{name}: dimensions [{string.Join(", ", dims)}] need {headerLength + total} bytes " +
                    $"({headerLength} header + {total} data) but the file has {file.Length} bytes" +
                    (file.Length < headerLength + total ? " (truncated)." : " (trailing data)."));
            if (gz && total > file.Length * MaxDeflateRatio)
                throw new InvalidDataException(
                    $"{name}: dimensions [{string.Join(", ", dims)}] need {total} data bytes, but a gzip file of " +
                    $"{file.Length} bytes decompresses to at most {file.Length * MaxDeflateRatio} (truncated or " +
                    "corrupt header?).");
            return ReadBody(s, name, dims, total, checkTrailing: gz);
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
        var (dims, total) = ReadHeader(stream, name, expectedDims is int r ? Any(r) : null);
        long headerLength = 4 + 4L * dims.Length;
        if (streamLength is long len && len != headerLength + total)
            throw new InvalidDataException(
                $"{name}: dimensions [{string.Join(", ", dims)}] need {headerLength + total} bytes ({headerLength} " +
                $"header + {total} data) but the file has {len} bytes" +
                (len < headerLength + total ? " (truncated)." : " (trailing data)."));
        return ReadBody(stream, name, dims, total, checkTrailing: streamLength is null);
    }

    /// <summary>Reads and validates the magic number and the dimensions, and checks them against
    /// <paramref name="expectedShape"/> (-1: any size) before the caller touches the data.</summary>
    private static (int[] Dims, long Total) ReadHeader(Stream stream, string name, int[]? expectedShape)
    {
        int? expectedDims = expectedShape?.Length;
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
        if (expectedShape is not null)
            for (int i = 0; i < rank; i++)
                if (expectedShape[i] >= 0 && expectedShape[i] != dims[i])
                    throw new InvalidDataException(
                        $"{name}: expected dimensions [{string.Join(", ", ExpectedText(expectedShape))}] but the " +
                        $"header says [{string.Join(", ", dims)}] (size {dims[i]} at dimension {i}, expected " +
                        $"{expectedShape[i]}).");
        return (dims, total);
    }

    private static string[] ExpectedText(int[] shape) =>
        Array.ConvertAll(shape, d => d < 0 ? "*" : d.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Reads the <paramref name="total"/> data bytes. When the length was not verified up front (a
    /// decompressing stream), the buffer grows with the data that actually arrives, so a header that overstates
    /// the size costs no more memory than the stream's real content.</summary>
    private static IdxArray ReadBody(Stream stream, string name, int[] dims, long total, bool checkTrailing)
    {
        if (total > Array.MaxLength)
            throw new InvalidDataException(
                $"{name}: dimensions [{string.Join(", ", dims)}] need {total} bytes, more than the largest .NET " +
                $"array ({Array.MaxLength} bytes).");
        const int Chunk = 1 << 20;
        byte[] data = Allocate(name, dims, checkTrailing ? Math.Min(total, 4 * Chunk) : total);
        int read = 0;
        while (read < total)
        {
            if (read == data.Length)
            {
                var grown = Allocate(name, dims, Math.Min(total, 2L * data.Length));
                data.AsSpan(0, read).CopyTo(grown);
                data = grown;
            }
            // Bounded reads: a decompressing stream may end early, and nothing past the announced size is buffered.
            int n = stream.Read(data, read, Math.Min(Chunk, data.Length - read));
            if (n == 0)
                throw new InvalidDataException($"{name}: truncated: dimensions [{string.Join(", ", dims)}] " +
                    $"need {total} data bytes, the stream ended after {read}.");
            read += n;
        }
        if (checkTrailing && stream.ReadByte() >= 0)
            throw new InvalidDataException($"{name}: trailing data after the {total} bytes that dimensions " +
                $"[{string.Join(", ", dims)}] describe.");
        return new IdxArray(dims, data);
    }

    private static byte[] Allocate(string name, int[] dims, long length)
    {
        try
        {
            return GC.AllocateUninitializedArray<byte>((int)length);
        }
        catch (OutOfMemoryException ex)
        {
            throw new InsufficientMemoryException(
                $"{name}: not enough memory for the data bytes that dimensions [{string.Join(", ", dims)}] " +
                $"describe ({length} bytes).", ex);
        }
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
