using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.Graph;

/// <summary>
/// Runs the backward pass: finds the nodes reachable from the roots (no recursion, so graphs of any depth work),
/// runs them in descending creation order — every node after all of its consumers — and sums the gradients that
/// arrive at the same input. The engine, not each formula, reduces a broadcast gradient to
/// its input's shape, casts it to the input's dtype, runs gradient hooks, and frees saved tensors as it goes.
/// With capture targets (<c>Autograd.Grad</c>) it returns the gradients arriving at those edges instead
/// of accumulating into leaves, and runs only the part of the graph that leads to them.
/// </summary>
internal static class Engine
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph, bool createGraph) =>
        Run([root], [gradient], retainGraph, createGraph, captures: null, "Backward");

    /// <summary>
    /// Backpropagates from several roots; with <paramref name="captures"/> returns the gradient reaching each captured
    /// edge (null if none does).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor?[] Run(Tensor[] roots, Tensor?[] gradients, bool retainGraph, bool createGraph,
        Edge[]? captures, string op)
    {
        var rootEdges = new Edge[roots.Length];
        var rootGrads = new Tensor[roots.Length];
        for (int i = 0; i < roots.Length; i++)
        {
            Tensor root = roots[i];
            Edge edge = root.GradientEdge();
            if (edge.Function is null)
                throw new InvalidOperationException(
                    $"{op}: element {i} of tensors does not require grad and does not have a GradFn. " +
                    "Set RequiresGrad = true on the parameters or inputs you want gradients for (and do not compute " +
                    "the loss under Autograd.NoGrad()).");
            Tensor? g = gradients[i];
            if (g is null)
            {
                if (root.NumEl != 1)
                    throw new InvalidOperationException(
                        $"{op}: grad can be implicitly created only for scalar outputs, but output {i} has shape " +
                        $"{Shapes.Format(root.Raw.Shape)}. Reduce it first (e.g. loss.Sum() or loss.Mean()) or pass " +
                        "the gradient explicitly: Backward(gradient).");
                g = Tensor.OnesLike(root);
            }
            else if (!g.Raw.Shape.AsSpan().SequenceEqual(root.Raw.Shape))
                throw new ArgumentException(
                    $"{op}: mismatch in shape: gradient {i} has shape {Shapes.Format(g.Raw.Shape)} but the output " +
                    $"has shape {Shapes.Format(root.Raw.Shape)}.");
            rootEdges[i] = edge;
            rootGrads[i] = g;
        }
        return Execute(rootEdges, rootGrads, retainGraph, createGraph, captures);
    }

    /// <summary>The engine's private bookkeeping, reused across backward passes on the same thread.</summary>
    private sealed class Scratch
    {
        /// <summary>The reachable nodes that another pass had claimed (see <see cref="Node.EnginePass"/>).</summary>
        public readonly HashSet<Node> Seen = new(32, NodeIdentity.Instance);
        public readonly List<Node> Order = new(32);
        public readonly Stack<Node> Stack = new();

        /// <summary>The gradient buffers of the nodes in <see cref="Seen"/>.</summary>
        public readonly Dictionary<Node, Tensor?[]> Buffers = new(32, NodeIdentity.Instance);

        /// <summary>The gradient buffers of the nodes this pass claimed, by <see cref="Node.EngineSlot"/>.</summary>
        public Tensor?[]?[] Slots = new Tensor?[]?[32];

        /// <summary>Sort keys of <see cref="Order"/> (complemented creation numbers), filled as Visit finds nodes.
        /// </summary>
        public long[] Keys = new long[32];

        /// <summary>Indices into <see cref="Order"/>, sorted along with <see cref="Keys"/>: the run order.</summary>
        public int[] Index = new int[32];

        /// <summary>The pass that claimed nodes with this scratch (0: none).</summary>
        public long Pass;

        /// <summary>Whether the pass went through its whole order, releasing every node it claimed.</summary>
        public bool Released;

        /// <summary>
        /// The storage arrays of gradients waiting in <see cref="Buffers"/> that nothing else references: made by a
        /// built-in formula (or a sum) during this pass and handed to exactly one edge, or a view of such a
        /// gradient passed on by the only node that held it. <see cref="AccumulateGrad"/> may keep these as
        /// <c>Grad</c> instead of copying them.
        /// </summary>
        public readonly HashSet<Array> Owned = new(32, ReferenceEqualityComparer.Instance);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Clear()
        {
            // Release the nodes this pass claimed; no other pass can have claimed them meanwhile. A pass that ran to
            // the end released each node as it went (see Execute), so only one cut short reads them all again.
            if (Pass != 0)
            {
                if (!Released)
                    foreach (Node n in Order)
                        if (n.EnginePass == Pass) System.Threading.Volatile.Write(ref n.EnginePass, 0L);
                Array.Clear(Slots, 0, Math.Min(Order.Count, Slots.Length));
                Pass = 0;
            }
            Released = false;
            Owned.Clear();
            Seen.Clear();
            Order.Clear();
            Stack.Clear();
            Buffers.Clear();
        }
    }

    private static long s_passes;
    [ThreadStatic] private static long t_pass;
    [ThreadStatic] private static List<ViewGroup>? t_groups;
    [ThreadStatic] private static List<Action>? t_callbacks;

    /// <summary>Whether a backward pass is running on this thread.</summary>
    internal static bool InPass => t_pass != 0;

    /// <summary>Runs <paramref name="callback"/> when the running pass has run every node.</summary>
    internal static void QueueCallback(Action callback) => (t_callbacks ??= []).Add(callback);

    /// <summary>The number of the backward pass running on this thread (0 outside one).</summary>
    internal static long CurrentPass => t_pass;

    [ThreadStatic] private static bool t_releases;

    /// <summary>Whether the running pass frees the saved tensors of the nodes it runs (no <c>retainGraph</c>).
    /// </summary>
    internal static bool ReleasesSaved => t_pass != 0 && t_releases;

    [ThreadStatic] private static bool t_captures;

    /// <summary>Whether the running pass returns the gradients of chosen inputs (<c>Autograd.Grad</c>): then only the
    /// nodes that lead to them run.</summary>
    internal static bool Captures => t_pass != 0 && t_captures;

    /// <summary>Has <paramref name="group"/>'s buffer released when the running pass ends.</summary>
    internal static void OnPassEnd(ViewGroup group) => (t_groups ??= []).Add(group);

    /// <summary>
    /// The storage of the gradient the running node received and nothing else references (see
    /// <see cref="Scratch.Owned"/>), while that node's formula runs; null otherwise.
    /// </summary>
    [ThreadStatic] private static Array? t_overwritable;

    /// <summary>
    /// Whether the running backward formula may write its result into <paramref name="grad"/>, the gradient it
    /// received: the engine owns it (no hook, capture, other edge or user code holds it), it is contiguous, and no
    /// graph is being recorded. The result then reuses the buffer instead of a fresh array per step (issue 12).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool MayOverwrite(Tensor grad) =>
        t_overwritable is { } owned && ReferenceEquals(grad.Raw.Storage.Array, owned) && grad.Raw.IsContiguous
        && !Autograd.IsGradEnabled;

    // One cached scratch per thread; a backward started from inside another (a hook calling Backward) gets a fresh one.
    [ThreadStatic] private static Scratch? t_scratch;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor?[] Execute(Edge[] rootEdges, Tensor[] rootGrads, bool retainGraph, bool createGraph,
        Edge[]? captures)
    {
        Scratch scratch = t_scratch ?? new Scratch();
        t_scratch = null;
        (long outerPass, List<ViewGroup>? outerGroups, List<Action>? outerCallbacks, bool outerReleases) =
            (t_pass, t_groups, t_callbacks, t_releases);
        bool outerCaptures = t_captures;
        t_pass = System.Threading.Interlocked.Increment(ref s_passes);
        t_releases = !retainGraph;
        t_captures = captures is not null;
        t_groups = null;
        t_callbacks = null;
        try
        {
            Tensor?[] result = Execute(scratch, rootEdges, rootGrads, retainGraph, createGraph, captures);
            // Callbacks queued by hooks (and by callbacks) run once every node has run, in queue order.
            for (int i = 0; t_callbacks is { } callbacks && i < callbacks.Count; i++) callbacks[i]();
            return result;
        }
        finally
        {
            if (t_groups is { } groups)
                foreach (var g in groups) g.Release();
            (t_pass, t_groups, t_callbacks, t_releases) = (outerPass, outerGroups, outerCallbacks, outerReleases);
            t_captures = outerCaptures;
            // Keep the scratch for the next pass unless a huge graph grew it (its capacity would stay allocated).
            bool huge = scratch.Order.Capacity > 4096 || scratch.Slots.Length > 4096 || scratch.Keys.Length > 4096;
            scratch.Clear();
            t_scratch = huge ? null : scratch;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor?[] Execute(Scratch scratch, Edge[] rootEdges, Tensor[] rootGrads, bool retainGraph,
        bool createGraph, Edge[]? captures)
    {
        // 1. The reachable graph (iterative DFS, so graphs of any depth work). Each node is claimed for this pass
        //    (its mark and buffer then live in its fields, no hashing); one another pass holds goes to the tables.
        long pass = t_pass;
        scratch.Pass = pass;
        var order = scratch.Order;
        var stack = scratch.Stack;
        foreach (var e in rootEdges)
            if (Visit(scratch, e.Function!, pass)) stack.Push(e.Function!);
        while (stack.Count > 0)
        {
            Node n = stack.Pop();
            for (int i = 0; i < n.NumInputs; i++)
                if (n.NextEdge(i).Function is Node next && Visit(scratch, next, pass)) stack.Push(next);
        }

        // 2. A node's number is assigned once its inputs are wired, so it is larger than the number of every node it
        //    sends gradients to: descending numbers run each node after all of its consumers (a topological order).
        //    Sorted by keys (the numbers, complemented, taken by Visit while the node was at hand) with indices into
        //    the order as items: no node is read again and no reference moves (a write barrier per swap).
        int count = order.Count;
        Span<long> keys = scratch.Keys.AsSpan(0, count);
        Span<int> index = scratch.Index.AsSpan(0, count);
        for (int i = 0; i < count; i++) index[i] = i;
        keys.Sort(index);

        // 3. With capture targets, only nodes from which a target is reachable need to run (one pass, producers first).
        HashSet<Node>? needed = null;
        Dictionary<Node, List<(int InputNr, int Slot)>>? captureAt = null;
        Tensor?[] captured = captures is null ? [] : new Tensor?[captures.Length];
        if (captures is not null)
        {
            captureAt = new Dictionary<Node, List<(int, int)>>(NodeIdentity.Instance);
            for (int k = 0; k < captures.Length; k++)
            {
                if (captures[k].Function is not Node f) continue;
                if (!captureAt.TryGetValue(f, out var list)) captureAt[f] = list = [];
                list.Add((captures[k].InputNr, k));
            }
            needed = new HashSet<Node>(NodeIdentity.Instance);
            for (int j = count - 1; j >= 0; j--)
            {
                Node n = order[index[j]];
                bool need = captureAt.ContainsKey(n);
                for (int i = 0; i < n.NumInputs && !need; i++)
                    need = n.NextEdge(i).Function is Node c && needed.Contains(c);
                if (need) needed.Add(n);
            }
        }

        // 4. Run in that order, summing the gradients that arrive at each node's inputs.
        for (int i = 0; i < rootEdges.Length; i++)
        {
            Node r = rootEdges[i].Function!;
            SetBuffer(scratch, r, pass, Accumulate(GetBuffer(scratch, r, pass), rootEdges[i].InputNr, 1, rootGrads[i]));
        }
        using var mode = Autograd.SetGradEnabled(createGraph);
        bool anomaly = Autograd.IsAnomalyEnabled;
        for (int k = 0; k < count; k++)
        {
            Node node = order[index[k]];
            Tensor?[]? taken = TakeBuffer(scratch, node, pass);
            // Every node that sends this one gradients ran before it (the order is topological), so the pass is done
            // with the node's claim: it is released now, while the node is at hand, rather than in Scratch.Clear.
            if (node.EnginePass == pass) System.Threading.Volatile.Write(ref node.EnginePass, 0L);
            // A node that no gradient reached is skipped (its saved tensors stay, as in PyTorch).
            if (taken is not { } inputs) continue;
            node.RunPreHooks(inputs);
            if (captureAt is not null && captureAt.TryGetValue(node, out var slots))
                foreach (var (nr, slot) in slots)
                    if (nr < inputs.Length) captured[slot] = inputs[nr];
            bool run = AnyGradient(inputs)
                && (needed is null || (needed.Contains(node) && node is not AccumulateGrad));
            // Ownership of the incoming gradients passes to this node (hooks and captures may keep them: then none).
            bool track = !createGraph && captures is null && !node.HasPreHooks;
            uint ownedInputs = TakeOwnership(scratch.Owned, inputs);
            if (!track) ownedInputs = 0;
            if (!run) continue;
            if (node is AccumulateGrad acc && (ownedInputs & 1) != 0)
            {
                acc.AccumulateOwned(inputs[0]!);
                continue;
            }
            t_overwritable = (ownedInputs & 1) != 0 && inputs.Length == 1 ? inputs[0]!.Raw.Storage.Array : null;
            Tensor?[] outputs;
            try { outputs = node.Apply(inputs); }
            finally { t_overwritable = null; }
            if (anomaly) CheckFinite(node, outputs);
            if (!retainGraph) node.ReleaseVariables();
            for (int i = 0; i < node.NumInputs && i < outputs.Length; i++)
            {
                Edge e = node.NextEdge(i);
                if (e.Function is null || outputs[i] is not Tensor g) continue;
                g = Validate(node, i, g);
                Tensor?[]? buf = GetBuffer(scratch, e.Function, pass);
                if (node.OwnsGrad(g))
                {
                    SetBuffer(scratch, e.Function, pass, AccumulateInto(buf, e.InputNr, g));
                    continue;
                }
                bool owned = track && IsExclusive(node, g, i, inputs, ownedInputs, outputs);
                Tensor? old = buf is not null && e.InputNr < buf.Length ? buf[e.InputNr] : null;
                if (track && old is not null && old.DType == g.DType && scratch.Owned.Contains(old.Raw.Storage.Array)
                    && !ReferenceEquals(old.Raw.Storage.Array, g.Raw.Storage.Array) && RawOps.IsDense(old.Raw))
                {
                    // Only this buffer holds the partial sum: add into it instead of allocating a new sum (a weight
                    // used at every step of an RNN gets one gradient per step).
                    old.AddInPlaceRaw(g);
                    continue;
                }
                if (owned && old is not null && TryAddIntoNew(g, old))
                {
                    // The new gradient is the exclusive one (the old may be a view of a shared or broadcast gradient,
                    // such as a stack's piece): the sum goes into it, the same bits as old + g, and it stays owned.
                    scratch.Owned.Add(g.Raw.Storage.Array);
                    buf![e.InputNr] = g;
                    continue;
                }
                Tensor?[] sum = Accumulate(buf, e.InputNr, 1, g);
                if (!ReferenceEquals(sum, buf)) SetBuffer(scratch, e.Function, pass, sum);
                buf = sum;
                if (old is not null)
                {
                    // The sum is a fresh tensor that only this buffer holds; the old summand is garbage.
                    scratch.Owned.Remove(old.Raw.Storage.Array);
                    owned = track;
                }
                if (owned) scratch.Owned.Add(buf[e.InputNr]!.Raw.Storage.Array);
            }
        }
        scratch.Released = true;
        return captured;
    }

    /// <summary>
    /// Adds <paramref name="n"/> to the pass's reachable nodes unless it is there already (false then): claims it for
    /// pass <paramref name="pass"/> when no other pass holds it, else records it in the scratch's tables.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Visit(Scratch scratch, Node n, long pass)
    {
        if (n.EnginePass == pass) return false;
        HashSet<Node> seen = scratch.Seen;
        // A node seen while another pass held it may have been released since: it stays in the table.
        if (seen.Count != 0 && seen.Contains(n)) return false;
        if (System.Threading.Interlocked.CompareExchange(ref n.EnginePass, pass, 0L) == 0L)
        {
            int slot = scratch.Order.Count;
            if (slot >= scratch.Slots.Length) Array.Resize(ref scratch.Slots, 2 * scratch.Slots.Length);
            n.EngineSlot = slot;
        }
        else seen.Add(n);
        int at = scratch.Order.Count;
        if (at == scratch.Keys.Length)
        {
            Array.Resize(ref scratch.Keys, 2 * at);
            Array.Resize(ref scratch.Index, 2 * at);
        }
        scratch.Keys[at] = ~n.SequenceNr;
        scratch.Order.Add(n);
        return true;
    }

    /// <summary>Whether any gradient reached the node (a node none reached does not run).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool AnyGradient(Tensor?[] inputs)
    {
        foreach (Tensor? t in inputs)
            if (t is not null) return true;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor?[]? GetBuffer(Scratch scratch, Node n, long pass) =>
        n.EnginePass == pass ? scratch.Slots[n.EngineSlot]
        : scratch.Buffers.TryGetValue(n, out Tensor?[]? b) ? b : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SetBuffer(Scratch scratch, Node n, long pass, Tensor?[] buffer)
    {
        if (n.EnginePass == pass) scratch.Slots[n.EngineSlot] = buffer;
        else scratch.Buffers[n] = buffer;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor?[]? TakeBuffer(Scratch scratch, Node n, long pass)
    {
        if (n.EnginePass != pass) return scratch.Buffers.Remove(n, out Tensor?[]? b) ? b : null;
        ref Tensor?[]? slot = ref scratch.Slots[n.EngineSlot];
        Tensor?[]? buffer = slot;
        slot = null;
        return buffer;
    }

    /// <summary>
    /// Removes the incoming gradients' storage from <paramref name="owned"/>; bit k of the result says input k was
    /// owned (inputs past 32 are treated as shared).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint TakeOwnership(HashSet<Array> owned, Tensor?[] inputs)
    {
        uint bits = 0;
        for (int k = 0; k < inputs.Length; k++)
            if (inputs[k] is Tensor t && owned.Remove(t.Raw.Storage.Array) && k < 32) bits |= 1u << k;
        return bits;
    }

    /// <summary>
    /// Whether output <paramref name="i"/> of a built-in node is referenced by nothing but the edge it goes to: no
    /// other output shares its storage, and it is either new storage or a view of an owned incoming gradient.
    /// Custom functions' outputs are user code's tensors and never count as exclusive.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsExclusive(Node node, Tensor g, int i, Tensor?[] inputs, uint ownedInputs,
        Tensor?[] outputs)
    {
        if (node is CustomFunctionBackward or BackwardHookFunctionBackward) return false;
        Array storage = g.Raw.Storage.Array;
        for (int j = 0; j < outputs.Length; j++)
            if (j != i && outputs[j] is Tensor o && ReferenceEquals(o.Raw.Storage.Array, storage)) return false;
        for (int k = 0; k < inputs.Length; k++)
            if (inputs[k] is Tensor t && ReferenceEquals(t.Raw.Storage.Array, storage))
                return k < 32 && (ownedInputs & (1u << k)) != 0;
        return true;
    }

    /// <summary>
    /// <c>g += old</c> without a temporary, when <paramref name="g"/> (a gradient only the engine holds) is dense
    /// and of <paramref name="old"/>'s shape and dtype; false (nothing written) otherwise. Addition commutes, so the
    /// sum has the bits of <c>old + g</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryAddIntoNew(Tensor g, Tensor old)
    {
        RawTensor dst = g.Raw, src = old.Raw;
        if (dst.DType != src.DType || (dst.DType != DType.Float32 && dst.DType != DType.Float64)
            || ReferenceEquals(dst.Storage.Array, src.Storage.Array) || !dst.Shape.AsSpan().SequenceEqual(src.Shape))
            return false;
        return RawOps.TryAddInto(dst, src) || RawOps.TryBinaryInPlace<Op.Add>(dst, src, false, "add");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor?[] Accumulate(Tensor?[]? buffer, int index, int size, Tensor g)
    {
        buffer ??= new Tensor?[Math.Max(size, index + 1)];
        if (index >= buffer.Length) Array.Resize(ref buffer, index + 1);
        buffer[index] = buffer[index] is Tensor old ? old + g : g;
        return buffer;
    }

    /// <summary>
    /// Stores <paramref name="shared"/>, a buffer its node keeps writing into, adding any gradient already there
    /// into it in place (a new sum would lose the writes still to come).
    /// </summary>
    private static Tensor?[] AccumulateInto(Tensor?[]? buffer, int index, Tensor shared)
    {
        buffer ??= new Tensor?[index + 1];
        if (index >= buffer.Length) Array.Resize(ref buffer, index + 1);
        if (buffer[index] is Tensor old) RawOps.CopyFrom(shared.Raw, RawOps.Add(shared.Raw, old.Raw));
        buffer[index] = shared;
        return buffer;
    }

    /// <summary>
    /// Brings a gradient to the shape and dtype of the input it belongs to (sums broadcast dims, casts).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor Validate(Node node, int i, Tensor g)
    {
        int[] shape = node.InputShape(i);
        if (!g.Raw.Shape.AsSpan().SequenceEqual(shape))
        {
            if (g.Raw.NumEl == Shapes.NumEl(shape) && g.Raw.Rank == shape.Length)
                throw new InvalidOperationException(
                    $"Function {node.Name} returned an invalid gradient at index {i}: got shape " +
                    $"{Shapes.Format(g.Raw.Shape)} but expected {Shapes.Format(shape)}.");
            g = g.SumToShape(shape);
        }
        DType dt = node.InputDType(i);
        if (g.DType != dt) g = g.To(dt);
        return g;
    }

    /// <summary>
    /// Anomaly mode: the first NaN or infinity produced by a backward formula names the forward op and where it ran.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckFinite(Node node, Tensor?[] outputs)
    {
        for (int i = 0; i < outputs.Length; i++)
        {
            Tensor? g = outputs[i];
            if (g is null || !g.DType.IsFloatingPoint()) continue;
            bool bad = new Tensor(RawOps.AnyAll(
                RawOps.Add(RawOps.Cast(RawOps.IsNaN(g.Raw), DType.Int32),
                    RawOps.Cast(RawOps.IsInf(g.Raw), DType.Int32)),
                null, false, all: false)).Item<bool>();
            if (bad)
                throw new AnomalyException(
                    $"Function '{node.Name}' returned nan or inf values in its {i}th output.\n" +
                    "The forward call that created it ran at:\n" +
                    (node.CreationTrace ?? "(not recorded: the node was created outside Autograd.DetectAnomaly())"));
        }
    }

    /// <summary>
    /// Reference identity hashed by creation number: nodes are new every step, and the runtime's identity hash is slow
    /// on first use.
    /// </summary>
    private sealed class NodeIdentity : IEqualityComparer<Node>
    {
        public static readonly NodeIdentity Instance = new();
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Equals(Node? x, Node? y) => ReferenceEquals(x, y);
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int GetHashCode(Node n) => (int)n.SequenceNr ^ (int)(n.SequenceNr >> 32);
    }
}
