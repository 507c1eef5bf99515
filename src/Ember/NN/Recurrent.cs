using System;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// A multi-layer LSTM (PyTorch's <c>nn.LSTM</c>): per step, with gates i, f, g, o in that order in the weights,
/// <c>c' = σ(f)·c + σ(i)·tanh(g)</c>, <c>h' = σ(o)·tanh(c')</c> (then <c>h' = W_hr h'</c> with a projection).
/// Input <c>(T, B, inputSize)</c> (<c>(B, T, inputSize)</c> when <c>batchFirst</c>, <c>(T, inputSize)</c> unbatched);
/// optional initial state <c>(h₀, c₀)</c> of shapes <c>(L·D, B, Hₒ)</c> and <c>(L·D, B, H)</c> (zeros otherwise;
/// never batch-first); optional lengths. Output <c>(T, B, D·Hₒ)</c> and the final <c>(h_n, c_n)</c>; D is 2 when
/// bidirectional, Hₒ is <c>projSize</c> when set and <c>hiddenSize</c> otherwise. See <see cref="RNNBase{TIn, TOut}"/>
/// for the parameters (PyTorch's names and layouts, so PyTorch state dicts load).
/// </summary>
public sealed class LSTM : RNNBase<(Tensor Input, (Tensor H, Tensor C)? State, int[]? Lengths),
    (Tensor Output, (Tensor H, Tensor C) State)>
{
    /// <summary>Creates the module.</summary>
    /// <param name="inputSize">Features of each input step.</param>
    /// <param name="hiddenSize">Features of the hidden (and cell) state.</param>
    /// <param name="numLayers">Stacked layers.</param>
    /// <param name="bias">Whether to learn <c>bias_ih</c>/<c>bias_hh</c>.</param>
    /// <param name="batchFirst">Input and output are <c>(B, T, feature)</c>.</param>
    /// <param name="dropout">Dropout on each layer's output but the last's, in training mode.</param>
    /// <param name="bidirectional">Also run each layer over the reversed sequence.</param>
    /// <param name="projSize">
    /// Size of the projected hidden state (0: none; must be below <paramref name="hiddenSize"/>).
    /// </param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization and the dropout masks.</param>
    public LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        double dropout = 0, bool bidirectional = false, int projSize = 0, DType dtype = DType.Float32,
        Generator? generator = null)
        : base("LSTM", 4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize, dtype,
            generator)
    {
    }

    /// <summary>Runs the LSTM from zero state.</summary>
    public (Tensor Output, (Tensor H, Tensor C) State) Call(Tensor input) => Call((input, null, null));

    /// <summary>Runs the LSTM from the state <c>(h₀, c₀)</c>.</summary>
    public (Tensor Output, (Tensor H, Tensor C) State) Call(Tensor input, (Tensor H, Tensor C) state) =>
        Call((input, state, null));

    /// <summary>
    /// Runs a padded batch whose entry b is <c>lengths[b]</c> steps long (PyTorch's <c>pack_padded_sequence</c>, then
    /// <c>pad_packed_sequence</c> with <c>total_length</c> T): outputs past each end are zero and each final state is
    /// the one at its last step, equal to running each sequence alone.
    /// </summary>
    public (Tensor Output, (Tensor H, Tensor C) State) Call(Tensor input, int[] lengths,
        (Tensor H, Tensor C)? state = null) => Call((input, state, lengths));

    /// <summary>
    /// Runs a packed batch (PyTorch's LSTM on a <see cref="PackedSequence"/>): the output is packed like the input;
    /// <paramref name="state"/> and the final state are in the original batch order.
    /// </summary>
    public (PackedSequence Output, (Tensor H, Tensor C) State) Call(PackedSequence input,
        (Tensor H, Tensor C)? state = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (padded, lengths) = RnnUtils.PadPackedSequence(input, BatchFirst);
        var (output, final) = Call((padded, state, lengths));
        return (RnnUtils.PackLike(input, output, BatchFirst), final);
    }

    /// <inheritdoc/>
    public override (Tensor Output, (Tensor H, Tensor C) State) Forward(
        (Tensor Input, (Tensor H, Tensor C)? State, int[]? Lengths) input)
    {
        if (input.State is { } s && (s.H is null || s.C is null))
            throw new ArgumentException("LSTM: the initial state needs both h0 and c0 (or pass no state).");
        var (output, h, c) = Run(input.Input, input.State?.H, input.State?.C, input.Lengths);
        return (output, (h, c!));
    }

    private protected override bool HasCellState => true;

    private protected override (Tensor H, Tensor? C) Step(Tensor inputProjected, Tensor h, Tensor? c, CellWeights w)
    {
        var (hy, cy) = CellMath.LstmFused(inputProjected, h, c!, w);
        return (hy, cy);
    }
}

