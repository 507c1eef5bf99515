using System;
using Ember.Core;
using Ember.Graph;

namespace Ember.NN;

/// <summary>
/// The nodes of one LSTM step of the sequence module (<see cref="CellMath.LstmFused"/>), recorded under PyTorch
/// 1.13's names and wiring (<c>UnsafeSplitBackward0</c> ×4, <c>SigmoidBackward0</c>/<c>TanhBackward0</c> per gate,
/// <c>MulBackward0</c> σ(f)·c and σ(i)·tanh(g), <c>AddBackward0</c> c', <c>TanhBackward0</c> tanh(c'),
/// <c>MulBackward0</c> h'), sharing this context so that a backward pass forms the step's gate gradients in one kernel
/// (<see cref="RawOps.LstmCellBackward"/>) instead of ~13 element-wise passes and their <c>[B, H]</c> results.
/// </summary>
/// <remarks>
/// <para>How a pass runs (the engine runs nodes in descending creation order: h', tanh(c'), c', σ(i)·tanh(g), σ(f)·c,
/// the gates' activations, the split pieces). The h' node, when a gradient reaches it, keeps <c>dh</c> here and
/// sends <c>(dh·σ(o))·(1 − tanh²(c'))</c> down the tanh(c') node (which passes it on), so the engine sums it with the
/// gradient the next step and the final state sent to c' (everything that reaches c' from outside the step was made
/// by nodes created after h', so it has arrived). The c' node then holds the whole <c>dc</c> and computes, in one
/// pass, <c>dgates [B, 4H]</c> and <c>dc·σ(f)</c>; it sends its own input on (the true gradient of both summands).
/// σ(f)·c sends <c>dc·σ(f)</c> to the previous cell state, σ(i)·tanh(g) sends the i window of <c>dgates</c> through
/// σ(i) to the first split piece, which sends the whole <c>dgates</c> to the gates' sum; the f, g, o branches get
/// nothing and do not run. So no split buffer is zero-filled, and each step allocates only the hidden path's
/// <c>[B, H]</c>: <c>dc·σ(f)</c> overwrites <c>dc</c> when only the engine holds it (then the c' node's two outputs
/// carry <c>dc·σ(f)</c>, which the fused σ(f)·c and σ(i)·tanh(g) ignore), and <c>dgates</c> is written into its window
/// of the input projection's unbind buffer (<see cref="ViewGroup.Reserve"/>, rented per thread), which its unbind
/// piece then sends on without a copy.</para>
/// <para>What an observer could see is unchanged: every gradient that leaves the step (to the previous state, to the
/// gates' sum, hence to the projections) is the value the unfused formulas give, bit for bit (same operation order);
/// the values on edges inside the step differ (h' → tanh(c') carries the gradient after tanh's backward,
/// σ(i)·tanh(g) → σ(i) the one after σ's, c' → its two products possibly <c>dc·σ(f)</c>), which only a hook on
/// those internal tensors could observe: the module's
/// per-step tensors never reach the user (its outputs are stacked copies), and a step whose nodes carry hooks, a
/// recorded backward (<c>createGraph</c>) and a call outside the engine take the ordinary per-node formulas; once a
/// recorded backward used the step's inner values, a pass through that second-order graph reaches inner nodes directly,
/// so such a step never fuses again (<see cref="Exposed"/>). The
/// choice is made once per step and pass by the first of h' and c' to run, so retained graphs run again, partial
/// losses (only c' or only h' reached) and <c>Autograd.Grad</c> of any input work: a node the pass skips is one whose
/// gradient no target needs.</para>
/// <para>A sequence module's steps usually go further: the last step's c' node forms every step's gradients at once,
/// split by batch rows, and the other steps' nodes only hand them on (<see cref="LstmSequence"/>).</para>
/// </remarks>
internal sealed class LstmStep
{
    private readonly LstmStepBackward?[] _nodes = new LstmStepBackward?[LstmStepBackward.RoleCount];
    private readonly int _batch, _hidden;
    private long _decidedPass, _dhPass, _resultPass, _sequencePass;
    private bool _fused, _hooked;
    private int _registered;
    private Tensor? _dh, _gates, _cPrev;
    private Node? _xPiece;

    private LstmStep(int batch, int hidden) => (_batch, _hidden) = (batch, hidden);

    /// <summary>The ordinary split's shared buffer (used when the step is not fused).</summary>
    internal ViewGroup Split { get; } = new();

