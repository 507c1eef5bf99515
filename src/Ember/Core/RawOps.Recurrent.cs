using System.Numerics;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Recurrent cells: the fused element-wise part of an LSTM or GRU step (float32 and float64).</summary>
internal static partial class RawOps
{
    /// <summary>
    /// One LSTM step's gate math (<see cref="LstmKernels.CellForward"/>): returns <c>gates = hh + xp</c>
    /// <c>[B, 4H]</c> and the <c>[9, B, H]</c> state block (σ(i), σ(f), tanh(g), σ(o), σ(f)·c, σ(i)·tanh(g), c',
    /// tanh(c'), h').
    /// </summary>
    /// <param name="hh">The hidden projection.</param>
    /// <param name="xp">The input projection.</param>
    /// <param name="c">The previous cell state.</param>
    /// <param name="gatesOverHh">Write the gates over <paramref name="hh"/>'s elements (when it is contiguous) and
    /// return them on an alias of its storage: for a caller whose <paramref name="hh"/> is a fresh result that
    /// nothing reads after this step (saves a <c>[B, 4H]</c> buffer per step).</param>
    public static (RawTensor Gates, RawTensor State) LstmCellForward(RawTensor hh, RawTensor xp, RawTensor c,
        bool gatesOverHh = false)
    {
        int batch = c.Shape[0], hidden = c.Shape[1];
        gatesOverHh &= hh.IsContiguous;
        hh = Contiguous(hh);
        xp = Contiguous(xp);
        c = Contiguous(c);
        var gates = gatesOverHh
            ? new RawTensor(hh.Storage.Alias(), hh.Shape, hh.Strides, hh.Offset)
            : RawTensor.Empty(hh.DType, [batch, 4 * hidden]);
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

    /// <summary>
    /// One LSTM step's gate gradients (<see cref="LstmKernels.CellBackward"/>): returns <c>dgates</c>
    /// <c>[B, 4H]</c> and, when <paramref name="needDcPrev"/>, <c>dc·σ(f)</c> <c>[B, H]</c> (fresh tensors
    /// unless given).
    /// </summary>
    /// <param name="dc">The gradient of the new cell state (all of it).</param>
    /// <param name="dh">The gradient of the new hidden state; null when none reached it.</param>
    /// <param name="state">The step's <c>[9, B, H]</c> block from <see cref="LstmCellForward"/>.</param>
    /// <param name="c">The previous cell state.</param>
    /// <param name="needDcPrev">Whether to form the previous cell state's gradient.</param>
    /// <param name="gatesInto">Where to write <c>dgates</c> (a contiguous <c>[B, 4H]</c> window of the same dtype),
    /// returned as the gates; null (or a window that does not fit) for a fresh tensor.</param>
    /// <param name="cPrevInto">Where to write <c>dc·σ(f)</c> (a contiguous <c>[B, H]</c> tensor of the same dtype,
    /// which may be <paramref name="dc"/> itself); null (or one that does not fit) for a fresh tensor.</param>
    public static (RawTensor Gates, RawTensor? CPrev) LstmCellBackward(RawTensor dc, RawTensor? dh, RawTensor state,
        RawTensor c, bool needDcPrev, RawTensor? gatesInto = null, RawTensor? cPrevInto = null)
    {
        int batch = c.Shape[0], hidden = c.Shape[1];
        DType dt = state.DType;
        dc = Contiguous(Cast(dc, dt));
        dh = dh is null ? null : Contiguous(Cast(dh, dt));
        c = Contiguous(Cast(c, dt));
        state = Contiguous(state);
        var gates = gatesInto is { IsContiguous: true } g && g.DType == dt && g.NumEl == batch * 4 * hidden
            ? g : RawTensor.Empty(dt, [batch, 4 * hidden]);
        // cPrevInto may be dc itself (the kernel reads each element of dc before it writes that of dcPrev).
        RawTensor? cPrev = !needDcPrev ? null
            : cPrevInto is { IsContiguous: true } p && p.DType == dt && p.NumEl == batch * hidden
                && (!ReferenceEquals(p.Storage.Array, dc.Storage.Array) || p.Offset == dc.Offset)
                ? p : RawTensor.Empty(dt, [batch, hidden]);
        DTypeDispatch.Floating<LstmCellBackwardFunc, bool>(dt, new(dc, dh, state, c, gates, cPrev),
            "lstm cell backward");
        return (gates, cPrev);
    }

    private readonly struct LstmCellBackwardFunc(RawTensor dc, RawTensor? dh, RawTensor state, RawTensor c,
        RawTensor gates, RawTensor? cPrev) : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            LstmKernels.CellBackward<T>(dc.Span<T>(), dh is null ? default : dh.Span<T>(), state.Span<T>(),
                c.Span<T>(), c.Shape[0], c.Shape[1], gates.Span<T>(), cPrev is null ? default : cPrev.Span<T>());
            return true;
        }
    }

    /// <summary>
    /// <c>(dh·o)·(1 − tc²)</c> (<see cref="LstmKernels.HiddenBackward"/>) as a fresh <c>[B, H]</c> tensor.
    /// </summary>
    public static RawTensor LstmHiddenBackward(RawTensor dh, RawTensor o, RawTensor tanhC)
    {
        DType dt = o.DType;
        dh = Contiguous(Cast(dh, dt));
        o = Contiguous(o);
        tanhC = Contiguous(tanhC);
        var r = RawTensor.Empty(dt, o.Shape);
        DTypeDispatch.Floating<LstmHiddenBackwardFunc, bool>(dt, new(dh, o, tanhC, r), "lstm hidden backward");
        return r;
    }

    private readonly struct LstmHiddenBackwardFunc(RawTensor dh, RawTensor o, RawTensor tanhC, RawTensor r)
        : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            LstmKernels.HiddenBackward<T>(dh.Span<T>(), o.Span<T>(), tanhC.Span<T>(), r.Span<T>());
            return true;
        }
    }

    /// <summary>
    /// One GRU step's gate math (<see cref="GruKernels.CellForward"/>): returns the <c>[10, B, H]</c> block.
    /// </summary>
    public static RawTensor GruCellForward(RawTensor xp, RawTensor hh, RawTensor h)
    {
        int batch = h.Shape[0], hidden = h.Shape[1];
        xp = Contiguous(xp);
        hh = Contiguous(hh);
        h = Contiguous(h);
        var state = RawTensor.Empty(hh.DType, [GruKernels.StateSlices, batch, hidden]);
        DTypeDispatch.Floating<GruCellFunc, bool>(hh.DType, new(xp, hh, h, state), "gru cell");
        return state;
    }

    private readonly struct GruCellFunc(RawTensor xp, RawTensor hh, RawTensor h, RawTensor state) : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            GruKernels.CellForward<T>(xp.Span<T>(), hh.Span<T>(), h.Span<T>(), h.Shape[0], h.Shape[1],
                state.Span<T>());
            return true;
        }
    }

    /// <summary>
    /// <c>a·b</c> plus an optional bias row, written into the dense <c>[m, n]</c> <paramref name="r"/> exactly as
    /// <see cref="Addmm"/> computes Linear's product (the bias added inside the GEMM kernel); float32/float64,
    /// <c>k &gt; 0</c> and a contiguous bias of <c>n</c> elements of the operands' dtype (the caller checks).
    /// </summary>
    public static RawTensor LinearInto(RawTensor a, RawTensor b, RawTensor? bias, RawTensor r)
    {
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        return DTypeDispatch.Floating<GemmFunc, RawTensor>(a.DType,
            new(GemmOperand(a), GemmOperand(b), m, n, k, 1, 0, bias, r, 0), "addmm");
    }
}
