using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Ember.Graph;

namespace Ember.Distributed;

/// <summary>
/// One bucket of gradients all-reduced together: a flat, preallocated buffer holding the gradients of a run of
/// parameters (consecutive in reverse registration order, one dtype).
/// </summary>
/// <param name="Index">Launch order: bucket 0 holds the last-registered parameters, whose gradients come first.</param>
/// <param name="ParameterIndices">Indices into the module's trainable parameters, in bucket order.</param>
/// <param name="NumEl">Elements in the bucket.</param>
/// <param name="Bytes">Bytes in the bucket (what one rank sends into the all-reduce).</param>
public sealed record GradBucket(int Index, IReadOnlyList<int> ParameterIndices, long NumEl, long Bytes);

/// <summary>
/// The gradient reducer of <see cref="DistributedDataParallel"/> (PyTorch's <c>Reducer</c>): per-parameter hooks run
/// after each gradient is accumulated; a bucket whose gradients are all in is all-reduced (on a communication thread,
/// while backward goes on), strictly in bucket order so every rank issues the same collectives in the same order; a
/// callback at the end of backward waits for the last bucket and copies the averages back into the <c>Grad</c>s.
/// </summary>
internal sealed class Reducer : IDisposable
{
    private readonly ProcessGroup _group;
    private readonly Parameter[] _params;
    private readonly string[] _names;
    private readonly Bucket[] _buckets;
    private readonly int[] _bucketOf;
    private readonly int[] _offsetOf;
    private readonly bool _findUnused;
    private readonly bool _overlap;
    private readonly List<RemovableHandle> _hooks = [];
    private readonly BlockingCollection<Bucket>? _queue;
    private readonly Thread? _worker;
    private readonly Action _finalize;

    // Per-pass state, touched only by the thread running backward (and read by Finalize on it).
    private readonly bool[] _ready;
    private readonly bool[] _locallyUsed;
    private bool _passActive;
    private int _nextLaunch;
    private HashSet<Parameter>? _unused;

    public Reducer(ProcessGroup group, IReadOnlyList<(string Name, Parameter Parameter)> parameters,
        long bucketCapBytes, bool findUnused, bool overlap)
    {
        _group = group;
        _params = new Parameter[parameters.Count];
        _names = new string[parameters.Count];
        for (int i = 0; i < _params.Length; i++) (_names[i], _params[i]) = parameters[i];
        _findUnused = findUnused;
        _overlap = overlap && group.Communicator.SupportsBackgroundThread && group.WorldSize > 1;
        var layout = AssignBuckets(_params, bucketCapBytes);
        _buckets = new Bucket[layout.Count];
        _bucketOf = new int[_params.Length];
        _offsetOf = new int[_params.Length];
        for (int b = 0; b < layout.Count; b++)
        {
            int offset = 0;
            foreach (int i in layout[b])
            {
                _bucketOf[i] = b;
                _offsetOf[i] = offset;
                offset += _params[i].NumEl;
            }
            DType dt = _params[layout[b][0]].DType;
            _buckets[b] = new Bucket(b, layout[b], Tensor.Zeros([offset], dt), dt.ElementSize() * (long)offset);
        }
        _ready = new bool[_params.Length];
        _locallyUsed = new bool[_params.Length];
        _finalize = FinishPass;
        for (int i = 0; i < _params.Length; i++)
        {
            int index = i;
            _hooks.Add(_params[i].RegisterPostAccumulateGradHook(_ => OnGradReady(index)));
        }
        if (_overlap)
        {
            _queue = [];
            _worker = new Thread(Work) { IsBackground = true, Name = "Ember DDP all-reduce" };
            _worker.Start();
        }
    }

    /// <summary>The buckets, in launch order.</summary>
    public IReadOnlyList<GradBucket> Buckets => Array.ConvertAll(_buckets, b => b.Info);

    /// <summary>Whether all-reduces run on a communication thread while backward goes on.</summary>
    public bool Overlaps => _overlap;

