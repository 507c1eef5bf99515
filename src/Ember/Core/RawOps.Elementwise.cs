using System;
using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    // ---- the dtype dispatch points: one per operator arity ----

    /// <summary>
    /// Runs a binary operator in dtype <paramref name="dt"/> after casting both operands to it and broadcasting
    /// them. The single dtype switch for every binary arithmetic op.
    /// </summary>
    public static RawTensor Binary<TF, TD, TI, TL>(RawTensor a, RawTensor b, DType dt, string op)
        where TF : IBinaryOperator<float> where TD : IBinaryOperator<double>
        where TI : IBinaryOperator<int> where TL : IBinaryOperator<long>
    {
        if (dt == DType.Bool)
            throw new NotSupportedException($"{op}: arithmetic on bool tensors is not supported; convert first with .To(DType.Int64) or .To(DType.Float32).");
        if (dt.ComputeType() != dt) return Cast(Binary<TF, TD, TI, TL>(a, b, dt.ComputeType(), op), dt);
        a = a.DType == dt ? a : Cast(a, dt);
        b = b.DType == dt ? b : Cast(b, dt);
        int[] shape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var r = RawTensor.Empty(dt, shape);
        if (r.NumEl >= ParallelElementwise.Threshold)
        {
            int[] pa = new int[shape.Length], pb = new int[shape.Length];
            BroadcastStrides(a, shape, pa);
            BroadcastStrides(b, shape, pb);
            switch (dt)
            {
                case DType.Float32: ParallelElementwise.Binary<float, TF>(a.Data<float>(), a.Offset, pa, b.Data<float>(), b.Offset, pb, r.Data<float>(), 0, shape); break;
                case DType.Float64: ParallelElementwise.Binary<double, TD>(a.Data<double>(), a.Offset, pa, b.Data<double>(), b.Offset, pb, r.Data<double>(), 0, shape); break;
                case DType.Int32: ParallelElementwise.Binary<int, TI>(a.Data<int>(), a.Offset, pa, b.Data<int>(), b.Offset, pb, r.Data<int>(), 0, shape); break;
                case DType.Int64: ParallelElementwise.Binary<long, TL>(a.Data<long>(), a.Offset, pa, b.Data<long>(), b.Offset, pb, r.Data<long>(), 0, shape); break;
            }
            return r;
        }
        if (a.IsContiguous && b.IsContiguous && a.NumEl == r.NumEl && b.NumEl == r.NumEl)
        {
            switch (dt)
            {
                case DType.Float32: TF.Invoke(a.Span<float>(), b.Span<float>(), r.Span<float>()); break;
                case DType.Float64: TD.Invoke(a.Span<double>(), b.Span<double>(), r.Span<double>()); break;
                case DType.Int32: TI.Invoke(a.Span<int>(), b.Span<int>(), r.Span<int>()); break;
                case DType.Int64: TL.Invoke(a.Span<long>(), b.Span<long>(), r.Span<long>()); break;
            }
            return r;
        }
        Span<int> sa = stackalloc int[shape.Length], sb = stackalloc int[shape.Length];
        BroadcastStrides(a, shape, sa);
        BroadcastStrides(b, shape, sb);
        switch (dt)
        {
            case DType.Float32: ElementwiseDriver.Binary<float, TF>(a.Data<float>(), a.Offset, sa, b.Data<float>(), b.Offset, sb, r.Span<float>(), shape); break;
            case DType.Float64: ElementwiseDriver.Binary<double, TD>(a.Data<double>(), a.Offset, sa, b.Data<double>(), b.Offset, sb, r.Span<double>(), shape); break;
            case DType.Int32: ElementwiseDriver.Binary<int, TI>(a.Data<int>(), a.Offset, sa, b.Data<int>(), b.Offset, sb, r.Span<int>(), shape); break;
            case DType.Int64: ElementwiseDriver.Binary<long, TL>(a.Data<long>(), a.Offset, sa, b.Data<long>(), b.Offset, sb, r.Span<long>(), shape); break;
        }
        return r;
    }

    /// <summary>The dtype switch for unary operators defined on every numeric type.</summary>
    public static RawTensor Unary<TF, TD, TI, TL>(RawTensor a, string op)
        where TF : IUnaryOperator<float> where TD : IUnaryOperator<double>
        where TI : IUnaryOperator<int> where TL : IUnaryOperator<long>
    {
        if (a.DType.ComputeType() != a.DType && a.DType != DType.Bool) return Cast(Unary<TF, TD, TI, TL>(Cast(a, a.DType.ComputeType()), op), a.DType);
        var r = RawTensor.Empty(a.DType, a.Shape);
        if (a.IsContiguous && a.NumEl < ParallelElementwise.Threshold)
        {
            switch (a.DType)
            {
                case DType.Float32: TF.Invoke(a.Span<float>(), r.Span<float>()); return r;
                case DType.Float64: TD.Invoke(a.Span<double>(), r.Span<double>()); return r;
                case DType.Int32: TI.Invoke(a.Span<int>(), r.Span<int>()); return r;
                case DType.Int64: TL.Invoke(a.Span<long>(), r.Span<long>()); return r;
            }
        }
        switch (a.DType)
        {
            case DType.Float32: ParallelElementwise.Unary<float, TF>(a.Data<float>(), a.Offset, a.Strides, r.Data<float>(), 0, a.Shape); break;
            case DType.Float64: ParallelElementwise.Unary<double, TD>(a.Data<double>(), a.Offset, a.Strides, r.Data<double>(), 0, a.Shape); break;
            case DType.Int32: ParallelElementwise.Unary<int, TI>(a.Data<int>(), a.Offset, a.Strides, r.Data<int>(), 0, a.Shape); break;
            case DType.Int64: ParallelElementwise.Unary<long, TL>(a.Data<long>(), a.Offset, a.Strides, r.Data<long>(), 0, a.Shape); break;
            default: throw new NotSupportedException($"{op}: not supported for {a.DType.TorchName()} tensors.");
        }
        return r;
    }

    /// <summary>The dtype switch for floating-point unary operators; integer and bool inputs are promoted to float32 first, as in PyTorch.</summary>
    public static RawTensor UnaryFloat<TF, TD>(RawTensor a, string op)
        where TF : IUnaryOperator<float> where TD : IUnaryOperator<double>
    {
        if (!a.DType.IsFloatingPoint()) a = Cast(a, DTypes.DefaultFloat);
        if (a.DType.ComputeType() != a.DType) return Cast(UnaryFloat<TF, TD>(Cast(a, a.DType.ComputeType()), op), a.DType);
        var r = RawTensor.Empty(a.DType, a.Shape);
        if (a.IsContiguous && a.NumEl < ParallelElementwise.Threshold)
        {
            if (a.DType == DType.Float32) TF.Invoke(a.Span<float>(), r.Span<float>());
            else TD.Invoke(a.Span<double>(), r.Span<double>());
            return r;
        }
        if (a.DType == DType.Float32) ParallelElementwise.Unary<float, TF>(a.Data<float>(), a.Offset, a.Strides, r.Data<float>(), 0, a.Shape);
        else ParallelElementwise.Unary<double, TD>(a.Data<double>(), a.Offset, a.Strides, r.Data<double>(), 0, a.Shape);
        return r;
    }

    /// <summary>The dtype switch for comparisons; operands are promoted to a common type, bool compares as int32.</summary>
    public static RawTensor Compare<TF, TD, TI, TL>(RawTensor a, RawTensor b, string op)
        where TF : ICompareOperator<float> where TD : ICompareOperator<double>
        where TI : ICompareOperator<int> where TL : ICompareOperator<long>
    {
        DType dt = DTypes.ResultType(a.DType, a.Rank == 0, b.DType, b.Rank == 0).ComputeType();
        if (dt == DType.Bool) dt = DType.Int32;
        a = a.DType == dt ? a : Cast(a, dt);
        b = b.DType == dt ? b : Cast(b, dt);
        int[] shape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var r = RawTensor.Empty(DType.Bool, shape);
        Span<int> sa = stackalloc int[shape.Length], sb = stackalloc int[shape.Length];
        BroadcastStrides(a, shape, sa);
        BroadcastStrides(b, shape, sb);
        Span<bool> d = r.Span<bool>();
        switch (dt)
        {
            case DType.Float32: ElementwiseDriver.Compare<float, TF>(a.Data<float>(), a.Offset, sa, b.Data<float>(), b.Offset, sb, d, shape); break;
            case DType.Float64: ElementwiseDriver.Compare<double, TD>(a.Data<double>(), a.Offset, sa, b.Data<double>(), b.Offset, sb, d, shape); break;
            case DType.Int32: ElementwiseDriver.Compare<int, TI>(a.Data<int>(), a.Offset, sa, b.Data<int>(), b.Offset, sb, d, shape); break;
            case DType.Int64: ElementwiseDriver.Compare<long, TL>(a.Data<long>(), a.Offset, sa, b.Data<long>(), b.Offset, sb, d, shape); break;
        }
        return r;
    }

    /// <summary>Converts to another dtype (a copy; the same tensor when the dtype already matches).</summary>
    public static RawTensor Cast(RawTensor a, DType dt)
    {
        if (a.DType == dt) return a;
        // bfloat16 has no generic-math type: it converts through float32, which holds every bfloat16 exactly.
        if (a.DType == DType.BFloat16) return Cast(BFloat16ToSingle(a), dt);
        if (dt == DType.BFloat16) return SingleToBFloat16(Cast(a, DType.Float32));
        var r = RawTensor.Empty(dt, a.Shape);
        switch (a.DType)
        {
            case DType.Float32: CastFrom(a.Data<float>(), a, r); break;
            case DType.Float64: CastFrom(a.Data<double>(), a, r); break;
            case DType.Int32: CastFrom(a.Data<int>(), a, r); break;
            case DType.Int64: CastFrom(a.Data<long>(), a, r); break;
            case DType.UInt8: CastFrom(a.Data<byte>(), a, r); break;
            case DType.Int8: CastFrom(a.Data<sbyte>(), a, r); break;
            case DType.Int16: CastFrom(a.Data<short>(), a, r); break;
            case DType.Float16: CastFrom(a.Data<Half>(), a, r); break;
            case DType.Bool:
                switch (dt)
                {
                    case DType.Float32: FromBool<float>(a, r); break;
                    case DType.Float64: FromBool<double>(a, r); break;
                    case DType.Int32: FromBool<int>(a, r); break;
                    case DType.Int64: FromBool<long>(a, r); break;
                    case DType.UInt8: FromBool<byte>(a, r); break;
                    case DType.Int8: FromBool<sbyte>(a, r); break;
                    case DType.Int16: FromBool<short>(a, r); break;
                    case DType.Float16: FromBool<Half>(a, r); break;
                }
                break;
        }
        return r;
    }

    private static void FromBool<TOut>(RawTensor a, RawTensor r) where TOut : unmanaged, System.Numerics.INumberBase<TOut> =>
        ElementwiseDriver.Map<bool, TOut, FromBoolOperator<TOut>>(a.Data<bool>(), a.Offset, a.Strides, r.Span<TOut>(), a.Shape);

    private static void CastFrom<TIn>(TIn[] src, RawTensor a, RawTensor r) where TIn : unmanaged, System.Numerics.INumberBase<TIn>
    {
        switch (r.DType)
        {
            case DType.Float32: ElementwiseDriver.Map<TIn, float, ConvertOperator<TIn, float>>(src, a.Offset, a.Strides, r.Span<float>(), a.Shape); break;
            case DType.Float64: ElementwiseDriver.Map<TIn, double, ConvertOperator<TIn, double>>(src, a.Offset, a.Strides, r.Span<double>(), a.Shape); break;
            case DType.Int32: ElementwiseDriver.Map<TIn, int, ConvertOperator<TIn, int>>(src, a.Offset, a.Strides, r.Span<int>(), a.Shape); break;
            case DType.Int64: ElementwiseDriver.Map<TIn, long, ConvertOperator<TIn, long>>(src, a.Offset, a.Strides, r.Span<long>(), a.Shape); break;
            case DType.UInt8: ElementwiseDriver.Map<TIn, byte, ConvertOperator<TIn, byte>>(src, a.Offset, a.Strides, r.Span<byte>(), a.Shape); break;
            case DType.Int8: ElementwiseDriver.Map<TIn, sbyte, ConvertOperator<TIn, sbyte>>(src, a.Offset, a.Strides, r.Span<sbyte>(), a.Shape); break;
            case DType.Int16: ElementwiseDriver.Map<TIn, short, ConvertOperator<TIn, short>>(src, a.Offset, a.Strides, r.Span<short>(), a.Shape); break;
            case DType.Float16: ElementwiseDriver.Map<TIn, Half, ConvertOperator<TIn, Half>>(src, a.Offset, a.Strides, r.Span<Half>(), a.Shape); break;
            case DType.Bool: ElementwiseDriver.Map<TIn, bool, ToBoolOperator<TIn>>(src, a.Offset, a.Strides, r.Span<bool>(), a.Shape); break;
        }
    }

    private static RawTensor BFloat16ToSingle(RawTensor a)
    {
        var c = Contiguous(a);
        var r = RawTensor.Empty(DType.Float32, a.Shape);
        ReadOnlySpan<BFloat16> s = c.Span<BFloat16>();
        Span<float> d = r.Span<float>();
        for (int i = 0; i < d.Length; i++) d[i] = (float)s[i];
        return r;
    }

    private static RawTensor SingleToBFloat16(RawTensor a)
    {
        var c = Contiguous(a);
        var r = RawTensor.Empty(DType.BFloat16, a.Shape);
        ReadOnlySpan<float> s = c.Span<float>();
        Span<BFloat16> d = r.Span<BFloat16>();
        for (int i = 0; i < d.Length; i++) d[i] = (BFloat16)s[i];
        return r;
    }

    private static void BroadcastStrides(RawTensor a, ReadOnlySpan<int> target, Span<int> dst)
    {
        int lead = target.Length - a.Rank;
        dst[..lead].Clear();
        for (int i = 0; i < a.Rank; i++)
            dst[lead + i] = a.Shape[i] == 1 && target[lead + i] != 1 ? 0 : a.Strides[i];
    }

    // ---- named ops ----

    public static RawTensor Add(RawTensor a, RawTensor b) => Binary<AddOperator<float>, AddOperator<double>, AddOperator<int>, AddOperator<long>>(a, b, ResultType(a, b), "add");
    public static RawTensor Sub(RawTensor a, RawTensor b) => Binary<SubtractOperator<float>, SubtractOperator<double>, SubtractOperator<int>, SubtractOperator<long>>(a, b, ResultType(a, b), "sub");
    public static RawTensor Mul(RawTensor a, RawTensor b) => Binary<MultiplyOperator<float>, MultiplyOperator<double>, MultiplyOperator<int>, MultiplyOperator<long>>(a, b, ResultType(a, b), "mul");

    /// <summary>True division: integer operands give a floating result, as <c>torch.div</c> does.</summary>
    public static RawTensor Div(RawTensor a, RawTensor b)
    {
        DType dt = ResultType(a, b);
        if (!dt.IsFloatingPoint()) dt = DTypes.DefaultFloat;
        return Binary<DivideOperator<float>, DivideOperator<double>, DivideOperator<int>, DivideOperator<long>>(a, b, dt, "div");
    }

    public static RawTensor Maximum(RawTensor a, RawTensor b) => Binary<MaximumOperator<float>, MaximumOperator<double>, MaximumOperator<int>, MaximumOperator<long>>(a, b, ResultType(a, b), "maximum");

    /// <summary><c>a ** b</c>; integer operands are computed in float32.</summary>
    public static RawTensor Pow(RawTensor a, RawTensor b)
    {
        DType dt = ResultType(a, b);
        if (!dt.IsFloatingPoint()) dt = DTypes.DefaultFloat;
        return Binary<PowOperator<float>, PowOperator<double>, DivideOperator<int>, DivideOperator<long>>(a, b, dt, "pow");
    }

    public static RawTensor Neg(RawTensor a) => Unary<NegateOperator<float>, NegateOperator<double>, NegateOperator<int>, NegateOperator<long>>(a, "neg");
    public static RawTensor Relu(RawTensor a) => Unary<ReluOperator<float>, ReluOperator<double>, ReluOperator<int>, ReluOperator<long>>(a, "relu");
    public static RawTensor Exp(RawTensor a) => UnaryFloat<ExpOperator<float>, ExpOperator<double>>(a, "exp");
    public static RawTensor Log(RawTensor a) => UnaryFloat<LogOperator<float>, LogOperator<double>>(a, "log");
    public static RawTensor Sqrt(RawTensor a) => UnaryFloat<SqrtOperator<float>, SqrtOperator<double>>(a, "sqrt");
    public static RawTensor Sigmoid(RawTensor a) => UnaryFloat<SigmoidOperator<float>, SigmoidOperator<double>>(a, "sigmoid");
    public static RawTensor Tanh(RawTensor a) => UnaryFloat<TanhOperator<float>, TanhOperator<double>>(a, "tanh");

    public static RawTensor Eq(RawTensor a, RawTensor b) => Compare<EqualOperator<float>, EqualOperator<double>, EqualOperator<int>, EqualOperator<long>>(a, b, "eq");
    public static RawTensor Lt(RawTensor a, RawTensor b) => Compare<LessThanOperator<float>, LessThanOperator<double>, LessThanOperator<int>, LessThanOperator<long>>(a, b, "lt");
    public static RawTensor Gt(RawTensor a, RawTensor b) => Compare<GreaterThanOperator<float>, GreaterThanOperator<double>, GreaterThanOperator<int>, GreaterThanOperator<long>>(a, b, "gt");

    public static DType ResultType(RawTensor a, RawTensor b) => DTypes.ResultType(a.DType, a.Rank == 0, b.DType, b.Rank == 0);
}
