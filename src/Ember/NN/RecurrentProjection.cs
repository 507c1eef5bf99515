using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Graph;
using Ember.Kernels;
using Ember.Tracing;

namespace Ember.NN;

/// <summary>
/// The hidden projections <c>h·W_hhᵀ + b_hh</c> of one layer and direction of one recurrent forward: each step still
/// records its own <c>AddmmBackward0</c> (<c>MmBackward0</c> without a bias) with PyTorch's edges (bias, h,
/// <c>TBackward0</c> of the weight), but the weight and bias gradients of all steps are formed at once. During a
/// backward pass each step's node computes its <c>dh = dG·W_hh</c> at once (the recurrence needs it) and copies its
/// gate gradient <c>dG</c> and its input <c>h</c> into rows of two pass-owned buffers; the node of the first step
/// (created first, so it runs last of the group) then computes <c>dW_hh = dGᵀ·H</c> as one GEMM over all T·B rows
/// and <c>db_hh</c> as one column sum, and sends them along its edges; the other steps send none. (An LSTM whose
/// whole sequence ran at once usually formed them already, with the input projection's, in its tail: see
/// <see cref="LstmSequence"/>.)
/// </summary>
/// <remarks>
/// Correct because whatever consumes the weight's or bias's gradient (its <c>AccumulateGrad</c>, or the node of a
/// computed weight) was created before the forward, so the engine runs it after every step node; and when any step's
/// node runs, the first step's node runs too in the same pass (each step's <c>dh</c> reaches the previous step's gate
/// math, whose only way on is that step's projection), so the full sum is complete when it is handed on. Hooks on
/// the weight see the same single summed gradient as before (the engine sums per-step gradients before any hook);
/// only the order of the additions differs (rounding). When the backward pass is itself recorded (<c>createGraph</c>)
/// each node uses the ordinary per-step formula.
/// </remarks>
internal sealed class HiddenProjectionGroup(int steps)
{
    private int _created;
    private long _pass;
    private RawTensor? _grads;
    private RawTensor? _inputs;
    private bool[]? _filled;
    private int _batch;
    // Direct mode: the steps' gate gradients are windows of one [T·B, G] buffer (the input projection's unbind
    // gradient, see LstmStep.Compute), so they are read there instead of being copied; _slots[k] is step k's block of
    // B rows in it (-1: not collected), and _inputs holds each step's h at the same block.
    private RawTensor? _direct;
    private int[]? _slots;
    // Steps' inputs not yet copied into _inputs (at their block), each holding its storage out of the block pool
    // (a save count, see Storage.ReleaseSaved) until the copy: Gathered copies them all at once, over the threads.
    private RawTensor?[]? _held;
    private int[]? _heldAt;

    private RawTensor? _stepResult;

    /// <summary>The LSTM steps of this layer and direction, when they are an LSTM's (see <see cref="LstmSequence"/>).
    /// </summary>
    internal LstmSequence? Sequence { get; set; }

    /// <summary>
    /// The <c>[rows, cols]</c> buffer the group's steps share for a product read only within its step (see
    /// <see cref="Project"/>): one allocation per layer and direction instead of one per step.
    /// </summary>
    internal RawTensor StepResult(DType dtype, int rows, int cols)
    {
        if (_stepResult is not { } r || r.DType != dtype || r.Shape[0] != rows || r.Shape[1] != cols)
            _stepResult = r = RawTensor.Empty(dtype, [rows, cols]);
        return r;
    }

    /// <summary>Whether steps of the running backward pass collected rows not yet handed on.</summary>
    public bool HasPending => (_grads is not null || _direct is not null) && _pass == Engine.CurrentPass;

    /// <summary>How many weight gradients this thread formed from gate gradients read where they lie (for tests):
    /// the first number counts one run of blocks read in place, the second those with gaps, copied out.</summary>
    internal static (int InPlace, int Gathered) DirectReads => (t_inPlace, t_gathered);

    [ThreadStatic] private static int t_inPlace, t_gathered;

    /// <summary>The index of the next step's node (its creation order within the group).</summary>
    public int NextIndex() => _created++;

