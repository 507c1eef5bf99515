using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text;

namespace Ember.Data;

/// <summary>
/// An MNIST-format image classification set: <see cref="Count"/> grayscale images of
/// <see cref="Height"/> × <see cref="Width"/> pixels kept as bytes (47 MB for 60,000 28×28 images, where a
/// float32 copy would take 188 MB), and one label per image. Samples are <c>(Image, Label)</c>; convert per batch
/// with <see cref="Collate.Images"/> or per sample with <see cref="ToTensor"/>.
/// </summary>
public sealed class MnistDataset : Dataset<(Image Image, long Label)>
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    /// <summary>Wraps images (N×H×W bytes, row-major) and labels (N bytes); the arrays are not copied.</summary>
    public MnistDataset(byte[] pixels, byte[] labels, int height, int width, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"MnistDataset: image size must be positive, got {height}x{width}.");
        if ((long)labels.Length * height * width != pixels.Length)
            throw new ArgumentException($"MnistDataset: {labels.Length} labels " +
                $"need {(long)labels.Length * height * width} pixels of {height}x{width} images, got {pixels.Length}.");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes.Count)
                throw new ArgumentException($"MnistDataset: label {labels[i]} at index {i} is not below the number " +
                    $"of classes ({classes.Count}).");
        _pixels = pixels;
        _labels = labels;
        Height = height;
        Width = width;
        Classes = classes;
    }

    /// <inheritdoc/>
    public override int Count => _labels.Length;

    /// <summary>Image rows (28 for MNIST).</summary>
    public int Height { get; }

    /// <summary>Image columns (28 for MNIST).</summary>
    public int Width { get; }

    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>All pixels, <c>Count × Height × Width</c> bytes, row-major (shared, do not modify).</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>All labels, one byte per image (shared, do not modify).</summary>
    public ReadOnlyMemory<byte> Labels => _labels;

    /// <summary>The label of sample <paramref name="index"/>.</summary>
    public long LabelAt(int index)
    {
        CheckIndex(index, Count);
        return _labels[index];
    }

    /// <inheritdoc/>
    public override (Image Image, long Label) this[int index]
    {
        get
        {
            CheckIndex(index, Count);
            int n = Height * Width;
            return (new Image(_pixels.AsSpan(index * n, n).ToArray(), Height, Width), _labels[index]);
        }
    }

    /// <summary>Reads an image file and a label file in IDX format (<c>.gz</c> or not) and checks that they
    /// match.</summary>
    /// <exception cref="InvalidDataException">When a file is malformed or the counts differ.</exception>
    public static MnistDataset FromFiles(string imagesPath, string labelsPath, IReadOnlyList<string> classes)
    {
        // Both headers first: each file is checked against what the other announces before any data is read or
        // decompressed, so a corrupt or hostile file (e.g. a gzip bomb with a huge count) fails at once.
        int[] imageDims = Idx.ReadDimensions(imagesPath), labelDims = Idx.ReadDimensions(labelsPath);
        if (imageDims.Length != 3)
            throw new InvalidDataException($"{Path.GetFileName(imagesPath)}: expected 3 dimensions (count, height, " +
                $"width) in an image file, the header has {imageDims.Length}.");
        if (labelDims.Length != 1)
            throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: expected 1 dimension (count) in a label " +
                $"file, the header has {labelDims.Length}.");
        if (imageDims[0] != labelDims[0])
            throw new InvalidDataException(
                $"{Path.GetFileName(imagesPath)} has {imageDims[0]} images " +
                $"but {Path.GetFileName(labelsPath)} has {labelDims[0]} labels.");
        IdxArray labels = Idx.Read(labelsPath, [imageDims[0]]);
        IdxArray images = Idx.Read(imagesPath, imageDims);
        for (int i = 0; i < labels.Data.Length; i++)
            if (labels.Data[i] >= classes.Count)
                throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: label {labels.Data[i]} at index {i} " +
                    $"is not a class index (0..{classes.Count - 1}).");
        return new MnistDataset(images.Data, labels.Data, images.Dimensions[1], images.Dimensions[2], classes);
    }
}

public static partial class Datasets
{
    private static readonly string[] s_digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static readonly string[] s_fashion =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private sealed record MnistSpec(string Name, string DebianDir, string DebianPackage, string[] Classes,
        string[] Mirrors);

