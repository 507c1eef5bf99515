using System;
using System.Collections.Generic;
using System.Globalization;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember.NN;

/// <summary>
/// What <see cref="RNN"/>, <see cref="LSTM"/> and <see cref="GRU"/> share: PyTorch's parameters (names, layouts,
/// order and initialization), the layer/direction loop, <c>batchFirst</c>, inter-layer dropout, unbatched input and
/// variable lengths. Parameters per layer <c>k</c> and direction (suffix <c>_reverse</c> for the backward one):
/// <c>weight_ih_lk</c> <c>[G·H, in]</c>, <c>weight_hh_lk</c> <c>[G·H, Hₒ]</c>, <c>bias_ih_lk</c>, <c>bias_hh_lk</c>
/// <c>[G·H]</c> and, for an LSTM with a projection, <c>weight_hr_lk</c> <c>[P, H]</c>; G is 1 (RNN), 4 (LSTM, gates
/// i, f, g, o) or 3 (GRU, gates r, z, n), Hₒ is the projection size P when set and H otherwise, and <c>in</c> is
/// <c>inputSize</c> for layer 0 and <c>Hₒ·directions</c> above it. All are drawn from U(-1/√H, 1/√H) as PyTorch does.
/// </summary>
/// <remarks>
/// The graph follows PyTorch 1.13's CPU RNNs: one <c>Linear</c> over all timesteps for the input projection
/// (<c>AddmmBackward0</c> → <c>ViewBackward0</c> → <c>UnbindBackward0</c>), per step the hidden projection
/// (<c>AddmmBackward0</c>), the gate math as small ops (<c>UnsafeSplitBackward0</c>, <c>SigmoidBackward0</c>,
/// <c>TanhBackward0</c>, <c>MulBackward0</c>, <c>AddBackward0</c>), then <c>StackBackward0</c> over time and
/// <c>CatBackward0</c> over directions. One deviation: PyTorch projects the reverse direction's input step by step;
/// Ember projects it in one GEMM as for the forward direction (the same values, fewer nodes). With lengths the steps
/// past a sequence's end keep its state (<c>WhereBackward0</c>), where PyTorch's packed path shrinks the batch.
/// </remarks>
/// <typeparam name="TIn">The input (sequence, initial state, lengths).</typeparam>
/// <typeparam name="TOut">The output (sequence output, final state).</typeparam>
public abstract class RNNBase<TIn, TOut> : Module<TIn, TOut>
{
    private readonly Generator? _generator;

    private protected RNNBase(string mode, int gateCount, int inputSize, int hiddenSize, int numLayers, bool bias,
        bool batchFirst, double dropout, bool bidirectional, int projSize, DType dtype, Generator? generator)
    {
        if (inputSize < 0 || hiddenSize <= 0 || numLayers <= 0 || projSize < 0)
            throw new ArgumentException(
                $"{mode}: expected inputSize >= 0, hiddenSize > 0, numLayers > 0 and projSize >= 0, got inputSize=" +
                $"{inputSize}, hiddenSize={hiddenSize}, numLayers={numLayers}, projSize={projSize}.");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentException($"{mode}: dropout should be a number in range [0, 1], got {dropout}.");
        if (projSize >= hiddenSize)
            throw new ArgumentException(
                $"{mode}: projSize has to be smaller than hiddenSize, got {projSize} >= {hiddenSize}.");
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{mode}: parameters must be floating point, got {dtype.TorchName()}.");
        Mode = mode;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        Bias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Bidirectional = bidirectional;
        ProjSize = projSize;
        _generator = generator;
        int dirs = bidirectional ? 2 : 1, outSize = projSize > 0 ? projSize : hiddenSize;
        for (int layer = 0; layer < numLayers; layer++)
            for (int dir = 0; dir < dirs; dir++)
            {
                string s = Suffix(layer, dir);
                int layerIn = layer == 0 ? inputSize : outSize * dirs;
                RegisterParameter("weight_ih" + s, NewParameter([gateCount * hiddenSize, layerIn], dtype));
                RegisterParameter("weight_hh" + s, NewParameter([gateCount * hiddenSize, outSize], dtype));
                if (bias)
                {
                    RegisterParameter("bias_ih" + s, NewParameter([gateCount * hiddenSize], dtype));
                    RegisterParameter("bias_hh" + s, NewParameter([gateCount * hiddenSize], dtype));
                }
                if (projSize > 0) RegisterParameter("weight_hr" + s, NewParameter([projSize, hiddenSize], dtype));
            }
        ResetParameters(generator);
    }

