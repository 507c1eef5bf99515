using System;
using System.Collections.Generic;
using Ember.Graph;
using Ember.NN;
using Ember.Training;

namespace Ember.Distributed;

/// <summary>
/// Data-parallel training with PyTorch's <c>DistributedDataParallel</c> semantics: wrap the model on every rank, feed
/// each rank its own slice of the global batch (<see cref="DistributedSampler{T}"/>), and after <c>Backward()</c> every
/// rank holds the gradients averaged over all ranks, so identical optimizer steps keep the replicas identical.
/// </summary>
/// <remarks>
/// <para>At construction rank 0's parameters and buffers are broadcast to all ranks. During backward, gradients are
/// all-reduced in buckets of about <c>bucketCapMB</c> megabytes, in reverse registration order (the order backward
/// produces them), each as soon as its last gradient is accumulated, on a communication thread while backward goes
/// on; <c>Backward()</c> returns once every bucket is averaged and written back into the <c>Grad</c>s.</para>
/// <para>Buffers (BatchNorm's running statistics) are broadcast from rank 0 before each training forward pass, as
/// PyTorch's <c>broadcast_buffers=True</c> does; per-rank batch statistics still differ (no SyncBatchNorm).</para>
/// <para><b>State dicts keep the inner module's names</b> (<c>fc1.weight</c>, not PyTorch's <c>module.fc1.weight</c>):
/// a checkpoint saved by rank 0 loads straight into the unwrapped model of a single-process run.
/// <see cref="LoadStateDict"/> accepts both forms.</para>
/// <para>As a <see cref="IGradientSynchronizer"/> it plugs into <c>Compile</c>/<c>Fit</c>: gradients are already
/// averaged when <c>Fit</c> calls <see cref="Synchronize"/>; <c>Fit</c> then averages the epoch's metrics over ranks
/// and only rank 0 prints.</para>
/// </remarks>
public sealed class DistributedDataParallel : Module, IDataParallelSynchronizer, IDisposable
{
    /// <summary>PyTorch's default bucket size, in megabytes.</summary>
    public const double DefaultBucketCapMB = 25;

    private readonly Holder _inner;
    private readonly Reducer _reducer;
    private readonly bool _findUnused;
    private readonly bool _broadcastBuffers;

    /// <summary>
    /// Wraps <paramref name="module"/> (already built: lazy Keras layers need one forward pass first).
    /// </summary>
    /// <param name="module">The model; every rank must construct the same architecture.</param>
    /// <param name="group">The process group; <see cref="ProcessGroup.Current"/> when null.</param>
    /// <param name="bucketCapMB">The gradient bucket size in megabytes (a larger parameter gets its own bucket).
    /// </param>
    /// <param name="findUnusedParameters">Traverse the graph after each forward pass and count parameters it does not
    /// reach as ready (zeros), so models with data-dependent branches work; costs a graph walk per step.</param>
    /// <param name="broadcastBuffers">Broadcast rank 0's buffers before each training forward pass.</param>
    public DistributedDataParallel(Module module, ProcessGroup? group = null,
        double bucketCapMB = DefaultBucketCapMB, bool findUnusedParameters = false, bool broadcastBuffers = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(bucketCapMB > 0))
            throw new ArgumentOutOfRangeException(nameof(bucketCapMB),
                $"DistributedDataParallel: bucketCapMB must be positive, got {bucketCapMB}.");
        Group = group ?? ProcessGroup.Current ?? throw new InvalidOperationException(
            "DistributedDataParallel: no process group; call ProcessGroup.Init() first or pass a group.");
        _inner = new Holder(module);
        _findUnused = findUnusedParameters;
        _broadcastBuffers = broadcastBuffers;
        Adopt(module);