    /// <summary>The step's <c>[9, B, H]</c> block and previous cell state, until the c' node saves them.</summary>
    internal Tensor? Block, C;

    internal int Batch => _batch;
    internal int Hidden => _hidden;

    /// <summary>The layer direction's steps, when this step is one of a sequence module's (see
    /// <see cref="LstmSequence"/>).</summary>
    internal LstmSequence? Sequence { get; set; }

    internal void Register(LstmStepBackward node, LstmStepBackward.Role role)
    {
        _nodes[(int)role] = node;
        _registered++;
    }

    /// <summary>Notes that one of the step's nodes got a gradient hook (see <see cref="Complete"/>).</summary>
    internal void Hooked() => _hooked = true;

    internal LstmStepBackward? Node(LstmStepBackward.Role role) => _nodes[(int)role];

    /// <summary>The input projection's unbind piece that receives this step's gate gradient.</summary>
    internal Node? XPiece => _xPiece;

    /// <summary>
    /// Records the step's nodes over the values <see cref="RawOps.LstmCellForward"/> computed (the gates
    /// <paramref name="gatesRaw"/>, the <c>[9, B, H]</c> block <paramref name="s"/>); returns <c>(h', c')</c>. For
    /// callers in grad mode whose gates need a gradient (all nodes are then recorded).
    /// </summary>
    public static (Tensor H, Tensor C) Record(Tensor hh, Tensor xProj, Tensor c, RawTensor gatesRaw, RawTensor s)
    {
        int batch = c.Shape[0], hidden = c.Shape[1];
        var step = new LstmStep(batch, hidden) { Block = new Tensor(s), C = c };
        // The piece of the input projection's unbind that receives this step's gate gradient: the fused backward
        // writes dgates straight into that split's gradient buffer (see Compute).
        step._xPiece = xProj.GradFn;
        LstmSequence.Join(step, hh.GradFn);
        int[] shape = [batch, hidden], strides = [hidden, 1];
        RawTensor Slice(int k) => s.WithLayout(shape, strides, s.Offset + k * batch * hidden);
        Tensor gates = AddBackward0.Computed(hh, xProj, gatesRaw);
        var pieces = new Tensor[4];
        for (int k = 0; k < 4; k++)
            pieces[k] = step.Unary((LstmStepBackward.Role)k, gates,
                RawOps.Slice(gates.Raw, 1, k * hidden, (k + 1) * hidden, 1), savesOutput: false);
        Tensor i = step.Unary(LstmStepBackward.Role.SigmoidI, pieces[0], Slice(0), savesOutput: true);
        Tensor f = step.Unary(LstmStepBackward.Role.SigmoidF, pieces[1], Slice(1), savesOutput: true);
        Tensor g = step.Unary(LstmStepBackward.Role.TanhG, pieces[2], Slice(2), savesOutput: true);
        Tensor o = step.Unary(LstmStepBackward.Role.SigmoidO, pieces[3], Slice(3), savesOutput: true);
        Tensor fc = step.Binary(LstmStepBackward.Role.MulFc, f, c, Slice(4));
        Tensor ig = step.Binary(LstmStepBackward.Role.MulIg, i, g, Slice(5));
        Tensor cy = step.Binary(LstmStepBackward.Role.AddCy, fc, ig, Slice(6));
        Tensor tc = step.Unary(LstmStepBackward.Role.TanhC, cy, Slice(7), savesOutput: true);
        Tensor hy = step.Binary(LstmStepBackward.Role.MulHy, o, tc, Slice(8));
        step.Block = step.C = null;
        return (hy, cy);
    }

    private Tensor Unary(LstmStepBackward.Role role, Tensor x, RawTensor result, bool savesOutput)
    {
        Tensor y = SingleOutputNode.Record(x, result, (this, role),
            static (LstmStepBackward n, Tensor _, (LstmStep S, LstmStepBackward.Role R) st) =>
                n.Setup(st.S, st.R, null, null));
        if (savesOutput && y.GradFn is LstmStepBackward node && node.Step == this) node.SaveOutput(y);
        return y;
    }

    private Tensor Binary(LstmStepBackward.Role role, Tensor a, Tensor b, RawTensor result) =>
        SingleOutputNode.Record(a, b, result, (this, role),
            static (LstmStepBackward n, Tensor a, Tensor b, (LstmStep S, LstmStepBackward.Role R) st) =>
                n.Setup(st.S, st.R, a, b));

