using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    [ThreadStatic] private static bool t_vector256Only;

    /// <summary>Test switch: on this thread, keep the LSTM and GRU kernels to the Vector256 path even where Vector512
    /// is accelerated (the tests run both widths and compare them bit for bit).</summary>
    internal static bool Vector256Only
    {
        get => t_vector256Only;
        set => t_vector256Only = value;
    }

    // Plain element-wise multiplies and subtractions, so each lane's value is the same at every width.
    internal static bool Wide<T>() where T : unmanaged =>
        Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && !t_vector256Only;

    /// <summary>
    /// One LSTM step from the hidden projection <paramref name="hh"/> and the input projection
    /// <paramref name="xp"/> (both <c>[batch, 4·hidden]</c>, gates i, f, g, o) and the previous cell state
    /// <paramref name="c"/> (<c>[batch, hidden]</c>), in PyTorch 1.13's operation order: <c>gates = hh + xp</c>,
    /// then into the slices of <paramref name="state"/> (<see cref="StateSlices"/> × <c>[batch, hidden]</c>):
    /// 0 <c>σ(i)</c>, 1 <c>σ(f)</c>, 2 <c>tanh(g)</c>, 3 <c>σ(o)</c>, 4 <c>σ(f)·c</c>, 5 <c>σ(i)·tanh(g)</c>,
    /// 6 <c>c' = (4) + (5)</c>, 7 <c>tanh(c')</c>, 8 <c>h' = σ(o)·tanh(c')</c>. All spans are dense, row-major;
    /// <paramref name="gates"/> may be <paramref name="hh"/> itself (the sum is then formed in place).
    /// </summary>
    public static void CellForward<T>(ReadOnlySpan<T> hh, ReadOnlySpan<T> xp, ReadOnlySpan<T> c, int batch,
        int hidden, Span<T> gates, Span<T> state) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int h = hidden, g4 = 4 * hidden, slice = batch * hidden;
        if (hh.Length < batch * g4 || xp.Length < batch * g4 || gates.Length < batch * g4 || c.Length < slice
            || state.Length < StateSlices * slice)
            throw new ArgumentException(
                $"LstmKernels.CellForward: spans too short for batch {batch} and hidden {hidden}.");
        // The fused row loop only where Vector512 runs it: with 16 ymm registers (AVX2 only) its five inlined
        // transcendentals spill, and it measured slower than the span-level composition (same bits either way; with
        // GateMath's float σ/tanh still 8.7 vs 5.6 µs per 8 × 128 chunk-step, bench --workload lstmgate).
        if (typeof(T) == typeof(float) && Wide<float>())
        {
            ref float hr = ref F(hh), xr = ref F(xp), cr = ref F(c), gr0 = ref F(gates), sr = ref F(state);
            for (int b = 0; b < batch; b++)
                RowForward(ref Unsafe.Add(ref hr, b * g4), h, ref Unsafe.Add(ref xr, b * g4), h,
                    ref Unsafe.Add(ref gr0, b * g4), h, ref Unsafe.Add(ref cr, b * h), ref Unsafe.Add(ref sr, b * h),
                    slice, h);
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            Span<T> gr = gates.Slice(b * g4, g4);
            TensorPrimitives.Add(hh.Slice(b * g4, g4), xp.Slice(b * g4, g4), gr);
            int r = b * h;
            Span<T> i = state.Slice(r, h), f = state.Slice(slice + r, h), g = state.Slice(2 * slice + r, h);
            Span<T> o = state.Slice(3 * slice + r, h), fc = state.Slice(4 * slice + r, h);
            Span<T> ig = state.Slice(5 * slice + r, h), cy = state.Slice(6 * slice + r, h);
            Span<T> tc = state.Slice(7 * slice + r, h), hy = state.Slice(8 * slice + r, h);
            GateSigmoid<T>(gr[..h], i);
            GateSigmoid<T>(gr.Slice(h, h), f);
            GateTanh<T>(gr.Slice(2 * h, h), g);
            GateSigmoid<T>(gr.Slice(3 * h, h), o);
            TensorPrimitives.Multiply<T>(f, c.Slice(r, h), fc);
            TensorPrimitives.Multiply<T>(i, g, ig);
            TensorPrimitives.Add<T>(fc, ig, cy);
            GateTanh<T>(cy, tc);
            TensorPrimitives.Multiply<T>(o, tc, hy);
        }
    }

    /// <summary>
    /// <see cref="CellForward"/> for <paramref name="width"/> hidden units of each of <paramref name="batch"/> rows,
    /// on strided operands: for a thread that computes some rows (or some units) of a step (each element gets the
    /// operations, in the order, <see cref="CellForward"/> gives it). Every span starts at the first unit; gate
    /// <c>g</c> (i, f, g, o) of row <c>b</c> is at <c>g·gateStride + b·rowStride</c> in <paramref name="hh"/> (the
    /// hidden projection, overwritten with the gates <c>hh + xp</c>) and <paramref name="xp"/>; the previous cell state
    /// of row <c>b</c> at <c>b·cRow</c>; state slice <c>s</c> (<see cref="CellForward"/>'s nine) of row <c>b</c> at
    /// <c>s·sliceStride + b·stateRow</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CellForwardUnits<T>(Span<T> hh, int hhGate, int hhRow, ReadOnlySpan<T> xp, int xpGate,
        int xpRow, ReadOnlySpan<T> c, int cRow, Span<T> state, int sliceStride, int stateRow, int batch, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch <= 0 || width <= 0) return;
        long last = (long)(batch - 1) * hhRow + 3L * hhGate + width, lastX = (long)(batch - 1) * xpRow + 3L * xpGate
            + width, lastS = 8L * sliceStride + (long)(batch - 1) * stateRow + width;
        if (hh.Length < last || xp.Length < lastX || c.Length < (long)(batch - 1) * cRow + width
            || state.Length < lastS)
            throw new ArgumentException(
                $"LstmKernels.CellForwardUnits: spans too short for batch {batch} and width {width}.");
        if (typeof(T) == typeof(float) && Wide<float>()) // the fused loop: see CellForward
        {
            ref float hr = ref F(hh), xr = ref F(xp), cr = ref F(c), sr = ref F(state);
            for (int b = 0; b < batch; b++)
            {
                ref float hb = ref Unsafe.Add(ref hr, b * hhRow);
                RowForward(ref hb, hhGate, ref Unsafe.Add(ref xr, b * xpRow), xpGate, ref hb, hhGate,
                    ref Unsafe.Add(ref cr, b * cRow), ref Unsafe.Add(ref sr, b * stateRow), sliceStride, width);
            }
            return;
        }
        int h = width;
        for (int b = 0; b < batch; b++)
        {
            int hr = b * hhRow, xr = b * xpRow, r = b * stateRow;
            for (int g = 0; g < 4; g++)
            {
                Span<T> gate = hh.Slice(hr + g * hhGate, h);
                TensorPrimitives.Add(gate, xp.Slice(xr + g * xpGate, h), gate);
            }
            Span<T> i = state.Slice(r, h), f = state.Slice(sliceStride + r, h);
            Span<T> g2 = state.Slice(2 * sliceStride + r, h), o = state.Slice(3 * sliceStride + r, h);
            Span<T> fc = state.Slice(4 * sliceStride + r, h), ig = state.Slice(5 * sliceStride + r, h);
            Span<T> cy = state.Slice(6 * sliceStride + r, h), tc = state.Slice(7 * sliceStride + r, h);
            Span<T> hy = state.Slice(8 * sliceStride + r, h);
            GateSigmoid<T>(hh.Slice(hr, h), i);
            GateSigmoid<T>(hh.Slice(hr + hhGate, h), f);
            GateTanh<T>(hh.Slice(hr + 2 * hhGate, h), g2);
            GateSigmoid<T>(hh.Slice(hr + 3 * hhGate, h), o);
            TensorPrimitives.Multiply<T>(f, c.Slice(b * cRow, h), fc);
            TensorPrimitives.Multiply<T>(i, g2, ig);
            TensorPrimitives.Add<T>(fc, ig, cy);
            GateTanh<T>(cy, tc);
            TensorPrimitives.Multiply<T>(o, tc, hy);
        }
    }

    /// <summary>The gates' σ over spans: <see cref="GateMath"/> for float32 (the fused loops' lanes, so every path
    /// gives the same bits), <see cref="AccurateMath"/> otherwise.</summary>
    internal static void GateSigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            GateMath.Sigmoid(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else AccurateMath.Sigmoid(x, y);
    }

    /// <summary>The gates' tanh over spans (see <see cref="GateSigmoid"/>).</summary>
    internal static void GateTanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            GateMath.Tanh(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else AccurateMath.Tanh(x, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref float F<T>(ReadOnlySpan<T> x) where T : unmanaged =>
        ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x));

    /// <summary>
    /// The gate math of one row's <paramref name="width"/> units in one pass (float32): gate <c>k</c> (i, f, g, o) of
    /// unit <c>j</c> is <c>hh[k·hhGate + j] + xp[k·xpGate + j]</c>, written to <c>gates[k·gatesGate + j]</c> (which
    /// may be <paramref name="hh"/> itself), state slice <c>s</c> of unit <c>j</c> goes to
    /// <c>state[s·slice + j]</c>. Each value gets the operations of the span-level composition (a float add, then
    /// <see cref="GateMath"/>'s σ or tanh of that float, float products and a float sum, each rounded as it is
    /// stored there), lane by lane, so the bits are those of the separate ops at either width and in the tail. Runs
    /// only where Vector512 is accelerated (16 units at a time; the Vector256 step and the scalar loop take the tail).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowForward(ref float hh, int hhGate, ref float xp, int xpGate, ref float gates, int gatesGate,
        ref float c, ref float state, int slice, int width)
    {
        ref float hf = ref Unsafe.Add(ref hh, hhGate), hg = ref Unsafe.Add(ref hh, 2 * hhGate);
        ref float ho = ref Unsafe.Add(ref hh, 3 * hhGate);
        ref float xf = ref Unsafe.Add(ref xp, xpGate), xg = ref Unsafe.Add(ref xp, 2 * xpGate);
        ref float xo = ref Unsafe.Add(ref xp, 3 * xpGate);
        ref float gf = ref Unsafe.Add(ref gates, gatesGate), gg = ref Unsafe.Add(ref gates, 2 * gatesGate);
        ref float go = ref Unsafe.Add(ref gates, 3 * gatesGate);
        ref float si = ref state, sf = ref Unsafe.Add(ref state, slice), sg = ref Unsafe.Add(ref state, 2 * slice);
        ref float so = ref Unsafe.Add(ref state, 3 * slice), sfc = ref Unsafe.Add(ref state, 4 * slice);
        ref float sig = ref Unsafe.Add(ref state, 5 * slice), scy = ref Unsafe.Add(ref state, 6 * slice);
        ref float stc = ref Unsafe.Add(ref state, 7 * slice), shy = ref Unsafe.Add(ref state, 8 * slice);
        int j = 0;
        for (; j + 16 <= width; j += 16)
        {
            nuint u = (nuint)j;
            Vector512<float> ai = Vector512.LoadUnsafe(ref hh, u) + Vector512.LoadUnsafe(ref xp, u);
            Vector512<float> af = Vector512.LoadUnsafe(ref hf, u) + Vector512.LoadUnsafe(ref xf, u);
            Vector512<float> ag = Vector512.LoadUnsafe(ref hg, u) + Vector512.LoadUnsafe(ref xg, u);
            Vector512<float> ao = Vector512.LoadUnsafe(ref ho, u) + Vector512.LoadUnsafe(ref xo, u);
            ai.StoreUnsafe(ref gates, u);
            af.StoreUnsafe(ref gf, u);
            ag.StoreUnsafe(ref gg, u);
            ao.StoreUnsafe(ref go, u);
            Vector512<float> i = GateMath.Sigmoid(ai), f = GateMath.Sigmoid(af);
            Vector512<float> g = GateMath.Tanh(ag), o = GateMath.Sigmoid(ao);
            Vector512<float> fc = f * Vector512.LoadUnsafe(ref c, u), ig = i * g, cy = fc + ig;
            Vector512<float> tc = GateMath.Tanh(cy);
            i.StoreUnsafe(ref si, u);
            f.StoreUnsafe(ref sf, u);
            g.StoreUnsafe(ref sg, u);
            o.StoreUnsafe(ref so, u);
            fc.StoreUnsafe(ref sfc, u);
            ig.StoreUnsafe(ref sig, u);
            cy.StoreUnsafe(ref scy, u);
            tc.StoreUnsafe(ref stc, u);
            (o * tc).StoreUnsafe(ref shy, u);
        }
        for (; j + 8 <= width; j += 8)
        {
            nuint u = (nuint)j;
            Vector256<float> ai = Vector256.LoadUnsafe(ref hh, u) + Vector256.LoadUnsafe(ref xp, u);
            Vector256<float> af = Vector256.LoadUnsafe(ref hf, u) + Vector256.LoadUnsafe(ref xf, u);
            Vector256<float> ag = Vector256.LoadUnsafe(ref hg, u) + Vector256.LoadUnsafe(ref xg, u);
            Vector256<float> ao = Vector256.LoadUnsafe(ref ho, u) + Vector256.LoadUnsafe(ref xo, u);
            ai.StoreUnsafe(ref gates, u);
            af.StoreUnsafe(ref gf, u);
            ag.StoreUnsafe(ref gg, u);
            ao.StoreUnsafe(ref go, u);
            Vector256<float> i = GateMath.Sigmoid(ai), f = GateMath.Sigmoid(af);
            Vector256<float> g = GateMath.Tanh(ag), o = GateMath.Sigmoid(ao);
            Vector256<float> fc = f * Vector256.LoadUnsafe(ref c, u), ig = i * g, cy = fc + ig;
            Vector256<float> tc = GateMath.Tanh(cy);
            i.StoreUnsafe(ref si, u);
            f.StoreUnsafe(ref sf, u);
            g.StoreUnsafe(ref sg, u);
            o.StoreUnsafe(ref so, u);
            fc.StoreUnsafe(ref sfc, u);
            ig.StoreUnsafe(ref sig, u);
            cy.StoreUnsafe(ref scy, u);
            tc.StoreUnsafe(ref stc, u);
            (o * tc).StoreUnsafe(ref shy, u);
        }
        for (; j < width; j++)
        {
            float ai = Unsafe.Add(ref hh, j) + Unsafe.Add(ref xp, j);
            float af = Unsafe.Add(ref hf, j) + Unsafe.Add(ref xf, j);
            float ag = Unsafe.Add(ref hg, j) + Unsafe.Add(ref xg, j);
            float ao = Unsafe.Add(ref ho, j) + Unsafe.Add(ref xo, j);
            Unsafe.Add(ref gates, j) = ai;
            Unsafe.Add(ref gf, j) = af;
            Unsafe.Add(ref gg, j) = ag;
            Unsafe.Add(ref go, j) = ao;
            float i = GateMath.Sigmoid(ai), f = GateMath.Sigmoid(af), g = GateMath.Tanh(ag);
            float o = GateMath.Sigmoid(ao), fc = f * Unsafe.Add(ref c, j), ig = i * g, cy = fc + ig;
            float tc = GateMath.Tanh(cy);
            Unsafe.Add(ref si, j) = i;
            Unsafe.Add(ref sf, j) = f;
            Unsafe.Add(ref sg, j) = g;
            Unsafe.Add(ref so, j) = o;
            Unsafe.Add(ref sfc, j) = fc;
            Unsafe.Add(ref sig, j) = ig;
            Unsafe.Add(ref scy, j) = cy;
            Unsafe.Add(ref stc, j) = tc;
            Unsafe.Add(ref shy, j) = o * tc;
        }
    }

    /// <summary>
    /// The gradient reaching the new cell state through the hidden state: <c>dst = (dh·σ(o))·(1 − tanh(c')²)</c>
    /// (PyTorch 1.13's <c>MulBackward0</c> then <c>tanh_backward</c>, same operation order); all spans dense,
    /// <c>[batch, hidden]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void HiddenBackward<T>(ReadOnlySpan<T> dh, ReadOnlySpan<T> o, ReadOnlySpan<T> tanhC, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = dst.Length;
        if (dh.Length < n || o.Length < n || tanhC.Length < n)
            throw new ArgumentException($"LstmKernels.HiddenBackward: spans shorter than the {n} elements to write.");
        int j = 0;
        if (Wide<T>())
            for (int w = Vector512<T>.Count; j + w <= n; j += w)
            {
                var t = Vector512.Create(tanhC.Slice(j, w));
                (Vector512.Create(dh.Slice(j, w)) * Vector512.Create(o.Slice(j, w)) * (Vector512<T>.One - (t * t)))
                    .CopyTo(dst.Slice(j, w));
            }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (int w = Vector256<T>.Count; j + w <= n; j += w)
            {
                var t = Vector256.Create(tanhC.Slice(j, w));
                (Vector256.Create(dh.Slice(j, w)) * Vector256.Create(o.Slice(j, w)) * (Vector256<T>.One - (t * t)))
                    .CopyTo(dst.Slice(j, w));
            }
        for (; j < n; j++) dst[j] = dh[j] * o[j] * (T.One - (tanhC[j] * tanhC[j]));
    }

    /// <summary>
    /// One LSTM step's gate gradients in one pass, from the gradient <paramref name="dc"/> of the new cell state
    /// (everything that reached it, the hidden path included), the gradient <paramref name="dh"/> of the new hidden
    /// state (empty: none reached it, so the o gate's gradient is zero), the step's <paramref name="state"/> block
    /// (<see cref="CellForward"/>'s layout) and the previous cell state <paramref name="c"/>. Writes
    /// <paramref name="dgates"/> (<c>[batch, 4·hidden]</c>, every element, pre-activation, gates i, f, g, o) and, when
    /// not empty, <paramref name="dcPrev"/> <c>= dc·σ(f)</c>. Each value is what PyTorch 1.13's chain of
    /// <c>MulBackward0</c>, <c>SigmoidBackward0</c> and <c>TanhBackward0</c> computes, in its operation order
    /// (e.g. <c>di = ((dc·tanh(g))·(1 − σ(i)))·σ(i)</c>), so the result is bit for bit that of the unfused nodes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CellBackward<T>(ReadOnlySpan<T> dc, ReadOnlySpan<T> dh, ReadOnlySpan<T> state,
        ReadOnlySpan<T> c, int batch, int hidden, Span<T> dgates, Span<T> dcPrev)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        CellBackwardRows(dc, dh, state, batch * hidden, c, batch, hidden, dgates, dcPrev);

    /// <summary>
    /// <see cref="CellBackward"/> for <paramref name="rows"/> rows of a larger batch: <paramref name="state"/> starts
    /// at the first row's element of slice 0 and its slices lie <paramref name="stateStride"/> elements apart (the
    /// whole batch's <c>batch · hidden</c>); the other spans hold just these rows. Each element gets the same
    /// operations as in <see cref="CellBackward"/>, so a batch split into row ranges gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CellBackwardRows<T>(ReadOnlySpan<T> dc, ReadOnlySpan<T> dh, ReadOnlySpan<T> state,
        int stateStride, ReadOnlySpan<T> c, int rows, int hidden, Span<T> dgates, Span<T> dcPrev)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden, batch = rows, slice = stateStride, n = rows * hidden;
        if (stateStride < n || dc.Length < n || (!dh.IsEmpty && dh.Length < n)
            || state.Length < (StateSlices - 1) * (long)slice + n || c.Length < n || dgates.Length < 4 * n
            || (!dcPrev.IsEmpty && dcPrev.Length < n))
            throw new ArgumentException(
                $"LstmKernels.CellBackward: spans too short for batch {batch} and hidden {hidden}.");
        bool hasDh = !dh.IsEmpty, hasDcPrev = !dcPrev.IsEmpty, wide = Wide<T>();
        for (int b = 0; b < batch; b++)
        {
            int r = b * h;
            ReadOnlySpan<T> dcr = dc.Slice(r, h), cr = c.Slice(r, h);
            ReadOnlySpan<T> i = state.Slice(r, h), f = state.Slice(slice + r, h), g = state.Slice(2 * slice + r, h);
            ReadOnlySpan<T> o = state.Slice(3 * slice + r, h), tc = state.Slice(7 * slice + r, h);
            Span<T> di = dgates.Slice(4 * r, h), df = dgates.Slice(4 * r + h, h);
            Span<T> dg = dgates.Slice(4 * r + 2 * h, h), dO = dgates.Slice(4 * r + 3 * h, h);
            int j = 0;
            if (wide)
                for (int w = Vector512<T>.Count; j + w <= h; j += w)
                {
                    var d = Vector512.Create(dcr.Slice(j, w));
                    var vi = Vector512.Create(i.Slice(j, w));
                    var vf = Vector512.Create(f.Slice(j, w));
                    var vg = Vector512.Create(g.Slice(j, w));
                    (d * vg * (Vector512<T>.One - vi) * vi).CopyTo(di.Slice(j, w));
                    (d * Vector512.Create(cr.Slice(j, w)) * (Vector512<T>.One - vf) * vf).CopyTo(df.Slice(j, w));
                    (d * vi * (Vector512<T>.One - (vg * vg))).CopyTo(dg.Slice(j, w));
                    if (hasDh)
                    {
                        var vo = Vector512.Create(o.Slice(j, w));
                        (Vector512.Create(dh.Slice(r + j, w)) * Vector512.Create(tc.Slice(j, w))
                            * (Vector512<T>.One - vo) * vo).CopyTo(dO.Slice(j, w));
                    }
                    else Vector512<T>.Zero.CopyTo(dO.Slice(j, w));
                    if (hasDcPrev) (d * vf).CopyTo(dcPrev.Slice(r + j, w));
                }
            if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
                for (int w = Vector256<T>.Count; j + w <= h; j += w)
                {
                    var d = Vector256.Create(dcr.Slice(j, w));
                    var vi = Vector256.Create(i.Slice(j, w));
                    var vf = Vector256.Create(f.Slice(j, w));
                    var vg = Vector256.Create(g.Slice(j, w));
                    (d * vg * (Vector256<T>.One - vi) * vi).CopyTo(di.Slice(j, w));
                    (d * Vector256.Create(cr.Slice(j, w)) * (Vector256<T>.One - vf) * vf).CopyTo(df.Slice(j, w));
                    (d * vi * (Vector256<T>.One - (vg * vg))).CopyTo(dg.Slice(j, w));
                    if (hasDh)
                    {
                        var vo = Vector256.Create(o.Slice(j, w));
                        (Vector256.Create(dh.Slice(r + j, w)) * Vector256.Create(tc.Slice(j, w))
                            * (Vector256<T>.One - vo) * vo).CopyTo(dO.Slice(j, w));
                    }
                    else Vector256<T>.Zero.CopyTo(dO.Slice(j, w));
                    if (hasDcPrev) (d * vf).CopyTo(dcPrev.Slice(r + j, w));
                }
            for (; j < h; j++)
            {
                T d = dcr[j];
                di[j] = d * g[j] * (T.One - i[j]) * i[j];
                df[j] = d * cr[j] * (T.One - f[j]) * f[j];
                dg[j] = d * i[j] * (T.One - (g[j] * g[j]));
                dO[j] = hasDh ? dh[r + j] * tc[j] * (T.One - o[j]) * o[j] : T.Zero;
                if (hasDcPrev) dcPrev[r + j] = d * f[j];
            }
        }
    }
}