        var trainable = new List<(string, Parameter)>();
        foreach (var (name, p) in module.NamedParameters())
        {
            if (p.IsUninitialized)
                throw new InvalidOperationException(
                    $"DistributedDataParallel: parameter '{name}' is not built yet; run one batch through the model " +
                    "(or build it from its input shape) before wrapping it.");
            if (p.DType is not (DType.Float32 or DType.Float64))
                throw new NotSupportedException(
                    $"DistributedDataParallel: parameter '{name}' is {p.DType}; expected float32 or float64.");
            if (p.RequiresGrad) trainable.Add((name, p));
        }
        SyncModuleState();
        _reducer = new Reducer(Group, trainable, (long)(bucketCapMB * 1024 * 1024), findUnusedParameters,
            overlap: true);
    }

    /// <summary>The wrapped module (PyTorch's <c>ddp.module</c>).</summary>
    public Module Module => _inner.Module;

    /// <summary>The process group gradients are averaged over.</summary>
    public ProcessGroup Group { get; }

    /// <summary>The gradient buckets in launch order (bucket 0 holds the last-registered parameters).</summary>
    public IReadOnlyList<GradBucket> Buckets => _reducer.Buckets;

    /// <summary>Bytes of gradients each rank sends into all-reduces per step (the sum of the bucket sizes).</summary>
    public long GradientBytesPerStep
    {
        get
        {
            long n = 0;
            foreach (var b in _reducer.Buckets) n += b.Bytes;
            return n;
        }
    }

    /// <summary>Whether the all-reduces overlap with backward (on a communication thread); false for one rank or a
    /// communicator that must be called from one thread.</summary>
    public bool OverlapsCommunication => _reducer.Overlaps;

    /// <summary>Called with each bucket's index as its all-reduce is launched (for tests and tracing).</summary>
    public Action<int>? BucketLaunched
    {
        get => _reducer.OnLaunch;
        set => _reducer.OnLaunch = value;
    }

    /// <inheritdoc/>
    bool IDataParallelSynchronizer.IsMainRank => Group.IsMain;

    /// <inheritdoc/>
    void IDataParallelSynchronizer.AverageAcrossRanks(double[] values) => Group.AllReduce(values, ReduceOp.Mean);

    /// <summary>
    /// Runs the wrapped module (broadcasting rank 0's buffers first in training mode) and, with
    /// <c>findUnusedParameters</c>, finds the parameters the output does not depend on.
    /// </summary>
    public override Tensor Forward(Tensor input)
    {
        Module inner = _inner.Module;
        _reducer.PrepareForForward();
        if (inner.Training != Training) inner.Train(Training);
        if (Training && _broadcastBuffers && Group.WorldSize > 1)
            foreach (var b in inner.Buffers()) Group.Broadcast(b, 0);
        Tensor output = inner.Call(input);
        _reducer.SetUnused(_findUnused && Autograd.IsGradEnabled ? Unreached(output) : null);
        return output;
    }

    /// <summary>
    /// Gradients accumulate locally until the returned scope is disposed (PyTorch's <c>no_sync()</c>, for gradient
    /// accumulation): the first backward after it all-reduces the accumulated sums.
    /// </summary>
    public IDisposable NoSync()
    {
        bool previous = _reducer.SyncEnabled;
        _reducer.SyncEnabled = false;
        return new Restore(() => _reducer.SyncEnabled = previous);
    }

    /// <summary>Nothing to do: the gradients were averaged during <c>Backward()</c>.</summary>
    public void Synchronize(IReadOnlyList<Parameter> parameters)
    {
    }

    /// <summary>
    /// Loads a state dict saved from the inner module, from this wrapper, or from PyTorch's DDP (keys prefixed
    /// <c>module.</c>; the prefix is removed when every key has it).
    /// </summary>
    public new IncompatibleKeys LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true) =>
        base.LoadStateDict(StripModulePrefix(stateDict), strict);

    /// <summary>
    /// <paramref name="stateDict"/> without PyTorch DDP's <c>module.</c> key prefix when every key has it (PyTorch's
    /// <c>consume_prefix_in_state_dict_if_present</c>); otherwise <paramref name="stateDict"/> itself. Use it to load a
    /// PyTorch DDP checkpoint into an unwrapped model.
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> StripModulePrefix(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        const string prefix = "module.";
        if (stateDict.Count == 0) return stateDict;
        foreach (var key in stateDict.Keys)
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) return stateDict;
        var stripped = new Dictionary<string, Tensor>(stateDict.Count, StringComparer.Ordinal);
        foreach (var (key, value) in stateDict) stripped[key[prefix.Length..]] = value;
        return stripped;
    }

    /// <summary>Removes the gradient hooks and stops the communication thread.</summary>
    public void Dispose() => _reducer.Dispose();

    /// <summary>Registers the inner module's direct members as this wrapper's, under the same names, so that
    /// parameter and state-dict names match the unwrapped model.</summary>
    private void Adopt(Module module)
    {
        var persistent = new HashSet<string>(module.StateDict().Keys, StringComparer.Ordinal);
        foreach (var (name, p) in module.NamedParameters(recurse: false)) RegisterParameter(name, p);
        foreach (var (name, b) in module.NamedBuffers(recurse: false))
            RegisterBuffer(name, b, persistent.Contains(name));
        foreach (var (name, child) in module.NamedChildren()) RegisterModule(name, child);
    }

    /// <summary>Rank 0's parameters and buffers, on every rank.</summary>
    private void SyncModuleState()
    {
        if (Group.WorldSize == 1) return;
        using var noGrad = Autograd.NoGrad();
        foreach (var p in _inner.Module.Parameters()) Group.Broadcast(p, 0);
        foreach (var b in _inner.Module.Buffers()) Group.Broadcast(b, 0);
    }

    /// <summary>The trainable parameters that <paramref name="output"/>'s graph does not reach.</summary>
    private HashSet<Parameter> Unreached(Tensor output)
    {
        var reached = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        if (output.GradFn is { } root) { stack.Push(root); seen.Add(root); }
        while (stack.Count > 0)
        {
            Node n = stack.Pop();
            if (n is AccumulateGrad acc) reached.Add(acc.Variable);
            foreach (var e in n.NextFunctions)
                if (e.Function is { } next && seen.Add(next)) stack.Push(next);
        }
        var unused = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var p in _inner.Module.Parameters())
            if (p.RequiresGrad && !reached.Contains(p)) unused.Add(p);
        return unused;
    }

    /// <summary>Keeps the wrapped module out of member discovery (its members are adopted instead).</summary>
    private sealed class Holder(Module module)
    {
        public readonly Module Module = module;
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
