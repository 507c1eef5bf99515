using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using Ember.NN;

namespace Ember.Keras;

/// <summary>
/// Keras's <c>Sequential</c>: runs layers one after another and names them as Keras does, <c>dense</c>,
/// <c>dense_1</c>, <c>dense_2</c>, ... (per model, so state dicts read <c>dense_1.weight</c>; Keras numbers names
/// across a whole session), or the name given to the layer. An <see cref="Input"/> first declares the input shape:
/// the model is built at once and <see cref="Input"/> is not a child. Any <see cref="Module"/> can be a layer (an
/// <c>Ember.NN.Linear</c> is named <c>linear</c>).
/// </summary>
/// <example><code>
/// var model = new Sequential(new Input(4), new Dense(10, activation: "relu"), new Dense(3));
/// </code></example>
public class Sequential : Module, IEnumerable<Module>
{
    private readonly List<Module> _layers = [];
    private readonly Dictionary<string, int> _nameCounts = [];
    private readonly List<string> _names = [];

    /// <summary>Creates the model from <paramref name="layers"/>; a leading <see cref="Input"/> builds it.</summary>
    public Sequential(params Module[] layers) : this(null, layers) { }

    /// <summary>Creates a model named <paramref name="name"/> from <paramref name="layers"/>.</summary>
    /// <param name="name">The model's name in <c>Summary()</c> (default <c>sequential</c>).</param>
    /// <param name="layers">The layers; a leading <see cref="Input"/> declares the input shape.</param>
    public Sequential(string? name, params Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Name = name ?? "sequential";
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>The model's name (<c>sequential</c> unless given).</summary>
    public string Name { get; }

    /// <summary>The declared per-sample input shape (from <see cref="Input"/> or <see cref="Build(int[])"/>), or
    /// null.</summary>
    public int[]? InputShape { get; private set; }

    /// <summary>The element type of the declared input (float32 unless the <see cref="Input"/> says
    /// otherwise).</summary>
    public DType InputDType { get; private set; } = DType.Float32;

    /// <summary>Whether the model has been built (its input shape is known and its layers have parameters).</summary>
    public bool Built { get; private set; }

    /// <summary>The number of layers (<see cref="Input"/> is not one).</summary>
    public int Count => _layers.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public Module this[int index] => _layers[index];

    /// <summary>The layer named <paramref name="name"/> (Keras's <c>get_layer</c>).</summary>
    public Module GetLayer(string name)
    {
        int i = _names.IndexOf(name);
        return i >= 0 ? _layers[i] : throw new KeyNotFoundException(
            $"Sequential '{Name}': no layer named '{name}'; layers are {string.Join(", ", _names)}.");
    }

    /// <summary>The layer names, in order.</summary>
    public IReadOnlyList<string> LayerNames => _names;

    /// <summary>Appends a layer (Keras's <c>add</c>); an <see cref="Input"/> is only allowed first.</summary>
    public void Add(Module layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is Input input)
        {
            if (_layers.Count > 0 || InputShape is not null)
                throw new ArgumentException($"Sequential '{Name}': an Input must come first, before any layer.");
            InputShape = input.Shape;
            InputDType = input.DType;
            return;
        }
        string name = NameFor(layer);
        RegisterModule(name, layer);
        _layers.Add(layer);
        _names.Add(name);
        if (InputShape is not null) Build(InputShape);
    }

    private string NameFor(Module layer)
    {
        if (layer is IKerasLayer { Name: { } given })
        {
            if (_names.Contains(given))
                throw new ArgumentException($"Sequential '{Name}': a layer named '{given}' is already in the model.");
            return given;
        }
        string baseName = layer is IKerasLayer k ? k.DefaultName : LazyLayer.SnakeCase(layer.GetType().Name);
        while (true)
        {
            int n = _nameCounts.TryGetValue(baseName, out int c) ? c : 0;
            _nameCounts[baseName] = n + 1;
            string name = n == 0 ? baseName : baseName + "_" + n.ToString(CultureInfo.InvariantCulture);
            if (!_names.Contains(name)) return name;
        }
    }

    /// <summary>
    /// Builds every layer for per-sample inputs of <paramref name="inputShape"/> by running one zero sample through the
    /// model without a graph, in evaluation mode (the training flags are restored after).
    /// </summary>
    public void Build(params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        InputShape ??= (int[])inputShape.Clone();
        if (_layers.Count == 0) return;
        var shape = new int[inputShape.Length + 1];
        shape[0] = 1;
        inputShape.CopyTo(shape, 1);
        var modes = new List<(ModuleBase Module, bool Training)>();
        foreach (var (_, m) in NamedModules()) modes.Add((m, m.Training));
        Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            Call(Tensor.Zeros(shape, InputDType));
        }
        finally
        {
            // Preorder: a parent's Train recurses, then each descendant restores its own flag.
            foreach (var (m, training) in modes) m.Train(training);
        }
        Built = true;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        Tensor x = input;
        foreach (var layer in _layers) x = layer.Call(x);
        if (!Built && _layers.Count > 0)
        {
            Built = true;
            InputShape ??= input.Shape[1..].ToArray();
        }
        return x;
    }

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
