using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember;

/// <summary>
/// An n-dimensional array with a dtype, shape, strides and device, that records the operations applied to
/// it so gradients can flow back (<see cref="Backward(bool, bool)"/>). Tensors are ordinary managed objects: no
/// disposal, no scopes. Views (<see cref="View"/>, <see cref="T"/>, <see cref="Transpose"/>, ...) share storage.
/// </summary>
public partial class Tensor
{
    private bool _requiresGrad;
    private AccumulateGrad? _gradAccumulator;
    private bool _retainsGrad;

    /// <summary>
    /// Whether this tensor was created inside <see cref="Autograd.InferenceMode"/>; such tensors cannot take part in
    /// autograd.
    /// </summary>
    public bool IsInference { get; } = Autograd.IsInferenceMode;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor(RawTensor raw)
    {
        Raw = raw;
        // The first tensor made on a storage is its base; later tensors on the same storage are views of it,
        // which in-place operations must keep consistent with the base's history (see InPlace.cs).
        if (raw.Storage.Base is Tensor b) { _viewBase = b; _seenBaseHistory = b.HistoryVersion; }
        else raw.Storage.Base = this;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor(RawTensor raw, Node gradFn) : this(raw) => GradFn = gradFn;

    /// <summary>The graph-free core: storage, shape, strides, offset.</summary>
    internal RawTensor Raw
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private set;
    }