    /// <summary>False inside <c>NoSync()</c>: gradients accumulate locally.</summary>
    public bool SyncEnabled { get; set; } = true;

    /// <summary>Called with a bucket's index when it is launched (tests observe the order).</summary>
    public Action<int>? OnLaunch { get; set; }

    /// <summary>
    /// Groups parameters into buckets of at most <paramref name="capBytes"/> (a larger parameter gets a bucket of its
    /// own), in reverse registration order, never mixing dtypes: the order in which backward produces gradients.
    /// </summary>
    public static List<int[]> AssignBuckets(IReadOnlyList<Tensor> parameters, long capBytes)
    {
        var result = new List<int[]>();
        var current = new List<int>();
        long bytes = 0;
        DType dtype = default;
        for (int i = parameters.Count - 1; i >= 0; i--)
        {
            Tensor p = parameters[i];
            long size = p.DType.ElementSize() * (long)p.NumEl;
            if (current.Count > 0 && (p.DType != dtype || bytes + size > capBytes))
            {
                result.Add([.. current]);
                current.Clear();
                bytes = 0;
            }
            current.Add(i);
            bytes += size;
            dtype = p.DType;
        }
        if (current.Count > 0) result.Add([.. current]);
        return result;
    }

    /// <summary>Records which parameters the forward pass did not use (with <c>findUnusedParameters</c>).</summary>
    public void SetUnused(HashSet<Parameter>? unused) => _unused = unused;

    /// <summary>
    /// Called before each forward pass: a backward pass that threw before its end left buckets in flight and the
    /// per-pass state set; wait for those all-reduces and start clean (PyTorch's <c>prepare_for_backward</c>).
    /// </summary>
    public void PrepareForForward()
    {
        if (!_passActive) return;
        for (int b = 0; b < _nextLaunch; b++) _buckets[b].Done.Wait();
        _passActive = false;
    }

    private void OnGradReady(int index)
    {
        if (!SyncEnabled) return;
        if (!_passActive) BeginPass();
        if (_ready[index])
            throw new InvalidOperationException(
                $"DistributedDataParallel: parameter '{_names[index]}' was marked ready twice in one backward pass " +
                "(reentrant backward or a parameter shared in a way DDP does not support).");
        _locallyUsed[index] = true;
        MarkReady(index);
    }

    private void BeginPass()
    {
        _passActive = true;
        _nextLaunch = 0;
        Array.Clear(_ready);
        Array.Clear(_locallyUsed);
        foreach (var b in _buckets)
        {
            b.Pending = b.Info.ParameterIndices.Count;
            b.Done.Reset();
            b.Error = null;
        }
        Autograd.QueueCallback(_finalize);
        if (_unused is null) return;
        // Parameters the forward pass did not reach get no gradient: they count as ready with zeros.
        for (int i = 0; i < _params.Length; i++)
            if (_unused.Contains(_params[i])) MarkReady(i);
    }

    private void MarkReady(int index)
    {
        _ready[index] = true;
        Bucket b = _buckets[_bucketOf[index]];
        CopyIn(index, b);
        if (--b.Pending > 0) return;
        // Launch in bucket order only: every rank must issue the same all-reduces in the same order.
        while (_nextLaunch < _buckets.Length && _buckets[_nextLaunch].Pending == 0)
        {
            Bucket next = _buckets[_nextLaunch++];
            OnLaunch?.Invoke(next.Info.Index);
            if (_queue is not null) _queue.Add(next);
            else Reduce(next);
        }
    }

