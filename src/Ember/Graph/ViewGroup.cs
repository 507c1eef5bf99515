using System;
using System.Collections.Generic;
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
    // A buffer made by Reserve (rented, not zero-filled): the windows written ahead, whether a piece sent it on.
    private List<(int Start, int Length)>? _reserved;
    private Storage? _rented;
    private bool _handedOn;

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
        Tensor? sent = null;
        bool reserved = false;
        if (_reserved is not null)
        {
            reserved = IsReserved(offset);
            if (!_handedOn)
            {
                ZeroGaps();
                _handedOn = true;
                sent = _buffer;
            }
        }
        if (reserved)
        {
            // The window already holds what its producer wrote ahead; a different tensor (a hook's, a sum with
            // another gradient) replaces it.
            if (!IsWindow(grad.Raw, window)) RawOps.CopyFrom(window, grad.Raw);
        }
        else if (!RawOps.TryAddInto(window, grad.Raw)) RawOps.CopyFrom(window, RawOps.Add(window, grad.Raw));
        return sent;
    }

    /// <summary>
    /// The window (<paramref name="shape"/>, <paramref name="strides"/>, <paramref name="offset"/>: rows of a
    /// contiguous <paramref name="baseShape"/>) of this pass's buffer, for a producer to write the piece's whole
    /// gradient into ahead of the piece's node (which then copies nothing); the buffer is rented per thread, not
    /// zero-filled: the first piece to run zero-fills the windows nobody reserved. Null outside a pass, when a
    /// piece already ran, or for a window that is not a block of whole rows (the caller then allocates as before).
    /// </summary>
    public RawTensor? Reserve(int[] baseShape, DType dt, int[] shape, int[] strides, int offset)
    {
        long pass = Engine.CurrentPass;
        int n = Shapes.NumEl(baseShape), len = Shapes.NumEl(shape);
        // A buffer of one row could leave the pass as a view (a bias gradient's sum over one row), so it is not
        // rented.
        if (pass == 0 || baseShape.Length == 0 || n <= baseShape[^1] || !IsBlock(shape, strides)
            || offset < 0 || offset + len > n)
            return null;
        if (_buffer is null || _pass != pass)
        {
            Storage s = RentStorage(dt, n);
            _rented = s;
            _buffer = new Tensor(new RawTensor(s.Alias(), baseShape));
            _pass = pass;
            _reserved = [];
            _handedOn = false;
            Engine.OnPassEnd(this);
        }
        else if (_reserved is null || _handedOn || IsReserved(offset)) return null;
        _reserved.Add((offset, len));
        return _buffer.Raw.WithLayout(shape, strides, offset);
    }

    private static bool IsBlock(int[] shape, int[] strides)
    {
        int expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    private static bool IsWindow(RawTensor g, RawTensor window) =>
        ReferenceEquals(g.Storage.Array, window.Storage.Array) && g.Offset == window.Offset
        && g.Shape.AsSpan().SequenceEqual(window.Shape) && g.Strides.AsSpan().SequenceEqual(window.Strides);

    private bool IsReserved(int offset)
    {
        foreach (var (start, _) in _reserved!)
            if (start == offset) return true;
        return false;
    }

    private void ZeroGaps()
    {
        var ranges = _reserved!;
        ranges.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        int at = 0, n = _buffer!.Raw.NumEl;
        foreach (var (start, length) in ranges)
        {
            if (start > at) RawOps.Fill(_buffer.Raw.WithLayout([start - at], [1], at), 0);
            at = Math.Max(at, start + length);
        }
        if (n > at) RawOps.Fill(_buffer.Raw.WithLayout([n - at], [1], at), 0);
    }

    // Reserved buffers are the pass's scratch (nothing the user sees keeps them: their consumers form new tensors),
    // kept per thread across passes so a training loop does not allocate (and page-fault in) megabytes per call.
    [ThreadStatic] private static List<Storage>? t_pool;

    private static Storage RentStorage(DType dt, int n)
    {
        var pool = t_pool;
        for (int i = 0; pool is not null && i < pool.Count; i++)
            if (pool[i].DType == dt && pool[i].Length >= n)
            {
                Storage s = pool[i];
                pool.RemoveAt(i);
                return s;
            }
        return Storage.Create(dt, n);
    }

    /// <summary>Drops the buffer once its pass ended (the engine calls it), so the graph does not keep it.</summary>
    public void Release()
    {
        _buffer = null;
        _reserved = null;
        if (_rented is { } s)
        {
            _rented = null;
            var pool = t_pool ??= [];
            if (pool.Count < 8) pool.Add(s);
        }
    }

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
