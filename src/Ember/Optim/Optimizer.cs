using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.Optim;

/// <summary>Parameters optimized with the same hyper-parameters (a PyTorch <c>param_groups</c> entry).</summary>
public sealed class ParamGroup
{
    internal ParamGroup(IReadOnlyList<Parameter> parameters, OptimizerOptions options)
    {
        Parameters = parameters;
        Options = options;
    }

    /// <summary>The parameters of this group.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The group's hyper-parameters (an instance of the optimizer's options type).</summary>
    public OptimizerOptions Options { get; internal set; }

    /// <summary>The group's learning rate.</summary>
    public double Lr { get => Options.Lr; set => Options.Lr = value; }

    /// <summary>
    /// The learning rate a scheduler started from (PyTorch's <c>initial_lr</c>): set by the first scheduler created on
    /// the optimizer (<see cref="OneCycleLR"/> sets it to <c>maxLr / divFactor</c>); null until then.
    /// </summary>
    public double? InitialLr { get; set; }
}

/// <summary>
/// Base of the optimizers: parameter groups, per-parameter state, <see cref="ZeroGrad"/>, <see cref="Step()"/> and
/// <see cref="StateDict"/>/<see cref="LoadStateDict"/>. Optimizers update parameters in place, outside the graph, with
/// fused per-parameter kernels (one pass over the elements, no temporaries).
/// </summary>
/// <remarks>
/// The base owns the iteration: <see cref="Step()"/> visits every parameter of every group that has a gradient,
/// checks and prepares the gradient, and hands one parameter at a time to the update rule of the derived
/// <see cref="Optimizer{TOptions}"/>. Write an optimizer by deriving from <see cref="Optimizer{TOptions}"/>
/// (docs/custom-optimizer.md); this non-generic type is what schedulers and training loops hold.
/// </remarks>
public abstract partial class Optimizer
{
    private readonly List<ParamGroup> _groups = [];
    private Dictionary<Parameter, StateEntry> _state = new(ReferenceEqualityComparer.Instance);
    private readonly FusedStep _fused = new();

    // Only Optimizer<TOptions> derives from this type: it supplies the typed, per-dtype update rule.
    // Creating an optimizer says training steps follow: compile their methods in the background meanwhile.
    private protected Optimizer() => JitWarmup.Start();

    /// <summary>The parameter groups, in the order they were added.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    private string Name => GetType().Name;

