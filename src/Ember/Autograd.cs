using System;
using Ember.Graph;

namespace Ember;

/// <summary>
/// Autograd entry points: grad mode (<see cref="NoGrad"/>, <see cref="SetGradEnabled"/>) and functional helpers.
/// Grad mode is per thread and scopes nest: <c>using (Autograd.NoGrad()) { ... }</c>.
/// (The graph types live in <c>Ember.Graph</c>: a namespace cannot share this class's name.)
/// </summary>
public static partial class Autograd
{
    [ThreadStatic] private static bool t_gradDisabled;
    [ThreadStatic] private static int t_anomalyDepth;
    [ThreadStatic] private static int t_inferenceDepth;

    /// <summary>Whether anomaly detection is on for this thread.</summary>
    public static bool IsAnomalyEnabled => t_anomalyDepth > 0;

    /// <summary>Whether this thread is inside <see cref="InferenceMode"/>.</summary>
    public static bool IsInferenceMode => t_inferenceDepth > 0;

    /// <summary>
    /// Anomaly detection until the scope is disposed (PyTorch's <c>torch.autograd.detect_anomaly()</c>): each op
    /// records the C# stack trace of its forward call, and the first backward formula that produces NaN or infinity
    /// throws an <see cref="Graph.AnomalyException"/> naming that op and the forward call. Slow; for debugging.
    /// </summary>
    public static Scope DetectAnomaly()
    {
        t_anomalyDepth++;
        return new Scope(() => t_anomalyDepth--);
    }

    /// <summary>
    /// Inference mode until the scope is disposed (<c>torch.inference_mode()</c>): no graph is recorded, and tensors
    /// created inside are inference tensors, which refuse to be saved for backward or to require grad later.
    /// </summary>
    public static Scope InferenceMode()
    {
        var grad = SetGradEnabled(false);
        t_inferenceDepth++;
        return new Scope(() => { t_inferenceDepth--; grad.Dispose(); });
    }

    /// <summary>Whether ops on this thread record the graph.</summary>
    public static bool IsGradEnabled => !t_gradDisabled;

    /// <summary>
    /// Disables graph recording until the returned scope is disposed (PyTorch's <c>torch.no_grad()</c>).
    /// </summary>
    public static GradModeScope NoGrad() => SetGradEnabled(false);

    /// <summary>
    /// Enables graph recording inside a no-grad region until the scope is disposed (<c>torch.enable_grad()</c>).
    /// </summary>
    public static GradModeScope EnableGrad() => SetGradEnabled(true);

    /// <summary>Sets grad mode until the returned scope is disposed, then restores the previous mode.</summary>
    public static GradModeScope SetGradEnabled(bool enabled)
    {
        var scope = new GradModeScope(!t_gradDisabled);
        t_gradDisabled = !enabled;
        return scope;
    }

    internal static void Restore(bool enabled) => t_gradDisabled = !enabled;

    /// <summary>
    /// Whether an op on these inputs must record a node: grad mode is on and some input requires grad.
    /// </summary>
    internal static bool ShouldRecord(Tensor a) => !t_gradDisabled && a.RequiresGrad;
    internal static bool ShouldRecord(Tensor a, Tensor b) => !t_gradDisabled && (a.RequiresGrad || b.RequiresGrad);
    internal static bool ShouldRecord(Tensor? a, Tensor b, Tensor c) =>
        !t_gradDisabled && ((a?.RequiresGrad ?? false) || b.RequiresGrad || c.RequiresGrad);
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
