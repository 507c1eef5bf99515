using System;
using System.Numerics.Tensors;

namespace Ember.Kernels;

/// <summary>
/// The element-wise part of one LSTM step in one pass over each batch row, so the step's gate math costs one
/// kernel instead of a chain of tensor ops (the recorded graph is unchanged: the caller wraps each slice of the
/// result in its own node).
/// </summary>
public static class LstmKernels
{
    /// <summary>The number of <c>[batch, hidden]</c> slices <see cref="CellForward"/> writes into its state.</summary>
    public const int StateSlices = 9;

    /// <summary>
    /// One LSTM step from the hidden projection <paramref name="hh"/> and the input projection
    /// <paramref name="xp"/> (both <c>[batch, 4·hidden]</c>, gates i, f, g, o) and the previous cell state
    /// <paramref name="c"/> (<c>[batch, hidden]</c>), in PyTorch 1.13's operation order: <c>gates = hh + xp</c>,
    /// then into the slices of <paramref name="state"/> (<see cref="StateSlices"/> × <c>[batch, hidden]</c>):
    /// 0 <c>σ(i)</c>, 1 <c>σ(f)</c>, 2 <c>tanh(g)</c>, 3 <c>σ(o)</c>, 4 <c>σ(f)·c</c>, 5 <c>σ(i)·tanh(g)</c>,
    /// 6 <c>c' = (4) + (5)</c>, 7 <c>tanh(c')</c>, 8 <c>h' = σ(o)·tanh(c')</c>. All spans are dense, row-major.
    /// </summary>
    public static void CellForward<T>(ReadOnlySpan<T> hh, ReadOnlySpan<T> xp, ReadOnlySpan<T> c, int batch,
        int hidden, Span<T> gates, Span<T> state) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int h = hidden, g4 = 4 * hidden, slice = batch * hidden;
        if (hh.Length < batch * g4 || xp.Length < batch * g4 || gates.Length < batch * g4 || c.Length < slice
            || state.Length < StateSlices * slice)
            throw new ArgumentException(
                $"LstmKernels.CellForward: spans too short for batch {batch} and hidden {hidden}.");
        for (int b = 0; b < batch; b++)
        {
            Span<T> gr = gates.Slice(b * g4, g4);
            TensorPrimitives.Add(hh.Slice(b * g4, g4), xp.Slice(b * g4, g4), gr);
            int r = b * h;
            Span<T> i = state.Slice(r, h), f = state.Slice(slice + r, h), g = state.Slice(2 * slice + r, h);
            Span<T> o = state.Slice(3 * slice + r, h), fc = state.Slice(4 * slice + r, h);
            Span<T> ig = state.Slice(5 * slice + r, h), cy = state.Slice(6 * slice + r, h);
            Span<T> tc = state.Slice(7 * slice + r, h), hy = state.Slice(8 * slice + r, h);
            AccurateMath.Sigmoid<T>(gr[..h], i);
            AccurateMath.Sigmoid<T>(gr.Slice(h, h), f);
            AccurateMath.Tanh<T>(gr.Slice(2 * h, h), g);
            AccurateMath.Sigmoid<T>(gr.Slice(3 * h, h), o);
            TensorPrimitives.Multiply<T>(f, c.Slice(r, h), fc);
            TensorPrimitives.Multiply<T>(i, g, ig);
            TensorPrimitives.Add<T>(fc, ig, cy);
            AccurateMath.Tanh<T>(cy, tc);
            TensorPrimitives.Multiply<T>(o, tc, hy);
        }
    }
}