    /// <summary>Adds a group; its options start as a copy of the defaults, then <paramref name="configure"/> may change
    /// them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected void AddGroup(IEnumerable<Parameter> parameters, OptimizerOptions defaults,
        Action<OptimizerOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(defaults);
        var list = parameters.ToList();
        if (list.Count == 0) throw new ArgumentException($"{Name}: got an empty parameter list.");
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var p in list)
        {
            if (p is null) throw new ArgumentException($"{Name}: the parameter list contains null.");
            if (p.IsUninitialized)
                throw new InvalidOperationException($"{Name}: the model is not built yet, so its parameters are " +
                    "empty placeholders (a lazy Keras-style layer such as Dense learns its input size on first use). " +
                    "Build it first: start the Sequential with new Input(shape), call model.Build(shape), or run one " +
                    "batch through model.Call(x); then create the optimizer. Or pass the optimizer to Compile as a " +
                    "string (\"adam\"), which creates it once the model is built.");
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{Name}: can only optimize floating-point parameters, got " +
                    $"{p.DType.TorchName()} {Shapes.Format(p.Shape)}.");
            if (!seen.Add(p))
                throw new ArgumentException($"{Name}: a parameter appears twice in the same parameter group.");
            foreach (var g in _groups)
                if (g.Parameters.Contains(p))
                    throw new ArgumentException($"{Name}: some parameters appear in more than one parameter group.");
        }
        var options = defaults.Clone();
        configure?.Invoke(options);
        options.ValidateFor(Name);
        var group = new ParamGroup(list, options);
        _groups.Add(group);
        if (CreatesStateWhenGroupIsAdded)
            foreach (var p in list)
            {
                if (p.DType is not (DType.Float32 or DType.Float64)) continue; // Step rejects it with a clear error
                var s = new StateEntry();
                CreateState(p.Raw, s, options);
                _state[p] = s;
            }
    }

    /// <summary>
    /// Clears the gradients of every parameter: to null by default (PyTorch 2's behaviour); when
    /// <paramref name="setToNone"/> is false, zeroes them in place (PyTorch 1.13's), so the next backward accumulates
    /// into the same buffers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var g in _groups)
            foreach (var p in g.Parameters)
            {
                if (p.Grad is null) continue;
                if (setToNone) p.Grad = null;
                else Graph.GradZeroing.Zero(p);
            }
    }

    /// <summary>
    /// Performs one update of every parameter that has a gradient (parameters whose <see cref="Tensor.Grad"/> is null
    /// are skipped and keep their state unchanged). Parameters are independent: each update reads and writes only
    /// that parameter, its gradient and its state.
    /// </summary>
    /// <exception cref="InvalidOperationException">A gradient's shape differs from its parameter's, or a parameter is
    /// not contiguous.</exception>
    /// <exception cref="NotSupportedException">A parameter is float16 or bfloat16.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step()
    {
        Graph.GraphGrowth.OnStep(); // the growing-graph check (total = total + loss) sees steps here
        JitWarmup.Stop(); // training runs: the background JIT warm-up yields the cores
        // The one loop over all parameters. Built-in rules are queued and then run as one fused, multi-threaded pass
        // over all elements (FusedStep); a custom Update<T> runs at once. If a parameter is rejected, the ones before
        // it are still updated, as when each ran at once.
        try
        {
            foreach (var group in _groups)
                foreach (var p in group.Parameters)
                    if (p.Grad is not null) StepParameter(p, group.Options);
        }
        finally
        {
            _fused.Run();
        }
    }

    /// <summary>
    /// PyTorch's <c>optimizer.step(closure)</c>: evaluates <paramref name="closure"/> with gradient recording enabled
    /// (it should zero the gradients, compute the loss, call <c>Backward</c> and return the loss), then performs
    /// <see cref="Step()"/>. Every optimizer here calls the closure once.
    /// </summary>
    /// <returns>The loss the closure returned.</returns>
    public double Step(Func<double> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        double loss;
        using (Autograd.EnableGrad()) loss = closure();
        Step();
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StepParameter(Parameter p, OptimizerOptions options)
    {
        var grad = GradOf(p);
        var data = DataOf(p);
        bool existed = _state.TryGetValue(p, out var s);
        if (s is null)
        {
            s = new StateEntry();
            CreateState(data, s, options);
        }
        if (CountsSteps) s.Step++;
        UpdateParameter(data, grad, s, options, _fused);
        // PyTorch keeps no entry for a parameter whose rule stored nothing (SGD without momentum).
        if (!existed && (CountsSteps || s.Tensors.Count > 0 || s.Numbers.Count > 0)) _state[p] = s;
    }

    /// <summary>
    /// Runs the update rule on one parameter, or queues it on <paramref name="fused"/>: the one place that maps a
    /// dtype to an element type.
    /// </summary>
    private protected abstract void UpdateParameter(RawTensor param, RawTensor grad, StateEntry state,
        OptimizerOptions options, FusedStep fused);

    /// <summary>Runs the state initializer on a new entry (at group creation or before its first update).</summary>
    private protected abstract void CreateState(RawTensor param, StateEntry state, OptimizerOptions options);

    /// <summary>The state buffers a loaded state must contain for a group with <paramref name="options"/>.</summary>
    private protected abstract IEnumerable<string> RequiredBuffers(OptimizerOptions options);

    // ---- the contract with derived optimizers -------------------------------------------------------------

    /// <summary>
    /// Whether the state has PyTorch's <c>"step"</c> counter, incremented before each update of the parameter
    /// (true by default; PyTorch's SGD has none).
    /// </summary>
    protected virtual bool CountsSteps
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => true;
    }

    /// <summary>
    /// The names of every buffer <see cref="ParamState{T}.Buffer"/> may create (PyTorch's state keys, e.g.
    /// <c>"exp_avg"</c>). <see cref="LoadStateDict"/> rejects any other tensor in a parameter's state.
    /// </summary>
    protected abstract IReadOnlyList<string> StateBufferNames { get; }

    /// <summary>The names of the scalar state numbers (NAdam's <c>"mu_product"</c>); none by default.</summary>
    protected virtual IReadOnlyList<string> StateNumberNames => [];

    /// <summary>
    /// Whether every parameter's state is created (through the initializer) when its group is added, as PyTorch's
    /// Adagrad does in its constructor, rather than before the parameter's first update (the default).
    /// </summary>
    protected virtual bool CreatesStateWhenGroupIsAdded => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void CheckBufferName(string name)
    {
        if (!StateBufferNames.Contains(name))
            throw new InvalidOperationException(
                $"{Name}: '{name}' is not one of its state buffers ({string.Join(", ", StateBufferNames)}); " +
                $"declare it in {nameof(StateBufferNames)}.");
    }

    internal void CheckNumberName(string name)
    {
        if (!StateNumberNames.Contains(name))
            throw new InvalidOperationException(
                $"{Name}: '{name}' is not one of its state numbers ({string.Join(", ", StateNumberNames)}); " +
                $"declare it in {nameof(StateNumberNames)}.");
    }

    /// <summary>The gradient of <paramref name="p"/> as a contiguous tensor of its dtype and shape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RawTensor GradOf(Parameter p)
    {
        if (p.DType is not (DType.Float32 or DType.Float64))
            throw new NotSupportedException(
                $"{nameof(Optimizer)}: {p.DType.TorchName()} parameters are not supported; use float32 or float64.");
        var g = p.Grad!.Raw;
        if (g.DType != p.DType) g = RawOps.Cast(g, p.DType);
        if (!g.Shape.AsSpan().SequenceEqual(p.Raw.Shape))
            throw new InvalidOperationException(
                $"{nameof(Optimizer)}: gradient of shape {Shapes.Format(g.Shape)} does not match parameter of shape " +
                $"{Shapes.Format(p.Raw.Shape)}.");
        return RawOps.Contiguous(g);
    }

    /// <summary>The parameter's storage as a contiguous tensor that updates write through to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RawTensor DataOf(Parameter p)
    {
        if (!p.Raw.IsContiguous)
            throw new InvalidOperationException(
                $"{nameof(Optimizer)}: parameters must be contiguous, got strides {Shapes.Format(p.Raw.Strides)} for " +
                $"shape {Shapes.Format(p.Raw.Shape)}.");
        p.Raw.Storage.Version++;
        return p.Raw;
    }
}