    /// <summary>
    /// Whether the step's backward in pass <paramref name="pass"/> is fused; decided once per pass by the first of
    /// its nodes to ask (h' or c').
    /// </summary>
    internal bool Decide(long pass)
    {
        if (_decidedPass == pass) return _fused;
        _decidedPass = pass;
        _fused = pass != 0 && !Autograd.IsGradEnabled && !Exposed && Complete();
        if (_fused) Sequence?.Decide(pass, this);
        return _fused;
    }

    /// <summary>Whether the step could fuse (no hooks, not exposed); the pass's conditions aside.</summary>
    internal bool CanFuse() => !Exposed && Complete();

    /// <summary>Marks the step as part of its sequence's whole backward in pass <paramref name="pass"/>.</summary>
    internal void EnterSequence(long pass) => (_decidedPass, _fused, _sequencePass) = (pass, true, pass);

    /// <summary>Whether pass <paramref name="pass"/> forms this step's gradients with its whole sequence.</summary>
    internal bool InSequence(long pass) => _sequencePass == pass && Sequence!.Active(pass);

    /// <summary>
    /// Where the whole-sequence backward writes this step's gate gradients: its window of the input projection's
    /// unbind buffer (as <see cref="Compute"/>), else a fresh <c>[B, 4H]</c> tensor.
    /// </summary>
    internal RawTensor ReserveGates(DType dtype)
    {
        RawTensor? into = (_xPiece as UnbindBackward0)?.ReserveGrad();
        return into is { IsContiguous: true } g && g.DType == dtype && g.NumEl == _batch * 4 * _hidden
            ? g : RawTensor.Empty(dtype, [_batch, 4 * _hidden]);
    }

    /// <summary>The results of the whole-sequence backward for this step, handed on as <see cref="Compute"/>'s.
    /// </summary>
    internal void SetResults(long pass, Tensor gates, Tensor? cPrev) =>
        (_gates, _cPrev, _resultPass) = (gates, cPrev, pass);

    /// <summary>The gradient of h' kept in pass <paramref name="pass"/>, handed over once (null if none).</summary>
    internal Tensor? TakeDh(long pass)
    {
        Tensor? dh = _dhPass == pass ? _dh : null;
        _dh = null;
        return dh;
    }

    /// <summary>
    /// Set once a recorded backward (<c>createGraph</c>) used the step's inner values in its formulas: a later pass
    /// through that graph sends gradients to inner nodes directly, so the step never fuses again.
    /// </summary>
    internal bool Exposed { get; set; }

    /// <summary>Whether pass <paramref name="pass"/> decided to fuse this step.</summary>
    internal bool IsFused(long pass) => _decidedPass == pass && _fused;

    /// <summary>
    /// Whether every node of the step was recorded and none has a gradient hook: counted as they register and
    /// noted as hooks are added, so a pass deciding over a whole sequence reads no node (~13 per step).
    /// </summary>
    private bool Complete() => _registered == LstmStepBackward.RoleCount && !_hooked;

    /// <summary>Keeps the gradient of h' for the c' node of the same pass.</summary>
    internal void KeepDh(long pass, Tensor dh) => (_dhPass, _dh) = (pass, dh);

    /// <summary>
    /// The step's gate gradients (and the previous cell state's) from the whole <paramref name="dc"/>.
    /// </summary>
    internal void Compute(long pass, Tensor dc, Tensor block, Tensor c, bool needCPrev)
    {
        Tensor? dh = _dhPass == pass ? _dh : null;
        _dh = null;
        // dgates goes (through the gates' sum) to the hidden projection, which only reads it, and to the input
        // projection's unbind piece, which would copy it into its split's [T, B, 4H] buffer: writing it into that
        // buffer's window here saves the copy, the buffer's zero fill and its fresh allocation per pass.
        RawTensor? into = (_xPiece as UnbindBackward0)?.ReserveGrad();
        // dc·σ(f) may overwrite dc when only the engine holds dc (element by element, read before write): the c' node
        // hands dc on only to σ(f)·c and σ(i)·tanh(g), which in a fused pass ignore what they receive.
        RawTensor? cPrevInto = needCPrev && Engine.MayOverwrite(dc) ? dc.Raw : null;
        var (gates, cPrev) = RawOps.LstmCellBackward(dc.Raw, dh?.Raw, block.Raw, c.Raw, needCPrev, into, cPrevInto);
        _gates = new Tensor(gates);
        _cPrev = cPrev is null ? null : new Tensor(cPrev);
        _resultPass = pass;
    }