    /// <summary>
    /// Records step <paramref name="index"/>'s gate gradient (and, when the weight needs one, its input) for the
    /// pass's one weight-gradient product: reads the gradient where it lies when it is a block of rows of one buffer
    /// that every step writes its block of (the input projection's gradient), else copies it into the pass's
    /// buffer; false when the step does not fit (the caller then uses the ordinary formula).
    /// </summary>
    public bool Collect(int index, RawTensor grad, RawTensor? input)
    {
        int batch = grad.Shape[0], gates = grad.Shape[1];
        long pass = Engine.CurrentPass;
        if ((_grads is null && _direct is null) || _pass != pass)
        {
            if (index >= steps || pass == 0 || grad.Rank != 2) return false;
            ReleaseHeld();
            _pass = pass;
            _batch = batch;
            _grads = null;
            _direct = Slot(grad, batch, gates) >= 0 ? grad : null;
            if (_direct is null) _grads = Rent(grad.DType, [steps * batch, gates]);
            _inputs = input is null ? null : Rent(input.DType, [steps * batch, input.Shape[1]]);
            _filled = new bool[steps];
            _slots = null;
            if (_direct is not null) Array.Fill(_slots = new int[steps], -1);
        }
        RawTensor like = _direct ?? _grads!;
        if (index >= steps || grad.Rank != 2 || batch != _batch || gates != like.Shape[^1]
            || grad.DType != like.DType || (input is null) != (_inputs is null)
            || (input is not null && input.Shape[1] != _inputs!.Shape[1]) || _filled![index])
            return false;
        int at = index;
        if (_direct is not null)
        {
            at = ReferenceEquals(grad.Storage, _direct.Storage) ? Slot(grad, batch, gates) : -1;
            if (at < 0 || Array.IndexOf(_slots!, at) >= 0) return false;
            _slots![index] = at;
        }
        else RawOps.CopyFrom(Rows(_grads!, index), grad);
        if (input is not null) Hold(index, at, input);
        _filled[index] = true;
        return true;
    }

    /// <summary>
    /// Step <paramref name="index"/>'s input for block <paramref name="at"/> of the inputs' buffer: a dense one is kept
    /// (its storage held out of any recycler's hands) and copied with the others in <see cref="CopyHeld"/>, any other
    /// is copied now.
    /// </summary>
    private void Hold(int index, int at, RawTensor input)
    {
        if (!input.IsContiguous || input.DType != _inputs!.DType)
        {
            RawOps.CopyFrom(Rows(_inputs!, at), input);
            return;
        }
        _held ??= new RawTensor?[steps];
        _heldAt ??= new int[steps];
        input.Storage.TrackSaved(1);
        _held[index] = input;
        _heldAt[index] = at;
    }

    /// <summary>Copies the held inputs into their blocks of the inputs' buffer, split over the threads; then lets
    /// their storage go.</summary>
    private void CopyHeld()
    {
        if (_held is null || _inputs is null) return;
        int cols = _inputs.Shape[^1], block = _batch * cols, count = 0;
        foreach (RawTensor? h in _held) if (h is not null) count++;
        if (count > 0)
        {
            int chunks = Math.Min(count, CopyChunks);
            var task = new HeldRowsCopy(_held, _heldAt!, _inputs.Storage.Array, _inputs.Offset, block, chunks);
            WorkerPool.For(chunks, ref task);
            _inputs.Storage.Version++;
        }
        ReleaseHeld();
    }

    /// <summary>Lets the held inputs' storage go (back to its recycler once nothing else saves it).</summary>
    private void ReleaseHeld()
    {
        if (_held is null) return;
        for (int k = 0; k < _held.Length; k++)
            if (_held[k] is { } h)
            {
                _held[k] = null;
                h.Storage.ReleaseSaved();
            }
    }

    /// <summary>Chunks of the held inputs' copy (dynamic hand-out; each is a run of steps).</summary>
    private const int CopyChunks = 4;

