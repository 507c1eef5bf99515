using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

// Operator families. A Kernels operator struct is generic in its element type (AddOperator<T>); C# cannot pass
// "AddOperator<>" itself as a type argument, so each op gets a family struct (in class Op, next to the op) whose
// static generic Run<T> names the operator for T and calls the element-wise runner below. A raw op then reads
// Binary<Op.Add>(...), and the dtype switch happens once, in DTypeDispatch.

/// <summary>A unary operator defined on every compute type.</summary>
internal interface IUnaryFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor r) where T : unmanaged, INumber<T>;
}

/// <summary>A unary operator defined on floating point (inputs are promoted to float first).</summary>
internal interface IFloatUnaryFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor r) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A binary operator defined on every compute type.</summary>
internal interface IBinaryFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r) where T : unmanaged, INumber<T>;
}

/// <summary>A binary operator defined on floating point.</summary>
internal interface IFloatBinaryFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A comparison producing booleans, defined on every compute type.</summary>
internal interface ICompareFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r) where T : unmanaged, INumber<T>;
}

/// <summary>A unary operator with two runtime parameters, defined on every compute type.</summary>
internal interface IParametricFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor r, T p0, T p1) where T : unmanaged, INumber<T>;
}

/// <summary>A unary operator with two runtime parameters, defined on floating point.</summary>
internal interface IFloatParametricFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor r, T p0, T p1)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A floating-point predicate producing booleans.</summary>
internal interface IPredicateFamily
{
    static abstract RawTensor Run<T>(RawTensor a, RawTensor r) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>The family structs of every element-wise op; each family file adds its own.</summary>
internal static partial class Op
{
}

internal static partial class RawOps
{
    // ---- entry points: promotion and storage-only types, then one dispatch ----

    /// <summary>
    /// Runs a binary operator in dtype <paramref name="dt"/> after casting and broadcasting both operands.
    /// </summary>
    public static RawTensor Binary<TFamily>(RawTensor a, RawTensor b, DType dt, string op) where TFamily : IBinaryFamily
    {
        if (dt.ComputeType() != dt) return Cast(Binary<TFamily>(a, b, dt.ComputeType(), op), dt);
        var r = PrepareBinary(ref a, ref b, dt, op);
        return DTypeDispatch.Compute<BinaryFunc<TFamily>, RawTensor>(dt, new(a, b, r), op);
    }

    /// <summary>
    /// <see cref="Binary{TFamily}"/> for operators defined on floating point; <paramref name="dt"/> is floating.
    /// </summary>
    public static RawTensor FloatBinary<TFamily>(RawTensor a, RawTensor b, DType dt, string op)
        where TFamily : IFloatBinaryFamily
    {
        if (dt.ComputeType() != dt) return Cast(FloatBinary<TFamily>(a, b, dt.ComputeType(), op), dt);
        var r = PrepareBinary(ref a, ref b, dt, op);
        return DTypeDispatch.Floating<FloatBinaryFunc<TFamily>, RawTensor>(dt, new(a, b, r), op);
    }

    private static RawTensor PrepareBinary(ref RawTensor a, ref RawTensor b, DType dt, string op)
    {
        if (dt == DType.Bool)
            throw new NotSupportedException($"{op}: arithmetic on bool tensors is not supported; " +
                "convert first with .To(DType.Int64) or .To(DType.Float32).");
        a = a.DType == dt ? a : Cast(a, dt);
        b = b.DType == dt ? b : Cast(b, dt);
        return RawTensor.Empty(dt, Shapes.Broadcast(a.Shape, b.Shape, op));
    }

    /// <summary>A unary operator defined on every numeric type, computed in the input's compute type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor Unary<TFamily>(RawTensor a, string op) where TFamily : IUnaryFamily
    {
        DType ct = a.DType.ComputeType();
        if (ct != a.DType && a.DType != DType.Bool) return Cast(Unary<TFamily>(Cast(a, ct), op), a.DType);
        var r = RawTensor.Empty(a.DType, a.Shape);
        return DTypeDispatch.Compute<UnaryFunc<TFamily>, RawTensor>(a.DType, new(a, r), op);
    }

