using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
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
        if (flat.Length > 0)
            Buffer.BlockCopy(data, 0, flat, 0, flat.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
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
    public static Tensor From(BFloat16[] data, bool requiresGrad = false) =>
        FromCopy(data, [data.Length], requiresGrad);
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
            throw new ArgumentException(
                $"Tensor.From: {data.Length} values cannot fill shape {Shapes.Format(shape)} ({n} elements).");
        return FromCopy(data, shape.ToArray(), requiresGrad);
    }

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Full(ReadOnlySpan<int> shape, double value, DType dtype = DType.Float32,
        bool requiresGrad = false)
    {
        CheckShape(shape, "full");
        return Leaf(RawOps.Full(shape.ToArray(), value, dtype), requiresGrad);
    }

    /// <summary>
    /// A 0-dim tensor holding <paramref name="value"/> as <paramref name="dtype"/> (PyTorch's
    /// <c>torch.tensor(value, dtype=...)</c>); float32 unless told otherwise.
    /// </summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, bool requiresGrad = false) =>
        Full([], value, dtype, requiresGrad);

    /// <summary>A 0-dim tensor holding the integer <paramref name="value"/> exactly; int64 unless told
    /// otherwise (as <c>torch.tensor(3)</c>).</summary>
    public static Tensor Scalar(long value, DType dtype = DType.Int64)
    {
        if (dtype != DType.Int64) return Scalar((double)value, dtype);
        var r = RawTensor.Empty(DType.Int64, []);
        r.Span<long>()[0] = value;
        return Leaf(r, false);
    }

    /// <summary>Zeros of the given shape and dtype.</summary>
    public static Tensor Zeros(ReadOnlySpan<int> shape, DType dtype = DType.Float32, bool requiresGrad = false) =>
        Full(shape, 0, dtype, requiresGrad);
    /// <summary>Zeros of the given shape (float32).</summary>
    public static Tensor Zeros(params int[] shape) => Full(shape, 0);
    /// <summary>Ones of the given shape and dtype.</summary>
    public static Tensor Ones(ReadOnlySpan<int> shape, DType dtype = DType.Float32, bool requiresGrad = false) =>
        Full(shape, 1, dtype, requiresGrad);
    /// <summary>Ones of the given shape (float32).</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1);

    /// <summary>Zeros with the shape and dtype of <paramref name="t"/>.</summary>
    public static Tensor ZerosLike(Tensor t) => Full(t.Shape, 0, t.DType);
    /// <summary>Ones with the shape and dtype of <paramref name="t"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor OnesLike(Tensor t) => Full(t.Shape, 1, t.DType);

    /// <summary>Values <c>start, start+step, ...</c> below <paramref name="end"/>; int64 unless
    /// <paramref name="dtype"/> says otherwise.</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64) =>
        Leaf(RawOps.Arange(start, end, step, dtype), false);
    /// <summary><c>0, 1, ..., end-1</c> as int64.</summary>
    public static Tensor Arange(int end) => Arange(0, end);

    /// <summary><paramref name="value"/> with the shape of <paramref name="t"/> and its dtype (or
    /// <paramref name="dtype"/>).</summary>
    public static Tensor FullLike(Tensor t, double value, DType? dtype = null) =>
        Full(t.Shape, value, dtype ?? t.DType);

    /// <summary>A 1-D tensor over a copy of <paramref name="data"/> (float, double, long, int or bool
    /// elements).</summary>
    public static Tensor From<T>(ReadOnlySpan<T> data, bool requiresGrad = false) where T : unmanaged
    {
        DTypes.Of<T>();
        return Leaf(RawTensor.FromArray(data.ToArray(), [data.Length]), requiresGrad);
    }

    /// <summary>A 1-D tensor of the enumerated values (float, double, long, int or bool elements).</summary>
    public static Tensor From<T>(IEnumerable<T> data, bool requiresGrad = false) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        DTypes.Of<T>();
        var list = new List<T>(data);
        return Leaf(RawTensor.FromArray(list.ToArray(), [list.Count]), requiresGrad);
    }

    /// <summary>A 2-D float32 tensor <c>[rows, cols]</c> from a jagged array whose rows all have the same
    /// length.</summary>
    public static Tensor From(float[][] rows, bool requiresGrad = false) => FromJagged(rows, requiresGrad);
    /// <summary>A 2-D float64 tensor <c>[rows, cols]</c> from a jagged array whose rows all have the same
    /// length.</summary>
    public static Tensor From(double[][] rows, bool requiresGrad = false) => FromJagged(rows, requiresGrad);
    /// <summary>A 2-D int64 tensor from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(long[][] rows) => FromJagged(rows, false);
    /// <summary>A 2-D int32 tensor from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(int[][] rows) => FromJagged(rows, false);
    /// <summary>A 2-D bool tensor from a jagged array whose rows all have the same length.</summary>
    public static Tensor From(bool[][] rows) => FromJagged(rows, false);

    private static Tensor FromJagged<T>(T[][] rows, bool requiresGrad) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(rows);
        int cols = rows.Length == 0 ? 0
            : (rows[0] ?? throw new ArgumentNullException(nameof(rows), "Tensor.From: row 0 is null.")).Length;
        var flat = new T[rows.Length * cols];
        for (int i = 0; i < rows.Length; i++)
        {
            T[] row = rows[i] ?? throw new ArgumentNullException(nameof(rows), $"Tensor.From: row {i} is null.");
            if (row.Length != cols)
                throw new ArgumentException(
                    $"Tensor.From: the jagged array is ragged: row {i} has length {row.Length}, expected {cols} (the " +
                    $"length of row 0); a tensor needs shape [{rows.Length}, {cols}].");
            row.CopyTo(flat, i * cols);
        }
        return Leaf(RawTensor.FromArray(flat, [rows.Length, cols]), requiresGrad);
    }

    /// <summary>
    /// <paramref name="steps"/> evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive,
    /// computed as PyTorch does (the first half forward from start, the second half back from end).
    /// </summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32,
        bool requiresGrad = false)
    {
        if (steps < 0)
            throw new ArgumentOutOfRangeException(nameof(steps),
                $"linspace: number of steps must be non-negative, got {steps}.");
        var r = RawTensor.Empty(dtype, [steps]);
        if (dtype == DType.Float32) LinspaceInto(r.Span<float>(), (float)start, (float)end, steps);
        else if (dtype == DType.Float64) LinspaceInto(r.Span<double>(), start, end, steps);
        else
        {
            var d = new double[steps];
            LinspaceInto<double>(d, start, end, steps);
            for (int i = 0; i < steps; i++) RawOps.SetFlat(r, i, Math.Truncate(d[i]));
        }
        return Leaf(r, requiresGrad);
    }

    private static void LinspaceInto<T>(Span<T> dst, T start, T end, int steps)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        if (steps == 0) return;
        if (steps == 1) { dst[0] = start; return; }
        T step = (end - start) / T.CreateTruncating(steps - 1);
        int half = steps / 2;
        for (int i = 0; i < steps; i++)
            dst[i] = i < half ? start + step * T.CreateTruncating(i) : end - step * T.CreateTruncating(steps - i - 1);
    }

    /// <summary>An <c>[n, m]</c> matrix with ones on the main diagonal (<paramref name="m"/> defaults to
    /// <paramref name="n"/>).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        int cols = m ?? n;
        if (n < 0 || cols < 0)
            throw new ArgumentException($"eye: sizes must be non-negative, got n = {n}, m = {cols}.");
        var r = RawOps.Full([n, cols], 0, dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) RawOps.SetFlat(r, i * cols + i, 1);
        return Leaf(r, requiresGrad);
    }

    private static void CheckShape(ReadOnlySpan<int> shape, string op)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: negative dimension {d} in shape {Shapes.Format(shape)}.");
    }
}
