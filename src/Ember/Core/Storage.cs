using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>
/// A flat managed buffer of elements plus the version counter that every view of it shares. Storage is
/// ordinary GC memory: no pinning, no disposal. The type-agnostic operations (strided copies, element access as
/// double) are virtual here, so layout code needs no per-dtype switch.
/// </summary>
internal abstract class Storage
{
    private VersionCounter _counter = new();

    /// <summary>
    /// Bumped by every in-place write, so autograd can notice that a saved tensor changed. Shared with aliases.
    /// </summary>
    public int Version
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => _counter.Value;
        set => _counter.Value = value;
    }

    /// <summary>
    /// Another storage object over the same elements and version counter, with no owner (for detached tensors).
    /// </summary>
    public Storage Alias()
    {
        var alias = (Storage)MemberwiseClone();
        alias.Base = null;
        return alias;
    }

    /// <summary>
    /// How many live graph nodes saved a tensor over these elements for their backward pass (shared with aliases);
    /// a writable span is refused while it is above zero.
    /// </summary>
    public int SavedByGraphs => Volatile.Read(ref _counter.Saved);

    /// <summary>Counts a node saving (+1) or releasing (-1) a tensor over these elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void TrackSaved(int delta) => Interlocked.Add(ref _counter.Saved, delta);

    /// <summary>
    /// Counts a node releasing a saved tensor over these elements; when that was the last save and the elements were
    /// marked with <see cref="RecycleWhenReleased"/>, hands them to the recycler (once).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReleaseSaved()
    {
        if (Interlocked.Decrement(ref _counter.Saved) == 0 && _counter.Recycler is not null
            && Interlocked.Exchange(ref _counter.Recycler, null) is { } recycler)
            recycler.Recycle(this);
    }

    /// <summary>
    /// Marks elements that no tensor outside the graph can reach (an owner's scratch that only saved tensors read):
    /// once every node that saved a tensor over them released it (a backward pass without <c>retainGraph</c>),
    /// nothing can read them any more and <paramref name="recycler"/> gets them back. Elements never saved, or whose
    /// graph is dropped without a backward pass, are left to the GC.
    /// </summary>
    public void RecycleWhenReleased(IStorageRecycler recycler) => _counter.Recycler = recycler;

    private sealed class VersionCounter
    {
        public int Value;
        public int Saved;
        public IStorageRecycler? Recycler;
    }

    /// <summary>
    /// Set once a tensor that requires grad (a leaf or a recorded op's output) uses this storage; in-place writes
    /// then need autograd support.
    /// </summary>
    /// <summary>
    /// An opaque token for the layer above: the first public tensor created on this storage, whose later tensors are
    /// its views. The core never reads it.
    /// </summary>
    public object? Base;

    public abstract DType DType { get; }
    public abstract int Length { get; }
    public abstract Array Array { get; }

    /// <summary>Uninitialized storage of the same dtype.</summary>
    public abstract Storage CreateUninitialized(int length);

    /// <summary>
    /// Copies the strided view (offset, strides, shape) of this storage into <paramref name="dst"/> (same dtype),
    /// contiguously from <paramref name="dstOffset"/>.
    /// </summary>
    public abstract void CopyStridedTo(int offset, int[] strides, int[] shape, Storage dst, int dstOffset = 0);

    /// <summary>
    /// Writes contiguous <paramref name="src"/> (same dtype) into the strided view (offset, strides, shape) of this
    /// storage.
    /// </summary>
    public abstract void ScatterFrom(Storage src, int srcOffset, int offset, int[] strides, int[] shape);

    /// <summary>Element <paramref name="index"/> as a double (bool: 0/1).</summary>
    public abstract double GetDouble(int index);

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="index"/>, converted as a C# cast would (bool: non-zero).
    /// </summary>
    public abstract void SetDouble(int index, double value);

    /// <summary>Fills [start, start+count) with <paramref name="value"/>.</summary>
    public abstract void Fill(int start, int count, double value);

    /// <summary>Allocates uninitialized storage for <paramref name="dtype"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Storage Create(DType dtype, int length) =>
        DTypeDispatch.Stored<CreateFunc, Storage>(dtype, new(length));

    private readonly struct CreateFunc(int length) : IStoredFunc<Storage>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Storage Invoke<T>() where T : unmanaged => Storage<T>.Uninitialized(length);
    }
}

