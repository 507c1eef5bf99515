using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Kernels;

namespace Ember.NN;

/// <summary>
/// The steps of one LSTM layer direction of one recorded forward (in processing order), so that a backward pass can
/// form the whole recurrence's gradients at once, split over threads by batch rows (<see cref="LstmRowsBackward"/>),
/// instead of step by step through the engine.
/// </summary>
/// <remarks>
/// <para>How a pass runs: the first node of the direction to run is the last-processed step's h' or c' node (the
/// output stack and the final states were made after every step). It decides (<see cref="Decide"/>) whether the
/// whole sequence goes at once: every step complete with no hooks, not exposed, no recorded backward, the steps
/// chained to each other directly (no projection, no masks), shapes whose step product takes the packed path. If so,
/// the c' node of that step, which then holds the whole <c>dc</c> (its h' node kept <c>dh</c>), runs
/// <see cref="Run"/>: for each chunk of 8 batch rows, from the last step back to the first, <c>dh_t</c> = the
/// output's gradient at <c>t</c> (handed over by the output stack's node, <see cref="ObserveOutput"/>) plus the
/// recurrent part from step <c>t + 1</c>, the hidden and cell backward kernels, <c>dG_t</c> written into the input
/// projection's unbind buffer window, and the recurrent part <c>dG_t·W_hh</c> from a <c>W_hh</c> packed once per pass
/// and shared read-only. The other nodes of the direction then only hand on what was formed: the h' nodes send
/// nothing, the c' nodes pass on a placeholder (so the chain keeps running and each step's split piece sends its
/// <c>dG_t</c> to the projections), the hidden projections send no <c>dh</c> except the first step's (h0's gradient),
/// and the first step's σ(f)·c sends c0's.</para>
/// <para>When it fits, the sequence also owns the tail below the steps (<see cref="Tail"/>): right after the rows, one
/// parallel phase forms both projections' weight and bias gradients and the input's, which the first step's hidden
/// projection and the input projection's node then only hand on.</para>
/// <para>Every value is the step-by-step path's bit for bit, for any thread count: the same kernels per element
/// (the cell kernels work row by row, a product's rows are independent of the row tile), and the engine's sums
/// (stack slice + recurrent part, hidden path + next step's <c>dc·σ(f)</c>) are single additions, which commute.</para>
/// </remarks>
internal sealed class LstmSequence
{
    /// <summary>The runtime switch that turns the whole-sequence backward off (on by default).</summary>
    internal const string Switch = "Ember.LstmSequenceBackward";

    /// <summary>Off switch for A/B runs and tests: <c>EMBER_LSTM_SEQ_BACKWARD=0</c> or the
    /// <see cref="Switch"/> AppContext switch set to false run the steps' backward one by one.</summary>
    internal static bool Enabled = Environment.GetEnvironmentVariable("EMBER_LSTM_SEQ_BACKWARD") != "0"
        && (!AppContext.TryGetSwitch(Switch, out bool on) || on);

    /// <summary>How many sequences this thread formed at once (for tests).</summary>
    internal static int Runs => t_runs;

    /// <summary>How many of those also formed their tail (weight, bias and input gradients) at once (for tests).
    /// </summary>
    internal static int TailRuns => t_tailRuns;

    [ThreadStatic] private static int t_runs, t_tailRuns;

    /// <summary>Off switch of the tail for A/B runs and tests: <c>EMBER_LSTM_TAIL=0</c> leaves the weight, bias and
    /// input gradients to the projections' nodes (<see cref="Tail"/>).</summary>
    internal static bool TailEnabled = Environment.GetEnvironmentVariable("EMBER_LSTM_TAIL") != "0";

    private readonly List<LstmStep> _steps = [];
    private readonly List<HiddenProjectionBackward> _projections = [];
    private StackBackward0? _stack;
    private bool _broken, _reverse;
    private long _decidedPass, _ranPass, _outPass;
    private bool _active;
    private Tensor? _dOut, _dh0;
    private Tail? _tail;
    private long _tailPass;

