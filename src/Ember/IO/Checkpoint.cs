using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

namespace Ember.IO;

/// <summary>
/// A training checkpoint: the model's weights, the optimizer's and the LR scheduler's state, the epoch and step,
/// the DataLoader's position and the state of every named generator, in one crash-safe file. Resuming from it at an
/// epoch boundary or mid-epoch gives bit-identical weights to a run that was never interrupted.
/// </summary>
/// <remarks>
/// <para>Layout (format version 1): a safetensors file, so any safetensors reader can open it. Its tensors are
/// <c>model.{state-dict key}</c> and <c>optimizer.state.{parameter index}.{buffer}</c> (e.g.
/// <c>optimizer.state.0.exp_avg</c>); its metadata holds <c>format: "ember.checkpoint"</c> and, under
/// <see cref="MetadataKey"/>, a JSON document with <c>FormatVersion</c>, <c>Epoch</c>, <c>Step</c>,
/// <c>DataLoader</c> (<see cref="DataLoaderState"/>), <c>Generators</c> (name → base64 of
/// <see cref="Generator.GetState"/>), <c>OptimizerType</c>, <c>OptimizerGroups</c> (the param groups),
/// <c>OptimizerState</c> (per-parameter numbers such as <c>step</c>), <c>SchedulerType</c>, <c>Scheduler</c> (its
/// state dict) and <c>User</c> (free strings). State-dict values carry their CLR type (<c>int</c>, <c>long</c>,
/// <c>double</c>, arrays, nested dicts) so they read back exactly.</para>
/// <para>A file with a newer format version is refused with a message saying so.</para>
/// </remarks>
public sealed class Checkpoint
{
    /// <summary>The layout version this Ember writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The metadata key of the checkpoint's JSON document.</summary>
    public const string MetadataKey = "ember.checkpoint";

    private Checkpoint(int epoch, long step, DataLoaderState? dataLoader, IReadOnlyDictionary<string, string> user)
    {
        Epoch = epoch;
        Step = step;
        DataLoader = dataLoader;
        User = user;
    }

    /// <summary>The epoch recorded at save time (the caller's convention, e.g. the next epoch to run).</summary>
    public int Epoch { get; }

    /// <summary>The step recorded at save time.</summary>
    public long Step { get; }

    /// <summary>The DataLoader position recorded at save time; pass it to the loader's <c>LoadState</c>.</summary>
    public DataLoaderState? DataLoader { get; }

    /// <summary>Free-form strings saved with the checkpoint.</summary>
    public IReadOnlyDictionary<string, string> User { get; }

