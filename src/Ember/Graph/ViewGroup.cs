using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.Graph;

/// <summary>
/// The pieces of one split of a tensor (<c>Unbind</c>, <c>Split</c>, <c>Chunk</c>, <c>UnsafeChunk</c>), each still its
/// own node under its PyTorch name, sharing one gradient buffer per backward pass: the first piece to run allocates
/// the input's gradient and sends it on, the others write their window into it and send nothing. Backward of n
/// pieces so costs one input-sized tensor instead of n (with T per-step slices, O(T) memory, not O(T²)).
/// </summary>
/// <remarks>
/// Correct because the pieces are created one after another, so their creation numbers are adjacent and the engine
/// runs all of them before any node that consumes the buffer; the engine adds earlier gradients into the buffer in
/// place (<see cref="Node.OwnsGrad"/>) rather than replacing it. When the backward pass is itself recorded
/// (<c>createGraph</c>) the pieces use the ordinary per-piece formula.
/// </remarks>
internal sealed class ViewGroup
{
    private long _pass;
    private Tensor? _buffer;

    /// <summary>Whether <paramref name="g"/> is this group's buffer of the running pass.</summary>
    public bool Owns(Tensor g) => ReferenceEquals(_buffer, g) && _pass == Engine.CurrentPass;

    /// <summary>
    /// Writes <paramref name="grad"/> at the piece's window of the shared buffer; returns the buffer when this call
    /// created it (the first piece of the pass to run), else null.
    /// </summary>
    public Tensor? Add(Tensor grad, int[] baseShape, DType dt, int[] shape, int[] strides, int offset)
    {
        long pass = Engine.CurrentPass;
        if (_buffer is null || _pass != pass)
        {
            var raw = RawOps.Full(baseShape, 0, dt);
            RawOps.CopyFrom(raw.WithLayout(shape, strides, offset), grad.Raw);
            _pass = pass;
            _buffer = new Tensor(raw);
            Engine.OnPassEnd(this);
            return _buffer;
        }
        RawTensor window = _buffer.Raw.WithLayout(shape, strides, offset);
        if (!RawOps.TryAddInto(window, grad.Raw)) RawOps.CopyFrom(window, RawOps.Add(window, grad.Raw));
        return null;
    }

    /// <summary>Drops the buffer once its pass ended (the engine calls it), so the graph does not keep it.</summary>
    public void Release() => _buffer = null;

    /// <summary>
    /// Joins the nodes of <paramref name="pieces"/> (views of one tensor made in a row) into one group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Join<TNode>(Tensor[] pieces) where TNode : StridedViewNode<TNode>, new()
    {
        if (pieces.Length < 2) return;
        ViewGroup? group = null;
        foreach (var p in pieces)
            if (p.GradFn is TNode n) n.Group = group ??= new ViewGroup();
    }
}