    /// <summary>
    /// The block of <paramref name="batch"/> rows that <paramref name="grad"/> is in a dense buffer of
    /// <c>steps · batch</c> rows of <paramref name="gates"/> laid out from its storage's start; -1 if it is not one.
    /// </summary>
    private int Slot(RawTensor grad, int batch, int gates)
    {
        long block = (long)batch * gates;
        if (grad.Rank != 2 || block == 0 || (grad.Strides[1] != 1 && gates > 1) || grad.Strides[0] != gates
            || grad.Offset % block != 0 || grad.Storage.Length < steps * block)
            return -1;
        long slot = grad.Offset / block;
        return slot < steps ? (int)slot : -1;
    }

    private RawTensor Rows(RawTensor buffer, int index, int count = 1)
    {
        int cols = buffer.Shape[^1];
        return buffer.WithLayout([count * _batch, cols], [cols, 1], buffer.Offset + index * _batch * cols);
    }

    /// <summary>
    /// The summed gradients of the pass so far: the weight's as its transpose's (<c>[in, G]</c>, laid out as
    /// <paramref name="weightTColumnMajor"/> says) and the bias's (<c>[G]</c>); then forgets the pass's buffers.
    /// </summary>
    public (RawTensor? WeightT, RawTensor? Bias) Materialize(bool needWeight, bool needBias, bool weightTColumnMajor)
    {
        var (grads, inputs) = Gathered(out RawTensor? rented);
        RawTensor? weightT = null, bias = null;
        if (needWeight && inputs is not null)
            weightT = weightTColumnMajor
                ? RawOps.Transpose(RawOps.Mm(RawOps.Transpose(grads, 0, 1), inputs), 0, 1)
                : RawOps.Mm(RawOps.Transpose(inputs, 0, 1), grads);
        if (needBias) bias = RawOps.Sum(grads, 0, keepDim: false);
        if (rented is not null) Return(rented);
        if (_inputs is not null) Return(_inputs);
        _grads = null;
        _direct = null;
        _inputs = null;
        _filled = null;
        _slots = null;
        return (weightT, bias);
    }

    /// <summary>
    /// The collected rows as two row-aligned matrices (gate gradients, inputs); <paramref name="rented"/> is a
    /// buffer to hand back afterwards. Rows of steps that did not run are zeros, or left out.
    /// </summary>
    private (RawTensor Grads, RawTensor? Inputs) Gathered(out RawTensor? rented)
    {
        CopyHeld();
        if (_direct is null)
        {
            RawTensor grads = _grads!;
            for (int k = 0; k < steps; k++)
                if (!_filled![k])
                {
                    RawOps.Fill(Rows(grads, k), 0);
                    if (_inputs is not null) RawOps.Fill(Rows(_inputs, k), 0);
                }
            rented = grads;
            return (grads, _inputs);
        }
        // The blocks of the steps that ran; usually all, or those up to a middle step's loss: one run of blocks,
        // read in place. Anything else (gaps hold stale values, not zeros) is copied out.
        int lo = int.MaxValue, hi = -1, count = 0;
        foreach (int slot in _slots!)
            if (slot >= 0) (lo, hi, count) = (Math.Min(lo, slot), Math.Max(hi, slot), count + 1);
        RawTensor whole = _direct.WithLayout([steps * _batch, _direct.Shape[1]], [_direct.Shape[1], 1], 0);
        if (count == hi - lo + 1)
        {
            t_inPlace++;
            rented = null;
            return (Rows(whole, lo, count), _inputs is null ? null : Rows(_inputs, lo, count));
        }
        RawTensor copy = Rent(_direct.DType, [steps * _batch, _direct.Shape[1]]);
        RawOps.Fill(copy, 0);
        foreach (int slot in _slots)
            if (slot >= 0) RawOps.CopyFrom(Rows(copy, slot), Rows(whole, slot));
        if (_inputs is not null)
            for (int b = 0; b < steps; b++)
                if (Array.IndexOf(_slots, b) < 0) RawOps.Fill(Rows(_inputs, b), 0);
        t_gathered++;
        rented = copy;
        return (copy, _inputs);
    }

