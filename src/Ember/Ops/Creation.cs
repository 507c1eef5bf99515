using System;
using Ember.Core;

namespace Ember;

public partial class Tensor
{
    private static Tensor Leaf(RawTensor raw, bool requiresGrad)
    {
        var t = new Tensor(raw);
        if (requiresGrad) t.RequiresGrad = true;
        return t;
    }

    private static Tensor FromCopy<T>(T[] data, int[] shape, bool requiresGrad) =>
        Leaf(RawTensor.FromArray(data.AsSpan().ToArray(), shape), requiresGrad);

    private static Tensor From2D<T>(T[,] data, bool requiresGrad)
    {
        int rows = data.GetLength(0), cols = data.GetLength(1);
        var flat = new T[rows * cols];
        if (flat.Length > 0) Buffer.BlockCopy(data, 0, flat, 0, flat.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return Leaf(RawTensor.FromArray(flat, [rows, cols]), requiresGrad);
    }

    /// <summary>A 0-dim float32 tensor.</summary>
    public static Tensor From(float value, bool requiresGrad = false) => FromCopy([value], [], requiresGrad);
    /// <summary>A 0-dim float64 tensor.</summary>
    public static Tensor From(double value, bool requiresGrad = false) => FromCopy([value], [], requiresGrad);
    /// <summary>A 0-dim int64 tensor.</summary>
    public static Tensor From(long value) => FromCopy([value], [], false);
    /// <summary>A 0-dim int32 tensor.</summary>
    public static Tensor From(int value) => FromCopy([value], [], false);
    /// <summary>A 0-dim bool tensor.</summary>
    public static Tensor From(bool value) => FromCopy([value], [], false);

    /// <summary>A 1-D float32 tensor (the data is copied).</summary>
    public static Tensor From(float[] data, bool requiresGrad = false) => FromCopy(data, [data.Length], requiresGrad);
    /// <summary>A 1-D float64 tensor (the data is copied).</summary>
    public static Tensor From(double[] data, bool requiresGrad = false) => FromCopy(data, [data.Length], requiresGrad);
    /// <summary>A 1-D int64 tensor, e.g. class labels (the data is copied).</summary>
    public static Tensor From(long[] data) => FromCopy(data, [data.Length], false);
    /// <summary>A 1-D int32 tensor, e.g. class labels (the data is copied).</summary>
    public static Tensor From(int[] data) => FromCopy(data, [data.Length], false);
    /// <summary>A 1-D uint8 tensor, e.g. pixels (the data is copied).</summary>
    public static Tensor From(byte[] data) => FromCopy(data, [data.Length], false);
    /// <summary>A 1-D int8 tensor (the data is copied).</summary>
    public static Tensor From(sbyte[] data) => FromCopy(data, [data.Length], false);
    /// <summary>A 1-D int16 tensor (the data is copied).</summary>
    public static Tensor From(short[] data) => FromCopy(data, [data.Length], false);
    /// <summary>A 1-D float16 tensor (the data is copied).</summary>
    public static Tensor From(Half[] data, bool requiresGrad = false) => FromCopy(data, [data.Length], requiresGrad);
    /// <summary>A 1-D bfloat16 tensor (the data is copied).</summary>
    public static Tensor From(BFloat16[] data, bool requiresGrad = false) => FromCopy(data, [data.Length], requiresGrad);
    /// <summary>A 1-D bool tensor (the data is copied).</summary>
    public static Tensor From(bool[] data) => FromCopy(data, [data.Length], false);

    /// <summary>A 2-D float32 tensor of shape <c>[rows, cols]</c>.</summary>
    public static Tensor From(float[,] data, bool requiresGrad = false) => From2D(data, requiresGrad);
    /// <summary>A 2-D float64 tensor of shape <c>[rows, cols]</c>; float32 layers accept it directly.</summary>
    public static Tensor From(double[,] data, bool requiresGrad = false) => From2D(data, requiresGrad);
    /// <summary>A 2-D int64 tensor.</summary>
    public static Tensor From(long[,] data) => From2D(data, false);
    /// <summary>A 2-D int32 tensor.</summary>
    public static Tensor From(int[,] data) => From2D(data, false);
    /// <summary>A 2-D uint8 tensor (e.g. a grayscale image).</summary>
    public static Tensor From(byte[,] data) => From2D(data, false);
    /// <summary>A 2-D bool tensor.</summary>
    public static Tensor From(bool[,] data) => From2D(data, false);

    /// <summary>A tensor of the given shape over a copy of <paramref name="data"/> (row-major).</summary>
    public static Tensor From<T>(T[] data, ReadOnlySpan<int> shape, bool requiresGrad = false) where T : unmanaged
    {
        DTypes.Of<T>();
        int n = Shapes.NumEl(shape);
        if (n != data.Length)
            throw new ArgumentException($"Tensor.From: {data.Length} values cannot fill shape {Shapes.Format(shape)} ({n} elements).");
        return FromCopy(data, shape.ToArray(), requiresGrad);
    }

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Full(ReadOnlySpan<int> shape, double value, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        CheckShape(shape, "full");
        return Leaf(RawOps.Full(shape.ToArray(), value, dtype), requiresGrad);
    }

    /// <summary>Zeros of the given shape and dtype.</summary>
    public static Tensor Zeros(ReadOnlySpan<int> shape, DType dtype = DType.Float32, bool requiresGrad = false) => Full(shape, 0, dtype, requiresGrad);
    /// <summary>Zeros of the given shape (float32).</summary>
    public static Tensor Zeros(params int[] shape) => Full(shape, 0);
    /// <summary>Ones of the given shape and dtype.</summary>
    public static Tensor Ones(ReadOnlySpan<int> shape, DType dtype = DType.Float32, bool requiresGrad = false) => Full(shape, 1, dtype, requiresGrad);
    /// <summary>Ones of the given shape (float32).</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1);

    /// <summary>Zeros with the shape and dtype of <paramref name="t"/>.</summary>
    public static Tensor ZerosLike(Tensor t) => Full(t.Shape, 0, t.DType);
    /// <summary>Ones with the shape and dtype of <paramref name="t"/>.</summary>
    public static Tensor OnesLike(Tensor t) => Full(t.Shape, 1, t.DType);

    /// <summary>Values <c>start, start+step, ...</c> below <paramref name="end"/>; int64 unless <paramref name="dtype"/> says otherwise.</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64) => Leaf(RawOps.Arange(start, end, step, dtype), false);
    /// <summary><c>0, 1, ..., end-1</c> as int64.</summary>
    public static Tensor Arange(int end) => Arange(0, end);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<int> shape, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
        => Uniform(shape, 0, 1, generator, dtype, requiresGrad);

    /// <summary>Uniform samples in [0, 1) (float32, default generator).</summary>
    public static Tensor Rand(params int[] shape) => Rand(shape.AsSpan());

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(ReadOnlySpan<int> shape, double low, double high, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        CheckFloat(dtype, "uniform");
        CheckShape(shape, "uniform");
        generator ??= Generator.Default;
        var r = RawTensor.Empty(dtype, shape.ToArray());
        for (int i = 0; i < r.NumEl; i++) RawOps.SetFlat(r, i, low + (high - low) * generator.NextDouble());
        return Leaf(r, requiresGrad);
    }

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(ReadOnlySpan<int> shape, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
        => Normal(shape, 0, 1, generator, dtype, requiresGrad);

    /// <summary>Standard normal samples (float32, default generator).</summary>
    public static Tensor Randn(params int[] shape) => Randn(shape.AsSpan());

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor Normal(ReadOnlySpan<int> shape, double mean, double std, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        CheckFloat(dtype, "normal");
        CheckShape(shape, "normal");
        generator ??= Generator.Default;
        var r = RawTensor.Empty(dtype, shape.ToArray());
        for (int i = 0; i < r.NumEl; i++) RawOps.SetFlat(r, i, mean + std * generator.NextNormal());
        return Leaf(r, requiresGrad);
    }

    /// <summary>Seeds the default generator (PyTorch's <c>torch.manual_seed</c>).</summary>
    public static void ManualSeed(long seed) => Generator.SetGlobalSeed(seed);

    private static void CheckFloat(DType dtype, string op)
    {
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{op}: expected a floating-point dtype, got {dtype.TorchName()}.");
    }

    private static void CheckShape(ReadOnlySpan<int> shape, string op)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: negative dimension {d} in shape {Shapes.Format(shape)}.");
    }
}
