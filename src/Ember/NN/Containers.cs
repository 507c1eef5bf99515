using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;

namespace Ember.NN;

/// <summary>
/// A list of child modules registered as <c>0</c>, <c>1</c>, ... (PyTorch's <c>ModuleList</c>): their parameters are
/// the list's parameters, but it has no forward of its own; iterate it in your <c>Forward</c>.
/// <c>ModuleList&lt;Linear&gt;</c> keeps the element type; <see cref="ModuleList"/> holds any tensor→tensor module.
/// </summary>
/// <typeparam name="TModule">The element type.</typeparam>
public class ModuleList<TModule> : ModuleBase, IList<TModule>, IReadOnlyList<TModule> where TModule : ModuleBase
{
    private readonly List<TModule> _items = [];

    /// <summary>Creates the list from <paramref name="modules"/>.</summary>
    public ModuleList(params TModule[] modules) : this((IEnumerable<TModule>)modules) { }

    /// <summary>Creates the list from <paramref name="modules"/>.</summary>
    public ModuleList(IEnumerable<TModule> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>The number of modules.</summary>
    public int Count => _items.Count;

    bool ICollection<TModule>.IsReadOnly => false;

    /// <summary>The module at <paramref name="index"/> (negative counts from the end, as in Python).</summary>
    public TModule this[int index]
    {
        get => _items[Wrap(index)];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _items[Wrap(index)] = value;
            Renumber();
        }
    }

    private int Wrap(int index) => index < 0 ? index + _items.Count : index;

    /// <summary>Appends a module (PyTorch's <c>append</c>).</summary>
    public void Add(TModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_items.Count.ToString(CultureInfo.InvariantCulture), module);
        _items.Add(module);
    }

    /// <summary>Appends several modules (PyTorch's <c>extend</c>).</summary>
    public void AddRange(IEnumerable<TModule> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Inserts a module; later modules are renumbered.</summary>
    public void Insert(int index, TModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _items.Insert(Wrap(index), module);
        Renumber();
    }

    /// <summary>Removes the module at <paramref name="index"/>; later modules are renumbered.</summary>
    public void RemoveAt(int index)
    {
        _items.RemoveAt(Wrap(index));
        Renumber();
    }

    /// <summary>Removes <paramref name="module"/>.</summary>
    public bool Remove(TModule module)
    {
        bool removed = _items.Remove(module);
        if (removed) Renumber();
        return removed;
    }

    /// <summary>Removes every module.</summary>
    public void Clear()
    {
        _items.Clear();
        Renumber();
    }

    /// <inheritdoc/>
    public int IndexOf(TModule item) => _items.IndexOf(item);

    /// <inheritdoc/>
    public bool Contains(TModule item) => _items.Contains(item);

    /// <inheritdoc/>
    public void CopyTo(TModule[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);

    private void Renumber()
    {
        ClearRegisteredModules();
        for (int i = 0; i < _items.Count; i++) RegisterModule(i.ToString(CultureInfo.InvariantCulture), _items[i]);
    }

    /// <inheritdoc/>
    public IEnumerator<TModule> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A <see cref="ModuleList{TModule}"/> of tensor→tensor modules: <c>new ModuleList(new Linear(4, 4), new ReLU())</c>.
/// </summary>
public sealed class ModuleList : ModuleList<Module>
{
    /// <summary>Creates the list from <paramref name="modules"/>.</summary>
    public ModuleList(params Module[] modules) : base(modules) { }

    /// <summary>Creates the list from <paramref name="modules"/>.</summary>
    public ModuleList(IEnumerable<Module> modules) : base(modules) { }
}

/// <summary>
/// Child modules by name, in insertion order (PyTorch's <c>ModuleDict</c>): parameters are named <c>key.weight</c>.
/// It has no forward of its own.
/// </summary>
/// <typeparam name="TModule">The element type.</typeparam>
public class ModuleDict<TModule> : ModuleBase, IEnumerable<KeyValuePair<string, TModule>> where TModule : ModuleBase
{
    private readonly OrderedDictionary<string, TModule> _items = new();

    /// <summary>Creates an empty dict.</summary>
    public ModuleDict() { }

    /// <summary>Creates the dict from <paramref name="modules"/>, in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, TModule>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (k, v) in modules) this[k] = v;
    }

    /// <summary>The number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>The keys in insertion order.</summary>
    public IEnumerable<string> Keys => _items.Keys;

    /// <summary>The modules in insertion order.</summary>
    public IEnumerable<TModule> Values => _items.Values;

    /// <summary>
    /// Gets or sets (adds or replaces, keeping the position) the module under <paramref name="key"/>.
    /// </summary>
    public TModule this[string key]
    {
        get => _items.TryGetValue(key, out var m)
            ? m
            : throw new KeyNotFoundException($"ModuleDict: no module named '{key}'.");
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            ArgumentNullException.ThrowIfNull(value);
            if (key.Contains('.')) throw new ArgumentException($"ModuleDict: key can't contain \".\", got '{key}'.");
            _items[key] = value;
            Rebuild();
        }
    }

    /// <summary>Adds a module under a new key.</summary>
    public void Add(string key, TModule module)
    {
        if (_items.ContainsKey(key)) throw new ArgumentException($"ModuleDict: key '{key}' already exists.");
        this[key] = module;
    }

    /// <summary>Whether <paramref name="key"/> is present.</summary>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <summary>Removes <paramref name="key"/> (PyTorch's <c>pop</c>).</summary>
    public bool Remove(string key)
    {
        bool removed = _items.Remove(key);
        if (removed) Rebuild();
        return removed;
    }

    private void Rebuild()
    {
        ClearRegisteredModules();
        foreach (var (k, v) in _items) RegisterModule(k, v);
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, TModule>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A <see cref="ModuleDict{TModule}"/> of tensor→tensor modules.</summary>
public sealed class ModuleDict : ModuleDict<Module>
{
    /// <summary>Creates an empty dict.</summary>
    public ModuleDict() { }

    /// <summary>Creates the dict from <paramref name="modules"/>, in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>> modules) : base(modules) { }
}