    // The row buffers are the pass's own scratch (no tensor the user sees lives in them), kept per thread across
    // passes so a training loop does not allocate (and page-fault in) megabytes per step.
    [ThreadStatic] private static List<Storage>? t_pool;

    private static RawTensor Rent(DType dtype, int[] shape)
    {
        int n = shape[0] * shape[1];
        var pool = t_pool;
        for (int i = 0; pool is not null && i < pool.Count; i++)
            if (pool[i].DType == dtype && pool[i].Length >= n)
            {
                Storage s = pool[i];
                pool.RemoveAt(i);
                return new RawTensor(s, shape);
            }
        return RawTensor.Empty(dtype, shape);
    }

    private static void Return(RawTensor buffer)
    {
        var pool = t_pool ??= [];
        if (pool.Count < 4) pool.Add(buffer.Storage);
    }

    /// <summary>
    /// Largest shared operand kept packed (the per-thread cache holds a few, so this bounds its memory; above it a
    /// step's product is large enough that packing it each time costs little in comparison).
    /// </summary>
    private const long MaxPackedElements = 1 << 20;

    /// <summary>
    /// A step's product <c>a·b</c> (plus the bias row): with <paramref name="b"/> packed once for the group's steps
    /// (<see cref="RawOps.MmSharedB"/>: the weight's panels are not re-packed every step, and a batch of a few rows
    /// runs short row tiles) when the shapes allow, else as <see cref="F.Linear"/> computes it. Only shapes that the
    /// plain product sends to the packed GEMM driver (over 64 K multiply-adds, over 8 rows and columns) take the
    /// packed operand, so the result is bit for bit the plain product's either way.
    /// </summary>
    /// <param name="a">The left operand, <c>[m, k]</c>.</param>
    /// <param name="b">The shared right operand, <c>[k, n]</c>.</param>
    /// <param name="bias">A row added to every row, or null.</param>
    /// <param name="into">The destination, or null for a new tensor.</param>
    /// <param name="parts">Split the packed product's rows over up to this many threads (same results); the plain
    /// product always runs on the calling thread.</param>
    internal RawTensor Product(RawTensor a, RawTensor b, RawTensor? bias, RawTensor? into = null, int parts = 1)
    {
        int n = b.Shape[1];
        if (a.Rank != 2 || b.Rank != 2 || a.Shape[1] != b.Shape[0] || a.DType != b.DType
            || !TakesPackedPath(a.DType, a.Shape[0], a.Shape[1], n)
            || (bias is not null && (bias.Rank != 1 || bias.DType != a.DType || bias.Shape[0] != n
                || !bias.IsContiguous)))
        {
            using var inline = WorkerPool.RunInline();
            RawTensor r = bias is null ? RawOps.Mm(a, b) : RawOps.Addmm(bias, a, b, 1, 1, "addmm");
            if (into is null) return r;
            RawOps.CopyFrom(into, r);
            return into;
        }
        return RawOps.MmSharedB(this, a, b, bias, into, parts);
    }

    /// <summary>
    /// Whether a step product <c>[m, k]·[k, n]</c> of <paramref name="dtype"/> runs on the packed operand in
    /// <see cref="Product"/>: the shapes the plain product sends to the packed GEMM driver (over 64 K multiply-adds,
    /// over 8 rows and columns) with an operand small enough to keep packed. <see cref="LstmRows"/> asks the same
    /// question, so its values match the step-by-step path's.
    /// </summary>
    internal static bool TakesPackedPath(DType dtype, int m, int k, int n) =>
        (dtype == DType.Float32 || dtype == DType.Float64) && k > 0 && m > 8 && n > 8
        && (long)m * n * k > 64 * 1024 && (long)k * n <= MaxPackedElements;

    /// <summary>The runtime switch that turns the split of <see cref="BackwardParts"/> off (on by default).</summary>
    internal const string SplitSwitch = "Ember.RecurrentBackwardSplit";

    private static readonly bool s_split = !AppContext.TryGetSwitch(SplitSwitch, out bool on) || on;