/// <summary>
/// The element-wise part of one GRU step in one pass over each batch row (see <see cref="LstmKernels"/>).
/// </summary>
public static class GruKernels
{
    /// <summary>The number of <c>[batch, hidden]</c> slices <see cref="CellForward"/> writes.</summary>
    public const int StateSlices = 10;

    /// <summary>
    /// One GRU step from the input projection <paramref name="xp"/> and the hidden projection <paramref name="hh"/>
    /// (both <c>[batch, 3·hidden]</c>, gates r, z, n) and the previous state <paramref name="h"/>
    /// (<c>[batch, hidden]</c>), in PyTorch 1.13's operation order, into the slices of <paramref name="state"/>
    /// (<see cref="StateSlices"/> × <c>[batch, hidden]</c>): 0 <c>hh_r + xp_r</c>, 1 <c>r = σ(0)</c>,
    /// 2 <c>hh_z + xp_z</c>, 3 <c>z = σ(2)</c>, 4 <c>hh_n·r</c>, 5 <c>xp_n + (4)</c>, 6 <c>n = tanh(5)</c>,
    /// 7 <c>h − n</c>, 8 <c>(7)·z</c>, 9 <c>h' = (8) + n</c>. All spans are dense, row-major.
    /// </summary>
    public static void CellForward<T>(ReadOnlySpan<T> xp, ReadOnlySpan<T> hh, ReadOnlySpan<T> h, int batch,
        int hidden, Span<T> state) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int g3 = 3 * hidden, slice = batch * hidden;
        if (hh.Length < batch * g3 || xp.Length < batch * g3 || h.Length < slice
            || state.Length < StateSlices * slice)
            throw new ArgumentException(
                $"GruKernels.CellForward: spans too short for batch {batch} and hidden {hidden}.");
        if (typeof(T) == typeof(float) && LstmKernels.Wide<float>()) // the fused loop: see LstmKernels.CellForward
        {
            ref float xr = ref LstmKernels.F(xp), yr = ref LstmKernels.F(hh), hr0 = ref LstmKernels.F(h);
            ref float sr = ref LstmKernels.F(state);
            for (int b = 0; b < batch; b++)
                RowForward(ref Unsafe.Add(ref xr, b * g3), ref Unsafe.Add(ref yr, b * g3),
                    ref Unsafe.Add(ref hr0, b * hidden), ref Unsafe.Add(ref sr, b * hidden), slice, hidden);
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> x = xp.Slice(b * g3, g3), y = hh.Slice(b * g3, g3), hp = h.Slice(b * hidden, hidden);
            int r0 = b * hidden;
            Span<T> ar = state.Slice(r0, hidden), r = state.Slice(slice + r0, hidden);
            Span<T> az = state.Slice(2 * slice + r0, hidden), z = state.Slice(3 * slice + r0, hidden);
            Span<T> hr = state.Slice(4 * slice + r0, hidden), an = state.Slice(5 * slice + r0, hidden);
            Span<T> n = state.Slice(6 * slice + r0, hidden), d = state.Slice(7 * slice + r0, hidden);
            Span<T> dz = state.Slice(8 * slice + r0, hidden), hy = state.Slice(9 * slice + r0, hidden);
            TensorPrimitives.Add(y[..hidden], x[..hidden], ar);
            LstmKernels.GateSigmoid<T>(ar, r);
            TensorPrimitives.Add(y.Slice(hidden, hidden), x.Slice(hidden, hidden), az);
            LstmKernels.GateSigmoid<T>(az, z);
            TensorPrimitives.Multiply(y.Slice(2 * hidden, hidden), r, hr);
            TensorPrimitives.Add(x.Slice(2 * hidden, hidden), hr, an);
            LstmKernels.GateTanh<T>(an, n);
            TensorPrimitives.Subtract(hp, n, d);
            TensorPrimitives.Multiply(d, z, dz);
            TensorPrimitives.Add(dz, n, hy);
        }
    }
    /// <summary>
    /// One row's gate math in one pass (float32, see <see cref="LstmKernels"/>' row loop): the ten slices of
    /// <see cref="CellForward"/> for <paramref name="width"/> units, each value with the operations, in the order,
    /// of the span-level composition (so the same bits at either width and in the tail). Runs only where Vector512 is
    /// accelerated, as the LSTM's row loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowForward(ref float xp, ref float hh, ref float h, ref float state, int slice, int width)
    {
        ref float xz = ref Unsafe.Add(ref xp, width), xn = ref Unsafe.Add(ref xp, 2 * width);
        ref float yz = ref Unsafe.Add(ref hh, width), yn = ref Unsafe.Add(ref hh, 2 * width);
        ref float sar = ref state, sr = ref Unsafe.Add(ref state, slice), saz = ref Unsafe.Add(ref state, 2 * slice);
        ref float sz = ref Unsafe.Add(ref state, 3 * slice), shr = ref Unsafe.Add(ref state, 4 * slice);
        ref float san = ref Unsafe.Add(ref state, 5 * slice), sn = ref Unsafe.Add(ref state, 6 * slice);
        ref float sd = ref Unsafe.Add(ref state, 7 * slice), sdz = ref Unsafe.Add(ref state, 8 * slice);
        ref float shy = ref Unsafe.Add(ref state, 9 * slice);
        int j = 0;
        for (; j + 16 <= width; j += 16)
        {
            nuint u = (nuint)j;
            Vector512<float> ar = Vector512.LoadUnsafe(ref hh, u) + Vector512.LoadUnsafe(ref xp, u);
            Vector512<float> az = Vector512.LoadUnsafe(ref yz, u) + Vector512.LoadUnsafe(ref xz, u);
            Vector512<float> r = GateMath.Sigmoid(ar), z = GateMath.Sigmoid(az);
            Vector512<float> hr = Vector512.LoadUnsafe(ref yn, u) * r, an = Vector512.LoadUnsafe(ref xn, u) + hr;
            Vector512<float> n = GateMath.Tanh(an), d = Vector512.LoadUnsafe(ref h, u) - n, dz = d * z;
            ar.StoreUnsafe(ref sar, u);
            r.StoreUnsafe(ref sr, u);
            az.StoreUnsafe(ref saz, u);
            z.StoreUnsafe(ref sz, u);
            hr.StoreUnsafe(ref shr, u);
            an.StoreUnsafe(ref san, u);
            n.StoreUnsafe(ref sn, u);
            d.StoreUnsafe(ref sd, u);
            dz.StoreUnsafe(ref sdz, u);
            (dz + n).StoreUnsafe(ref shy, u);
        }
        for (; j + 8 <= width; j += 8)
        {
            nuint u = (nuint)j;
            Vector256<float> ar = Vector256.LoadUnsafe(ref hh, u) + Vector256.LoadUnsafe(ref xp, u);
            Vector256<float> az = Vector256.LoadUnsafe(ref yz, u) + Vector256.LoadUnsafe(ref xz, u);
            Vector256<float> r = GateMath.Sigmoid(ar), z = GateMath.Sigmoid(az);
            Vector256<float> hr = Vector256.LoadUnsafe(ref yn, u) * r, an = Vector256.LoadUnsafe(ref xn, u) + hr;
            Vector256<float> n = GateMath.Tanh(an), d = Vector256.LoadUnsafe(ref h, u) - n, dz = d * z;
            ar.StoreUnsafe(ref sar, u);
            r.StoreUnsafe(ref sr, u);
            az.StoreUnsafe(ref saz, u);
            z.StoreUnsafe(ref sz, u);
            hr.StoreUnsafe(ref shr, u);
            an.StoreUnsafe(ref san, u);
            n.StoreUnsafe(ref sn, u);
            d.StoreUnsafe(ref sd, u);
            dz.StoreUnsafe(ref sdz, u);
            (dz + n).StoreUnsafe(ref shy, u);
        }
        for (; j < width; j++)
        {
            float ar = Unsafe.Add(ref hh, j) + Unsafe.Add(ref xp, j);
            float az = Unsafe.Add(ref yz, j) + Unsafe.Add(ref xz, j);
            float r = GateMath.Sigmoid(ar), z = GateMath.Sigmoid(az), hr = Unsafe.Add(ref yn, j) * r;
            float an = Unsafe.Add(ref xn, j) + hr, n = GateMath.Tanh(an), d = Unsafe.Add(ref h, j) - n, dz = d * z;
            Unsafe.Add(ref sar, j) = ar;
            Unsafe.Add(ref sr, j) = r;
            Unsafe.Add(ref saz, j) = az;
            Unsafe.Add(ref sz, j) = z;
            Unsafe.Add(ref shr, j) = hr;
            Unsafe.Add(ref san, j) = an;
            Unsafe.Add(ref sn, j) = n;
            Unsafe.Add(ref sd, j) = d;
            Unsafe.Add(ref sdz, j) = dz;
            Unsafe.Add(ref shy, j) = dz + n;
        }
    }
}

/// <summary>Gradient accumulation: <c>dst += src</c> over dense spans (the engine's in-place sums).</summary>
public static class GradientKernels
{
    /// <summary><c>dst[i] += src[i]</c> for every i (the spans have equal length).</summary>
    public static void AddInto<T>(Span<T> dst, ReadOnlySpan<T> src)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => TensorPrimitives.Add(dst, src, dst);
}