    /// <summary>
    /// Adds <paramref name="step"/> to its layer direction's sequence (the next in processing order) when its hidden
    /// projection's node <paramref name="hh"/> is one of a group's.
    /// </summary>
    internal static void Join(LstmStep step, Node? hh)
    {
        if (hh is HiddenProjectionBackward { Group: { } group } projection)
            (group.Sequence ??= new LstmSequence()).Add(step, projection);
    }

    private void Add(LstmStep step, HiddenProjectionBackward projection)
    {
        if (projection.StepIndex != _steps.Count) _broken = true;
        step.Sequence = this;
        _steps.Add(step);
        _projections.Add(projection);
    }

    /// <summary>
    /// Has the direction's output stack (<paramref name="output"/>, <c>Tensor.Stack</c> of the steps' h', in time
    /// order) hand its gradient over to the sequence; without it (or when it is not that stack) the sequence never
    /// runs at once.
    /// </summary>
    internal static void Watch(Tensor output, HiddenProjectionGroup? group, bool reverse)
    {
        if (group?.Sequence is not { } seq || output.GradFn is not StackBackward0 stack) return;
        int n = seq._steps.Count;
        bool ok = stack.NumInputs == n && !seq._broken;
        for (int t = 0; t < n && ok; t++)
        {
            int k = reverse ? n - 1 - t : t;
            ok = stack.NextEdge(t).Function is { } f
                && ReferenceEquals(f, seq._steps[k].Node(LstmStepBackward.Role.MulHy));
        }
        if (!ok) return;
        seq._stack = stack;
        seq._reverse = reverse;
        stack.Observer = seq.ObserveOutput;
    }

    private void ObserveOutput(Tensor grad) => (_outPass, _dOut) = (Engine.CurrentPass, grad);

    /// <summary>Whether pass <paramref name="pass"/> forms the whole sequence at once.</summary>
    internal bool Active(long pass) => _decidedPass == pass && _active;

    /// <summary>Whether <paramref name="step"/> is the last-processed step.</summary>
    internal bool IsLast(LstmStep step) => _steps.Count > 0 && ReferenceEquals(_steps[^1], step);

    /// <summary>
    /// Decides once per pass, when the first step node of the direction asks (<paramref name="asking"/>): only when
    /// that is the last-processed step (the rest would already be partly past) and everything fits.
    /// </summary>
    internal void Decide(long pass, LstmStep asking)
    {
        if (_decidedPass == pass) return;
        _decidedPass = pass;
        _tail = null;
        _active = Enabled && !_broken && _stack is not null && IsLast(asking) && Fits();
        if (!_active)
        {
            _dOut = null; // the stack ran before any step: the pass goes step by step, keep nothing alive
            return;
        }
        foreach (LstmStep s in _steps) s.EnterSequence(pass);
    }

    private bool Fits()
    {
        int n = _steps.Count;
        LstmStep first = _steps[0];
        int batch = first.Batch, hidden = first.Hidden;
        if (_stack!.HasPreHooks) return false;
        for (int k = 0; k < n; k++)
        {
            LstmStep s = _steps[k];
            HiddenProjectionBackward p = _projections[k];
            if (s.Batch != batch || s.Hidden != hidden || !s.CanFuse() || p.HasPreHooks) return false;
            // Step k's h is step k − 1's h' and its c is step k − 1's c' (no projection, no masks in between).
            if (k > 0 && (!ReferenceEquals(p.HiddenEdge, _steps[k - 1].Node(LstmStepBackward.Role.MulHy))
                || !ReferenceEquals(s.Node(LstmStepBackward.Role.MulFc)!.NextEdge(1).Function,
                    _steps[k - 1].Node(LstmStepBackward.Role.AddCy))))
                return false;
        }
        RawTensor block = first.Node(LstmStepBackward.Role.AddCy)!.SavedState().Block.Raw;
        if (WeightT() is not { } wt) return n == 1 && !_projections[0].NeedsHiddenGrad;
        return wt.Dim == 2 && wt.Shape[0] == hidden && wt.Shape[1] == 4 * hidden && wt.DType == block.DType
            && HiddenProjectionGroup.TakesPackedPath(block.DType, batch, 4 * hidden, hidden);
    }