    private static Parameter NewParameter(int[] shape, DType dtype) => new(Tensor.Zeros(shape, dtype));

    private static string Suffix(int layer, int dir) =>
        string.Create(CultureInfo.InvariantCulture, $"_l{layer}") + (dir == 1 ? "_reverse" : "");

    /// <summary>The kind as PyTorch names it (<c>RNN_TANH</c>, <c>RNN_RELU</c>, <c>LSTM</c>, <c>GRU</c>).</summary>
    public string Mode { get; }

    /// <summary>The number of features of each input step.</summary>
    public int InputSize { get; }

    /// <summary>The number of features of the hidden state (of the cell state for an LSTM with a projection).</summary>
    public int HiddenSize { get; }

    /// <summary>The number of stacked layers.</summary>
    public int NumLayers { get; }

    /// <summary>Whether the layers have <c>bias_ih</c>/<c>bias_hh</c>.</summary>
    public bool Bias { get; }

    /// <summary>Whether input and output are <c>(batch, seq, feature)</c>, not <c>(seq, batch, feature)</c>.</summary>
    public bool BatchFirst { get; }

    /// <summary>The dropout probability applied to each layer's output but the last's, in training mode.</summary>
    public double Dropout { get; }

    /// <summary>Whether each layer also runs over the reversed sequence (outputs joined on the last dim).</summary>
    public bool Bidirectional { get; }

    /// <summary>The size of the LSTM's projected hidden state (0: no projection).</summary>
    public int ProjSize { get; }

    /// <summary>Re-draws every parameter from U(-1/√H, 1/√H), as PyTorch's <c>reset_parameters</c>.</summary>
    public void ResetParameters(Generator? generator = null)
    {
        double stdv = 1 / Math.Sqrt(HiddenSize);
        foreach (var p in Parameters(recurse: false)) Init.Uniform_(p, -stdv, stdv, generator);
    }

    /// <summary>
    /// One step of the cell: from the projected input <c>(B, G·H)</c> and the previous state to the new state.
    /// </summary>
    private protected abstract (Tensor H, Tensor? C) Step(Tensor inputProjected, Tensor h, Tensor? c, CellWeights w);

    /// <summary>Whether the cell has a cell state (LSTM).</summary>
    private protected virtual bool HasCellState => false;

