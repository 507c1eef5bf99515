using System;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// What the single-step cells share: PyTorch's parameters <c>weight_ih</c> <c>[G·H, in]</c>, <c>weight_hh</c>
/// <c>[G·H, H]</c>, <c>bias_ih</c>, <c>bias_hh</c> <c>[G·H]</c>, all drawn from U(-1/√H, 1/√H); input <c>(B, in)</c>
/// or unbatched <c>(in)</c>, state <c>(B, H)</c> or <c>(H)</c> (zeros when not given).
/// </summary>
/// <typeparam name="TIn">The input (step input, state).</typeparam>
/// <typeparam name="TOut">The new state.</typeparam>
public abstract class RNNCellBase<TIn, TOut> : Module<TIn, TOut>
{
    private protected RNNCellBase(string name, int gateCount, int inputSize, int hiddenSize, bool bias, DType dtype,
        Generator? generator)
    {
        if (inputSize < 0 || hiddenSize <= 0)
            throw new ArgumentException(
                $"{name}: expected inputSize >= 0 and hiddenSize > 0, got {inputSize} and {hiddenSize}.");
        Name = name;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        WeightIh = new Parameter(Tensor.Zeros([gateCount * hiddenSize, inputSize], dtype));
        WeightHh = new Parameter(Tensor.Zeros([gateCount * hiddenSize, hiddenSize], dtype));
        BiasIh = bias ? new Parameter(Tensor.Zeros([gateCount * hiddenSize], dtype)) : null;
        BiasHh = bias ? new Parameter(Tensor.Zeros([gateCount * hiddenSize], dtype)) : null;
        ResetParameters(generator);
    }

    private string Name { get; }

    /// <summary>Features of the input.</summary>
    public int InputSize { get; }

    /// <summary>Features of the hidden state.</summary>
    public int HiddenSize { get; }

    /// <summary><c>weight_ih</c>, <c>[G·H, InputSize]</c>.</summary>
    [StateName("weight_ih")]
    public Parameter WeightIh { get; private set; }

    /// <summary><c>weight_hh</c>, <c>[G·H, HiddenSize]</c>.</summary>
    [StateName("weight_hh")]
    public Parameter WeightHh { get; private set; }

    /// <summary><c>bias_ih</c>, <c>[G·H]</c>, or null.</summary>
    [StateName("bias_ih")]
    public Parameter? BiasIh { get; private set; }

    /// <summary><c>bias_hh</c>, <c>[G·H]</c>, or null.</summary>
    [StateName("bias_hh")]
    public Parameter? BiasHh { get; private set; }

    /// <summary>Re-draws every parameter from U(-1/√H, 1/√H).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        double stdv = 1 / Math.Sqrt(HiddenSize);
        foreach (var p in Parameters(recurse: false)) Init.Uniform_(p, -stdv, stdv, generator);
    }

    /// <inheritdoc/>
    protected internal override DType? ParameterDType => WeightIh.DType;

    private protected CellWeights HiddenWeights => new(WeightHh, BiasHh, null);

    /// <summary>Checks and casts the input; returns it batched and whether it was unbatched.</summary>
    private protected (Tensor X, bool Unbatched) PrepareStep(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim != 1 && input.Dim != 2)
            throw new ArgumentException(
                $"{Name}: Expected input to be 1-D or 2-D but received {input.Dim}-D tensor of shape " +
                $"{Shapes.Format(input.Shape)}.");
        if (input.Shape[^1] != InputSize)
            throw new ArgumentException(
                $"{Name}: input has inconsistent input_size: got {input.Shape[^1]} expected {InputSize}.");
        Tensor x = CastTo(input, "input");
        return input.Dim == 1 ? (x.Unsqueeze(0), true) : (x, false);
    }

    /// <summary>Checks, casts and batches a state (zeros when null).</summary>
    private protected Tensor PrepareState(Tensor? state, int batch, bool unbatched, string what)
    {
        if (state is null) return Tensor.Zeros([batch, HiddenSize], WeightIh.DType);
        int[] expected = unbatched ? [HiddenSize] : [batch, HiddenSize];
        if (!state.Shape.SequenceEqual(expected))
            throw new ArgumentException(
                $"{Name}: expected {what} of shape {Shapes.Format(expected)}, got {Shapes.Format(state.Shape)}.");
        Tensor s = CastTo(state, what);
        return unbatched ? s.Unsqueeze(0) : s;
    }

    private Tensor CastTo(Tensor t, string what)
    {
        DType dtype = WeightIh.DType;
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{Name} expected floating-point {what} ({dtype.TorchName()}) but got a {t.DType.TorchName()} " +
                $"tensor of shape {Shapes.Format(t.Shape)}. Convert it with x.To(DType.{dtype}).");
        return t.DType == dtype ? t : t.To(dtype);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{InputSize}, {HiddenSize}" + (BiasIh is null ? ", bias=False" : "");
}