    /// <summary>The saved <c>W_hhᵀ</c> of the last step (saved whenever its h needs a gradient), else null.</summary>
    private Tensor? WeightT() => _projections[^1].SavedWeightT();

    /// <summary>
    /// The whole recurrence of pass <paramref name="pass"/> from the last step's <paramref name="dc"/> (everything
    /// that reached its c') and <paramref name="dh"/> (its h', or null): leaves each step's gate gradient and the
    /// previous cell state's (a placeholder but for the first step) in its <see cref="LstmStep"/>, and h0's
    /// gradient for the first step's hidden projection.
    /// </summary>
    internal void Run(long pass, Tensor dc, Tensor? dh)
    {
        int n = _steps.Count;
        LstmStep first = _steps[0];
        int batch = first.Batch, hidden = first.Hidden;
        DType dt = first.Node(LstmStepBackward.Role.AddCy)!.SavedState().Block.DType;
        var blocks = new RawTensor[n];
        var cs = new RawTensor[n];
        var gates = new RawTensor[n];
        for (int k = 0; k < n; k++)
        {
            var (block, c) = _steps[k].Node(LstmStepBackward.Role.AddCy)!.SavedState();
            blocks[k] = RawOps.Contiguous(block.Raw);
            cs[k] = RawOps.Contiguous(RawOps.Cast(c.Raw, dt));
            gates[k] = _steps[k].ReserveGates(dt);
        }
        RawTensor? dOut = null;
        if (_outPass == pass && _dOut is { } o)
        {
            RawTensor r = RawOps.Cast(o.Raw, dt);
            // A broadcast gradient (a loss on the output's sum: strides 0) is read as it is, not materialized here:
            // that copy of [T, B, H] ran on this thread alone while the workers waited. Any other layout gets a dense
            // last dim (broadcast outer dims stay at stride 0).
            dOut = r.Strides[2] is 1 or 0 || hidden == 1 ? r : RecurrentGradients.DenseRows(r);
        }
        _dOut = null;
        bool needH0 = _projections[0].NeedsHiddenGrad;
        bool needC0 = first.Node(LstmStepBackward.Role.MulFc)!.NeedsCGrad;
        RawTensor? dh0 = needH0 ? RawTensor.Empty(dt, [batch, hidden]) : null;
        RawTensor? dc0 = needC0 ? RawTensor.Empty(dt, [batch, hidden]) : null;
        RawTensor? w = WeightT()?.Raw;
        _tail = null;
        Tail? tail = Tail.Plan(this, gates, batch, hidden, dt);
        var f = new Func(blocks, cs, gates, RawOps.Contiguous(RawOps.Cast(dc.Raw, dt)),
            dh is null ? null : RawOps.Contiguous(RawOps.Cast(dh.Raw, dt)), dOut, w, dh0, dc0, _reverse, tail);
        DTypeDispatch.Floating<Func, bool>(dt, f, "lstm backward");
        if (tail is not null)
        {
            (_tail, _tailPass) = (tail, pass);
            t_tailRuns++;
        }
        RawTensor placeholder = RawTensor.Empty(dt, [batch, hidden]);
        RawOps.Fill(placeholder, 0);
        var hold = new Tensor(placeholder);
        for (int k = 0; k < n; k++)
            _steps[k].SetResults(pass, new Tensor(gates[k]), k == 0 ? (dc0 is null ? null : new Tensor(dc0)) : hold);
        _dh0 = dh0 is null ? null : new Tensor(dh0);
        _ranPass = pass;
        t_runs++;
    }

    /// <summary>Whether pass <paramref name="pass"/> formed the sequence's gradients (the projections skip theirs).
    /// </summary>
    internal bool Ran(long pass) => _ranPass == pass;

    /// <summary>Whether pass <paramref name="pass"/> formed the tail (the hidden projections skip their weight and
    /// bias gradients; the first step's node hands on <see cref="TakeHiddenResults"/>).</summary>
    internal bool TailRan(long pass) => _tailPass == pass && _tail is not null;