/// <summary>Takes back storage whose last saved tensor was released (<see cref="Storage.RecycleWhenReleased"/>).
/// </summary>
internal interface IStorageRecycler
{
    /// <summary>Called once, by the thread that released the last saved tensor over <paramref name="storage"/>.
    /// </summary>
    void Recycle(Storage storage);
}

/// <summary>Storage of elements of type <typeparamref name="T"/>.</summary>
internal sealed class Storage<T> : Storage
{
    public readonly T[] Data;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Storage(T[] data) => Data = data;

    /// <summary>Allocates storage whose contents every caller overwrites, so large arrays skip zeroing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Storage<T> Uninitialized(int length) =>
        new(length == 0 ? [] : GC.AllocateUninitializedArray<T>(length));

    public override DType DType
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => DTypes.Of<T>();
    }
    public override int Length => Data.Length;
    public override Array Array
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Data;
    }

    public override Storage CreateUninitialized(int length) => Uninitialized(length);

    public override void CopyStridedTo(int offset, int[] strides, int[] shape, Storage dst, int dstOffset = 0) =>
        ElementwiseDriver.Copy<T>(Data, offset, strides, ((Storage<T>)dst).Data.AsSpan(dstOffset), shape);

    public override void ScatterFrom(Storage src, int srcOffset, int offset, int[] strides, int[] shape) =>
        ElementwiseDriver.Scatter<T>(((Storage<T>)src).Data.AsSpan(srcOffset), Data, offset, strides, shape);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double GetDouble(int index) => Element<T>.ToDouble(Data[index]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void SetDouble(int index, double value) => Data[index] = Element<T>.FromDouble(value);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Fill(int start, int count, double value) =>
        Data.AsSpan(start, count).Fill(Element<T>.FromDouble(value));
}

/// <summary>
/// Conversions between any storage element type and double; the type tests fold away when the JIT specializes
/// <typeparamref name="T"/>.
/// </summary>
internal static class Element<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ToDouble(T v)
    {
        if (typeof(T) == typeof(float)) return (float)(object)v!;
        if (typeof(T) == typeof(double)) return (double)(object)v!;
        if (typeof(T) == typeof(long)) return (long)(object)v!;
        if (typeof(T) == typeof(int)) return (int)(object)v!;
        if (typeof(T) == typeof(bool)) return (bool)(object)v! ? 1 : 0;
        if (typeof(T) == typeof(byte)) return (byte)(object)v!;
        if (typeof(T) == typeof(sbyte)) return (sbyte)(object)v!;
        if (typeof(T) == typeof(short)) return (short)(object)v!;
        if (typeof(T) == typeof(Half)) return (double)(Half)(object)v!;
        if (typeof(T) == typeof(BFloat16)) return (double)(BFloat16)(object)v!;
        throw new NotSupportedException(typeof(T).Name);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T FromDouble(double v)
    {
        if (typeof(T) == typeof(float)) return (T)(object)(float)v;
        if (typeof(T) == typeof(double)) return (T)(object)v;
        if (typeof(T) == typeof(long)) return (T)(object)(long)v;
        if (typeof(T) == typeof(int)) return (T)(object)(int)v;
        if (typeof(T) == typeof(bool)) return (T)(object)(v != 0);
        if (typeof(T) == typeof(byte)) return (T)(object)unchecked((byte)(long)v);
        if (typeof(T) == typeof(sbyte)) return (T)(object)unchecked((sbyte)(long)v);
        if (typeof(T) == typeof(short)) return (T)(object)unchecked((short)(long)v);
        if (typeof(T) == typeof(Half)) return (T)(object)(Half)v;
        if (typeof(T) == typeof(BFloat16)) return (T)(object)(BFloat16)v;
        throw new NotSupportedException(typeof(T).Name);
    }
}
