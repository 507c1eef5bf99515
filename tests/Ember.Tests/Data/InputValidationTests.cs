using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using Ember.Data;

namespace Ember.Tests.Data;

/// <summary>Issue 13 (items 3, 9, 10): CSV encodings, IDX headers checked before the body, and data-pipeline
/// messages that say what is wrong.</summary>
public class InputValidationTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("ember-validate-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string WriteBytes(string name, byte[] bytes)
    {
        string p = Path.Combine(_tmp, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static byte[] Latin1CsvWithTwoLabels()
    {
        var sb = new StringBuilder("x,label\n");
        for (int i = 0; i < 300; i++) sb.Append(i).Append(",plain\n");   // push the bad line past the first buffer
        sb.Append("1,café\n2,cafè\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    [Fact]
    public void CsvWithInvalidUtf8FailsWithFileAndLine()
    {
        string path = WriteBytes("latin1.csv", Latin1CsvWithTwoLabels());
        var ex = Assert.Throws<InvalidDataException>(() => Datasets.Csv(path));
        Assert.Contains("latin1.csv:302:", ex.Message);   // header + 300 rows, then "1,café"
        Assert.Contains("UTF-8", ex.Message);
        Assert.Contains("Latin1", ex.Message);
    }

    [Fact]
    public void CsvWithAGivenEncodingKeepsDistinctLabels()
    {
        string path = WriteBytes("latin1.csv", Latin1CsvWithTwoLabels());
        var ds = Datasets.Csv(path, encoding: Encoding.Latin1);
        Assert.Equal(new[] { "cafè", "café", "plain" }, ds.Classes);
        Assert.Equal(302, ds.Count);
        // Valid UTF-8 still reads by default.
        string utf8 = WriteBytes("utf8.csv", Encoding.UTF8.GetBytes("x,label\n1,café\n2,cafè\n"));
        Assert.Equal(new[] { "cafè", "café" }, Datasets.Csv(utf8).Classes);
    }

    [Fact]
    public void NegativeCsvLabelsAreNotCalledNonInteger()
    {
        string path = WriteBytes("pm1.csv", Encoding.UTF8.GetBytes("x,y\n0.5,-1\n0.25,1\n"));
        var ds = Datasets.Csv(path);
        Assert.Null(ds.Labels);
        var ex = Assert.Throws<InvalidOperationException>(() => ds[0]);
        Assert.DoesNotContain("non-integer", ex.Message);
        Assert.Contains("negative", ex.Message);
        Assert.Contains("-1", ex.Message);
        Assert.Contains("line 2", ex.Message);
    }

    private static byte[] Header(int magic, params int[] dims)
    {
        var h = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(h, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4 + 4 * i), dims[i]);
        return h;
    }

    private string WriteGz(string name, byte[] header, int zeros)
    {
        string path = Path.Combine(_tmp, name);
        using var f = File.Create(path);
        using var z = new GZipStream(f, CompressionLevel.SmallestSize);
        z.Write(header);
        var chunk = new byte[1 << 16];
        for (int left = zeros; left > 0; left -= chunk.Length) z.Write(chunk, 0, Math.Min(left, chunk.Length));
        return path;
    }

    [Fact]
    public void GzipHeaderClaimingMoreThanDeflateCanHoldFailsWithTheFileName()
    {
        // Header claims 2^31 - 1 bytes; the file is tiny. Before: a raw OutOfMemoryException (or a 2 GB buffer).
        string path = WriteGz("huge-idx1-ubyte.gz", Header(0x801, int.MaxValue), 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(path, expectedDims: 1));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "allocated the claimed body");
        Assert.Contains("huge-idx1-ubyte.gz", ex.Message);
        Assert.Contains("2147483647", ex.Message);
    }

    [Fact]
    public void OverstatedGzipHeaderCostsOnlyTheRealContentInMemory()
    {
        // 1 MB of incompressible data under a header claiming 10^9 bytes: within deflate's 1032:1 bound, so only
        // reading finds the truncation; the buffer grows with the data instead of taking 1 GB up front.
        var body = new byte[1 << 20];
        new Random(13).NextBytes(body);
        string path = Path.Combine(_tmp, "short-idx1-ubyte.gz");
        using (var f = File.Create(path))
        using (var z = new GZipStream(f, CompressionLevel.NoCompression))
        {
            z.Write(Header(0x801, 1_000_000_000));
            z.Write(body);
        }
        Assert.True(new FileInfo(path).Length * 1032 > 1_000_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(path, expectedDims: 1));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated the claimed size");
        Assert.Contains("short-idx1-ubyte.gz", ex.Message);
        Assert.Contains("truncated", ex.Message);
        Assert.Contains($"ended after {1 << 20}", ex.Message);
    }

    [Fact]
    public void LabelsAreCheckedAgainstTheImageCountBeforeDecompressing()
    {
        // A gzip bomb used as labels: its header claims 16 MB of labels (zeros, compressing ~1000:1).
        string dir = Directory.CreateDirectory(Path.Combine(_tmp, "bomb")).FullName;
        string images = Path.Combine(dir, "images-idx3-ubyte");
        Idx.Write(images, [2, 2, 2], new byte[8]);
        string labels = WriteGz("bomb/labels-idx1-ubyte.gz", Header(0x801, 16 << 20), 16 << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => MnistDataset.FromFiles(images, labels, ["a", "b"]));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "decompressed the bomb");
        Assert.Contains("2 images", ex.Message);
        Assert.Contains((16 << 20) + " labels", ex.Message);
        // The explicit-shape overload checks before reading the body too.
        var shaped = Assert.Throws<InvalidDataException>(() => Idx.Read(labels, [2]));
        Assert.Contains("labels-idx1-ubyte.gz", shaped.Message);
        Assert.Contains("expected dimensions [2]", shaped.Message);
        Assert.Equal(new[] { 2, 2, 2 }, Idx.Read(images, [-1, 2, 2]).Dimensions);
    }

    private sealed class NullAtTwo : Dataset<Tensor[]>
    {
        public override int Count => 4;

        public override Tensor[] this[int index] => index == 2 ? null! : [Tensor.Ones(2)];
    }

    [Fact]
    public void NullDatasetItemNamesTheDatasetAndIndex()
    {
        var loader = DataLoader.Create(new NullAtTwo(), batchSize: 4);
        var ex = Assert.Throws<InvalidOperationException>(() => { foreach (var _ in loader) { } });
        Assert.Contains("NullAtTwo[2]", ex.Message);
        Assert.Contains("null", ex.Message);
    }

    [Fact]
    public void ImageCollateRejectsZeroStd()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collate.Images(mean: [0.5], std: [0]));
        Assert.Contains("std[0]", ex.Message);
        var samples = new List<(Image, long)> { (new Image(new byte[4], 2, 2), 0) };
        var (x, _) = Collate.Images(mean: [0.5], std: [-0.5])(samples);
        Assert.Equal(1f, x[0, 0, 0, 0].Item<float>());
    }
}