    /// <summary>The hidden projections' bias and weight (as its transpose) gradients of the tail, handed over once.
    /// </summary>
    internal (Tensor? Bias, Tensor? WeightT) TakeHiddenResults()
    {
        if (_tail is not { } t) return (null, null);
        var r = (t.HiddenBias, t.HiddenWeightT);
        (t.HiddenBias, t.HiddenWeightT) = (null, null);
        return r;
    }

    /// <summary>
    /// The input projection's gradients (bias, input, weight as its transpose) of the tail of pass
    /// <paramref name="pass"/>, handed over once, when <paramref name="grad"/> (what the node received) is the gate
    /// gradients' buffer they were formed from; else null (the node then computes them as usual).
    /// </summary>
    internal (Tensor? Bias, Tensor? Input, Tensor? WeightT)? TakeInputResults(long pass, RawTensor grad)
    {
        if (_tailPass != pass || _tail is not { } t || t.InputTaken) return null;
        t.InputTaken = true;
        if (!t.IsBuffer(grad)) return null;
        var r = (t.InputBias, t.Input, t.InputWeightT);
        (t.InputBias, t.Input, t.InputWeightT) = (null, null, null);
        return r;
    }

    /// <summary>h0's gradient (the first step's hidden projection sends it), handed over once.</summary>
    internal Tensor? TakeDh0()
    {
        Tensor? g = _dh0;
        _dh0 = null;
        return g;
    }

    /// <summary>
    /// The direction's tail, formed right after the rows when it fits (<see cref="Plan"/>): once every step's gate
    /// gradient <c>dG</c> lies in the input projection's unbind buffer (<c>[T·B, 4H]</c>, time order), the rest of the
    /// backward below the steps depends only on <c>dG</c>, the steps' inputs <c>h</c> (copied into time order by the
    /// rows), <c>x</c> and <c>W_ih</c>: one parallel phase (<see cref="LstmRowsBackward.TailTask{T}"/>) forms
    /// <c>dW_ih = dGᵀ·X</c> and <c>dW_hh = dGᵀ·H</c> from one packing of <c>dGᵀ</c>, <c>dX = dG·W_ih</c> and the bias
    /// gradients (<c>dG</c>'s column sums, once for both), instead of a fork/join per product with serial engine
    /// walks, copies and sums in between. The nodes then only hand them on: the first step's hidden projection
    /// (<see cref="TakeHiddenResults"/>) and the input projection's (<see cref="TakeInputResults"/>). The values are
    /// those of the nodes' own formulas bit for bit: the same GEMM per element (<see cref="GemmPart"/>) and the same
    /// column-sum order (<see cref="CascadeSum.ColumnRange{T}"/>).
    /// </summary>
    private sealed class Tail
    {
        private readonly RawTensor _buffer;
        private readonly RawTensor? _x, _w;
        private readonly int _hidden;
        private readonly bool _hiddenBias, _hiddenWeight, _inputBias, _inputGrad, _inputWeight;

        private Tail(RawTensor buffer, RawTensor? x, RawTensor? w, int hidden, RawTensor[]? hiddenInputs, int[] slots,
            (bool Bias, bool Input, bool Weight) hiddenNeeds, (bool Bias, bool Input, bool Weight) inputNeeds)
        {
            (_buffer, _x, _w, _hidden, HiddenInputs, Slots) = (buffer, x, w, hidden, hiddenInputs, slots);
            (_hiddenBias, _hiddenWeight) = (hiddenNeeds.Bias, hiddenNeeds.Weight);
            (_inputBias, _inputGrad, _inputWeight) = inputNeeds;
        }

        /// <summary>Each step's input h (for <c>dW_hh</c>), copied by the rows into block <see cref="Slots"/>[k].
        /// </summary>
        internal RawTensor[]? HiddenInputs { get; }

        /// <summary>Each step's block of B rows in the buffer (its time).</summary>
        internal int[] Slots { get; }

        /// <summary>The results (weights' as their transposes, as the nodes send them), each handed over once.
        /// </summary>
        internal Tensor? HiddenBias, HiddenWeightT, InputBias, Input, InputWeightT;

