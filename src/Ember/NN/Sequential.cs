using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;

namespace Ember.NN;

/// <summary>
/// Runs modules one after another: <c>new Sequential(new Linear(4, 10), new ReLU(), new Linear(10, 3))</c>.
/// Children are named <c>0</c>, <c>1</c>, ... as in PyTorch (parameter-free layers use up an index too).
/// </summary>
public class Sequential : Module, IEnumerable<Module>
{
    private readonly List<Module> _layers = [];

    /// <summary>Creates the container from <paramref name="modules"/>, in order.</summary>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends a module (PyTorch's <c>append</c>).</summary>
    public void Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_layers.Count.ToString(CultureInfo.InvariantCulture), module);
        _layers.Add(module);
    }

    /// <summary>The number of modules.</summary>
    public int Count => _layers.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module this[int index] => _layers[index];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        Tensor x = input;
        foreach (var layer in _layers) x = layer.Call(x);
        return x;
    }

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
