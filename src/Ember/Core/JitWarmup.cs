using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Ember.Core;

/// <summary>
/// Compiles the training step's methods on a background thread while the application sets up (loads data, builds the
/// model), so the first training step does not pay for them (docs/design-notes.md, "JIT warm-up").
/// </summary>
/// <remarks>
/// <para>The methods a training step runs carry <see cref="MethodImplOptions.AggressiveOptimization"/> (issue 18): the
/// runtime compiles them fully optimized at their first call, which is tier-proof but puts ~130 ms of JIT into the
/// first step of an MLP (W2). Creating an optimizer is the signal that training steps will follow: the optimizer's
/// constructor calls <see cref="Start"/>, which starts one background thread that calls
/// <see cref="RuntimeHelpers.PrepareMethod(RuntimeMethodHandle)"/> on every such method of Ember.Kernels and Ember
/// (generic ones instantiated over <see cref="float"/> where their constraints allow). The code it produces is the
/// code the first call would have produced; a method the training thread reaches while the warm-up compiles it is
/// compiled once (the runtime makes the second caller wait).</para>
/// <para>It only uses otherwise idle time: every module call (<c>Module.Call</c>) and <c>Optimizer.Step</c> calls
/// <see cref="Stop"/>, after which the thread compiles nothing more, so it runs only between the optimizer's creation
/// and the first forward pass (typically while the data loads) and never competes with training for cores. Off where
/// code is not
/// JIT-compiled (NativeAOT) and when the runtime switch <c>Ember.JitWarmup</c> is false
/// (<c>&lt;RuntimeHostConfigurationOption Include="Ember.JitWarmup" Value="false" /&gt;</c> in the app's project, or
/// <c>AppContext.SetSwitch</c> before the first optimizer is created).</para>
/// </remarks>
internal static class JitWarmup
{
    /// <summary>The <see cref="AppContext"/> switch that turns the warm-up off when set to false.</summary>
    public const string SwitchName = "Ember.JitWarmup";

    /// <summary>The process's warm-up, started by the first optimizer.</summary>
    public static Runner Default { get; } = new();

    /// <summary>An optimizer was created: start the warm-up (once per process).</summary>
    public static void Start() => Default.Start();

    /// <summary>A forward pass or step runs: the warm-up compiles nothing more. Cheap enough for every module call (one
    /// static store).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Stop() => Default.Stop();

    /// <summary>Whether the warm-up may run: code is JIT-compiled and the switch is not false.</summary>
    public static bool Enabled =>
        RuntimeFeature.IsDynamicCodeCompiled && !(AppContext.TryGetSwitch(SwitchName, out bool on) && !on);