        /// <summary>Whether the input projection's node asked for its results.</summary>
        internal bool InputTaken;

        /// <summary>
        /// The tail of <paramref name="seq"/>'s pass when it fits, else null (the nodes then run their formulas): a
        /// pass that frees the graph (no retained graph) and returns no chosen inputs' gradients; every step's gate
        /// gradient a window of one buffer, reaching the input projection's node whole through its unbind piece and
        /// one view node, none of them (nor the gates' sums) hooked; weights laid out as <c>Linear</c>'s
        /// <c>W.T</c>; every product one the blocked GEMM computes.
        /// </summary>
        internal static Tail? Plan(LstmSequence seq, RawTensor[] gates, int batch, int hidden, DType dt)
        {
            if (!TailEnabled || !Engine.ReleasesSaved || Engine.Captures) return null;
            List<LstmStep> steps = seq._steps;
            int n = steps.Count, g4 = 4 * hidden, rows = n * batch;
            long block = (long)batch * g4;
            Array storage = gates[0].Storage.Array;
            var slots = new int[n];
            var taken = new bool[n];
            Node? view = null;
            for (int k = 0; k < n; k++)
            {
                RawTensor g = gates[k];
                long slot = g.Offset / block;
                if (steps[k].XPiece is not UnbindBackward0 { HasPreHooks: false, NumInputs: 1 } piece
                    || piece.NextEdge(0).Function is not { HasPreHooks: false } v
                    || (view is not null && !ReferenceEquals(v, view))
                    || steps[k].Node(LstmStepBackward.Role.SplitI)?.NextEdge(0).Function is not { HasPreHooks: false }
                    || !ReferenceEquals(g.Storage.Array, storage) || !g.IsContiguous || g.Offset % block != 0
                    || slot >= n || taken[slot])
                    return null;
                view = v;
                slots[k] = (int)slot;
                taken[slot] = true;
            }
            if (view is not ViewBackward { NumInputs: 1 }
                || view.NextEdge(0).Function is not HiddenProjectionBackward { Group: null, HasPreHooks: false } input
                || storage.Length < (long)rows * g4)
                return null;
            HiddenProjectionBackward first = seq._projections[0];
            var hiddenNeeds = first.Needs;
            var inputNeeds = input.Needs;
            RawTensor? x = null, w = null;
            int inputs = -1;
            if (inputNeeds.Weight)
            {
                if (!input.WeightTColumnMajor || input.SavedInput()?.Raw is not { Rank: 2, IsContiguous: true } xs
                    || xs.DType != dt || xs.Shape[0] != rows || !Blocked(dt, g4, xs.Shape[1], rows))
                    return null;
                (x, inputs) = (xs, xs.Shape[1]);
            }
            if (inputNeeds.Input)
            {
                if (input.SavedWeightT()?.Raw is not { Rank: 2 } wt || wt.DType != dt || wt.Shape[1] != g4
                    || (inputs >= 0 && wt.Shape[0] != inputs) || !Blocked(dt, rows, wt.Shape[0], g4))
                    return null;
                w = RawOps.Transpose(wt, 0, 1);
                if (!w.IsContiguous) return null;
            }
            RawTensor[]? hs = null;
            if (hiddenNeeds.Weight)
            {
                if (!first.WeightTColumnMajor || !Blocked(dt, g4, hidden, rows)) return null;
                hs = new RawTensor[n];
                for (int k = 0; k < n; k++)
                {
                    if (seq._projections[k].SavedInput()?.Raw is not { IsContiguous: true } h || h.DType != dt
                        || h.NumEl != batch * hidden)
                        return null;
                    hs[k] = h;
                }
            }
            if (!hiddenNeeds.Bias && !hiddenNeeds.Weight && !inputNeeds.Bias && !inputNeeds.Input
                && !inputNeeds.Weight)
                return null;
            input.Tail = seq;
            RawTensor buffer = gates[0].WithLayout([rows, g4], [g4, 1], 0);
            return new Tail(buffer, x, w, hidden, hs, slots, hiddenNeeds, inputNeeds);
        }