    /// <summary>
    /// Runs every layer and direction. <paramref name="input"/>: <c>(T, B, in)</c>, <c>(B, T, in)</c> when batch-first,
    /// or unbatched <c>(T, in)</c>; states <c>(L·D, B, Hₒ)</c> (<c>(L·D, Hₒ)</c> unbatched), the cell state with H;
    /// <paramref name="lengths"/> (one per batch entry, 1..T) makes each sequence stop at its length: its outputs
    /// past the end are zero and its final state is the one at its last step, as when running it alone.
    /// </summary>
    private protected (Tensor Output, Tensor H, Tensor? C) Run(Tensor input, Tensor? h0, Tensor? c0, int[]? lengths)
    {
        ArgumentNullException.ThrowIfNull(input);
        DType dtype = ParameterDType ?? DType.Float32;
        var p = new Dictionary<string, Parameter>();
        foreach (var (name, param) in NamedParameters(recurse: false)) p[name] = param;
        if (input.Dim != 2 && input.Dim != 3)
            throw new ArgumentException(
                $"{Mode}: expected input to be 2-D (unbatched) or 3-D, got {input.Dim}-D shape " +
                $"{Shapes.Format(input.Shape)}.");
        bool unbatched = input.Dim == 2;
        Tensor x = Cast(input, dtype, "input");
        x = unbatched ? x.Unsqueeze(1) : BatchFirst ? x.Transpose(0, 1) : x;
        if (x.Shape[2] != InputSize)
            throw new ArgumentException(
                $"{Mode}: input.size(-1) must be equal to inputSize. Expected {InputSize}, got {x.Shape[2]}.");
        int steps = x.Shape[0], batch = x.Shape[1], dirs = Bidirectional ? 2 : 1;
        int outSize = ProjSize > 0 ? ProjSize : HiddenSize;
        Tensor[] hs = State(h0, unbatched, batch, outSize, dtype, "hx").Unbind(0);
        Tensor[]? cs = HasCellState ? State(c0, unbatched, batch, HiddenSize, dtype, "cx").Unbind(0) : null;
        Tensor[]? masks = lengths is null ? null : Masks(lengths, steps, batch);
        var hN = new Tensor[NumLayers * dirs];
        var cN = new Tensor[NumLayers * dirs];
        Tensor layerInput = x;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            var dirOutputs = new Tensor[dirs];
            for (int dir = 0; dir < dirs; dir++)
            {
                int idx = layer * dirs + dir;
                string s = Suffix(layer, dir);
                var w = new CellWeights(p["weight_hh" + s], Bias ? p["bias_hh" + s] : null,
                    ProjSize > 0 ? p["weight_hr" + s] : null, new HiddenProjectionGroup(steps));
                Tensor projected = InputProjection.Project(layerInput, p["weight_ih" + s],
                    Bias ? p["bias_ih" + s] : null, out Storage? rented);
                Tensor h = hs[idx];
                Tensor? c = cs?[idx];
                if (Mode == "LSTM" && c is not null
                    && LstmInference.Applies(projected, h, c, w.WeightHh, w.BiasHh, w.WeightHr, masks is not null))
                {
                    // Nothing is recorded: the steps run on reused buffers (same products and kernel, same values).
                    (dirOutputs[dir], hN[idx], cN[idx]) =
                        LstmInference.Run(projected, h, c, w.WeightHh, w.BiasHh, dir == 1, w.Group!);
                    InputProjection.Return(rented);
                    continue;
                }
                Tensor[] xs = projected.Unbind(0);
                var outs = new Tensor[steps];
                // An LSTM's step values all at once, split over threads by batch rows, while this thread records the
                // steps' nodes over the blocks they go to.
                // With lengths the same, plus the masked path's Where nodes over what the rows select.
                RawTensor[]? values = Mode == "LSTM" && c is not null ? LstmRows.Blocks(projected, h, c, w) : null;
                RawTensor? stacked = values is null ? null : LstmRows.StackBuffer(values, steps);
                if (values is not null)
                {
                    (h, c) = masks is null
                        ? LstmRows.RunRecorded(projected, h, c!, w, dir == 1, values, xs, outs, stacked)
                        : LstmRows.RunRecordedMasked(projected, h, c!, w, dir == 1, values, xs, outs, stacked!, masks,
                            lengths!);
                }
                for (int k = 0; k < steps && values is null; k++)
                {
                    int t = dir == 0 ? k : steps - 1 - k;
                    var (hNew, cNew) = Step(xs[t], h, c, w);
                    if (masks is null)
                    {
                        h = hNew;
                        c = cNew;
                        outs[t] = hNew;
                    }
                    else
                    {
                        h = Tensor.Where(masks[t], hNew, h);
                        c = c is null ? null : Tensor.Where(masks[t], cNew!, c);
                        outs[t] = Tensor.Where(masks[t], hNew, 0.0);
                    }
                }
                InputProjection.Return(rented);
                dirOutputs[dir] = stacked is null ? Tensor.Stack(outs, 0) : LstmRows.StackOutputs(outs, stacked);
                LstmSequence.Watch(dirOutputs[dir], w.Group, dir == 1);
                hN[idx] = h;
                cN[idx] = c!;
            }
            layerInput = dirs == 1 ? dirOutputs[0] : Tensor.Cat(dirOutputs, 2);
            if (Dropout > 0 && Training && layer < NumLayers - 1)
                layerInput = F.Dropout(layerInput, Dropout, true, _generator);
        }
        Tensor output = unbatched ? layerInput.Squeeze(1) : BatchFirst ? layerInput.Transpose(0, 1) : layerInput;
        Tensor hOut = Tensor.Stack(hN, 0);
        Tensor? cOut = HasCellState ? Tensor.Stack(cN, 0) : null;
        if (unbatched)
        {
            hOut = hOut.Squeeze(1);
            cOut = cOut?.Squeeze(1);
        }
        return (output, hOut, cOut);
    }

    private Tensor Cast(Tensor t, DType dtype, string what)
    {
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{Mode} expected floating-point {what} ({dtype.TorchName()}) but got a {t.DType.TorchName()} " +
                $"tensor of shape {Shapes.Format(t.Shape)}. Convert it with x.To(DType.{dtype}).");
        return t.DType == dtype ? t : t.To(dtype);
    }

    private Tensor State(Tensor? s, bool unbatched, int batch, int size, DType dtype, string what)
    {
        int n = NumLayers * (Bidirectional ? 2 : 1);
        if (s is null) return Tensor.Zeros([n, batch, size], dtype);
        int[] expected = unbatched ? [n, size] : [n, batch, size];
        if (!s.Shape.SequenceEqual(expected))
            throw new ArgumentException(
                $"{Mode}: expected {what} of shape {Shapes.Format(expected)}, got {Shapes.Format(s.Shape)}.");
        s = Cast(s, dtype, what);
        return unbatched ? s.Unsqueeze(1) : s;
    }

    private Tensor[] Masks(int[] lengths, int steps, int batch)
    {
        if (lengths.Length != batch)
            throw new ArgumentException(
                $"{Mode}: expected {batch} lengths (one per batch entry), got {lengths.Length}.");
        foreach (int len in lengths)
            if (len < 1 || len > steps)
                throw new ArgumentException(
                    $"{Mode}: every length must be in [1, {steps}] (the padded sequence length), got {len}.");
        var masks = new Tensor[steps];
        for (int t = 0; t < steps; t++)
        {
            var m = new bool[batch, 1];
            for (int b = 0; b < batch; b++) m[b, 0] = t < lengths[b];
            masks[t] = Tensor.From(m);
        }
        return masks;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}");
        if (ProjSize != 0) sb.Append(CultureInfo.InvariantCulture, $", proj_size={ProjSize}");
        if (NumLayers != 1) sb.Append(CultureInfo.InvariantCulture, $", num_layers={NumLayers}");
        if (!Bias) sb.Append(", bias=False");
        if (BatchFirst) sb.Append(", batch_first=True");
        if (Dropout != 0) sb.Append(CultureInfo.InvariantCulture, $", dropout={Dropout}");
        if (Bidirectional) sb.Append(", bidirectional=True");
        return sb.ToString();
    }
}

