using System;

namespace Ember.Core;

/// <summary>
/// A flat managed buffer of elements plus the version counter that every view of it shares. Storage is
/// ordinary GC memory: no pinning, no disposal.
/// </summary>
internal abstract class Storage
{
    /// <summary>Bumped by every in-place write, so autograd can notice that a saved tensor changed.</summary>
    public int Version;

    /// <summary>Set once a tensor that requires grad (a leaf or a recorded op's output) uses this storage; in-place writes then need autograd support.</summary>
    public bool UsedByGraph;

    public abstract DType DType { get; }
    public abstract int Length { get; }
    public abstract Array Array { get; }
}

/// <summary>Storage of elements of type <typeparamref name="T"/>.</summary>
internal sealed class Storage<T> : Storage
{
    public readonly T[] Data;

    public Storage(T[] data) => Data = data;

    /// <summary>Allocates storage; the contents are left uninitialized because every caller overwrites them.</summary>
    public static Storage<T> Uninitialized(int length) => new(length == 0 ? [] : GC.AllocateUninitializedArray<T>(length));

    public override DType DType => DTypes.Of<T>();
    public override int Length => Data.Length;
    public override Array Array => Data;
}