        private static bool Blocked(DType dt, int m, int n, int k) => dt == DType.Float32
            ? GemmPart.IsBlocked<float>(m, n, k)
            : dt == DType.Float64 && GemmPart.IsBlocked<double>(m, n, k);

        /// <summary>Whether <paramref name="grad"/> is the whole gate gradients' buffer.</summary>
        internal bool IsBuffer(RawTensor grad) =>
            ReferenceEquals(grad.Storage.Array, _buffer.Storage.Array) && grad.Offset == 0 && grad.IsContiguous
            && grad.Rank == 2 && grad.Shape[0] == _buffer.Shape[0] && grad.Shape[1] == _buffer.Shape[1]
            && grad.DType == _buffer.DType;

        /// <summary>The phase, once the rows ran (and copied the steps' inputs into <paramref name="inputs"/>).
        /// </summary>
        internal void Form<T>(T[]? inputs) where T : unmanaged, IFloatingPointIeee754<T>
        {
            DType dt = _buffer.DType;
            int rows = _buffer.Shape[0], g4 = _buffer.Shape[1];
            int width = _x?.Shape[1] ?? _w?.Shape[1] ?? 0;
            RawTensor? dWih = _inputWeight ? RawTensor.Empty(dt, [g4, width]) : null;
            RawTensor? dWhh = _hiddenWeight ? RawTensor.Empty(dt, [g4, _hidden]) : null;
            RawTensor? dX = _inputGrad ? RawTensor.Empty(dt, [rows, width]) : null;
            RawTensor? db = _hiddenBias || _inputBias ? RawTensor.Empty(dt, [g4]) : null;
            // One weight part per thread (each packs all of X and H, as the driver's row parts do), then smaller
            // dX and bias parts (W_ih is small to re-pack) that even out the threads' finish.
            int threads = WorkerPool.ThreadCount;
            var task = new LstmRowsBackward.TailTask<T>(_buffer, _x, dWih, inputs, _hidden, dWhh, _w, dX, db,
                dWih is null && dWhh is null ? 0 : threads, dX is null ? 0 : 2 * threads, db is null ? 0 : 2 * threads);
            WorkerPool.For(task.Chunks, ref task);
            HiddenWeightT = dWhh is null ? null : new Tensor(RawOps.Transpose(dWhh, 0, 1));
            InputWeightT = dWih is null ? null : new Tensor(RawOps.Transpose(dWih, 0, 1));
            Input = dX is null ? null : new Tensor(dX);
            HiddenBias = _hiddenBias ? new Tensor(db!) : null;
            InputBias = _inputBias ? new Tensor(_hiddenBias ? RawOps.Clone(db!) : db!) : null;
        }
    }

    private readonly struct Func(RawTensor[] blocks, RawTensor[] cs, RawTensor[] gates, RawTensor dc, RawTensor? dh,
        RawTensor? dOut, RawTensor? w, RawTensor? dh0, RawTensor? dc0, bool reverse, Tail? tail) : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int batch = dc.Shape[0], hidden = dc.Shape[1];
            // W_hh [4H, H] = (the saved W_hhᵀ).T, laid out as the step products read it (RawOps.MmSharedB).
            GemmPackedB<T> packed = LstmRowsBackward.Scratch<T>.Weight;
            if (w is not null)
            {
                var (b, trans, ld) = RawOps.GemmOperand(RawOps.Transpose(w, 0, 1));
                packed.Pack(trans, 4 * hidden, hidden, b.Data<T>().AsSpan(b.Offset), ld);
            }
            T[]? inputs = tail?.HiddenInputs is null ? null
                : LstmRowsBackward.Scratch<T>.Inputs(blocks.Length * batch * hidden);
            var task = new LstmRowsBackward.Task<T>(blocks, cs, gates, dc, dh, dOut, dh0, dc0, reverse, packed,
                tail?.HiddenInputs, tail?.Slots, inputs);
            WorkerPool.For((batch + LstmRowsBackward.RowChunk - 1) / LstmRowsBackward.RowChunk, ref task);
            tail?.Form<T>(inputs);
            return true;
        }
    }
}

