using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.Graph;

/// <summary>An edge of the backward graph: the gradient function to call and which of its inputs this is.</summary>
/// <param name="Function">The next node, or null when that input needs no gradient (PyTorch's
/// <c>(None, 0)</c>).</param>
/// <param name="InputNr">Which input of <paramref name="Function"/> receives the gradient.</param>
public readonly record struct Edge(Node? Function, int InputNr)
{
    /// <inheritdoc/>
    public override string ToString() => Function is null ? "(None, 0)" : $"({Function.Name}, {InputNr})";
}

/// <summary>
/// A node of the backward graph (PyTorch's <c>grad_fn</c>): it turns the gradient of an op's output into
/// gradients of the op's inputs, which flow along <see cref="NextFunctions"/>. Each differentiable op has one
/// sealed subclass holding its forward wiring and its backward formula side by side.
/// </summary>
public abstract class Node
{
    private static long s_sequence;
    // Per input: its gradient edge and the shape/dtype its gradient must have (one array, one allocation).
    private Input[] _inputs = [];
    private Edge[]? _nextView;

    private struct Input
    {
        public Edge Edge;
        public int[] Shape;
        public DType DType;
    }
    // Most nodes save at most two tensors: those live in fields, a third and more in the list (fewer objects per node).
    private SavedTensor? _saved0, _saved1;
    private List<SavedTensor>? _savedMore;
    private bool _released;

    /// <summary>
    /// The backward pass that claimed this node for its bookkeeping (0: none): while it runs, the pass keeps the node's
    /// "seen" mark and gradient buffer here (slot <see cref="EngineSlot"/>) instead of in hash tables. Claimed by
    /// compare-and-swap from 0 and reset to 0 when that pass ends, so passes running at the same time on other threads
    /// (or nested in a hook) find it taken and use their tables (see <c>Engine</c>).
    /// </summary>
    internal long EnginePass;

    /// <summary>The claiming pass's index of this node's gradient buffer (meaningful only while claimed).</summary>
    internal int EngineSlot;