    /// <summary>The element type.</summary>
    public DType DType
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Raw.DType;
    }

    /// <summary>Where the storage lives (always the CPU for now).</summary>
    public Device Device => Device.Cpu;

    /// <summary>The size of each dimension (PyTorch's <c>shape</c>).</summary>
    public ReadOnlySpan<int> Shape => Raw.Shape;

    /// <summary>The step in elements between neighbours along each dimension.</summary>
    public ReadOnlySpan<int> Strides => Raw.Strides;

    /// <summary>Number of dimensions (PyTorch's <c>dim()</c>).</summary>
    public int Dim
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Raw.Rank;
    }

    /// <summary>Number of elements (PyTorch's <c>numel()</c>).</summary>
    public int NumEl => Raw.NumEl;

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => Raw.Shape[Shapes.WrapDim(dim, Raw.Rank, "size")];

    /// <summary>Whether the elements are laid out densely in row-major order.</summary>
    public bool IsContiguous => Raw.IsContiguous;

    /// <summary>The node that created this tensor, or null for leaves (PyTorch's <c>grad_fn</c>).</summary>
    /// <remarks>
    /// A view whose base was modified in place since the view was made reports its regenerated history.
    /// </remarks>
    public Node? GradFn
    {
        get => CurrentGradFn();
        internal set => _gradFn = value;
    }

    private Node? _gradFn;

    /// <summary>True for tensors not produced by a recorded op: user-created tensors and parameters.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>
    /// The accumulated gradient of a leaf after <see cref="Backward(bool, bool)"/>; null until then or after
    /// <c>ZeroGrad()</c>.
    /// </summary>
    public Tensor? Grad { get; set; }

    /// <summary>
    /// Whether gradients flow to this tensor. Settable on leaves only; for other tensors it is true when they were
    /// computed from a tensor that requires grad with grad mode on.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn is not null;
        set
        {
            if (GradFn is not null)
                throw new InvalidOperationException(
                    $"RequiresGrad can only be changed on leaf tensors; this tensor was produced by {GradFn.Name}. " +
                    "To use a computed tensor as a new leaf, call Detach() and set RequiresGrad on the result.");
            if (value && IsInference && !Autograd.IsInferenceMode)
                throw new InvalidOperationException(
                    "Setting RequiresGrad = true on an inference tensor outside InferenceMode is not allowed; make a " +
                    "copy with Clone() outside inference mode first.");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException(
                    "Only tensors of floating-point dtype can require gradients, but this tensor is " +
                    $"{DType.TorchName()}; convert with .To(DType.Float32) first.");
            _requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (PyTorch's <c>requires_grad_()</c>).</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>
    /// Registers a hook called with this tensor's gradient during backward; it may return a replacement gradient (or
    /// null to keep it). For a leaf it runs before the gradient is accumulated into <see cref="Grad"/>.
    /// </summary>
    /// <returns>A handle whose <c>Remove()</c> unregisters the hook.</returns>
    public RemovableHandle RegisterHook(Func<Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad)
            throw new InvalidOperationException(
                "RegisterHook: cannot register a hook on a tensor that doesn't require gradient.");
        Node node = GradFn ?? GradAccumulator();
        return node.AddPreHook(0, hook);
    }

    /// <summary>
    /// Registers a hook called with this leaf after its gradient has been accumulated into <see cref="Grad"/> during
    /// backward (PyTorch's <c>register_post_accumulate_grad_hook</c>): the point where a data-parallel wrapper knows
    /// the gradient is final for this pass. It runs on the thread running the backward pass.
    /// </summary>
    /// <returns>A handle whose <c>Remove()</c> unregisters the hook.</returns>
    /// <exception cref="InvalidOperationException">The tensor is not a leaf that requires grad.</exception>
    public RemovableHandle RegisterPostAccumulateGradHook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad || !IsLeaf)
            throw new InvalidOperationException("RegisterPostAccumulateGradHook: post accumulate grad hooks need a " +
                $"leaf tensor that requires grad (requiresGrad {RequiresGrad}, leaf {IsLeaf}).");
        return GradAccumulator().AddPostHook(hook);
    }

    /// <summary>
    /// Makes this non-leaf tensor keep its gradient in <see cref="Grad"/> after backward (leaves always do).
    /// </summary>
    public void RetainGrad()
    {
        if (!RequiresGrad)
            throw new InvalidOperationException(
                "RetainGrad: can't retain the gradient of a tensor that doesn't require grad.");
        if (IsLeaf || _retainsGrad) return;
        _retainsGrad = true;
        // Locked as a leaf's gradient accumulation is: graphs on several threads may reach this tensor.
        var sync = new System.Threading.Lock();
        GradFn!.AddPreHook(0, g =>
        {
            lock (sync) Grad = Grad is null ? (Autograd.IsGradEnabled ? g : g.DetachedCopy()) : Grad + g;
            return null;
        });
    }

    /// <summary>Whether <see cref="RetainGrad"/> was called on this non-leaf tensor.</summary>
    public bool RetainsGrad => _retainsGrad;

    /// <summary>This leaf's one accumulator, created once even when graphs on several threads reach it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private AccumulateGrad GradAccumulator() =>
        _gradAccumulator
        ?? System.Threading.Interlocked.CompareExchange(ref _gradAccumulator, new AccumulateGrad(this), null)
        ?? _gradAccumulator!;

    /// <summary>The edge a node uses to send this tensor its gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Edge GradientEdge()
    {
        if (CurrentGradFn() is Node fn) return new Edge(fn, 0);
        if (_requiresGrad) return new Edge(GradAccumulator(), 0);
        return default;
    }

    /// <summary>
    /// Computes the gradient of this scalar with respect to every leaf that requires grad, accumulating into their
    /// <see cref="Grad"/>.
    /// </summary>
    /// <param name="retainGraph">Keep the saved tensors so the graph can be backpropagated through again.</param>
    /// <param name="createGraph">Record the backward pass itself, for higher-order derivatives.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(bool retainGraph = false, bool createGraph = false) =>
        Engine.Backward(this, null, retainGraph || createGraph, createGraph);

    /// <summary>Backpropagates <paramref name="gradient"/> (same shape as this tensor) through the graph.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(Tensor gradient, bool retainGraph = false, bool createGraph = false) =>
        Engine.Backward(this, gradient, retainGraph || createGraph, createGraph);

    /// <summary>
    /// A tensor sharing this one's storage but cut from the graph (a leaf with <c>RequiresGrad = false</c>).
    /// </summary>
    public Tensor Detach() => new(new RawTensor(Raw.Storage.Alias(), Raw.Shape, Raw.Strides, Raw.Offset));

    /// <summary>A contiguous copy with no graph history.</summary>
    internal Tensor DetachedCopy() => new(RawOps.Clone(Raw));

    /// <summary>
    /// Adds <paramref name="g"/> into this tensor's storage without recording anything (gradient accumulation).
    /// </summary>
    internal void AddInPlaceRaw(Tensor g)
    {
        if (RawOps.TryAddInto(Raw, g.Raw) || RawOps.TryBinaryInPlace<Op.Add>(Raw, g.Raw, false, "add")) return;
        var sum = RawOps.Add(Raw, g.Raw.DType == DType ? g.Raw : RawOps.Cast(g.Raw, DType));
        RawOps.CopyFrom(Raw, sum);
    }

    /// <summary>
    /// Replaces the contents with <paramref name="src"/>'s (broadcast and cast as needed), without recording a node.
    /// </summary>
    internal void CopyRaw(Tensor src) => RawOps.CopyFrom(Raw, src.Raw);

    /// <summary>Version counter of the storage: bumped by every in-place write.</summary>
    public int Version => Raw.Storage.Version;

    /// <summary>The single value of a one-element tensor (PyTorch's <c>item()</c>).</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Raw.NumEl != 1)
            throw new InvalidOperationException(
                $"Item: a tensor with {Raw.NumEl} elements (shape {Shapes.Format(Raw.Shape)}) cannot be converted to " +
                "a scalar; only one-element tensors can.");
        if (OpTracer.IsActive) OpTracer.HostRead(this, "Item");
        var c = RawOps.Contiguous(RawOps.Cast(Raw, DTypes.Of<T>()));
        return c.Span<T>()[0];
    }

    /// <summary>The elements in row-major order, converted to <typeparamref name="T"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (OpTracer.IsActive) OpTracer.HostRead(this, "ToArray");
        var c = RawOps.Contiguous(RawOps.Cast(Raw, DTypes.Of<T>()));
        return c.Span<T>().ToArray();
    }

    /// <summary>The elements of a 2-D tensor as a rectangular array.</summary>
    public T[,] ToArray2D<T>() where T : unmanaged
    {
        if (Dim != 2)
            throw new InvalidOperationException(
                $"ToArray2D: expected a 2-D tensor, got shape {Shapes.Format(Raw.Shape)}.");
        T[] flat = ToArray<T>();
        var r = new T[Raw.Shape[0], Raw.Shape[1]];
        Buffer.BlockCopy(flat, 0, r, 0, flat.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return r;
    }
}
