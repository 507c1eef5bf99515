using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    /// <summary>
    /// <see cref="LstmCellForward"/> into given buffers: the gates are written over <paramref name="hh"/> and the
    /// <c>[9, B, H]</c> values into <paramref name="state"/> (all dense; no allocation). For the no-grad LSTM loop
    /// (<c>LstmInference</c>), whose buffers take turns across steps.
    /// </summary>
    public static void LstmCellInto(RawTensor hh, RawTensor xp, RawTensor c, RawTensor state)
    {
        c = Contiguous(c);
        DTypeDispatch.Floating<LstmCellFunc, bool>(hh.DType, new(hh, xp, c, hh, state), "lstm cell");
    }
}