/// <summary>The hidden-side weights of one layer and direction.</summary>
/// <param name="WeightHh">The hidden-to-hidden weight.</param>
/// <param name="BiasHh">The hidden bias, if any.</param>
/// <param name="WeightHr">The LSTM's projection weight, if any.</param>
/// <param name="Group">Joins the steps' hidden projections (<see cref="HiddenProjectionGroup"/>); null for a
/// cell.</param>
internal readonly record struct CellWeights(Tensor WeightHh, Tensor? BiasHh, Tensor? WeightHr,
    HiddenProjectionGroup? Group = null)
{
    /// <summary><c>h·W_hhᵀ + b_hh</c>, as <see cref="F.Linear"/> records it.</summary>
    public Tensor Project(Tensor h) => HiddenProjectionGroup.Project(h, WeightHh, BiasHh, Group);
}

/// <summary>The cell math shared by the sequence modules and the cells, in PyTorch 1.13's op order.</summary>
internal static class CellMath
{
    /// <summary>
    /// LSTM: gates = x̃ + W_hh h + b_hh split into i, f, g, o; c' = σ(f)c + σ(i)tanh(g); h' = σ(o)tanh(c').
    /// </summary>
    public static (Tensor H, Tensor C) Lstm(Tensor xProj, Tensor h, Tensor c, CellWeights w)
    {
        Tensor gates = F.Linear(h, w.WeightHh, w.BiasHh) + xProj;
        Tensor[] g = gates.UnsafeChunk(4, 1);
        Tensor i = g[0].Sigmoid(), f = g[1].Sigmoid(), cell = g[2].Tanh(), o = g[3].Sigmoid();
        Tensor cy = (f * c) + (i * cell);
        Tensor hy = o * cy.Tanh();
        if (w.WeightHr is not null) hy = F.Linear(hy, w.WeightHr);
        return (hy, cy);
    }

