using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Ember.Graph;

namespace Ember;

/// <summary>
/// Autograd entry points: grad mode (<see cref="NoGrad"/>, <see cref="SetGradEnabled"/>) and functional helpers.
/// Scopes nest and each restores, when disposed, the mode it found (PyTorch's rules):
/// <c>using (Autograd.NoGrad()) { ... }</c>. Modes flow with the async context, like <c>CultureInfo.CurrentCulture</c>:
/// a scope stays in effect across <c>await</c> (whichever thread the code resumes on) and in tasks started inside
/// it, and never leaks into the thread the code left or into other running threads.
/// (The graph types live in <c>Ember.Graph</c>: a namespace cannot share this class's name.)
/// </summary>
public static partial class Autograd
{
    private const int GradOff = 1, Inference = 2, Anomaly = 4;

    // The modes live in an AsyncLocal so they follow async code; every change of the current thread's value
    // (a scope, or the runtime switching execution contexts) is mirrored into a thread-static, so the hot path
    // (every op asks whether to record) reads a plain field.
    private static readonly AsyncLocal<object?> s_modes = new(static e => t_modes = e.CurrentValue is int m ? m : 0);
    [ThreadStatic] private static int t_modes;

    // The eight mode combinations boxed once, so a change allocates only the new execution context.
    private static readonly object[] s_boxed = [0, 1, 2, 3, 4, 5, 6, 7];

    private static int Modes
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => t_modes;
    }

    /// <summary>Replaces the bits of <paramref name="mask"/> with those of <paramref name="bits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Set(int mask, int bits)
    {
        int next = (t_modes & ~mask) | (bits & mask);
        // An unchanged value costs no execution-context copy (the engine sets grad mode on every backward).
        if (next != t_modes) s_modes.Value = s_boxed[next];
    }

    /// <summary>Whether anomaly detection is on in this async context.</summary>
    public static bool IsAnomalyEnabled
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => (Modes & Anomaly) != 0;
    }

    /// <summary>Whether this async context is inside <see cref="InferenceMode"/>.</summary>
    public static bool IsInferenceMode
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => (Modes & Inference) != 0;
    }

    /// <summary>
    /// Anomaly detection until the scope is disposed (PyTorch's <c>torch.autograd.detect_anomaly()</c>): each op
    /// records the C# stack trace of its forward call, and the first backward formula that produces NaN or infinity
    /// throws an <see cref="Graph.AnomalyException"/> naming that op and the forward call. Slow; for debugging.
    /// </summary>
    public static Scope DetectAnomaly()
    {
        int previous = Modes;
        Set(Anomaly, Anomaly);
        return new Scope(() => Set(Anomaly, previous));
    }

    /// <summary>
    /// Inference mode until the scope is disposed (<c>torch.inference_mode()</c>): no graph is recorded, and tensors
    /// created inside are inference tensors, which refuse to be saved for backward or to require grad later.
    /// </summary>
    public static Scope InferenceMode()
    {
        int previous = Modes;
        Set(GradOff | Inference, GradOff | Inference);
        return new Scope(() => Set(GradOff | Inference, previous));
    }

    /// <summary>Whether ops in this async context record the graph.</summary>
    public static bool IsGradEnabled
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => (Modes & GradOff) == 0;
    }

    /// <summary>
    /// Disables graph recording until the returned scope is disposed (PyTorch's <c>torch.no_grad()</c>).
    /// </summary>
    public static GradModeScope NoGrad() => SetGradEnabled(false);

    /// <summary>
    /// Enables graph recording inside a no-grad region until the scope is disposed (<c>torch.enable_grad()</c>).
    /// </summary>
    public static GradModeScope EnableGrad() => SetGradEnabled(true);

    /// <summary>Sets grad mode until the returned scope is disposed, then restores the previous mode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static GradModeScope SetGradEnabled(bool enabled)
    {
        var scope = new GradModeScope(IsGradEnabled);
        Restore(enabled);
        return scope;
    }

    /// <summary>
    /// Queues <paramref name="callback"/> to run on this thread when the backward pass running here has run every
    /// node (PyTorch's <c>Variable._execution_engine.queue_callback</c>); call it from a gradient hook. A data-parallel
    /// wrapper uses it to wait for its last gradient all-reduce before <c>Backward()</c> returns.
    /// </summary>
    /// <exception cref="InvalidOperationException">No backward pass is running on this thread.</exception>
    public static void QueueCallback(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (!Engine.InPass)
            throw new InvalidOperationException(
                "QueueCallback: no backward pass is running on this thread; call it from a gradient hook.");
        Engine.QueueCallback(callback);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Restore(bool enabled) => Set(GradOff, enabled ? 0 : GradOff);

    /// <summary>
    /// Whether an op on these inputs must record a node: grad mode is on and some input requires grad.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool ShouldRecord(Tensor a) => IsGradEnabled && a.RequiresGrad;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool ShouldRecord(Tensor a, Tensor b) => IsGradEnabled && (a.RequiresGrad || b.RequiresGrad);
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool ShouldRecord(Tensor? a, Tensor b, Tensor c) =>
        IsGradEnabled && ((a?.RequiresGrad ?? false) || b.RequiresGrad || c.RequiresGrad);
}

/// <summary>Ends a mode (anomaly detection, inference mode) when disposed.</summary>
public sealed class Scope : IDisposable
{
    private Action? _end;
    internal Scope(Action end) => _end = end;

    /// <summary>Restores the previous mode; disposing twice does nothing.</summary>
    public void Dispose()
    {
        _end?.Invoke();
        _end = null;
    }
}

/// <summary>
/// Restores the previous grad mode when disposed. Returned by <see cref="Autograd.NoGrad"/> and friends.
/// </summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool _previous;
    internal GradModeScope(bool previous) => _previous = previous;

    /// <summary>Restores the grad mode that was active when the scope was created.</summary>
    public void Dispose() => Autograd.Restore(_previous);
}
