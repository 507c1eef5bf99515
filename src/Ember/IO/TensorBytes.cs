using System;
using System.IO;
using System.Runtime.InteropServices;
using Ember.Core;

namespace Ember.IO;

/// <summary>Raw little-endian element bytes of tensors, read straight into (or written from) storage arrays.</summary>
internal static class TensorBytes
{
    /// <summary>Fails on big-endian hosts, whose element bytes would need swapping (not implemented).</summary>
    public static void RequireLittleEndian(string who)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException($"{who}: only little-endian machines are supported.");
    }

    /// <summary>
    /// Allocates storage of <paramref name="count"/> elements and fills it from <paramref name="stream"/> (no
    /// intermediate buffer). Bool bytes other than 0 and 1 are rejected: they are not valid <see cref="bool"/>s.
    /// </summary>
    public static Storage Read(Stream stream, DType dtype, int count) =>
        DTypeDispatch.Stored<ReadFunc, Storage>(dtype, new(stream, count));

    /// <summary>Writes the elements of <paramref name="t"/> row-major (a contiguous copy when needed).</summary>
    public static void Write(Stream stream, RawTensor t) =>
        DTypeDispatch.Stored<WriteFunc, bool>(t.DType, new(stream, RawOps.Contiguous(t)));

    private readonly struct ReadFunc(Stream stream, int count) : IStoredFunc<Storage>
    {
        public Storage Invoke<T>() where T : unmanaged
        {
            var s = Storage<T>.Uninitialized(count);
            var bytes = MemoryMarshal.AsBytes(s.Data.AsSpan());
            stream.ReadExactly(bytes);
            if (typeof(T) == typeof(bool) && bytes.IndexOfAnyExcept((byte)0, (byte)1) is int bad and >= 0)
                throw new InvalidDataException($"a bool element holds byte {bytes[bad]} (only 0 and 1 are valid)");
            return s;
        }
    }

    private readonly struct WriteFunc(Stream stream, RawTensor t) : IStoredFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged
        {
            stream.Write(MemoryMarshal.AsBytes(t.Span<T>()));
            return true;
        }
    }
}