    /// <summary>
    /// How many threads a backward step's <c>dh = dG·W_hh</c> is split over: 2 (row tiles; bit-identical results)
    /// when the pool has a second thread and the product has at least two row tiles and ~1 M multiply-adds, else
    /// 1. The forward's steps split by batch rows instead (<see cref="LstmRows"/>); see docs/design-notes.md.
    /// </summary>
    internal static int BackwardParts(RawTensor grad, int n)
    {
        if (!s_split || WorkerPool.ThreadCount < 2) return 1;
        long macs = (long)grad.Shape[0] * grad.Shape[1] * n;
        return grad.Shape[0] >= 16 && macs >= SplitMinMacs ? 2 : 1;
    }

    private const long SplitMinMacs = 1L << 20;

    /// <summary>
    /// <c>h·W_hhᵀ + b_hh</c> recorded as <see cref="F.Linear"/> records it (<c>AddmmBackward0</c> or <c>MmBackward0</c>
    /// over <c>TBackward0</c> of the weight), with the node joined to <paramref name="group"/>; plain
    /// <see cref="F.Linear"/> without a group, while an op tracer listens, or for other than float32/float64.
    /// </summary>
    /// <param name="h">The step's hidden state.</param>
    /// <param name="weight">The hidden weight.</param>
    /// <param name="bias">The hidden bias, if any.</param>
    /// <param name="group">The layer and direction's group, if any.</param>
    /// <param name="reuseResult">Write the product into one buffer the group's steps share: only for callers that
    /// read the result within the step and never again (no backward formula reads a product's result).</param>
    /// <param name="computed">The product, already computed by the caller (<c>LstmRows</c>): only the node is
    /// recorded, over this result; for a caller whose steps need the group (float32/float64, 2-D, no tracer).</param>
    public static Tensor Project(Tensor h, Tensor weight, Tensor? bias, HiddenProjectionGroup? group,
        bool reuseResult = false, RawTensor? computed = null)
    {
        if (group is null || OpTracer.IsActive || h.Dim != 2 || weight.Dim != 2 || h.DType != weight.DType
            || (h.DType != DType.Float32 && h.DType != DType.Float64) || (bias is not null && bias.Dim != 1))
            return F.Linear(h, weight, bias);
        Tensor wt = weight.T;
        var state = (group, group.NextIndex());
        // A step's product (B·H·G·H multiply-adds, ~2 M for the bench's LSTM) is too small to split over threads at
        // a gain: the hand-off costs about what the second thread saves, so the chain of steps runs inline.
        using var inline = WorkerPool.RunInline();
        RawTensor? into = reuseResult ? group.StepResult(h.DType, h.Shape[0], weight.Shape[0]) : null;
        if (bias is null)
            return SingleOutputNode.Record(h, wt, computed ?? group.Product(h.Raw, wt.Raw, null, into), state,
                static (HiddenProjectionBackward n, Tensor a, Tensor b, (HiddenProjectionGroup G, int I) s) =>
                    n.Setup(s.G, s.I, hasBias: false, a, b));
        return SingleOutputNode.Record(bias, h, wt, computed ?? group.Product(h.Raw, wt.Raw, bias.Raw, into), state,
            static (HiddenProjectionBackward n, Tensor _, Tensor? a, Tensor? b, (HiddenProjectionGroup G, int I) s) =>
                n.Setup(s.G, s.I, hasBias: true, a!, b!));
    }
}

/// <summary>
/// One step's hidden projection (see <see cref="HiddenProjectionGroup"/>): <c>AddmmBackward0</c> with edges (bias,
/// h, <c>Wᵀ</c>) or, without a bias, <c>MmBackward0</c> with edges (h, <c>Wᵀ</c>).
/// </summary>
internal sealed class HiddenProjectionBackward : SingleOutputNode
{
    private SavedTensor? _h, _wt;
    private HiddenProjectionGroup? _group;
    private int _index;
    private bool _hasBias, _wtColumnMajor;

    public override string Name => _hasBias ? "AddmmBackward0" : "MmBackward0";

    /// <summary>The step's index in its group (creation order); -1 without a group.</summary>
    internal int StepIndex => _group is null ? -1 : _index;

    /// <summary>The step's group, if any.</summary>
    internal HiddenProjectionGroup? Group => _group;

