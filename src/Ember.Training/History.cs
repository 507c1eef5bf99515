using System;
using System.Collections.Generic;

namespace Ember.Training;

/// <summary>
/// What <c>Fit</c> returns (Keras's <c>History</c>): one value per epoch for each key — <c>loss</c>, every metric,
/// their <c>val_</c> versions when there is validation data, and <c>learning_rate</c> (the first parameter group's).
/// </summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);
    private readonly List<string> _keys = [];
    private readonly List<int> _epochs = [];

    /// <summary>The keys, in the order they were first logged.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The epochs completed (0-based), one per value in every key.</summary>
    public IReadOnlyList<int> Epochs => _epochs;

    /// <summary>The per-epoch values of <paramref name="key"/> (e.g. <c>"val_accuracy"</c>).</summary>
    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var v) ? v
        : throw new KeyNotFoundException($"History: no key '{key}'; keys are {string.Join(", ", _keys)}.");

    /// <summary>Whether <paramref name="key"/> was logged.</summary>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <summary>Records the logs of one finished epoch.</summary>
    public void Add(int epoch, IEnumerable<KeyValuePair<string, double>> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _epochs.Add(epoch);
        foreach (var (key, value) in logs)
        {
            if (!_values.TryGetValue(key, out var list))
            {
                _values[key] = list = [];
                _keys.Add(key);
            }
            list.Add(value);
        }
    }
}

/// <summary>
/// The seam through which a data-parallel backend plugs into <c>Fit</c>: called after every <c>Backward</c>, before
/// the optimizer's step, with the parameters whose gradients it should synchronize (e.g. all-reduce and average across
/// workers). <c>Ember.Training</c> only calls it; backends implement it.
/// </summary>
public interface IGradientSynchronizer
{
    /// <summary>Synchronizes the <see cref="Tensor.Grad"/> of <paramref name="parameters"/> in place.</summary>
    /// <param name="parameters">The model's trainable parameters, in <c>Parameters()</c> order (null grads
    /// possible).</param>
    void Synchronize(IReadOnlyList<Parameter> parameters);
}

/// <summary>
/// A gradient synchronizer that spans several ranks (processes): <c>Fit</c> then averages each epoch's logs over the
/// ranks (the exact global mean of means when every rank sees the same number of samples, which a distributed
/// sampler guarantees) and prints only on the main rank. <c>Ember.Distributed</c>'s <c>DistributedDataParallel</c>
/// implements it.
/// </summary>
public interface IDataParallelSynchronizer : IGradientSynchronizer
{
    /// <summary>Whether this rank prints (rank 0).</summary>
    bool IsMainRank { get; }

    /// <summary>Replaces each value by its mean over all ranks; every rank calls it with the same length.</summary>
    void AverageAcrossRanks(double[] values);
}
