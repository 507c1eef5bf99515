using System;
using System.IO;
using Ember.NN;

namespace Ember.Onnx.Tests.Import;

/// <summary>
/// Truncated and bit-flipped files: every one either imports and runs or fails with one of the documented exceptions
/// (never a crash, a hang or a huge allocation).
/// </summary>
public class ImportFuzzTests(ITestOutputHelper output)
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Golden", "Import");

    public static TheoryData<string> Sources() => ["cnn_opset17.onnx", "mlp_opset13.onnx", "ember_cnn"];

    private static (byte[] Bytes, Tensor Input) Source(string name)
    {
        if (name != "ember_cnn")
        {
            int[] shape = name.StartsWith("cnn", StringComparison.Ordinal) ? [2, 1, 10, 10] : [2, 4];
            return (File.ReadAllBytes(Path.Combine(Dir, name)), Tensor.Randn(shape, new Generator(1)));
        }
        var model = new Sequential(new Conv2d(1, 3, 3, padding: 1, generator: new Generator(1)), new BatchNorm2d(3),
            new ReLU(), new AvgPool2d(2), new Flatten(), new Linear(48, 4, generator: new Generator(2)),
            new LayerNorm([4]), new Softmax(1));
        model.Eval();
        Tensor x = Tensor.Randn([2, 1, 8, 8], new Generator(1));
        return (OnnxExporter.ExportToBytes(model, x), x);
    }

    /// <summary>Loads and runs; returns whether it ran, or asserts the failure was a clean, documented one.</summary>
    private static bool Attempt(byte[] bytes, Tensor input, string what)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ran = false;
        try
        {
            OnnxModule m = OnnxImporter.Load(bytes);
            using (Autograd.NoGrad()) m.Call(input);
            ran = true;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException
                                      or InvalidOperationException)
        {
            Assert.Contains("ONNX", e.Message, StringComparison.Ordinal);
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 256L << 20, $"{what}: allocated {allocated >> 20} MiB");
        return ran;
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Truncated_files_fail_cleanly(string source)
    {
        var (bytes, input) = Source(source);
        int step = Math.Max(1, bytes.Length / 400);
        for (int n = 0; n < bytes.Length; n += step)
            Assert.False(Attempt(bytes[..n], input, $"first {n} of {bytes.Length} bytes"), $"{n} bytes ran");
        Assert.True(Attempt(bytes, input, "whole file"));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Bit_flipped_files_fail_cleanly_or_run(string source)
    {
        var (bytes, input) = Source(source);
        var random = new Random(1234);
        int ran = 0;
        for (int trial = 0; trial < 600; trial++)
        {
            byte[] copy = (byte[])bytes.Clone();
            int flips = 1 + random.Next(3);
            string what = $"trial {trial}:";
            for (int k = 0; k < flips; k++)
            {
                int at = random.Next(copy.Length), bit = random.Next(8);
                copy[at] ^= (byte)(1 << bit);
                what += $" byte {at} bit {bit}";
            }
            if (Attempt(copy, input, what)) ran++;
        }
        output.WriteLine($"{source}: {ran} of 600 bit-flipped files loaded and ran; the rest failed cleanly.");
        // Flips in weights still run; flips in structure fail: both paths are exercised.
        Assert.InRange(ran, 1, 599);
    }
}