/// <summary>The per-chunk work of <see cref="LstmSequence.Run"/>: rows <c>[8j, 8j + 8)</c> through every step.
/// </summary>
internal static class LstmRowsBackward
{
    /// <summary>Rows per chunk: one short row tile of the AVX-512 kernels (as <see cref="LstmRows"/>).</summary>
    internal const int RowChunk = 8;

    /// <summary>Buffers kept per thread: the caller's packed <c>W_hh</c>, a chunk's running gradients.</summary>
    internal static class Scratch<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] private static GemmPackedB<T>? t_weight;
        [ThreadStatic] private static T[]? t_rows;

        [ThreadStatic] private static T[]? t_inputs;

        public static GemmPackedB<T> Weight => t_weight ??= new GemmPackedB<T>();

        /// <summary>The steps' inputs in time order, <c>[T·B, H]</c>, for the tail's <c>dW_hh</c>.</summary>
        public static T[] Inputs(int length) =>
            t_inputs is { } a && a.Length >= length ? a : (t_inputs = GC.AllocateUninitializedArray<T>(length));

        public static T[] Rows(int length) =>
            t_rows is { } a && a.Length >= length ? a : (t_rows = GC.AllocateUninitializedArray<T>(length));
    }

    /// <summary>
    /// Chunk <c>j</c>. Per step <c>k</c> from the last: <c>dh</c> (the last step's as kept; else the output's
    /// gradient at that step's time plus the recurrent part), <c>dc</c> (the last step's as the engine summed it;
    /// else <c>(dh·σ(o))·(1 − tanh²(c')) + dc·σ(f)</c> of the later step), the cell backward into the step's gate
    /// window, and the recurrent part <c>dG·W_hh</c> for the step before (h0's gradient for the first).
    /// </summary>
    internal readonly struct Task<T>(RawTensor[] blocks, RawTensor[] cs, RawTensor[] gates, RawTensor dcLast,
        RawTensor? dhLast, RawTensor? dOut, RawTensor? dh0, RawTensor? dc0, bool reverse, GemmPackedB<T> packed,
        RawTensor[]? hs, int[]? slots, T[]? inputs)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            int steps = blocks.Length, batch = dcLast.Shape[0], hidden = dcLast.Shape[1], g4 = 4 * hidden;
            int slice = batch * hidden, r0 = chunk * RowChunk, rows = Math.Min(RowChunk, batch - r0);
            int ro = r0 * hidden, len = rows * hidden;
            // The tail's dW_hh reads the steps' inputs as [T·B, H] in time order: this chunk's rows of each.
            if (hs is not null && inputs is not null)
                for (int k = 0; k < steps; k++)
                    hs[k].Span<T>().Slice(ro, len).CopyTo(inputs.AsSpan((slots![k] * batch + r0) * hidden, len));
            T[] buffer = Scratch<T>.Rows(3 * len);
            Span<T> dc = buffer.AsSpan(0, len), rec = buffer.AsSpan(len, len), tmp = buffer.AsSpan(2 * len, len);
            for (int k = steps - 1; k >= 0; k--)
            {
                ReadOnlySpan<T> state = blocks[k].Span<T>()[ro..];
                ReadOnlySpan<T> dhk, dck;
                if (k == steps - 1)
                {
                    dhk = dhLast is null ? default : dhLast.Span<T>().Slice(ro, len);
                    dck = dcLast.Span<T>().Slice(ro, len);
                }
                else
                {
                    // The step's h' gradient: the later step's dh product plus the output's (when the stack ran).
                    if (dOut is not null)
                    {
                        int t = reverse ? steps - 1 - k : k;
                        T[] d = dOut.Data<T>();
                        bool row = dOut.Strides[2] == 1 || hidden == 1;
                        for (int r = 0; r < rows; r++)
                        {
                            int at = dOut.Offset + t * dOut.Strides[0] + (r0 + r) * dOut.Strides[1];
                            if (row) GradientKernels.AddInto<T>(rec.Slice(r * hidden, hidden), d.AsSpan(at, hidden));
                            else AddScalar(rec.Slice(r * hidden, hidden), d[at]);
                        }
                    }
                    dhk = rec;
                    // dc = the later step's dc·σ(f) (which the previous iteration left in dc) + the hidden path's part.
                    LstmKernels.HiddenBackward<T>(dhk, state.Slice(3 * slice, len), state.Slice(7 * slice, len), tmp);
                    GradientKernels.AddInto<T>(dc, tmp);
                    dck = dc;
                }
                bool firstStep = k == 0;
                // dc·σ(f) for the step before, over dc (the kernel reads each element before it writes it there).
                Span<T> dcPrev = !firstStep ? dc : dc0 is null ? default : dc0.Span<T>().Slice(ro, len);
                Span<T> dg = gates[k].Span<T>().Slice(r0 * g4, rows * g4);
                LstmKernels.CellBackwardRows<T>(dck, dhk, state, slice, cs[k].Span<T>().Slice(ro, len), rows, hidden,
                    dg, dcPrev);
                if (!firstStep) packed.Multiply(false, rows, dg, g4, default, rec, hidden);
                else if (dh0 is not null) packed.Multiply(false, rows, dg, g4, default, dh0.Span<T>().Slice(ro, len),
                    hidden);
            }
        }

        /// <summary><c>dst[i] += v</c> (a broadcast row of the output's gradient; the same additions as a dense row of
        /// <paramref name="v"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AddScalar(Span<T> dst, T v)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && dst.Length >= Vector<T>.Count)
            {
                var vv = new Vector<T>(v);
                Span<Vector<T>> vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(dst);
                for (; i < vectors.Length; i++) vectors[i] += vv;
                i *= Vector<T>.Count;
            }
            for (; i < dst.Length; i++) dst[i] += v;
        }
    }

    /// <summary>
    /// The tail's one parallel phase (<c>LstmSequence.Tail</c>), chunks handed out biggest first: row parts of the
    /// weight gradients (<c>dW_ih = dGᵀ·X</c> and <c>dW_hh = dGᵀ·H</c> against one packing of <c>dGᵀ</c>), row parts
    /// of <c>dX = dG·W_ih</c>, column parts of the bias gradient (<c>dG</c>'s column sums).
    /// </summary>
    internal readonly struct TailTask<T>(RawTensor dg, RawTensor? x, RawTensor? dWih, T[]? h, int hidden,
        RawTensor? dWhh, RawTensor? w, RawTensor? dX, RawTensor? db, int weightParts, int inputParts, int biasParts)
        : IParallelTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>How many chunks the phase has.</summary>
        public int Chunks => weightParts + inputParts + biasParts;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            int rows = dg.Shape[0], g4 = dg.Shape[1];
            ReadOnlySpan<T> grads = dg.Span<T>();
            if (chunk < weightParts)
            {
                // dGᵀ·X first when dW_ih is wanted, dGᵀ·H second (or alone): one packing of dGᵀ serves both.
                ReadOnlySpan<T> hs = h is null ? default : h.AsSpan(0, rows * hidden);
                bool both = dWih is not null && dWhh is not null;
                ReadOnlySpan<T> b1 = dWih is null ? hs : x!.Span<T>();
                int n1 = dWih?.Shape[1] ?? hidden;
                GemmPart.MultiplyRows(chunk, weightParts, true, g4, rows, grads, g4, b1, n1, n1,
                    (dWih ?? dWhh)!.Span<T>(), n1, both ? hs : default, hidden, both ? hidden : 0,
                    both ? dWhh!.Span<T>() : default, hidden);
                return;
            }
            chunk -= weightParts;
            if (chunk < inputParts)
            {
                int inputs = dX!.Shape[1];
                GemmPart.MultiplyRows(chunk, inputParts, false, rows, g4, grads, g4, w!.Span<T>(), inputs, inputs,
                    dX.Span<T>(), inputs, default, 0, 0, default, 0);
                return;
            }
            chunk -= inputParts;
            int c0 = g4 * chunk / biasParts, c1 = g4 * (chunk + 1) / biasParts;
            CascadeSum.ColumnRange(grads, rows, g4, c0, c1 - c0, db!.Span<T>().Slice(c0, c1 - c0));
        }
    }
}
