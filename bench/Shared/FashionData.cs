using System;
using System.IO;
using System.IO.Compression;

namespace Ember.Bench.Shared;

/// <summary>
/// W2 and W4: Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, or
/// <c>EMBER_FASHION_MNIST</c>), read identically by every engine: raw uint8 pixels and labels, first
/// <c>count</c> images in file order (no shuffling, so every engine sees the same batches).
/// </summary>
public static class FashionData
{
    public const int Pixels = 28 * 28;

    public static string Root => Environment.GetEnvironmentVariable("EMBER_FASHION_MNIST") is { Length: > 0 } dir
        ? dir
        : "/usr/share/datasets/fashion-mnist";

    /// <summary>Images (count × 784 bytes) and labels of the training (or test) split.</summary>
    public static (byte[] Images, byte[] Labels) Load(bool train, int count)
    {
        string prefix = train ? "train" : "t10k";
        byte[] labels = ReadIdx(Path.Combine(Root, $"{prefix}-labels-idx1-ubyte.gz"), 8, 1, count);
        byte[] images = ReadIdx(Path.Combine(Root, $"{prefix}-images-idx3-ubyte.gz"), 16, Pixels, labels.Length);
        return (images, labels);
    }

    /// <summary>
    /// The first <paramref name="count"/> records of <paramref name="recordBytes"/> bytes, decompressed straight into
    /// an array of exactly that size: no growing buffer and no copies, whose garbage (four to five times the 47 MB of
    /// training pixels) used to set the process's peak RSS before the epoch had started.
    /// </summary>
    private static byte[] ReadIdx(string path, int headerBytes, int recordBytes, int count)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path} not found: apt-get install dataset-fashion-mnist, or set EMBER_FASHION_MNIST.", path);
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        gz.ReadExactly(header[..headerBytes]);
        // The first dimension (big-endian, after the 4-byte magic) is the number of records in the file.
        int records = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var data = GC.AllocateUninitializedArray<byte>(Math.Min(count, records) * recordBytes);
        gz.ReadExactly(data);
        return data;
    }
}

/// <summary>The shapes and budgets of W2 and W4, shared so every engine runs the same work.</summary>
public static class TrainingWorkloads
{
    /// <summary>W2: 784-256-128-10 MLP, Adam 1e-3, batch 128, one epoch of 60,000 images.</summary>
    public static (int Images, int Batch) W2(bool quick) => (quick ? 128 * 20 : 60_000, 128);

    /// <summary>W4: LeNet-5 (6/16 channels), SGD 0.01 momentum 0.9, batch 64, the first 10,000 images.</summary>
    public static (int Images, int Batch) W4(bool quick) => (quick ? 64 * 20 : 10_000, 64);

    /// <summary>Test images evaluated after training (batches of 1000).</summary>
    public static int TestImages(bool quick) => quick ? 1000 : 10_000;

    public static long[] ToLong(byte[] labels)
    {
        var result = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++) result[i] = labels[i];
        return result;
    }
}

/// <summary>Process counters from /proc (Linux): peak resident set and page faults.</summary>
public static class ProcStats
{
    /// <summary>Peak resident set size (VmHWM) in MB, NaN where /proc is missing.</summary>
    public static double PeakRssMb()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0],
                        System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { }
        return double.NaN;
    }

    /// <summary>Minor plus major page faults of this process so far (0 where /proc is missing).</summary>
    public static long PageFaults()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            // Fields after the parenthesized command name: state is field 3; minflt is 10, majflt 12.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(f[7], System.Globalization.CultureInfo.InvariantCulture)
                + long.Parse(f[9], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; }
    }
}

/// <summary>Counters around the timed epoch: wall time, managed allocation, collections, GC pause, faults.</summary>
public sealed class EpochMeter
{
    private long _allocated, _faults, _start;
    private int _gen0, _gen1, _gen2;
    private TimeSpan _pause, _cpu, _jit;
    private long _jitMethods;

    public void Start()
    {
        // The meter's own first-call JIT stays out of the timed window.
        System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(typeof(EpochMeter).GetMethod(nameof(Stop))!
            .MethodHandle);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _allocated = GC.GetTotalAllocatedBytes(precise: true);
        (_gen0, _gen1, _gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        _pause = GC.GetTotalPauseDuration();
        _faults = ProcStats.PageFaults();
        _jit = System.Runtime.JitInfo.GetCompilationTime();
        _jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        _cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        _start = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Stops the clock and reports the epoch's metrics under <paramref name="prefix"/>.</summary>
    public void Stop(BenchReport report, string prefix, int steps)
    {
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds;
        double cpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds;
        long faults = ProcStats.PageFaults() - _faults;
        double perStep = (GC.GetTotalAllocatedBytes(precise: true) - _allocated) / (double)steps;
        report.Add($"{prefix} epoch", seconds, "s", MetricKind.Time);
        report.Add($"{prefix} epoch CPU time (all threads)", cpu, "s", MetricKind.Info);
        report.Add($"{prefix} allocated per step", perStep, "B", MetricKind.Info);
        report.Add($"{prefix} gen0 GCs", GC.CollectionCount(0) - _gen0, "gen0", MetricKind.Info);
        report.Add($"{prefix} gen1 GCs", GC.CollectionCount(1) - _gen1, "gen1", MetricKind.Info);
        report.Add($"{prefix} gen2 GCs", GC.CollectionCount(2) - _gen2, "gen2", MetricKind.Info);
        report.Add($"{prefix} GC pause", (GC.GetTotalPauseDuration() - _pause).TotalMilliseconds, "ms",
            MetricKind.Info);
        report.Add($"{prefix} page faults", faults, "faults", MetricKind.Info);
        // JIT work inside the timed epoch (all threads): with tiered compilation off, every method the first step
        // reaches is compiled with full optimization there.
        double jitMs = (System.Runtime.JitInfo.GetCompilationTime() - _jit).TotalMilliseconds;
        report.Add($"{prefix} JIT time in epoch", jitMs, "ms", MetricKind.Info);
        report.Add($"{prefix} methods JIT-compiled in epoch",
            System.Runtime.JitInfo.GetCompiledMethodCount() - _jitMethods, "methods", MetricKind.Info);
    }
}