    private void CheckComputed(long pass)
    {
        if (_resultPass != pass)
            throw new InvalidOperationException(
                "LSTM step backward: a node of a fused step ran before the step's gradients were formed.");
    }

    /// <summary>The i window of the gate gradients (the gradient σ(i) sends to its split piece).</summary>
    internal Tensor GateWindow(long pass)
    {
        CheckComputed(pass);
        return new Tensor(_gates!.Raw.WithLayout([_batch, _hidden], [4 * _hidden, 1], _gates.Raw.Offset));
    }

    /// <summary>The whole gate gradient, handed over once per pass (the first split piece to ask sends it).</summary>
    internal Tensor? TakeGates(long pass)
    {
        CheckComputed(pass);
        Tensor? g = _gates;
        _gates = null;
        return g;
    }

    /// <summary>The previous cell state's gradient, handed over once.</summary>
    internal Tensor? TakeCPrev(long pass)
    {
        CheckComputed(pass);
        Tensor? g = _cPrev;
        _cPrev = null;
        return g;
    }
}

/// <summary>
/// One node of an <see cref="LstmStep"/>, named as the op it stands for; its ordinary formula is that op's.
/// </summary>
internal sealed class LstmStepBackward : SingleOutputNode
{
    /// <summary>Which op of the step the node stands for (in creation order).</summary>
    internal enum Role : byte
    {
        SplitI, SplitF, SplitG, SplitO, SigmoidI, SigmoidF, TanhG, SigmoidO, MulFc, MulIg, AddCy, TanhC, MulHy,
    }

    internal const int RoleCount = (int)Role.MulHy + 1;

    private Role _role;
    private SavedTensor? _a, _b;

    internal LstmStep Step { get; private set; } = null!;

    public override string Name => _role switch
    {
        <= Role.SplitO => "UnsafeSplitBackward0",
        Role.SigmoidI or Role.SigmoidF or Role.SigmoidO => "SigmoidBackward0",
        Role.TanhG or Role.TanhC => "TanhBackward0",
        Role.AddCy => "AddBackward0",
        _ => "MulBackward0",
    };

    internal void Setup(LstmStep step, Role role, Tensor? a, Tensor? b)
    {
        (Step, _role) = (step, role);
        step.Register(this, role);
        if (role is Role.MulFc or Role.MulIg or Role.MulHy) SaveForProduct(a!, b!, ref _a, ref _b);
        else if (role == Role.AddCy)
        {
            // What the fused backward reads (the ordinary one needs nothing).
            _a = Save(step.Block!);
            _b = Save(step.C!);
        }
    }

    internal void SaveOutput(Tensor y) => _a = Save(y);

    private protected override void OnPreHookAdded() => Step.Hooked();

    /// <summary>The c' node's saved step block and previous cell state.</summary>
    internal (Tensor Block, Tensor C) SavedState() => (Unpack(_a!), Unpack(_b!));

    /// <summary>Whether the previous cell state needs a gradient (the σ(f)·c node's second input).</summary>
    internal bool NeedsCGrad => NeedsInputGrad(1);

    private bool IsSplit => _role <= Role.SplitO;

    internal override Tensor?[] Backward(Tensor grad)
    {
        long pass = Engine.CurrentPass;
        LstmStep step = Step;
        switch (_role)
        {
            case Role.MulHy when step.Decide(pass) && step.InSequence(pass) && !step.Sequence!.IsLast(step):
                // The sequence formed this step's gradients from the stack's; σ(o) and tanh(c'), which only this
                // node consumes, get nothing and never run, so their saved slices are freed here.
                ReleaseSkipped(0);
                ReleaseSkipped(1);
                return [null, null];
            case Role.AddCy when step.Decide(pass) && step.InSequence(pass):
                // The last step's c' holds the whole dc: the sequence forms every step's gradients now; every c'
                // passes its gradient (a placeholder but for the last) on so its step's nodes hand them on.
                if (step.Sequence!.IsLast(step)) step.Sequence.Run(pass, grad, step.TakeDh(pass));
                else step.Node(Role.MulHy)?.ReleaseUnreached();
                return [NeedsInputGrad(0) ? grad : null, NeedsInputGrad(1) ? grad : null];
            case Role.MulHy when step.Decide(pass):
                step.KeepDh(pass, grad);
                ReleaseSkipped(0);
                return [null, new Tensor(RawOps.LstmHiddenBackward(grad.Raw, Unpack(_a!).Raw, Unpack(_b!).Raw))];
            case Role.AddCy when step.Decide(pass):
                step.Compute(pass, grad, Unpack(_a!), Unpack(_b!), step.Node(Role.MulFc)!.NeedsInputGrad(1));
                return [NeedsInputGrad(0) ? grad : null, NeedsInputGrad(1) ? grad : null];
            case Role.MulHy or Role.AddCy:
                break;
            default:
                if (step.IsFused(pass)) return PassThrough(grad, pass);
                break;
        }
        return Ordinary(grad);
    }