    /// <summary>The node that the step's input h came from.</summary>
    internal Node? HiddenEdge => NextEdge(_hasBias ? 1 : 0).Function;

    /// <summary>Whether h's gradient is needed.</summary>
    internal bool NeedsHiddenGrad => NeedsInputGrad(_hasBias ? 1 : 0);

    /// <summary>The saved <c>W_hhᵀ</c>; null when h needs no gradient (then it is not saved).</summary>
    internal Tensor? SavedWeightT() => _wt is null ? null : Unpack(_wt);

    /// <summary>The saved input (h, or the input projection's x); null when the weight needs no gradient.</summary>
    internal Tensor? SavedInput() => _h is null ? null : Unpack(_h);

    /// <summary>Whether the weight's transpose was the column-major view of a row-major weight (<c>W.T</c>).</summary>
    internal bool WeightTColumnMajor => _wtColumnMajor;

    /// <summary>Whether the bias, the input and the weight need gradients (false for an edge that is not there).
    /// </summary>
    internal (bool Bias, bool Input, bool Weight) Needs =>
        _hasBias ? (NeedsInputGrad(0), NeedsInputGrad(1), NeedsInputGrad(2)) : (false, NeedsInputGrad(0),
            NeedsInputGrad(1));

    /// <summary>For the input projection's node: the sequence that may have formed its gradients ahead
    /// (<see cref="LstmSequence"/>'s tail).</summary>
    internal LstmSequence? Tail { get; set; }

    internal void Setup(HiddenProjectionGroup? group, int index, bool hasBias, Tensor h, Tensor wt)
    {
        (_group, _index, _hasBias) = (group, index, hasBias);
        _wtColumnMajor = MmBackward0.IsColumnMajor(wt);
        SaveForProduct(h, wt, ref _h, ref _wt);
    }

    internal override Tensor?[] Backward(Tensor grad)
    {
        var (needBias, needH, needW) = Needs;
        long pass = Engine.CurrentPass;
        if (Tail is { } tail && !Autograd.IsGradEnabled && tail.TakeInputResults(pass, grad.Raw) is { } r)
            return _hasBias ? [r.Bias, r.Input, r.WeightT] : [r.Input, r.WeightT];
        Tensor? gh = null;
        if (needH && _group?.Sequence is { } seq && !Autograd.IsGradEnabled && seq.Ran(pass))
        {
            // The whole sequence's recurrence was formed at once: only the first step's h (h0) gets a gradient here.
            if (_index == 0) gh = seq.TakeDh0();
        }
        else if (needH)
        {
            Tensor w = Unpack(_wt!).T;
            if (_group is not null && !Autograd.IsGradEnabled)
                gh = new Tensor(_group.Product(grad.Raw, w.Raw, null, null,
                    HiddenProjectionGroup.BackwardParts(grad.Raw, w.Shape[1])));
            else if (_group is null) gh = grad.Mm(w); // the input projection's T·B rows: split over the threads
            else
            {
                using var inline = WorkerPool.RunInline(); // per-step product: see HiddenProjectionGroup.Project
                gh = grad.Mm(w);
            }
        }
        Tensor? gw = null, gb = null;
        if ((needW || needBias) && _group?.Sequence is { } sequence && !Autograd.IsGradEnabled
            && sequence.TailRan(pass))
        {
            // The sequence formed the group's weight and bias gradients with the rest of its tail: the first step's
            // node hands them on, the others send none.
            if (_index == 0) (gb, gw) = sequence.TakeHiddenResults();
        }
        else if (needW || needBias)
        {
            RawTensor? h = needW ? Unpack(_h!).Raw : null;
            if (_group is not null && !Autograd.IsGradEnabled && _group.Collect(_index, grad.Raw, h))
            {
                if (_index == 0)
                {
                    var (w, b) = _group.Materialize(needW, needBias, _wtColumnMajor);
                    gw = w is null ? null : new Tensor(w);
                    gb = b is null ? null : new Tensor(b);
                }
            }
            else
            {
                if (needW) gw = MmBackward0.Mat2Grad(Unpack(_h!), grad, _wtColumnMajor);
                if (needBias) gb = grad;
                if (_index == 0 && _group is not null && _group.HasPending)
                {
                    // Steps that did collect still need their sum handed on, here as by the first step.
                    var (w, b) = _group.Materialize(needW, needBias, _wtColumnMajor);
                    if (w is not null) gw = gw! + new Tensor(w);
                    if (b is not null) gb = gb!.Sum(0) + new Tensor(b);
                }
            }
        }
        return _hasBias ? [gb, gh, gw] : [gh, gw];
    }
}