    /// <summary>
    /// A floating-point unary operator; integer and bool inputs are promoted to float32 first, as in PyTorch.
    /// </summary>
    public static RawTensor FloatUnary<TFamily>(RawTensor a, string op) where TFamily : IFloatUnaryFamily
    {
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DTypes.DefaultFloat);
        DType ct = a.DType.ComputeType();
        if (ct != a.DType) return Cast(FloatUnary<TFamily>(Cast(a, ct), op), a.DType);
        var r = RawTensor.Empty(a.DType, a.Shape);
        return DTypeDispatch.Floating<FloatUnaryFunc<TFamily>, RawTensor>(a.DType, new(a, r), op);
    }

    /// <summary>A comparison; operands are promoted to a common type, and bool compares as int32.</summary>
    public static RawTensor Compare<TFamily>(RawTensor a, RawTensor b, string op) where TFamily : ICompareFamily
    {
        DType dt = ResultType(a, b).ComputeType();
        if (dt == DType.Bool) dt = DType.Int32;
        a = a.DType == dt ? a : Cast(a, dt);
        b = b.DType == dt ? b : Cast(b, dt);
        var r = RawTensor.Empty(DType.Bool, Shapes.Broadcast(a.Shape, b.Shape, op));
        return DTypeDispatch.Compute<CompareFunc<TFamily>, RawTensor>(dt, new(a, b, r), op);
    }

    /// <summary>An operator with two runtime parameters on every numeric type.</summary>
    public static RawTensor Parametric<TFamily>(RawTensor a, double p0, double p1, string op)
        where TFamily : IParametricFamily
    {
        DType ct = a.DType.ComputeType();
        if (ct != a.DType) return Cast(Parametric<TFamily>(Cast(a, ct), p0, p1, op), a.DType);
        var f = new ParametricFunc<TFamily>(a, RawTensor.Empty(a.DType, a.Shape), p0, p1);
        return DTypeDispatch.Compute<ParametricFunc<TFamily>, RawTensor>(a.DType, f, op);
    }

