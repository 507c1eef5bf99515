using System;
using System.Runtime.CompilerServices;

namespace Ember.Core;

internal static partial class RawOps
{
    /// <summary>A 0-dim tensor holding <paramref name="value"/> converted to <paramref name="dt"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Scalar(double value, DType dt)
    {
        var r = RawTensor.Empty(dt, []);
        SetFlat(r, 0, value);
        return r;
    }

    public static RawTensor Full(int[] shape, double value, DType dt)
    {
        var r = RawTensor.Empty(dt, shape);
        Fill(r, value);
        return r;
    }

    /// <summary>Fills a contiguous tensor with <paramref name="value"/>.</summary>
    public static void Fill(RawTensor r, double value)
    {
        r.Storage.Fill(r.Offset, r.NumEl, value);
        r.Storage.Version++;
    }

    public static void SetFlat(RawTensor r, int index, double value) => r.Storage.SetDouble(r.Offset + index, value);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Arange(double start, double end, double step, DType dt)
    {
        if (!double.IsFinite(start) || !double.IsFinite(end))
            throw new ArgumentException($"arange: unsupported range: {start} -> {end} (bounds must be finite).");
        if (!double.IsFinite(step)) throw new ArgumentException($"arange: step must be finite, got {step}.");
        if (step == 0) throw new ArgumentException("arange: step must be nonzero.");
        if ((end - start) / step < 0)
            throw new ArgumentException(
                $"arange: upper bound {end} and lower bound {start} inconsistent with step sign {step}.");
        double count = Math.Ceiling((end - start) / step);
        if (!(count <= int.MaxValue))
            throw new ArgumentException(
                $"arange: the range {start} -> {end} with step {step} has {count:0} elements; Ember tensors hold at " +
                $"most {int.MaxValue} elements.");
        int n = (int)count;
        var r = RawTensor.Empty(dt, [n]);
        for (int i = 0; i < n; i++) SetFlat(r, i, start + i * step);
        return r;
    }
}