    private void CopyIn(int index, Bucket b)
    {
        Parameter p = _params[index];
        int offset = _offsetOf[index], n = p.NumEl;
        Tensor? g = _locallyUsed[index] ? p.Grad : null;
        if (g is not null && !g.IsContiguous) g = g.Contiguous();
        if (b.DType == DType.Float32)
        {
            Span<float> dst = b.Flat.AsSpan<float>().Slice(offset, n);
            if (g is null) dst.Clear();
            else g.Detach().AsReadOnlySpan<float>().CopyTo(dst);
        }
        else
        {
            Span<double> dst = b.Flat.AsSpan<double>().Slice(offset, n);
            if (g is null) dst.Clear();
            else g.Detach().AsReadOnlySpan<double>().CopyTo(dst);
        }
    }

    private void Reduce(Bucket b)
    {
        try
        {
            _group.AllReduce(b.Flat, ReduceOp.Mean);
        }
        catch (Exception e)
        {
            b.Error = e;
        }
        finally
        {
            b.Done.Set();
        }
    }

    private void Work()
    {
        foreach (Bucket b in _queue!.GetConsumingEnumerable()) Reduce(b);
    }

    /// <summary>At the end of backward: wait for every bucket, then write the averaged gradients back.</summary>
    private void FinishPass()
    {
        _passActive = false;
        if (_nextLaunch < _buckets.Length)
        {
            var missing = new List<string>();
            for (int i = 0; i < _params.Length; i++)
                if (!_ready[i]) missing.Add(_names[i]);
            for (int b = 0; b < _nextLaunch; b++) _buckets[b].Done.Wait();
            throw new InvalidOperationException(
                "DistributedDataParallel: these parameters received no gradient in this backward pass, so their " +
                $"buckets could not be all-reduced: {string.Join(", ", missing)}. If the forward pass does not use " +
                "every parameter, construct DistributedDataParallel with findUnusedParameters: true; exclude frozen " +
                "parameters by setting RequiresGrad = false before wrapping.");
        }
        foreach (var b in _buckets)
        {
            b.Done.Wait();
            if (b.Error is { } e)
                throw new InvalidOperationException($"DistributedDataParallel: all-reduce of bucket {b.Info.Index} " +
                    $"failed: {e.Message}", e);
        }
        int[]? globallyUsed = null;
        if (_unused is not null)
        {
            globallyUsed = new int[_params.Length];
            for (int i = 0; i < globallyUsed.Length; i++) globallyUsed[i] = _locallyUsed[i] ? 1 : 0;
            _group.Communicator.AllReduce<int>(globallyUsed, ReduceOp.Max);
        }
        for (int i = 0; i < _params.Length; i++)
        {
            // A parameter no rank used keeps its gradient (null), as in PyTorch.
            if (globallyUsed is not null && globallyUsed[i] == 0) continue;
            CopyOut(i, _buckets[_bucketOf[i]]);
        }
    }

    private void CopyOut(int index, Bucket b)
    {
        Parameter p = _params[index];
        int offset = _offsetOf[index], n = p.NumEl;
        Tensor? g = p.Grad;
        if (g is null || !g.IsContiguous || g.GradFn is not null || g.DType != b.DType)
        {
            g = Tensor.Zeros(p.Shape, b.DType);
            p.Grad = g;
        }
        if (b.DType == DType.Float32)
            b.Flat.AsReadOnlySpan<float>().Slice(offset, n).CopyTo(g.AsSpan<float>());
        else
            b.Flat.AsReadOnlySpan<double>().Slice(offset, n).CopyTo(g.AsSpan<double>());
    }

    public void Dispose()
    {
        foreach (var h in _hooks) h.Remove();
        _hooks.Clear();
        _queue?.CompleteAdding();
        _worker?.Join();
        _queue?.Dispose();
        foreach (var b in _buckets) b.Done.Dispose();
    }

    private sealed class Bucket(int index, int[] parameters, Tensor flat, long bytes)
    {
        public readonly GradBucket Info = new(index, parameters, flat.NumEl, bytes);
        public readonly Tensor Flat = flat;
        public readonly DType DType = flat.DType;
        public readonly ManualResetEventSlim Done = new(false);
        public int Pending;
        public Exception? Error;
    }
}