    /// <summary>
    /// An operator with two runtime parameters on floating point; other inputs are promoted to float32.
    /// </summary>
    public static RawTensor FloatParametric<TFamily>(RawTensor a, double p0, double p1, string op)
        where TFamily : IFloatParametricFamily
    {
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DTypes.DefaultFloat);
        DType ct = a.DType.ComputeType();
        if (ct != a.DType) return Cast(FloatParametric<TFamily>(Cast(a, ct), p0, p1, op), a.DType);
        var f = new FloatParametricFunc<TFamily>(a, RawTensor.Empty(a.DType, a.Shape), p0, p1);
        return DTypeDispatch.Floating<FloatParametricFunc<TFamily>, RawTensor>(a.DType, f, op);
    }

    /// <summary>A floating-point predicate; integer and bool elements give <paramref name="integerResult"/>.</summary>
    public static RawTensor Predicate<TFamily>(RawTensor a, bool integerResult, string op)
        where TFamily : IPredicateFamily
    {
        var r = RawTensor.Empty(DType.Bool, a.Shape);
        if (!a.DType.IsFloatingPoint())
        {
            r.Span<bool>().Fill(integerResult);
            return r;
        }
        if (a.DType.ComputeType() != a.DType) a = Cast(a, a.DType.ComputeType());
        return DTypeDispatch.Floating<PredicateFunc<TFamily>, RawTensor>(a.DType, new(a, r), op);
    }

    // ---- the runners: one per operator shape, generic in the element type and the operator ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor RunUnary<T, TOp>(RawTensor a, RawTensor r) where TOp : IUnaryOperator<T>
    {
        if (a.IsContiguous && a.NumEl < ParallelElementwise.Threshold) TOp.Invoke(a.Span<T>(), r.Span<T>());
        else ParallelElementwise.Unary<T, TOp>(a.Data<T>(), a.Offset, a.Strides, r.Data<T>(), 0, a.Shape);
        return r;
    }

    public static RawTensor RunBinary<T, TOp>(RawTensor a, RawTensor b, RawTensor r) where TOp : IBinaryOperator<T>
    {
        int[] shape = r.Shape;
        if (r.NumEl >= ParallelElementwise.Threshold)
        {
            int[] pa = new int[shape.Length], pb = new int[shape.Length];
            BroadcastStrides(a, shape, pa);
            BroadcastStrides(b, shape, pb);
            ParallelElementwise.Binary<T, TOp>(a.Data<T>(), a.Offset, pa, b.Data<T>(), b.Offset, pb,
                r.Data<T>(), 0, shape);
            return r;
        }
        if (a.IsContiguous && b.IsContiguous && a.NumEl == r.NumEl && b.NumEl == r.NumEl)
        {
            TOp.Invoke(a.Span<T>(), b.Span<T>(), r.Span<T>());
            return r;
        }
        Span<int> sa = stackalloc int[shape.Length], sb = stackalloc int[shape.Length];
        BroadcastStrides(a, shape, sa);
        BroadcastStrides(b, shape, sb);
        ElementwiseDriver.Binary<T, TOp>(a.Data<T>(), a.Offset, sa, b.Data<T>(), b.Offset, sb, r.Span<T>(), shape);
        return r;
    }

    public static RawTensor RunCompare<T, TOp>(RawTensor a, RawTensor b, RawTensor r) where TOp : ICompareOperator<T>
    {
        int[] shape = r.Shape;
        Span<int> sa = stackalloc int[shape.Length], sb = stackalloc int[shape.Length];
        BroadcastStrides(a, shape, sa);
        BroadcastStrides(b, shape, sb);
        ElementwiseDriver.Compare<T, TOp>(a.Data<T>(), a.Offset, sa, b.Data<T>(), b.Offset, sb, r.Span<bool>(), shape);
        return r;
    }

    public static RawTensor RunParametric<T, TOp>(RawTensor a, RawTensor r, T p0, T p1)
        where TOp : IParametricOperator<T>
    {
        ParametricDriver.Unary<T, TOp>(a.Data<T>(), a.Offset, a.Strides, r.Span<T>(), a.Shape, p0, p1);
        return r;
    }

    public static RawTensor RunMap<TIn, TOut, TOp>(RawTensor a, RawTensor r) where TOp : IMapOperator<TIn, TOut>
    {
        ElementwiseDriver.Map<TIn, TOut, TOp>(a.Data<TIn>(), a.Offset, a.Strides, r.Span<TOut>(), a.Shape);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BroadcastStrides(RawTensor a, ReadOnlySpan<int> target, Span<int> dst)
    {
        int lead = target.Length - a.Rank;
        dst[..lead].Clear();
        for (int i = 0; i < a.Rank; i++)
            dst[lead + i] = a.Shape[i] == 1 && target[lead + i] != 1 ? 0 : a.Strides[i];
    }

    public static DType ResultType(RawTensor a, RawTensor b) =>
        DTypes.ResultType(a.DType, a.Rank == 0, b.DType, b.Rank == 0);

    // ---- adapters from the dtype dispatch to a family ----

    private readonly struct UnaryFunc<TF>(RawTensor a, RawTensor r) : INumericFunc<RawTensor> where TF : IUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T> => TF.Run<T>(a, r);
    }

    private readonly struct FloatUnaryFunc<TF>(RawTensor a, RawTensor r) : IFloatFunc<RawTensor>
        where TF : IFloatUnaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TF.Run<T>(a, r);
    }

    private readonly struct BinaryFunc<TF>(RawTensor a, RawTensor b, RawTensor r) : INumericFunc<RawTensor>
        where TF : IBinaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T> => TF.Run<T>(a, b, r);
    }

    private readonly struct FloatBinaryFunc<TF>(RawTensor a, RawTensor b, RawTensor r) : IFloatFunc<RawTensor>
        where TF : IFloatBinaryFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TF.Run<T>(a, b, r);
    }

    private readonly struct CompareFunc<TF>(RawTensor a, RawTensor b, RawTensor r) : INumericFunc<RawTensor>
        where TF : ICompareFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T> => TF.Run<T>(a, b, r);
    }

    private readonly struct ParametricFunc<TF>(RawTensor a, RawTensor r, double p0, double p1) : INumericFunc<RawTensor>
        where TF : IParametricFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, INumber<T> =>
            TF.Run(a, r, T.CreateTruncating(p0), T.CreateTruncating(p1));
    }

    private readonly struct FloatParametricFunc<TF>(RawTensor a, RawTensor r, double p0,
        double p1) : IFloatFunc<RawTensor>
        where TF : IFloatParametricFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            TF.Run(a, r, T.CreateTruncating(p0), T.CreateTruncating(p1));
    }

    private readonly struct PredicateFunc<TF>(RawTensor a, RawTensor r) : IFloatFunc<RawTensor>
        where TF : IPredicateFamily
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RawTensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TF.Run<T>(a, r);
    }
}