/// <summary>
/// One LSTM step (PyTorch's <c>nn.LSTMCell</c>): gates i, f, g, o; returns <c>(h', c')</c>. See
/// <see cref="RNNCellBase{TIn, TOut}"/> for shapes and parameters (G = 4).
/// </summary>
/// <param name="inputSize">Features of the input.</param>
/// <param name="hiddenSize">Features of the hidden and cell state.</param>
/// <param name="bias">Whether to learn the biases.</param>
/// <param name="dtype">Parameter dtype.</param>
/// <param name="generator">Random source for the initialization.</param>
public sealed class LSTMCell(int inputSize, int hiddenSize, bool bias = true, DType dtype = DType.Float32,
    Generator? generator = null)
    : RNNCellBase<(Tensor Input, (Tensor H, Tensor C)? State), (Tensor H, Tensor C)>(
        "LSTMCell", 4, inputSize, hiddenSize, bias, dtype, generator)
{
    /// <summary>One step from <paramref name="state"/> (zeros when null).</summary>
    public (Tensor H, Tensor C) Call(Tensor input, (Tensor H, Tensor C)? state = null) => Call((input, state));

    /// <inheritdoc/>
    public override (Tensor H, Tensor C) Forward((Tensor Input, (Tensor H, Tensor C)? State) input)
    {
        var (x, unbatched) = PrepareStep(input.Input);
        Tensor h = PrepareState(input.State?.H, x.Shape[0], unbatched, "hx");
        Tensor c = PrepareState(input.State?.C, x.Shape[0], unbatched, "cx");
        var (hy, cy) = CellMath.Lstm(F.Linear(x, WeightIh, BiasIh), h, c, HiddenWeights);
        return unbatched ? (hy.Squeeze(0), cy.Squeeze(0)) : (hy, cy);
    }
}

/// <summary>
/// One GRU step (PyTorch's <c>nn.GRUCell</c>): gates r, z, n; returns <c>h'</c>. See
/// <see cref="RNNCellBase{TIn, TOut}"/> for shapes and parameters (G = 3).
/// </summary>
/// <param name="inputSize">Features of the input.</param>
/// <param name="hiddenSize">Features of the hidden state.</param>
/// <param name="bias">Whether to learn the biases.</param>
/// <param name="dtype">Parameter dtype.</param>
/// <param name="generator">Random source for the initialization.</param>
public sealed class GRUCell(int inputSize, int hiddenSize, bool bias = true, DType dtype = DType.Float32,
    Generator? generator = null)
    : RNNCellBase<(Tensor Input, Tensor? H), Tensor>("GRUCell", 3, inputSize, hiddenSize, bias, dtype, generator)
{
    /// <summary>One step from <paramref name="h"/> (zeros when null).</summary>
    public Tensor Call(Tensor input, Tensor? h = null) => Call((input, h));

    /// <inheritdoc/>
    public override Tensor Forward((Tensor Input, Tensor? H) input)
    {
        var (x, unbatched) = PrepareStep(input.Input);
        Tensor h = PrepareState(input.H, x.Shape[0], unbatched, "hx");
        Tensor hy = CellMath.Gru(F.Linear(x, WeightIh, BiasIh), h, HiddenWeights);
        return unbatched ? hy.Squeeze(0) : hy;
    }
}

/// <summary>
/// One Elman RNN step (PyTorch's <c>nn.RNNCell</c>): <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>, act tanh or
/// ReLU. See <see cref="RNNCellBase{TIn, TOut}"/> for shapes and parameters (G = 1).
/// </summary>
public sealed class RNNCell : RNNCellBase<(Tensor Input, Tensor? H), Tensor>
{
    /// <summary>Creates the cell.</summary>
    /// <param name="inputSize">Features of the input.</param>
    /// <param name="hiddenSize">Features of the hidden state.</param>
    /// <param name="bias">Whether to learn the biases.</param>
    /// <param name="nonlinearity"><c>"tanh"</c> or <c>"relu"</c>.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initialization.</param>
    public RNNCell(int inputSize, int hiddenSize, bool bias = true, string nonlinearity = "tanh",
        DType dtype = DType.Float32, Generator? generator = null)
        : base("RNNCell", 1, inputSize, hiddenSize, bias, dtype, generator)
    {
        if (nonlinearity is not ("tanh" or "relu"))
            throw new ArgumentException(
                $"RNNCell: unknown nonlinearity '{nonlinearity}'; expected \"tanh\" or \"relu\".");
        Nonlinearity = nonlinearity;
    }

    /// <summary><c>"tanh"</c> or <c>"relu"</c>.</summary>
    public string Nonlinearity { get; }

    /// <summary>One step from <paramref name="h"/> (zeros when null).</summary>
    public Tensor Call(Tensor input, Tensor? h = null) => Call((input, h));

    /// <inheritdoc/>
    public override Tensor Forward((Tensor Input, Tensor? H) input)
    {
        var (x, unbatched) = PrepareStep(input.Input);
        Tensor h = PrepareState(input.H, x.Shape[0], unbatched, "hx");
        Tensor hy = CellMath.Rnn(F.Linear(x, WeightIh, BiasIh), h, HiddenWeights, Nonlinearity == "relu");
        return unbatched ? hy.Squeeze(0) : hy;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        base.ExtraRepr() + (Nonlinearity == "tanh" ? "" : ", nonlinearity=relu");
}