/// <summary>
/// A multi-layer GRU (PyTorch's <c>nn.GRU</c>): per step, with gates r, z, n in that order in the weights,
/// <c>r = σ(W_ir x + b_ir + W_hr h + b_hr)</c>, <c>z = σ(W_iz x + b_iz + W_hz h + b_hz)</c>,
/// <c>n = tanh(W_in x + b_in + r·(W_hn h + b_hn))</c>, <c>h' = (1 − z)·n + z·h</c>. Shapes as <see cref="LSTM"/>
/// without the cell state: output <c>(T, B, D·H)</c> and <c>h_n</c> <c>(L·D, B, H)</c>.
/// </summary>
public sealed class GRU : RNNBase<(Tensor Input, Tensor? H0, int[]? Lengths), (Tensor Output, Tensor H)>
{
    /// <summary>Creates the module (parameters as <see cref="LSTM"/>'s, without a projection).</summary>
    /// <param name="inputSize">Features of each input step.</param>
    /// <param name="hiddenSize">Features of the hidden state.</param>
    /// <param name="numLayers">Stacked layers.</param>
    /// <param name="bias">Whether to learn <c>bias_ih</c>/<c>bias_hh</c>.</param>
    /// <param name="batchFirst">Input and output are <c>(B, T, feature)</c>.</param>
    /// <param name="dropout">Dropout on each layer's output but the last's, in training mode.</param>
    /// <param name="bidirectional">Also run each layer over the reversed sequence.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization and the dropout masks.</param>
    public GRU(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        double dropout = 0, bool bidirectional = false, DType dtype = DType.Float32, Generator? generator = null)
        : base("GRU", 3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0, dtype,
            generator)
    {
    }

    /// <summary>Runs the GRU from <paramref name="h0"/> (zeros when null).</summary>
    public (Tensor Output, Tensor H) Call(Tensor input, Tensor? h0 = null) => Call((input, h0, null));

    /// <summary>
    /// Runs a padded batch with per-entry lengths (see
    /// <see cref="LSTM.Call(Tensor, int[], ValueTuple{Tensor, Tensor}?)"/>).
    /// </summary>
    public (Tensor Output, Tensor H) Call(Tensor input, int[] lengths, Tensor? h0 = null) => Call((input, h0, lengths));

    /// <summary>
    /// Runs a packed batch: the output is packed like the input; <paramref name="h0"/> and the final state are in
    /// the original batch order.
    /// </summary>
    public (PackedSequence Output, Tensor H) Call(PackedSequence input, Tensor? h0 = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (padded, lengths) = RnnUtils.PadPackedSequence(input, BatchFirst);
        var (output, h) = Call((padded, h0, lengths));
        return (RnnUtils.PackLike(input, output, BatchFirst), h);
    }

    /// <inheritdoc/>
    public override (Tensor Output, Tensor H) Forward((Tensor Input, Tensor? H0, int[]? Lengths) input)
    {
        var (output, h, _) = Run(input.Input, input.H0, null, input.Lengths);
        return (output, h);
    }

