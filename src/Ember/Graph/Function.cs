using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Ember.Graph;

/// <summary>
/// A user-defined differentiable operation (PyTorch's <c>torch.autograd.Function</c>). Override <see cref="Forward"/>
/// (which runs without recording a graph) and <see cref="Backward"/> (the gradients of the inputs from the gradient
/// of the output), then call <c>new MyOp().Apply(x, y)</c>. The node appears in the graph as <c>MyOpBackward</c>.
/// Per-call state may be kept in fields of the instance or in the context.
/// </summary>
public abstract class Function
{
    /// <summary>Runs the operation and records its node when grad mode is on and an input requires grad.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Tensor Apply(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        bool record = false;
        foreach (var x in inputs) record |= x.RequiresGrad;
        record &= Autograd.IsGradEnabled;
        var needs = new bool[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) needs[i] = record && inputs[i].RequiresGrad;
        var ctx = new FunctionContext(needs);
        Tensor output;
        using (Autograd.NoGrad()) output = Forward(ctx, inputs);
        ArgumentNullException.ThrowIfNull(output, "Forward's result");
        if (!record) return output.GradFn is null ? output : output.Detach();
        var node = new CustomFunctionBackward(this, ctx, GetType().Name + "Backward");
        node.SetInputs(inputs);
        var result = new Tensor(output.Raw, node);
        ctx.Bind(node, output, result);
        return result;
    }

    /// <summary>
    /// The forward computation on the inputs (runs under no-grad). Save what backward needs with
    /// <see cref="FunctionContext.SaveForBackward"/>.
    /// </summary>
    public abstract Tensor Forward(FunctionContext ctx, Tensor[] inputs);

    /// <summary>One gradient per input (null where none is needed), from the gradient of the output.</summary>
    public abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);
}

/// <summary>What a <see cref="Function"/> keeps between its forward and backward (PyTorch's <c>ctx</c>).</summary>
public sealed class FunctionContext
{
    private readonly bool[] _needsInputGrad;
    private Tensor[] _pending = [];
    private SavedTensor[] _saved = [];
    private Node? _node;

    internal FunctionContext(bool[] needsInputGrad) => _needsInputGrad = needsInputGrad;

    /// <summary>Whether input <paramref name="index"/> needs a gradient (skip computing the others).</summary>
    public bool NeedsInputGrad(int index) => _needsInputGrad[index];

    /// <summary>Keeps tensors for backward, with the same release and in-place checks as built-in ops.</summary>
    public void SaveForBackward(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _pending = tensors;
    }

    /// <summary>
    /// The tensors saved in forward, in order (throws once the graph was released, or if one was modified in place).
    /// </summary>
    public IReadOnlyList<Tensor> SavedTensors
    {
        get
        {
            if (_node is null) return _pending;
            var result = new Tensor[_saved.Length];
            for (int i = 0; i < _saved.Length; i++) result[i] = _node.Unpack(_saved[i]);
            return result;
        }
    }

    /// <summary>
    /// Free-form values for backward (shapes, flags); tensors belong in <see cref="SaveForBackward"/>.
    /// </summary>
    public Dictionary<string, object> Items { get; } = [];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Bind(Node node, Tensor forwardOutput, Tensor recordedOutput)
    {
        _node = node;
        _saved = new SavedTensor[_pending.Length];
        // Saving the output itself must save the recorded tensor (so double backward sees its graph).
        for (int i = 0; i < _pending.Length; i++)
            _saved[i] = node.Save(ReferenceEquals(_pending[i], forwardOutput) ? recordedOutput : _pending[i]);
        _pending = [];
    }
}

/// <summary>
/// The graph node of a user's <see cref="Function"/>, named <c>MyOpBackward</c> after the function's type (as PyTorch
/// names a custom Function's node): z = Forward(inputs); dL/dinputs = the user's Backward(grad).
/// </summary>
internal sealed class CustomFunctionBackward(Function function, FunctionContext ctx, string name) : SingleOutputNode
{
    public override string Name => name;

    internal override Tensor?[] Backward(Tensor grad)
    {
        Tensor?[] grads = function.Backward(ctx, grad);
        if (grads is null || grads.Length != NumInputs)
            throw new InvalidOperationException(
                $"{name}: Backward returned {grads?.Length ?? 0} gradients, but Forward took {NumInputs} inputs.");
        return grads;
    }
}

/// <summary>z = x (identity); marks where module backward hooks observe gradients. dL/dx = grad.</summary>
internal sealed class BackwardHookFunctionBackward : SingleOutputNode
{
    public override string Name => "BackwardHookFunctionBackward";

    public static Tensor Apply(Tensor x)
    {
        var node = new BackwardHookFunctionBackward();
        node.SetInputs(x);
        return new Tensor(x.Raw, node);
    }

    internal override Tensor?[] Backward(Tensor grad) => [grad];
}
