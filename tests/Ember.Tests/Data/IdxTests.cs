using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Ember.Data;
using Ember.Tests.Support;

namespace Ember.Tests.Data;

/// <summary>The IDX reader on the committed Fashion-MNIST slice and on broken files made here.</summary>
public class IdxTests : IDisposable
{
    internal static readonly string SliceDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "fashion-mnist");
    private readonly string _tmp = Directory.CreateTempSubdirectory("ember-idx-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Theory]
    [InlineData(true, "train")]
    [InlineData(false, "t10k")]
    public void SliceHasKnownCountsShapesLabelsAndPixelSums(bool train, string split)
    {
        var g = Golden.Load("fashion_mnist_slice.json").GetProperty(split);
        var ds = Datasets.FashionMnist(SliceDir, train: train);
        Assert.Equal(g.GetProperty("count").GetInt32(), ds.Count);
        Assert.Equal(28, ds.Height);
        Assert.Equal(28, ds.Width);
        Assert.Equal("T-shirt/top", ds.Classes[0]);
        Assert.Equal("Ankle boot", ds.Classes[9]);
        long[] labels = g.GetProperty("labels").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long[] sums = g.GetProperty("pixel_sums").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long total = 0;
        for (int i = 0; i < ds.Count; i++)
        {
            var (img, label) = ds[i];
            Assert.Equal(labels[i], label);
            Assert.Equal(labels[i], ds.LabelAt(i));
            Assert.Equal((28, 28, 1), (img.Height, img.Width, img.Channels));
            long s = 0;
            foreach (byte b in img.Pixels) s += b;
            Assert.Equal(sums[i], s);
            total += s;
        }
        Assert.Equal(g.GetProperty("total_pixel_sum").GetInt64(), total);
        byte[] row14 = g.GetProperty("first_image_row_14").EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray();
        Assert.Equal(row14, Enumerable.Range(0, 28).Select(x => ds[0].Image[14, x]).ToArray());
    }

    [Fact]
    public void PlainAndGzipFilesReadTheSame()
    {
        string plain = Path.Combine(SliceDir, "t10k-images-idx3-ubyte");
        var a = Idx.Read(plain, expectedDims: 3);
        string gz = Path.Combine(_tmp, "copy-idx3-ubyte.gz");
        Idx.Write(gz, a.Dimensions, a.Data);
        var b = Idx.Read(gz);
        Assert.Equal(new[] { 100, 28, 28 }, b.Dimensions);
        Assert.Equal(a.Data, b.Data);
    }

    [Fact]
    public void MissingDataSaysWhereItLookedAndHowToGetIt()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Datasets.FashionMnist(_tmp));
        Assert.Contains(_tmp, ex.Message);
        Assert.Contains("train-images-idx3-ubyte", ex.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", ex.Message);
        Assert.Contains("download: true", ex.Message);
    }

    [Fact]
    public void TorchvisionLayoutIsFound()
    {
        string raw = Directory.CreateDirectory(Path.Combine(_tmp, "FashionMNIST", "raw")).FullName;
        foreach (string f in Directory.GetFiles(SliceDir, "t10k-*"))
            File.Copy(f, Path.Combine(raw, Path.GetFileName(f)));
        Assert.Equal(100, Datasets.FashionMnist(_tmp, train: false).Count);
    }

    private static byte[] Header(int magic, params int[] dims)
    {
        var h = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(h, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4 + 4 * i), dims[i]);
        return h;
    }

    private string Write(string name, byte[] bytes, bool gz = false)
    {
        string path = Path.Combine(_tmp, name + (gz ? ".gz" : ""));
        if (gz)
        {
            using var f = File.Create(path);
            using var z = new GZipStream(f, CompressionLevel.Fastest);
            z.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);
        return path;
    }

    private static InvalidDataException Bad(string path, int? dims = null) =>
        Assert.Throws<InvalidDataException>(() => Idx.Read(path, dims));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataIsACleanError(bool gz)
    {
        byte[] bytes = [.. Header(0x803, 10, 28, 28), .. new byte[28 * 28 * 10 - 5]];
        var ex = Bad(Write("trunc-idx3-ubyte", bytes, gz));
        Assert.Contains("trunc-idx3-ubyte", ex.Message);
        Assert.Contains("7840", ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void TruncatedHeaderAndEmptyFileAreCleanErrors()
    {
        Assert.Contains("magic", Bad(Write("empty-ubyte", [])).Message);
        Assert.Contains("truncated header", Bad(Write("head-ubyte", Header(0x803, 10, 28, 28)[..9])).Message);
    }

    [Fact]
    public void WrongMagicIsRejected()
    {
        var ex = Bad(Write("png-ubyte", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0]));
        Assert.Contains("0x89504E47", ex.Message);
        Assert.Contains("0x00000803", ex.Message);
        // float IDX (type 0x0D) is not unsigned bytes
        Assert.Contains("unsigned-byte", Bad(Write("float-ubyte", [.. Header(0x0D01, 1), 0, 0, 0, 0])).Message);
        // labels where images were expected
        var wrongRank = Bad(Write("labels-ubyte", [.. Header(0x801, 3), 1, 2, 3]), dims: 3);
        Assert.Contains("3 dimension(s)", wrongRank.Message);
        Assert.Contains("says 1", wrongRank.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingDataIsRejected(bool gz)
    {
        var ex = Bad(Write("long-idx1-ubyte", [.. Header(0x801, 3), 1, 2, 3, 4], gz));
        Assert.Contains("trailing data", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OversizedDimensionsFailBeforeAllocating(bool gz)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Bad(Write("huge-idx3-ubyte", [.. Header(0x803, 60000, 30000, 30000), 1, 2, 3], gz));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("refusing to allocate", ex.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes for a hostile header");
        Assert.Contains("negative", Bad(Write("neg-idx1-ubyte", Header(0x801, -5))).Message);
    }

    [Fact]
    public void LengthMismatchIsCheckedBeforeReadingData()
    {
        // A plain file whose header promises far more than it holds: rejected from the file length alone.
        var ex = Bad(Write("short-idx3-ubyte", [.. Header(0x803, 1000, 28, 28), 0, 0, 0]));
        Assert.Contains("784016 bytes", ex.Message);
        Assert.Contains("has 19 bytes", ex.Message);
    }

    [Fact]
    public void ImageAndLabelCountsMustMatch()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_tmp, "mismatch")).FullName;
        Idx.Write(Path.Combine(dir, "train-images-idx3-ubyte"), [3, 2, 2], new byte[12]);
        Idx.Write(Path.Combine(dir, "train-labels-idx1-ubyte"), [2], [0, 1]);
        var ex = Assert.Throws<InvalidDataException>(() => Datasets.Mnist(dir));
        Assert.Contains("3 images", ex.Message);
        Assert.Contains("2 labels", ex.Message);
        Idx.Write(Path.Combine(dir, "train-labels-idx1-ubyte"), [3], [0, 1, 10]);
        Assert.Contains("label 10", Assert.Throws<InvalidDataException>(() => Datasets.Mnist(dir)).Message);
    }

    [Fact]
    public void CorruptGzipNamesTheFile()
    {
        string path =
            Write("corrupt-idx1-ubyte.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        var ex = Bad(path);
        Assert.Contains("corrupt-idx1-ubyte.gz", ex.Message);
    }
}