    /// <summary>
    /// What the warm-up compiles, in order: every non-abstract method and constructor with
    /// <see cref="MethodImplOptions.AggressiveOptimization"/> in Ember.Kernels, then in Ember (methods of generic types
    /// and generic methods of one type parameter closed over <see cref="float"/> where the constraints allow; others
    /// skipped), then the BCL float array pool's Rent and Return, which kernels rent scratch from and which, being
    /// generic over float, are not precompiled in the BCL's ReadyToRun image.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode",
        Justification = "Best effort: a method the trimmer removed is one the warm-up need not compile.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075:DynamicallyAccessedMembers",
        Justification = "Best effort, as IL2026: a trimmed-away Rent/Return is simply not prepared.")]
    public static IEnumerable<MethodBase> Candidates()
    {
        // Kernels first: the largest methods, and the GEMM is reached by the first forward pass. Lazy, so a stopped
        // warm-up also stops scanning.
        foreach (MethodBase method in Scan(typeof(Kernels.WorkerPool).Assembly)) yield return method;
        foreach (MethodBase method in Scan(typeof(RawTensor).Assembly)) yield return method;
        Type pool = System.Buffers.ArrayPool<float>.Shared.GetType();
        foreach (string name in (string[])["Rent", "Return"])
            if (pool.GetMethod(name) is MethodInfo method) yield return method;
    }

    [RequiresUnreferencedCode("Enumerates the assembly's types.")]
    private static IEnumerable<MethodBase> Scan(Assembly assembly)
    {
        const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic
            | BindingFlags.Static | BindingFlags.Instance;
        foreach (Type type in assembly.GetTypes())
        {
            if (CloseOverFloat(type) is not Type closed) continue;
            foreach (MethodInfo method in closed.GetMethods(Declared))
                if (!method.IsAbstract && IsHot(method) && CloseOverFloat(method) is MethodInfo m) yield return m;
            foreach (ConstructorInfo ctor in closed.GetConstructors(Declared))
                if (!ctor.IsStatic && IsHot(ctor)) yield return ctor;
        }
    }

    private static bool IsHot(MethodBase method) =>
        (method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0;

    /// <summary>The type itself, or a generic definition of one type parameter closed over float; null when it
    /// cannot be closed that way.</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050:RequiresDynamicCode",
        Justification = "The warm-up only runs where code is JIT-compiled (Enabled).")]
    [UnconditionalSuppressMessage("Trimming", "IL2055:MakeGenericType",
        Justification = "Best effort, see Candidates.")]
    private static Type? CloseOverFloat(Type type)
    {
        if (!type.IsGenericTypeDefinition) return type.ContainsGenericParameters ? null : type;
        if (type.GetGenericArguments().Length != 1) return null;
        try
        {
            return type.MakeGenericType(typeof(float));
        }
        catch (ArgumentException)
        {
            return null; // a constraint float does not meet
        }
    }

    [UnconditionalSuppressMessage("AOT", "IL3050:RequiresDynamicCode",
        Justification = "The warm-up only runs where code is JIT-compiled (Enabled).")]
    [UnconditionalSuppressMessage("Trimming", "IL2060:MakeGenericMethod",
        Justification = "Best effort, see Candidates.")]
    private static MethodInfo? CloseOverFloat(MethodInfo method)
    {
        if (!method.IsGenericMethodDefinition) return method;
        if (method.GetGenericArguments().Length != 1) return null;
        try
        {
            return method.MakeGenericMethod(typeof(float));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Compiles <paramref name="method"/> as its first call would; false when the runtime refuses.</summary>
    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "A background optimization must never take the process down; a method it cannot prepare "
            + "is compiled at its first call, as without the warm-up.")]
    public static bool Prepare(MethodBase method)
    {
        try
        {
            RuntimeHelpers.PrepareMethod(method.MethodHandle);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>One warm-up: a background thread over <see cref="Candidates"/>, stoppable.</summary>
    internal sealed class Runner
    {
        private int _started;
        private volatile bool _stop;
        private int _prepared;
        private readonly Func<IEnumerable<MethodBase>> _candidates;

        /// <summary>A warm-up over <see cref="Candidates"/>.</summary>
        public Runner() : this(Candidates) { }

        /// <summary>A warm-up over <paramref name="candidates"/> (tests pace it).</summary>
        internal Runner(Func<IEnumerable<MethodBase>> candidates) => _candidates = candidates;

        /// <summary>Whether <see cref="Start"/> was called (whether or not a thread started).</summary>
        public bool Requested { get; private set; }

        /// <summary>The warm-up thread, once started.</summary>
        public Thread? Thread { get; private set; }

        /// <summary>Whether <see cref="Stop"/> was called since the start.</summary>
        public bool Stopped => _stop;

        /// <summary>Methods compiled so far.</summary>
        public int Prepared => Volatile.Read(ref _prepared);

        /// <summary>Starts the thread unless already started once or not <see cref="Enabled"/>; a
        /// <see cref="Stop"/> before this call (a module called before the optimizer was created) is
        /// forgotten.</summary>
        public void Start()
        {
            Requested = true;
            if (!Enabled || Interlocked.Exchange(ref _started, 1) != 0) return;
            _stop = false;
            var thread = new Thread(Run) { IsBackground = true, Name = "Ember JIT warm-up" };
            Thread = thread;
            thread.Start();
        }

        /// <summary>Compiles nothing more (the method being compiled finishes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Stop() => _stop = true;

        [SuppressMessage("Design", "CA1031:Do not catch general exception types",
            Justification = "See Prepare: a background optimization must never take the process down.")]
        private void Run()
        {
            try
            {
                foreach (MethodBase method in _candidates())
                {
                    if (_stop) return;
                    if (Prepare(method)) Interlocked.Increment(ref _prepared);
                }
            }
            catch (Exception)
            {
                // Reflection failed (a trimmed app): the methods compile at their first calls, as without the warm-up.
            }
        }
    }
}