    /// <summary>
    /// Creation order, assigned once the node's inputs are wired (so nodes created while wiring them, such as a leaf's
    /// AccumulateGrad, get smaller numbers): every node's number exceeds those of the nodes it sends gradients to,
    /// and the engine runs nodes in descending order.
    /// </summary>
    internal long SequenceNr
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private set;
    }

    /// <summary>
    /// Where the forward op ran, recorded only inside <see cref="Autograd.DetectAnomaly"/> (it is costly).
    /// </summary>
    internal readonly string? CreationTrace = Autograd.IsAnomalyEnabled ? Environment.StackTrace : null;

    private List<Func<Tensor, Tensor?>>?[]? _preHooks;

    /// <summary>
    /// Adds a hook that sees (and may replace) the gradient arriving at input <paramref name="inputNr"/> before this
    /// node runs.
    /// </summary>
    internal RemovableHandle AddPreHook(int inputNr, Func<Tensor, Tensor?> hook)
    {
        _preHooks ??= new List<Func<Tensor, Tensor?>>?[Math.Max(inputNr + 1, 1)];
        if (inputNr >= _preHooks.Length) Array.Resize(ref _preHooks, inputNr + 1);
        var list = _preHooks[inputNr] ??= [];
        list.Add(hook);
        OnPreHookAdded();
        return new RemovableHandle(() => list.Remove(hook));
    }

    /// <summary>
    /// Called once a gradient hook was added (<see cref="HasPreHooks"/> is then true for good): a node whose backward
    /// is formed together with other nodes' can note it where they all look, rather than each pass reading every node.
    /// </summary>
    private protected virtual void OnPreHookAdded()
    {
    }

    /// <summary>
    /// Runs the gradient hooks in registration order; a hook returning a tensor replaces the gradient.
    /// </summary>
    /// <summary>Whether gradient hooks are registered (they may keep the gradients they see).</summary>
    internal bool HasPreHooks => _preHooks is not null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunPreHooks(Tensor?[] grads)
    {
        if (_preHooks is null) return;
        for (int i = 0; i < _preHooks.Length && i < grads.Length; i++)
        {
            if (_preHooks[i] is not { } hooks || grads[i] is null) continue;
            foreach (var hook in hooks.ToArray())
            {
                Tensor? replaced = hook(grads[i]!);
                if (replaced is not null)
                {
                    if (!replaced.Shape.SequenceEqual(grads[i]!.Shape))
                        throw new InvalidOperationException(
                            $"A gradient hook on {Name} returned shape {Shapes.Format(replaced.Shape)}; expected " +
                            $"{Shapes.Format(grads[i]!.Shape)}.");
                    grads[i] = replaced;
                }
            }
        }
    }

    /// <summary>PyTorch 1.13's name for this node, e.g. <c>AddmmBackward0</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Where the gradients of this node's inputs go, one edge per input, in the op's argument order.</summary>
    public IReadOnlyList<Edge> NextFunctions
    {
        get
        {
            if (_nextView is null || _nextView.Length != _inputs.Length)
            {
                var v = new Edge[_inputs.Length];
                for (int i = 0; i < v.Length; i++) v[i] = _inputs[i].Edge;
                _nextView = v;
            }
            return _nextView;
        }
    }

    /// <summary>Whether input <paramref name="i"/> needs a gradient (its edge leads somewhere).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected bool NeedsInputGrad(int i) => _inputs[i].Edge.Function is not null;

    internal int NumInputs => _inputs.Length;
    internal Edge NextEdge(int i) => _inputs[i].Edge;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int[] InputShape(int i) => _inputs[i].Shape;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal DType InputDType(int i) => _inputs[i].DType;

    /// <summary>
    /// Records the inputs of the forward op: their gradient edges and the shape/dtype their gradients must have.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void SetInputs(Tensor? a, Tensor? b = null, Tensor? c = null, int count = -1)
    {
        int n = count >= 0 ? count : c is not null ? 3 : b is not null ? 2 : 1;
        _inputs = new Input[n];
        _nextView = null;
        if (n > 0) Set(0, a);
        if (n > 1) Set(1, b);
        if (n > 2) Set(2, c);
        SequenceNr = System.Threading.Interlocked.Increment(ref s_sequence);
        StampGrowth();
    }

    /// <summary>Records any number of inputs (ops over a list of tensors, such as cat and stack).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void SetInputs(Tensor[] inputs)
    {
        int n = inputs.Length;
        _inputs = new Input[n];
        _nextView = null;
        for (int i = 0; i < n; i++) Set(i, inputs[i]);
        SequenceNr = System.Threading.Interlocked.Increment(ref s_sequence);
        StampGrowth();
    }

    /// <summary>1 + the depth of the deepest node this one sends gradients to (0 for AccumulateGrad).</summary>
    internal int Depth { get; private set; }

    /// <summary>The oldest optimizer-step generation (<see cref="GraphGrowth"/>) this node's graph reaches.</summary>
    internal long OldestGeneration { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StampGrowth()
    {
        if (this is AccumulateGrad) return;
        int depth = 0;
        long oldest = GraphGrowth.Generation;
        foreach (var input in _inputs)
        {
            if (input.Edge.Function is not { Depth: > 0 } f) continue;
            if (f.Depth > depth) depth = f.Depth;
            if (f.OldestGeneration < oldest) oldest = f.OldestGeneration;
        }
        Depth = depth + 1;
        OldestGeneration = oldest;
        GraphGrowth.Created(Depth, oldest);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Set(int i, Tensor? t)
    {
        if (t is null) { _inputs[i].Shape = []; return; }
        _inputs[i] = new Input { Edge = t.GradientEdge(), Shape = t.Raw.Shape, DType = t.DType };
    }

    /// <summary>
    /// Keeps a tensor for the backward pass; it is released by <c>Backward()</c> unless the graph is retained.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal SavedTensor Save(Tensor t)
    {
        if (t.IsInference)
            throw new InvalidOperationException(
                $"Inference tensors cannot be saved for backward ({Name} needs one). Make a normal tensor with " +
                "Clone() outside Autograd.InferenceMode() and use that in autograd.");
        var s = new SavedTensor(t);
        if (_saved0 is null) _saved0 = s;
        else if (_saved1 is null) _saved1 = s;
        else (_savedMore ??= []).Add(s);
        return s;
    }

    /// <summary>
    /// Reads a saved tensor, checking that it was neither released nor modified in place since it was saved.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor Unpack(SavedTensor s)
    {
        if (_released || s.Tensor is null)
            throw new InvalidOperationException(
                "Trying to backward through the graph a second time (or to access saved tensors after they have " +
                $"been freed) at {Name}. Saved intermediate values are freed when you call Backward() or " +
                "Autograd.Grad(). Recompute the forward pass, or pass retainGraph: true to the first Backward() if " +
                "you need to backward through the same graph again.");
        if (s.Tensor.Raw.Storage.Version != s.Version)
            throw new InvalidOperationException(
                $"one of the variables needed for gradient computation has been modified by an inplace operation: " +
                $"[{s.Tensor.DType.TorchName()} {Shapes.Format(s.Tensor.Raw.Shape)}], the input or output of {Name}, " +
                $"is at version {s.Tensor.Raw.Storage.Version}; expected version {s.Version} instead. Avoid " +
                "modifying it in place before Backward(), or clone it first.");
        return s.Tensor;
    }

    /// <summary>
    /// Frees the saved tensors (called by the engine after this node ran, unless the graph is retained).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ReleaseVariables()
    {
        if (_saved0 is null) return;
        _released = true;
        Release(_saved0);
        if (_saved1 is not null) Release(_saved1);
        if (_savedMore is null) return;
        foreach (var s in _savedMore) Release(s);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Release(SavedTensor s)
    {
        Tensor? t = s.Tensor;
        s.Tensor = null;
        t?.Raw.Storage.ReleaseSaved();
    }

    /// <summary>
    /// Computes the gradients of the inputs from the gradients of the outputs (one per output; this node's outputs are
    /// single unless stated).
    /// </summary>
    /// <returns>One gradient per input edge; null where none is needed.</returns>
    internal abstract Tensor?[] Apply(Tensor?[] gradOutputs);

    /// <summary>
    /// Whether <paramref name="g"/>, returned by <see cref="Apply"/>, is a buffer this node (with its siblings) keeps
    /// writing into during the pass: the engine then adds other gradients into it instead of replacing it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal virtual bool OwnsGrad(Tensor g) => false;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A tensor saved by a node for its backward pass, with the storage version it had when saved.</summary>
internal sealed class SavedTensor
{
    public Tensor? Tensor;
    public readonly int Version;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SavedTensor(Tensor t)
    {
        Tensor = t;
        Version = t.Raw.Storage.Version;
        t.Raw.Storage.TrackSaved(1);
    }
}