    private static readonly MnistSpec s_mnistSpec =
        new("mnist", "/usr/share/datasets/mnist", "(none; use download: true)", s_digits,
        ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]);

    private static readonly MnistSpec s_fashionSpec =
        new("fashion-mnist", "/usr/share/datasets/fashion-mnist", "dataset-fashion-mnist", s_fashion,
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]);

    /// <summary>
    /// The MNIST handwritten digits (60,000 training / 10,000 test images, 28×28, labels 0–9), read from IDX files
    /// (<c>train-images-idx3-ubyte[.gz]</c>, ...). See <see cref="FashionMnist"/> for where files are looked for.
    /// </summary>
    /// <inheritdoc cref="FashionMnist"/>
    public static MnistDataset Mnist(string? root = null, bool train = true, bool download = false) =>
        LoadMnist(s_mnistSpec, root, train, download);

    /// <summary>
    /// Fashion-MNIST (Zalando: 60,000 training / 10,000 test grayscale 28×28 images of 10 kinds of clothing),
    /// read from the four IDX files <c>{train,t10k}-{images-idx3,labels-idx1}-ubyte</c>, gzip-compressed or not.
    /// Without <paramref name="root"/>, looks in <c>$EMBER_DATA/fashion-mnist</c>, Debian's
    /// <c>/usr/share/datasets/fashion-mnist</c> (package <c>dataset-fashion-mnist</c>) and
    /// <c>~/.ember/datasets/fashion-mnist</c>; with it, in <c>root</c>, <c>root/fashion-mnist</c> and torchvision's
    /// <c>root/FashionMNIST/raw</c>.
    /// </summary>
    /// <param name="root">A directory holding the files, or null for the default places.</param>
    /// <param name="train">The training split (true) or the test split (false).</param>
    /// <param name="download">When the files are not found, download them into <paramref name="root"/> (or
    /// <c>~/.ember/datasets/fashion-mnist</c>). Needs internet access; off by default.</param>
    /// <exception cref="FileNotFoundException">When the files are not found (the message lists where it looked and how
    /// to get them).</exception>
    /// <exception cref="InvalidDataException">When a file is malformed.</exception>
    public static MnistDataset FashionMnist(string? root = null, bool train = true, bool download = false) =>
        LoadMnist(s_fashionSpec, root, train, download);

    private static MnistDataset LoadMnist(MnistSpec spec, string? root, bool train, bool download)
    {
        string prefix = train ? "train" : "t10k";
        string images = prefix + "-images-idx3-ubyte", labels = prefix + "-labels-idx1-ubyte";
        List<string> dirs = CandidateDirs(spec, root);
        foreach (string dir in dirs)
        {
            string? img = Existing(dir, images), lab = Existing(dir, labels);
            if (img is not null && lab is not null) return MnistDataset.FromFiles(img, lab, spec.Classes);
        }
        if (download)
        {
            string target = root ?? DefaultDownloadDir(spec);
            Directory.CreateDirectory(target);
            foreach (string f in new[] { images, labels })
                if (Existing(target, f) is null) Download(spec, f + ".gz", Path.Combine(target, f + ".gz"));
            var ds =
                MnistDataset.FromFiles(Path.Combine(target, images + ".gz"), Path.Combine(target, labels + ".gz"),
                spec.Classes);
            int expected = train ? 60000 : 10000;
            if (ds.Count != expected || ds.Height != 28 || ds.Width != 28)
                throw new InvalidDataException($"{spec.Name}: the downloaded files hold {ds.Count} images " +
                    $"of {ds.Height}x{ds.Width}; expected {expected} of 28x28.");
            return ds;
        }
        var msg = new StringBuilder();
        msg.Append($"{spec.Name}: could not find {images}[.gz] and {labels}[.gz]. Looked in:");
        foreach (string d in dirs) msg.Append("\n  ").Append(d);
        msg.Append("\nTo get the data: ");
        if (spec.DebianPackage.StartsWith("dataset-", StringComparison.Ordinal))
            msg.Append($"on Debian/Ubuntu, 'sudo apt-get install {spec.DebianPackage}' (installs {spec.DebianDir}); " +
                "or ");
        msg.Append($"pass download: true (needs internet; saves to {root ?? DefaultDownloadDir(spec)}); or download " +
            $"the four files from {spec.Mirrors[0]} into a directory and pass it as root.");
        throw new FileNotFoundException(msg.ToString());
    }

    private static List<string> CandidateDirs(MnistSpec spec, string? root)
    {
        var dirs = new List<string>();
        if (root is not null)
        {
            dirs.Add(Path.GetFullPath(root));
            dirs.Add(Path.GetFullPath(Path.Combine(root, spec.Name)));
            dirs.Add(Path.GetFullPath(Path.Combine(root, spec == s_fashionSpec ? "FashionMNIST" : "MNIST", "raw")));
            return dirs;
        }
        string? env = Environment.GetEnvironmentVariable("EMBER_DATA");
        if (!string.IsNullOrEmpty(env)) dirs.Add(Path.GetFullPath(Path.Combine(env, spec.Name)));
        dirs.Add(spec.DebianDir);
        dirs.Add(DefaultDownloadDir(spec));
        return dirs;
    }

    private static string DefaultDownloadDir(MnistSpec spec) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ember", "datasets", spec.Name);

    private static string? Existing(string dir, string file)
    {
        string plain = Path.Combine(dir, file), gz = plain + ".gz";
        return File.Exists(plain) ? plain : File.Exists(gz) ? gz : null;
    }

    private static void Download(MnistSpec spec, string file, string destination)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var errors = new StringBuilder();
        // "x.part.gz": still ends in .gz, so the check below decompresses it.
        string partial = destination[..^3] + ".part.gz";
        foreach (string mirror in spec.Mirrors)
        {
            string url = mirror + file;
            try
            {
                using (var request = new HttpRequestMessage(HttpMethod.Get, url))
                using (HttpResponseMessage response = http.Send(request, HttpCompletionOption.ResponseHeadersRead))
                {
                    response.EnsureSuccessStatusCode();
                    using Stream body = response.Content.ReadAsStream();
                    using var outFile = new FileStream(partial, FileMode.Create, FileAccess.Write);
                    body.CopyTo(outFile);
                }
                // Validate before the file takes its final name, so a broken download is not picked up next time.
                Idx.Read(partial);
                File.Move(partial, destination, overwrite: true);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                errors.Append($"\n  {url}: {ex.Message}");
                TryDelete(partial);
            }
        }
        throw new IOException($"{spec.Name}: could not download {file}:{errors}");
    }

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
