using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Ember.Graph;

namespace Ember.Tracing;

/// <summary>
/// Observes the ops the public tensor API executes and the module calls around them, while active (see
/// <see cref="Begin"/>): the seam an exporter (e.g. ONNX) builds its graph from. The core knows nothing of any export
/// format; it only reports. When no tracer is active anywhere the cost is one integer check per op.
/// </summary>
/// <remarks>
/// Ops report from the shared node-recording helpers, so every differentiable op reports, with or without grad mode.
/// Ops with no autograd node (comparisons, argmax, integer casts, ...) report under their lowercase PyTorch (aten)
/// name, e.g. <c>gt</c>, <c>argmax</c>, <c>_to_copy</c>. Reads of a tensor's values on the host (<c>Item</c>,
/// <c>ToArray</c>) go to <see cref="OnHostRead"/>: whatever is computed from them is invisible to a tracer.
/// Tensors created inside a forward pass from host values are values a tracer has not seen (constants).
/// </remarks>
public abstract class OpTracer
{
    private static readonly AsyncLocal<OpTracer?> s_current = new();
    private static int s_active;
    private bool _inClaimed;
    private bool _busy;

    /// <summary>Whether any tracer is active (in any async context); the cheap check on the hot path.</summary>
    internal static bool IsActive
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
#if NO_TRACER_SEAM
        // bench/ only (-p:EmberNoTracerSeam=true): the check compiled out, to measure its cost when not tracing.
        get => false;
#else
        get => Volatile.Read(ref s_active) != 0;
#endif
    }

    /// <summary>The tracer of the current async context, or null.</summary>
    internal static OpTracer? Current
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => IsActive ? s_current.Value : null;
    }

    /// <summary>
    /// Makes this tracer the active one for the current async context (it flows with <c>await</c>, as grad modes do)
    /// until the returned scope is disposed, which restores the previous tracer.
    /// </summary>
    public Scope Begin()
    {
        OpTracer? previous = s_current.Value;
        s_current.Value = this;
        Interlocked.Increment(ref s_active);
        return new Scope(() =>
        {
            s_current.Value = previous;
            Interlocked.Decrement(ref s_active);
        });
    }

    /// <summary>
    /// Called when a module call (<c>Module.Call</c>) starts, nested calls included. Return true to take the call as
    /// one op: the ops it runs itself are not reported, and <see cref="OnModuleExit"/> gets its input and output.
    /// Module calls nested in a taken call are offered here too (a layer's activation module, say); an untaken one has
    /// its ops reported. The default returns false.
    /// </summary>
    /// <param name="module">The module being called (an <c>Ember.NN.ModuleBase</c>).</param>
    /// <param name="input">Its input, before the module prepares it.</param>
    protected internal virtual bool OnModuleEnter(object module, object? input) => false;

    /// <summary>Called when a module call ends (also after an exception, with a null output).</summary>
    /// <param name="module">The module that was called.</param>
    /// <param name="input">Its (prepared) input.</param>
    /// <param name="output">Its output, or null if it threw.</param>
    /// <param name="claimed">What <see cref="OnModuleEnter"/> returned.</param>
    protected internal virtual void OnModuleExit(object module, object? input, object? output, bool claimed) { }

    /// <summary>Called for each op executed outside claimed module calls.</summary>
    protected internal abstract void OnOp(TracedOp op);

    /// <summary>
    /// Called when code outside claimed module calls (and outside the tracer's own callbacks) reads a tensor's values
    /// on the host, e.g. <c>Item</c> or <c>ToArray</c>. The default does nothing; an exporter may reject reads of a
    /// traced value, since anything computed from them would be frozen into its graph.
    /// </summary>
    /// <param name="tensor">The tensor whose values are read.</param>
    /// <param name="api">The reading method's name.</param>
    protected internal virtual void OnHostRead(Tensor tensor, string api) { }

    /// <summary>Reports an op to the active tracer (called by the recording helpers only when one is active).</summary>
    internal static void Report<TState>(string name, Tensor output, TState state, Tensor?[] inputs)
    {
        OpTracer? t = s_current.Value;
        if (t is null || t._inClaimed || t._busy) return;
        t._busy = true;
        try
        {
            t.OnOp(new TracedOp(name, inputs, output, state));
        }
        finally
        {
            t._busy = false;
        }
    }

    /// <summary>
    /// Reports an op with no autograd node under its aten name; returns <paramref name="output"/>. One check when no
    /// tracer is active.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tensor Untraced<TState>(string name, Tensor output, TState state, Tensor input,
        Tensor? other = null)
    {
        if (IsActive) Report(name, output, state, other is null ? [input] : [input, other]);
        return output;
    }

    /// <summary>Reports a host read of <paramref name="tensor"/> (called only when a tracer is active).</summary>
    internal static void HostRead(Tensor tensor, string api)
    {
        OpTracer? t = s_current.Value;
        if (t is null || t._inClaimed || t._busy) return;
        t._busy = true;
        try
        {
            t.OnHostRead(tensor, api);
        }
        finally
        {
            t._busy = false;
        }
    }

    /// <summary>Runs one module call under the tracer: enter, forward (ops hidden when claimed), exit.</summary>
    internal static TOut Call<TIn, TOut>(OpTracer tracer, object module, TIn input, Func<TIn, TOut> run)
    {
        bool outer = tracer._inClaimed;
        bool claimed;
        tracer._busy = true;
        try
        {
            claimed = tracer.OnModuleEnter(module, input);
        }
        finally
        {
            tracer._busy = false;
        }
        tracer._inClaimed = claimed;
        TOut output = default!;
        bool ok = false;
        try
        {
            output = run(input);
            ok = true;
        }
        finally
        {
            tracer._inClaimed = outer;
            tracer._busy = true;
            try
            {
                tracer.OnModuleExit(module, input, ok ? output : null, claimed);
            }
            finally
            {
                tracer._busy = false;
            }
        }
        return output;
    }
}

/// <summary>One executed op as a tracer sees it.</summary>
public sealed class TracedOp
{
    internal TracedOp(string name, IReadOnlyList<Tensor?> inputs, Tensor output, object? state) =>
        (Name, Inputs, Output, State) = (name, inputs, output, state);

    /// <summary>
    /// The op's autograd node name (PyTorch's, e.g. <c>AddmmBackward0</c>, <c>ReluBackward0</c>), or for an op with no
    /// autograd node its lowercase aten name (<c>gt</c>, <c>argmax</c>, <c>_to_copy</c>).
    /// </summary>
    public string Name { get; }

    /// <summary>Its tensor inputs in the node's order (null for an absent optional input).</summary>
    public IReadOnlyList<Tensor?> Inputs { get; }

    /// <summary>Its result.</summary>
    public Tensor Output { get; }

    /// <summary>
    /// The op's non-tensor arguments as the op records them for backward (a value, or a value tuple such as
    /// <c>(dim, keepDim)</c>), or null. Its form is op-specific and versioned with Ember, for the exporters shipped
    /// with it.
    /// </summary>
    public object? State { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