    /// <summary>
    /// Writes a checkpoint to <paramref name="path"/> atomically (the previous file survives a crash mid-save).
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="model">The model whose state dict is saved.</param>
    /// <param name="optimizer">The optimizer, or null.</param>
    /// <param name="scheduler">The LR scheduler, or null.</param>
    /// <param name="epoch">The epoch to record.</param>
    /// <param name="step">The step to record.</param>
    /// <param name="dataLoader">The DataLoader's <c>GetState()</c>, or null.</param>
    /// <param name="generators">Generators to save by name (e.g. <c>{"dropout": g}</c>), or null.</param>
    /// <param name="user">Free-form strings to keep with the checkpoint, or null.</param>
    public static void Save(string path, ModuleBase model, Optimizer? optimizer = null,
        LRScheduler? scheduler = null, int epoch = 0, long step = 0, DataLoaderState? dataLoader = null,
        IReadOnlyDictionary<string, Generator>? generators = null, IReadOnlyDictionary<string, string>? user = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (k, t) in model.StateDict()) tensors.Add(new("model." + k, t));
        var doc = new CheckpointDocument
        {
            FormatVersion = FormatVersion,
            Epoch = epoch,
            Step = step,
            DataLoader = dataLoader,
            Generators = generators?.ToDictionary(g => g.Key, g => g.Value.GetState(), StringComparer.Ordinal),
            User = user?.ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal),
        };
        if (optimizer is not null)
        {
            var sd = optimizer.StateDict();
            doc.OptimizerType = optimizer.GetType().Name;
            doc.OptimizerGroups = sd.ParamGroups.Select(StateValue.FromDict).ToList();
            doc.OptimizerState = new(StringComparer.Ordinal);
            foreach (var (index, entries) in sd.State)
            {
                var numbers = new Dictionary<string, StateValue>(StringComparer.Ordinal);
                foreach (var (name, value) in entries)
                {
                    if (value is Tensor t) tensors.Add(new($"optimizer.state.{index}.{name}", t));
                    else numbers[name] = StateValue.From(value, name);
                }
                doc.OptimizerState[index.ToString(CultureInfo.InvariantCulture)] = numbers;
            }
        }
        if (scheduler is not null)
        {
            doc.SchedulerType = scheduler.GetType().Name;
            doc.Scheduler = StateValue.FromDict(scheduler.StateDict());
        }
        string json = JsonSerializer.Serialize(doc, CheckpointJsonContext.Default.CheckpointDocument);
        Safetensors.Save(path, tensors, new Dictionary<string, string>
        {
            ["format"] = "ember.checkpoint",
            [MetadataKey] = json,
        });
    }

    /// <summary>
    /// Reads a checkpoint and restores, in place, the model (strictly: same keys, shapes and dtypes), the optimizer,
    /// the scheduler and the named generators that are passed. Apply <see cref="DataLoader"/> to the loader yourself
    /// (<c>loader.LoadState(ckpt.DataLoader)</c>) and continue from <see cref="Epoch"/>/<see cref="Step"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged, not a checkpoint, or of a newer format.
    /// </exception>
    /// <exception cref="ArgumentException">The checkpoint does not match the objects passed (the message says
    /// what differs).</exception>
    public static Checkpoint Load(string path, ModuleBase model, Optimizer? optimizer = null,
        LRScheduler? scheduler = null, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = Safetensors.Load(path, out var metadata);
        var doc = ReadDocument(path, metadata);
        string who = $"Checkpoint.Load('{path}')";

        var modelState = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, t) in tensors) if (k.StartsWith("model.", StringComparison.Ordinal)) modelState[k[6..]] = t;

        OptimizerStateDict? optState = null;
        if (optimizer is not null)
        {
            if (doc.OptimizerType != optimizer.GetType().Name || doc.OptimizerGroups is null)
                throw new ArgumentException($"{who}: the checkpoint holds {doc.OptimizerType ?? "no"} optimizer " +
                    $"state, not {optimizer.GetType().Name}.");
            optState = ReadOptimizer(path, doc, tensors);
        }
        if (scheduler is not null && (doc.SchedulerType != scheduler.GetType().Name || doc.Scheduler is null))
            throw new ArgumentException($"{who}: the checkpoint holds {doc.SchedulerType ?? "no"} scheduler " +
                $"state, not {scheduler.GetType().Name}.");
        var genStates = new List<(Generator G, byte[] State)>();
        if (generators is not null)
            foreach (var (name, g) in generators)
            {
                if (doc.Generators is null || !doc.Generators.TryGetValue(name, out var s))
                    throw new ArgumentException($"{who}: the checkpoint has no state for generator '{name}' (it has " +
                        $"{string.Join(", ", doc.Generators?.Keys.Select(k => $"'{k}'") ?? [])}).");
                genStates.Add((g, s));
            }

        // Restore only after every part was read and checked.
        ModuleWeights.Apply(model, modelState, strict: true, who);
        if (optState is not null) optimizer!.LoadStateDict(optState);
        if (scheduler is not null) scheduler.LoadStateDict(Values(path, doc.Scheduler!));
        foreach (var (g, s) in genStates) g.SetState(s);
        return new Checkpoint(doc.Epoch, doc.Step, doc.DataLoader,
            doc.User ?? new Dictionary<string, string>());
    }

    private static CheckpointDocument ReadDocument(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(MetadataKey, out var json))
            throw Bad(path, $"it has no '{MetadataKey}' metadata (a plain weights file? use LoadWeights)");
        CheckpointDocument? doc;
        try { doc = JsonSerializer.Deserialize(json, CheckpointJsonContext.Default.CheckpointDocument); }
        catch (JsonException ex) { throw Bad(path, $"its checkpoint document is not valid ({ex.Message})"); }
        if (doc is null) throw Bad(path, "its checkpoint document is null");
        if (doc.FormatVersion > FormatVersion)
            throw Bad(path, $"it has checkpoint format {doc.FormatVersion}, newer than this Ember's {FormatVersion}");
        if (doc.FormatVersion < 1) throw Bad(path, $"it has an invalid format version {doc.FormatVersion}");
        return doc;
    }

    private static OptimizerStateDict ReadOptimizer(string path, CheckpointDocument doc,
        OrderedDictionary<string, Tensor> tensors)
    {
        var state = new Dictionary<int, IReadOnlyDictionary<string, object>>();
        foreach (var (key, numbers) in doc.OptimizerState ?? [])
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw Bad(path, $"optimizer state key '{key}' is not a parameter index");
            var entry = new Dictionary<string, object>(Values(path, numbers), StringComparer.Ordinal);
            state[index] = entry;
        }
        const string prefix = "optimizer.state.";
        foreach (var (k, t) in tensors)
        {
            if (!k.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int dot = k.IndexOf('.', prefix.Length);
            if (dot < 0 || !int.TryParse(k.AsSpan(prefix.Length, dot - prefix.Length), NumberStyles.None,
                CultureInfo.InvariantCulture, out int index))
                throw Bad(path, $"tensor '{k}' is not named optimizer.state.<index>.<name>");
            if (!state.TryGetValue(index, out var entry)) state[index] = entry = new Dictionary<string, object>();
            ((Dictionary<string, object>)entry)[k[(dot + 1)..]] = t;
        }
        var groups = doc.OptimizerGroups!.Select(g => Values(path, g)).ToList();
        return new OptimizerStateDict(state, groups);
    }

    private static IReadOnlyDictionary<string, object> Values(string path, Dictionary<string, StateValue> d)
    {
        try { return StateValue.ToDict(d); }
        catch (Exception ex) when (ex is FormatException or OverflowException) { throw Bad(path, ex.Message); }
    }

    private static InvalidDataException Bad(string path, string problem) =>
        new($"Checkpoint.Load: '{path}' is not a valid checkpoint: {problem}.");
}
