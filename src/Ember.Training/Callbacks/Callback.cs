using System;
using System.Collections.Generic;
using System.IO;
using Ember.NN;

namespace Ember.Training.Callbacks;

/// <summary>
/// A hook into <c>Fit</c> (Keras's <c>keras.callbacks.Callback</c>): override the events you need. <c>Fit</c> calls
/// them in this order: <see cref="OnTrainBegin"/>; per epoch <see cref="OnEpochBegin"/>, then per batch
/// <see cref="OnBatchBegin"/> and <see cref="OnBatchEnd"/> (with the running <c>loss</c> and metrics of the epoch so
/// far), then <see cref="OnEpochEnd"/> (with the epoch's logs, <c>val_</c> keys and <c>learning_rate</c> included,
/// after they are recorded in the <see cref="History"/> and printed); finally <see cref="OnTrainEnd"/> with the last
/// epoch's logs. Callbacks run in the order given to <c>Fit</c>. Set <see cref="CompiledModel.StopTraining"/> (Keras's
/// <c>model.stop_training</c>) to stop: checked after every batch (the epoch then still ends, with validation and
/// <see cref="OnEpochEnd"/>, as in Keras) and after every epoch. A cancellation or an exception skips
/// <see cref="OnTrainEnd"/>.
/// </summary>
public abstract class Callback
{
    private CompiledModel? _compiled;
    private TextWriter? _output;

    /// <summary>The model being trained (Keras's <c>self.model</c>); set when <c>Fit</c> starts.</summary>
    /// <exception cref="InvalidOperationException">The callback is not attached to a <c>Fit</c> yet.</exception>
    public Module Model => Compiled.Model;

    /// <summary>The compiled state of the model being trained: its optimizer, loss, metrics and
    /// <see cref="CompiledModel.StopTraining"/>.</summary>
    /// <exception cref="InvalidOperationException">The callback is not attached to a <c>Fit</c> yet.</exception>
    public CompiledModel Compiled => _compiled ?? throw new InvalidOperationException(
        $"{GetType().Name}: the callback is not attached to a model yet; pass it to Fit(..., callbacks: [...]).");

    /// <summary>The number of epochs <c>Fit</c> was asked for (Keras's <c>params["epochs"]</c>).</summary>
    public int Epochs { get; private set; }

    /// <summary>The number of batches per epoch (Keras's <c>params["steps"]</c>).</summary>
    public int Steps { get; private set; }

    /// <summary>Where <c>Fit</c> writes its progress; callbacks that print (<c>verbose</c>) write here too.</summary>
    protected TextWriter Output => _output ?? Console.Out;

    internal void Attach(CompiledModel compiled, int epochs, int steps, TextWriter? output)
    {
        _compiled = compiled;
        (Epochs, Steps, _output) = (epochs, steps, output);
    }

    /// <summary>Called once before the first epoch.</summary>
    public virtual void OnTrainBegin() { }

    /// <summary>Called once after the last epoch (also after an early stop).</summary>
    /// <param name="logs">The last epoch's logs (empty when no epoch ran).</param>
    public virtual void OnTrainEnd(IReadOnlyDictionary<string, double> logs) { }

    /// <summary>Called at the start of every epoch, after the metrics were reset.</summary>
    /// <param name="epoch">The epoch, 0-based.</param>
    public virtual void OnEpochBegin(int epoch) { }

    /// <summary>Called at the end of every epoch.</summary>
    /// <param name="epoch">The epoch, 0-based.</param>
    /// <param name="logs"><c>loss</c>, the metrics, their <c>val_</c> versions and <c>learning_rate</c>.</param>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>Called before every training batch.</summary>
    /// <param name="batch">The batch within the epoch, 0-based.</param>
    public virtual void OnBatchBegin(int batch) { }

    /// <summary>Called after every training batch.</summary>
    /// <param name="batch">The batch within the epoch, 0-based.</param>
    /// <param name="logs">The running <c>loss</c> and metrics of the epoch so far.</param>
    public virtual void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
}

/// <summary>Runs a list of callbacks in order; does nothing (and allocates nothing per batch) when it is
/// empty.</summary>
internal sealed class CallbackList
{
    private readonly Callback[] _callbacks;

    public CallbackList(IReadOnlyList<Callback>? callbacks, CompiledModel compiled, int epochs, int steps,
        TextWriter? output)
    {
        _callbacks = callbacks is null ? [] : [.. callbacks];
        foreach (var c in _callbacks)
        {
            if (c is null) throw new ArgumentException("Fit: callbacks must not contain null.", nameof(callbacks));
            c.Attach(compiled, epochs, steps, output);
        }
    }

    public bool IsEmpty => _callbacks.Length == 0;

    public void TrainBegin()
    {
        foreach (var c in _callbacks) c.OnTrainBegin();
    }

    public void TrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        foreach (var c in _callbacks) c.OnTrainEnd(logs);
    }

    public void EpochBegin(int epoch)
    {
        foreach (var c in _callbacks) c.OnEpochBegin(epoch);
    }

    public void EpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        foreach (var c in _callbacks) c.OnEpochEnd(epoch, logs);
    }

    public void BatchBegin(int batch)
    {
        foreach (var c in _callbacks) c.OnBatchBegin(batch);
    }

    public void BatchEnd(int batch, List<KeyValuePair<string, double>> logs)
    {
        if (_callbacks.Length == 0) return;
        var d = ToDictionary(logs);
        foreach (var c in _callbacks) c.OnBatchEnd(batch, d);
    }

    public static Dictionary<string, double> ToDictionary(List<KeyValuePair<string, double>> logs)
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in logs) d[k] = v;
        return d;
    }
}