    private protected override (Tensor H, Tensor? C) Step(Tensor inputProjected, Tensor h, Tensor? c, CellWeights w) =>
        (CellMath.GruFused(inputProjected, h, w), null);
}

/// <summary>
/// A multi-layer Elman RNN (PyTorch's <c>nn.RNN</c>): <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c> with act tanh
/// or ReLU. Shapes as <see cref="GRU"/>.
/// </summary>
public sealed class RNN : RNNBase<(Tensor Input, Tensor? H0, int[]? Lengths), (Tensor Output, Tensor H)>
{
    /// <summary>Creates the module.</summary>
    /// <param name="inputSize">Features of each input step.</param>
    /// <param name="hiddenSize">Features of the hidden state.</param>
    /// <param name="numLayers">Stacked layers.</param>
    /// <param name="nonlinearity"><c>"tanh"</c> or <c>"relu"</c>.</param>
    /// <param name="bias">Whether to learn <c>bias_ih</c>/<c>bias_hh</c>.</param>
    /// <param name="batchFirst">Input and output are <c>(B, T, feature)</c>.</param>
    /// <param name="dropout">Dropout on each layer's output but the last's, in training mode.</param>
    /// <param name="bidirectional">Also run each layer over the reversed sequence.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization and the dropout masks.</param>
    public RNN(int inputSize, int hiddenSize, int numLayers = 1, string nonlinearity = "tanh", bool bias = true,
        bool batchFirst = false, double dropout = 0, bool bidirectional = false, DType dtype = DType.Float32,
        Generator? generator = null)
        : base(ModeOf(nonlinearity), 1, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0,
            dtype, generator)
    {
        Nonlinearity = nonlinearity;
    }

    private static string ModeOf(string nonlinearity) => nonlinearity switch
    {
        "tanh" => "RNN_TANH",
        "relu" => "RNN_RELU",
        _ => throw new ArgumentException($"RNN: unknown nonlinearity '{nonlinearity}'; expected \"tanh\" or \"relu\"."),
    };

    /// <summary><c>"tanh"</c> or <c>"relu"</c>.</summary>
    public string Nonlinearity { get; }

    /// <summary>Runs the RNN from <paramref name="h0"/> (zeros when null).</summary>
    public (Tensor Output, Tensor H) Call(Tensor input, Tensor? h0 = null) => Call((input, h0, null));

    /// <summary>
    /// Runs a padded batch with per-entry lengths (see
    /// <see cref="LSTM.Call(Tensor, int[], ValueTuple{Tensor, Tensor}?)"/>).
    /// </summary>
    public (Tensor Output, Tensor H) Call(Tensor input, int[] lengths, Tensor? h0 = null) => Call((input, h0, lengths));

    /// <summary>
    /// Runs a packed batch: the output is packed like the input; <paramref name="h0"/> and the final state are in
    /// the original batch order.
    /// </summary>
    public (PackedSequence Output, Tensor H) Call(PackedSequence input, Tensor? h0 = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (padded, lengths) = RnnUtils.PadPackedSequence(input, BatchFirst);
        var (output, h) = Call((padded, h0, lengths));
        return (RnnUtils.PackLike(input, output, BatchFirst), h);
    }

    /// <inheritdoc/>
    public override (Tensor Output, Tensor H) Forward((Tensor Input, Tensor? H0, int[]? Lengths) input)
    {
        var (output, h, _) = Run(input.Input, input.H0, null, input.Lengths);
        return (output, h);
    }

    private protected override (Tensor H, Tensor? C) Step(Tensor inputProjected, Tensor h, Tensor? c, CellWeights w) =>
        (CellMath.Rnn(inputProjected, h, w, Nonlinearity == "relu"), null);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        Nonlinearity == "tanh" ? base.ExtraRepr() : base.ExtraRepr() + ", nonlinearity=relu";
}