/// <summary>
/// The input projection of all steps, <c>x·W_ihᵀ + b_ih</c> over a <c>(T, B, in)</c> input, recorded as
/// <see cref="F.Linear"/> records it (<c>ViewBackward0</c>, <c>AddmmBackward0</c>/<c>MmBackward0</c> over
/// <c>TBackward0</c>, <c>ViewBackward0</c>) but computed into a per-thread buffer that the next forward reuses: the
/// steps read it only to form their gates, and no backward formula reads it (the sums that consume it save nothing,
/// and a product's node saves its inputs, not its result), so its elements are dead once the layer's direction ran.
/// Saves a <c>T·B·G·H</c> allocation per layer and direction (3.2 MB for the bench's LSTM, on the large-object heap,
/// page-faulted in fresh every call).
/// </summary>
internal static class InputProjection
{
    [ThreadStatic] private static Storage? t_free;

    /// <summary>
    /// The projection; <paramref name="rented"/> is the buffer to hand back with <see cref="Return"/> once the
    /// direction's steps ran (null when it fell back to <see cref="F.Linear"/>: tracer, dtype, odd shapes).
    /// </summary>
    /// <param name="x">The input, <c>(T, B, in)</c>.</param>
    /// <param name="weight">The input weight.</param>
    /// <param name="bias">The input bias, if any.</param>
    /// <param name="rented">The buffer to hand back.</param>
    public static Tensor Project(Tensor x, Tensor weight, Tensor? bias, out Storage? rented)
    {
        rented = null;
        DType dt = x.DType;
        if (OpTracer.IsActive || x.Dim != 3 || weight.Dim != 2 || weight.DType != dt
            || (dt != DType.Float32 && dt != DType.Float64) || x.Shape[2] != weight.Shape[1] || x.Shape[2] == 0
            || x.Shape[0] * x.Shape[1] == 0 || weight.Shape[0] == 0
            || (bias is not null && (bias.Dim != 1 || bias.DType != dt || bias.Shape[0] != weight.Shape[0]
                || !bias.Raw.IsContiguous)))
            return F.Linear(x, weight, bias);
        int n = weight.Shape[0];
        Tensor x2 = x.Reshape(-1, x.Shape[2]), wt = weight.T;
        int m = x2.Shape[0];
        Storage s;
        if (t_free is { } free && free.DType == dt && free.Length >= m * n)
        {
            s = free;
            t_free = null;
        }
        else s = RawTensor.Empty(dt, [m * n]).Storage;
        rented = s;
        // An alias per use: its own view base, so the tensors of one forward never count as views of another's.
        RawTensor r = RawOps.LinearInto(x2.Raw, wt.Raw, bias?.Raw, new RawTensor(s.Alias(), [m, n]));
        Tensor y = bias is null
            ? SingleOutputNode.Record(x2, wt, r, 0,
                static (HiddenProjectionBackward node, Tensor a, Tensor b, int _) =>
                    node.Setup(null, 0, hasBias: false, a, b))
            : SingleOutputNode.Record(bias, x2, wt, r, 0,
                static (HiddenProjectionBackward node, Tensor _, Tensor? a, Tensor? b, int _) =>
                    node.Setup(null, 0, hasBias: true, a!, b!));
        return y.View(x.Shape[0], x.Shape[1], n);
    }

    /// <summary>Keeps <paramref name="rented"/> for the next projection on this thread.</summary>
    public static void Return(Storage? rented)
    {
        if (rented is not null) t_free = rented;
    }
}