    /// <summary>
    /// <see cref="Lstm"/> with the step's element-wise math in one kernel (<see cref="RawOps.LstmCellForward"/>):
    /// the same nodes are recorded in the same order (<c>AddBackward0</c>, <c>UnsafeSplitBackward0</c>, σ/tanh, the
    /// products and sums), each wrapping its slice of the kernel's result, so the visible graph and every backward
    /// formula are unchanged. The values live in one <c>[9, B, H]</c> block per step, so the returned state shares
    /// storage with the step's other results: only for callers that hand the user copies (the sequence modules
    /// stack their outputs). Falls back to <see cref="Lstm"/> for half precision and while an op tracer listens.
    /// </summary>
    public static (Tensor H, Tensor C) LstmFused(Tensor xProj, Tensor h, Tensor c, CellWeights w)
    {
        if (OpTracer.IsActive || (xProj.DType != DType.Float32 && xProj.DType != DType.Float64)
            || xProj.Dim != 2 || c.Dim != 2 || c.DType != xProj.DType)
            return Lstm(xProj, h, c, w);
        // hh is read by nothing but this step's sum, so the group's steps share one buffer for it.
        Tensor hh = HiddenProjectionGroup.Project(h, w.WeightHh, w.BiasHh, w.Group, reuseResult: true);
        // hh is read by nothing but this step's sum (AddBackward0 saves nothing), so the gates overwrite its elements
        // (the hh tensor, which the user cannot reach, then holds the gates; its node's backward needs no values).
        var (gatesRaw, s) = RawOps.LstmCellForward(hh.Raw, xProj.Raw, c.Raw, gatesOverHh: true);
        return LstmRecord(hh, xProj, c, gatesRaw, s, w);
    }

    /// <summary>
    /// <see cref="LstmFused"/> over a step whose values a caller computed (<see cref="LstmRows"/>): records the hidden
    /// projection over a buffer the group's steps share (read by nothing, as <see cref="LstmFused"/>'s; its elements
    /// are left as they are) and the step's nodes over <paramref name="s"/>, the step's <c>[9, B, H]</c> block (dense,
    /// at its offset). For the sequence module's steps only (a group, float32/float64, 2-D, no tracer).
    /// </summary>
    public static (Tensor H, Tensor C) LstmComputed(Tensor xProj, Tensor h, Tensor c, CellWeights w, RawTensor s)
    {
        RawTensor buffer = w.Group!.StepResult(h.DType, h.Shape[0], w.WeightHh.Shape[0]);
        Tensor hh = HiddenProjectionGroup.Project(h, w.WeightHh, w.BiasHh, w.Group, computed: buffer);
        var gatesRaw = new RawTensor(buffer.Storage.Alias(), buffer.Shape, buffer.Strides, buffer.Offset);
        return LstmRecord(hh, xProj, c, gatesRaw, s, w);
    }