    /// <summary>A fused step's node: hands on the slices the c' node formed (see <see cref="LstmStep"/>).</summary>
    private Tensor?[] PassThrough(Tensor grad, long pass) => _role switch
    {
        Role.MulFc => ReleaseSkipped(0, [null, NeedsInputGrad(1) ? Step.TakeCPrev(pass) : null]),
        Role.MulIg => ReleaseSkipped(1, [Step.GateWindow(pass), null]),
        <= Role.SplitO => [Step.TakeGates(pass)],
        _ => [grad], // the activations (only σ(i) is reached) and tanh(c'): their gradient is already formed
    };

    /// <summary>
    /// In a pass that frees saved tensors, frees those of input <paramref name="i"/>'s node: an activation of this
    /// step (σ(f), tanh(g), σ(o)) whose only consumer is this node and to which a fused pass sends nothing, so the
    /// engine never runs (nor frees) it. Once this node is freed, a pass reaching that activation would first run this
    /// node, which fails on its freed values, so the activation's saved slice of the step's block is dead; freeing it
    /// lets the block be reused (<see cref="LstmBlockPool"/>).
    /// </summary>
    private Tensor?[] ReleaseSkipped(int i, Tensor?[] result)
    {
        ReleaseSkipped(i);
        return result;
    }

    /// <summary>
    /// A non-last step of a whole-sequence pass, at its c' node: its h' node (created later, so it either ran already
    /// or gets nothing this pass, as when the loss uses only the final states) and the σ(o) and tanh(c') it alone
    /// consumes are dead once the pass frees saves: a later pass through them would go on to this c' node, whose saved
    /// values are freed. Frees their saved slices so the step's block can be reused (idempotent when h' ran).
    /// </summary>
    private void ReleaseUnreached()
    {
        if (!Engine.ReleasesSaved) return;
        ReleaseSkipped(0);
        ReleaseSkipped(1);
        ReleaseVariables();
    }

    private void ReleaseSkipped(int i)
    {
        if (Engine.ReleasesSaved && NextEdge(i).Function is LstmStepBackward n && n.Step == Step)
            n.ReleaseVariables();
    }

    /// <summary>The op's own formula, as its ordinary node computes it.</summary>
    private Tensor?[] Ordinary(Tensor grad)
    {
        if (Autograd.IsGradEnabled) Step.Exposed = true;
        if (IsSplit)
        {
            int h = Step.Hidden, offset = (int)_role * h;
            int[] shape = [Step.Batch, h], strides = [4 * h, 1];
            return !Autograd.IsGradEnabled && Engine.CurrentPass != 0
                ? [Step.Split.Add(grad, InputShape(0), InputDType(0), shape, strides, offset)]
                : [ViewScatterBackward.Apply(grad, InputShape(0), shape, strides, offset,
                    ViewScatterBackward.Of.Split)];
        }
        if (_role is Role.SigmoidI or Role.SigmoidF or Role.SigmoidO)
        {
            Tensor y = Unpack(_a!);
            return [Autograd.IsGradEnabled ? grad * y * (1.0 - y)
                : new Tensor(RawOps.SigmoidBackward(grad.Raw, y.Raw))];
        }
        if (_role is Role.TanhG or Role.TanhC)
        {
            Tensor y = Unpack(_a!);
            return [Autograd.IsGradEnabled ? grad * (1.0 - y * y)
                : new Tensor(RawOps.TanhBackward(grad.Raw, y.Raw))];
        }
        if (_role == Role.AddCy) return [NeedsInputGrad(0) ? grad : null, NeedsInputGrad(1) ? grad : null];
        return [NeedsInputGrad(0) ? grad * Unpack(_b!) : null, NeedsInputGrad(1) ? grad * Unpack(_a!) : null];
    }

    internal override bool OwnsGrad(Tensor g) => IsSplit && Step.Split.Owns(g);
}
