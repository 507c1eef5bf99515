using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Ember.Graph;

/// <summary>
/// Detects the classic autograd leak: a tensor kept across training steps and built from each step's graph
/// (<c>total = total + loss</c>), so the graph behind it, and the memory it holds, grows with every step. Each node
/// records its depth (1 + the deepest node it sends gradients to) and the oldest optimizer step its graph reaches
/// back to; <c>Optimizer.Step()</c> (and so Keras-style <c>Fit</c>) checks the deepest node built since the previous
/// step that reaches back across a step. When that depth has grown for <see cref="StepsBeforeWarning"/> checks in a
/// row, the warning is raised once per thread: through <see cref="Detected"/> and <see cref="Trace"/>. Ordinary loops,
/// whose graphs start from parameters and data every step, never reach back.
/// </summary>
public static class GraphGrowth
{
    /// <summary>How many consecutive optimizer steps the kept graph must grow before the warning.</summary>
    public const int StepsBeforeWarning = 10;

    /// <summary>
    /// The trace source <c>Ember.Graph</c>: the warning is traced as <see cref="TraceEventType.Warning"/> (event id 1).
    /// Add a listener (<c>GraphGrowth.Trace.Listeners.Add(new ConsoleTraceListener())</c>) to see it.
    /// </summary>
    public static TraceSource Trace { get; } = new("Ember.Graph", SourceLevels.Warning);

    /// <summary>
    /// Raised once per thread, on the thread that called <c>Optimizer.Step()</c>, when the graph kept across steps has
    /// grown for <see cref="StepsBeforeWarning"/> steps.
    /// </summary>
    public static event EventHandler<GraphGrowthEventArgs>? Detected;

    [ThreadStatic] private static long t_generation;
    [ThreadStatic] private static int t_crossDepth;
    [ThreadStatic] private static int t_lastCrossDepth;
    [ThreadStatic] private static int t_growingSteps;
    [ThreadStatic] private static bool t_warned;

    /// <summary>The current step generation of this thread (incremented by every optimizer step).</summary>
    internal static long Generation => t_generation;

    /// <summary>Notes a new node: whether its graph reaches back before the current step, and how deep it is.</summary>
    internal static void Created(int depth, long oldest)
    {
        if (oldest < t_generation && depth > t_crossDepth) t_crossDepth = depth;
    }

    /// <summary>Called by <c>Optimizer.Step()</c>: compares what was built since the previous step, then starts a new
    /// generation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void OnStep()
    {
        int depth = t_crossDepth;
        t_crossDepth = 0;
        t_generation++;
        if (depth == 0) return; // nothing built this step reaches back: no evidence either way
        t_growingSteps = depth > t_lastCrossDepth && t_lastCrossDepth > 0 ? t_growingSteps + 1 : 0;
        t_lastCrossDepth = depth;
        if (t_growingSteps < StepsBeforeWarning || t_warned) return;
        t_warned = true;
        var args = new GraphGrowthEventArgs(depth, t_growingSteps);
        Trace.TraceEvent(TraceEventType.Warning, 1, args.Message);
        Detected?.Invoke(null, args);
    }
}

/// <summary>What <see cref="GraphGrowth.Detected"/> reports.</summary>
public sealed class GraphGrowthEventArgs : EventArgs
{
    internal GraphGrowthEventArgs(int depth, int steps)
    {
        Depth = depth;
        Steps = steps;
        Message =
            $"Ember: the autograd graph kept across optimizer steps has grown for {steps} steps (now {depth} nodes " +
            "deep): a tensor that outlives a step is built from each step's graph, as in `total = total + loss`, " +
            "so every step's graph stays in memory. Keep a number instead: `total += loss.Item<float>()` (or " +
            "`loss.Detach()`, or compute it inside `using (Autograd.NoGrad())`).";
    }

    /// <summary>The depth (longest chain of nodes) of the deepest graph built in the last step that reaches back
    /// across steps.</summary>
    public int Depth { get; }

    /// <summary>For how many consecutive steps that depth grew.</summary>
    public int Steps { get; }

    /// <summary>The warning text, naming the usual cause and the fix.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => Message;
}