    private static (Tensor H, Tensor C) LstmRecord(Tensor hh, Tensor xProj, Tensor c, RawTensor gatesRaw,
        RawTensor s, CellWeights w)
    {
        if (Autograd.ShouldRecord(hh, xProj))
        {
            // The step's nodes share one context so that backward forms the gate gradients in one kernel.
            var (hf, cf) = LstmStep.Record(hh, xProj, c, gatesRaw, s);
            return (w.WeightHr is null ? hf : F.Linear(hf, w.WeightHr), cf);
        }
        int batch = c.Shape[0], hidden = c.Shape[1];
        int[] shape = [batch, hidden], strides = [hidden, 1];
        RawTensor Slice(int k) => s.WithLayout(shape, strides, s.Offset + k * batch * hidden);
        Tensor gates = AddBackward0.Computed(hh, xProj, gatesRaw);
        Tensor[] g = gates.UnsafeChunk(4, 1);
        Tensor i = SigmoidBackward0.Record(g[0], Slice(0)), f = SigmoidBackward0.Record(g[1], Slice(1));
        Tensor cell = TanhBackward0.Record(g[2], Slice(2)), o = SigmoidBackward0.Record(g[3], Slice(3));
        Tensor cy = AddBackward0.Computed(MulBackward0.Computed(f, c, Slice(4)),
            MulBackward0.Computed(i, cell, Slice(5)), Slice(6));
        Tensor hy = MulBackward0.Computed(o, TanhBackward0.Record(cy, Slice(7)), Slice(8));
        if (w.WeightHr is not null) hy = F.Linear(hy, w.WeightHr);
        return (hy, cy);
    }

    /// <summary>GRU: r = σ(x̃_r + h̃_r), z = σ(x̃_z + h̃_z), n = tanh(x̃_n + r·h̃_n), h' = (h − n)·z + n.</summary>
    public static Tensor Gru(Tensor xProj, Tensor h, CellWeights w)
    {
        Tensor[] ig = xProj.UnsafeChunk(3, 1);
        Tensor[] hg = F.Linear(h, w.WeightHh, w.BiasHh).UnsafeChunk(3, 1);
        Tensor r = (hg[0] + ig[0]).Sigmoid();
        Tensor z = (hg[1] + ig[1]).Sigmoid();
        Tensor n = (ig[2] + (hg[2] * r)).Tanh();
        return ((h - n) * z) + n;
    }

    /// <summary>
    /// <see cref="Gru"/> with the step's element-wise math in one kernel (<see cref="RawOps.GruCellForward"/>),
    /// recording the same nodes in the same order, each wrapping its slice of one <c>[10, B, H]</c> block; for callers
    /// that hand the user copies, as <see cref="LstmFused"/>.
    /// </summary>
    public static Tensor GruFused(Tensor xProj, Tensor h, CellWeights w)
    {
        if (OpTracer.IsActive || (xProj.DType != DType.Float32 && xProj.DType != DType.Float64)
            || xProj.Dim != 2 || h.Dim != 2 || h.DType != xProj.DType)
            return Gru(xProj, h, w);
        Tensor[] ig = xProj.UnsafeChunk(3, 1);
        Tensor hh = w.Project(h);
        Tensor[] hg = hh.UnsafeChunk(3, 1);
        RawTensor s = RawOps.GruCellForward(xProj.Raw, hh.Raw, h.Raw);
        int batch = h.Shape[0], hidden = h.Shape[1];
        int[] shape = [batch, hidden], strides = [hidden, 1];
        RawTensor Slice(int k) => s.WithLayout(shape, strides, k * batch * hidden);
        Tensor r = SigmoidBackward0.Record(AddBackward0.Computed(hg[0], ig[0], Slice(0)), Slice(1));
        Tensor z = SigmoidBackward0.Record(AddBackward0.Computed(hg[1], ig[1], Slice(2)), Slice(3));
        Tensor n = TanhBackward0.Record(
            AddBackward0.Computed(ig[2], MulBackward0.Computed(hg[2], r, Slice(4)), Slice(5)), Slice(6));
        return AddBackward0.Computed(MulBackward0.Computed(SubBackward0.Computed(h, n, Slice(7)), z, Slice(8)), n,
            Slice(9));
    }

    /// <summary>Elman RNN: h' = act(W_hh h + b_hh + x̃) with tanh or ReLU.</summary>
    public static Tensor Rnn(Tensor xProj, Tensor h, CellWeights w, bool relu)
    {
        Tensor pre = w.Project(h) + xProj;
        return relu ? pre.ReLU() : pre.Tanh();
    }
}
