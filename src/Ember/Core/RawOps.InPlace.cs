using System;

namespace Ember.Core;

/// <summary>Element-wise arithmetic written straight into the left operand's elements.</summary>
internal static partial class RawOps
{
    /// <summary>
    /// <c>a = a op b</c> computed into <paramref name="a"/>'s own elements (no result buffer, no copy back) when the
    /// kernel can do that safely: the result type is <paramref name="a"/>'s dtype (a native compute type, not bool),
    /// <paramref name="a"/> is contiguous from the start of its storage, <paramref name="b"/> broadcasts to
    /// <paramref name="a"/>'s shape, and <paramref name="b"/> is either separate memory or exactly
    /// <paramref name="a"/> (every element is read before the same position is written). Bumps the version counter.
    /// Returns false, having written nothing, where these do not hold; the caller then takes the general path.
    /// </summary>
    public static bool TryBinaryInPlace<TFamily>(RawTensor a, RawTensor b, bool floatResult, string op)
        where TFamily : IBinaryFamily
    {
        DType dt = floatResult ? FloatResultType(a, b) : ResultType(a, b);
        if (dt != a.DType || dt == DType.Bool || dt.ComputeType() != dt || !a.IsContiguous || a.Offset != 0)
            return false;
        if (b.Rank > a.Rank || !Shapes.Broadcast(a.Shape, b.Shape, op).AsSpan().SequenceEqual(a.Shape)) return false;
        if (ReferenceEquals(a.Storage.Array, b.Storage.Array)
            && !(b.Offset == a.Offset && b.Shape.AsSpan().SequenceEqual(a.Shape)
                && b.Strides.AsSpan().SequenceEqual(a.Strides)))
            return false;
        if (b.DType != dt) b = Cast(b, dt);
        DTypeDispatch.Compute<BinaryFunc<TFamily>, RawTensor>(dt, new(a, b, a), op);
        a.Storage.Version++;
        return true;
    }
}
