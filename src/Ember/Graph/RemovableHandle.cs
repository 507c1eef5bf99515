using System;

namespace Ember.Graph;

/// <summary>Returned by hook registrations; <see cref="Remove"/> (or disposing it) unregisters the hook.</summary>
public sealed class RemovableHandle : IDisposable
{
    private Action? _remove;

    internal RemovableHandle(Action remove) => _remove = remove;

    /// <summary>Unregisters the hook; calling it again does nothing.</summary>
    public void Remove()
    {
        _remove?.Invoke();
        _remove = null;
    }

    /// <inheritdoc/>
    public void Dispose() => Remove();
}

/// <summary>Thrown in anomaly mode when a backward formula produces NaN or infinity.</summary>
public sealed class AnomalyException(string message) : Exception(message);
