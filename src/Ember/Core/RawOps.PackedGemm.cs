using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    /// <summary>
    /// <c>a·b</c> plus an optional bias row (as <see cref="Addmm"/> computes <c>Linear</c>'s product) for a chain of
    /// products that share <paramref name="b"/>: the packed form of <paramref name="b"/> is kept per thread for
    /// <paramref name="owner"/> (a recurrent layer's steps) and reused while the operand's storage, version and
    /// layout stay the same, so each product packs only its <paramref name="a"/> rows. Runs on the calling thread.
    /// Float32/float64, 2-D, <c>k &gt; 0</c>, a contiguous bias of <c>n</c> elements (the caller checks).
    /// </summary>
    /// <param name="owner">The chain the packed operand belongs to.</param>
    /// <param name="a">The left operand, <c>[m, k]</c>.</param>
    /// <param name="b">The shared right operand, <c>[k, n]</c>.</param>
    /// <param name="bias">A row added to every row of the product, or null.</param>
    /// <param name="into">A dense <c>[m, n]</c> destination of the operands' dtype, or null for a new tensor.</param>
    /// <param name="parts">Split the rows over up to this many threads (<see cref="GemmPackedB{T}.MultiplySplit"/>:
    /// same results bit for bit); 1 keeps the product on the calling thread.</param>
    public static RawTensor MmSharedB(object owner, RawTensor a, RawTensor b, RawTensor? bias, RawTensor? into = null,
        int parts = 1)
    {
        int m = a.Shape[0], n = b.Shape[1];
        var r = into ?? RawTensor.Empty(a.DType, [m, n]);
        if (m == 0 || n == 0) return r;
        return DTypeDispatch.Floating<SharedBFunc, RawTensor>(a.DType,
            new(owner, GemmOperand(a), GemmOperand(b), bias, r, parts), "addmm");
    }

    private readonly struct SharedBFunc(object owner, (RawTensor T, bool Trans, int Ld) a,
        (RawTensor T, bool Trans, int Ld) b, RawTensor? bias, RawTensor r, int parts) : IFloatFunc<RawTensor>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int m = r.Shape[0], n = r.Shape[1];
            int k = a.Trans ? a.T.Shape[0] : a.T.Shape[1];
            GemmPackedB<T> packed = PackedOperands<T>.Get(owner, b.T, b.Trans, b.Ld, k, n);
            packed.MultiplySplit(parts, a.Trans, m, a.T.Data<T>().AsSpan(a.T.Offset), a.Ld,
                bias is null ? default : bias.Span<T>(), r.Span<T>(), n);
            return r;
        }
    }

    /// <summary>
    /// The packed B operands of this thread: a few entries, each for one owner and one operand (compared by storage
    /// object, version, offset and layout, so a write to the operand, which bumps its version, forces a new pack).
    /// Weak references: a cached entry keeps neither its owner nor the operand's storage alive.
    /// </summary>
    private static class PackedOperands<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private const int Capacity = 4;

        private sealed class Entry
        {
            public readonly WeakReference<object?> Owner = new(null);
            public readonly WeakReference<Storage?> Storage = new(null);
            public readonly GemmPackedB<T> Packed = new();
            public int Version, Offset, Ld;
            public bool Trans;
            public long LastUse;
        }

        [ThreadStatic] private static Entry[]? t_entries;
        [ThreadStatic] private static long t_clock;

        public static GemmPackedB<T> Get(object owner, RawTensor b, bool trans, int ld, int k, int n)
        {
            var entries = t_entries ??= new Entry[Capacity];
            long now = ++t_clock;
            Storage storage = b.Storage;
            int victim = 0;
            for (int i = 0; i < entries.Length; i++)
            {
                Entry? e = entries[i];
                if (e is null)
                {
                    victim = i;
                    break;
                }
                if (e.Owner.TryGetTarget(out object? o) && ReferenceEquals(o, owner)
                    && e.Storage.TryGetTarget(out Storage? s) && ReferenceEquals(s, storage)
                    && e.Version == storage.Version && e.Offset == b.Offset && e.Trans == trans && e.Ld == ld
                    && e.Packed.K == k && e.Packed.N == n)
                {
                    e.LastUse = now;
                    return e.Packed;
                }
                if (entries[victim] is { } v && e.LastUse < v.LastUse) victim = i;
            }
            Entry entry = entries[victim] ??= new Entry();
            entry.Packed.Pack(trans, k, n, b.Data<T>().AsSpan(b.Offset), ld);
            entry.Owner.SetTarget(owner);
            entry.Storage.SetTarget(storage);
            (entry.Version, entry.Offset, entry.Trans, entry.Ld, entry.LastUse) =
                (storage.Version, b.Offset, trans, ld, now);
            return entry.Packed;
        }
    }
}
