using System.Numerics;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Recurrent cells: the fused element-wise part of an LSTM step (float32 and float64).</summary>
internal static partial class RawOps
{
    /// <summary>
    /// One LSTM step's gate math (<see cref="LstmKernels.CellForward"/>): returns <c>gates = hh + xp</c>
    /// <c>[B, 4H]</c> and the <c>[9, B, H]</c> state block (σ(i), σ(f), tanh(g), σ(o), σ(f)·c, σ(i)·tanh(g), c',
    /// tanh(c'), h').
    /// </summary>
    public static (RawTensor Gates, RawTensor State) LstmCellForward(RawTensor hh, RawTensor xp, RawTensor c)
    {
        int batch = c.Shape[0], hidden = c.Shape[1];
        hh = Contiguous(hh);
        xp = Contiguous(xp);
        c = Contiguous(c);
        var gates = RawTensor.Empty(hh.DType, [batch, 4 * hidden]);
        var state = RawTensor.Empty(hh.DType, [LstmKernels.StateSlices, batch, hidden]);
        DTypeDispatch.Floating<LstmCellFunc, bool>(hh.DType, new(hh, xp, c, gates, state), "lstm cell");
        return (gates, state);
    }

    private readonly struct LstmCellFunc(RawTensor hh, RawTensor xp, RawTensor c, RawTensor gates, RawTensor state)
        : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            LstmKernels.CellForward<T>(hh.Span<T>(), xp.Span<T>(), c.Span<T>(), c.Shape[0], c.Shape[1],
                gates.Span<T>(), state.Span<T>());
            return true;
        }
    }
}
