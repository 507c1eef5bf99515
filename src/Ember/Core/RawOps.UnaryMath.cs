using System;
using Ember.Kernels;

namespace Ember.Core;

internal static partial class RawOps
{
    /// <summary>The dtype switch for operators with two runtime parameters.</summary>
    public static RawTensor Parametric<TF, TD, TI, TL>(RawTensor a, double p0, double p1, string op, bool floatOnly)
        where TF : IParametricOperator<float> where TD : IParametricOperator<double>
        where TI : IParametricOperator<int> where TL : IParametricOperator<long>
    {
        if (floatOnly && !a.DType.IsFloatingPoint()) a = Cast(a, DTypes.DefaultFloat);
        if (a.DType.ComputeType() != a.DType) return Cast(Parametric<TF, TD, TI, TL>(Cast(a, a.DType.ComputeType()), p0, p1, op, floatOnly), a.DType);
        var r = RawTensor.Empty(a.DType, a.Shape);
        switch (a.DType)
        {
            case DType.Float32: ParametricDriver.Unary<float, TF>(a.Data<float>(), a.Offset, a.Strides, r.Span<float>(), a.Shape, (float)p0, (float)p1); break;
            case DType.Float64: ParametricDriver.Unary<double, TD>(a.Data<double>(), a.Offset, a.Strides, r.Span<double>(), a.Shape, p0, p1); break;
            case DType.Int32: ParametricDriver.Unary<int, TI>(a.Data<int>(), a.Offset, a.Strides, r.Span<int>(), a.Shape, (int)p0, (int)p1); break;
            case DType.Int64: ParametricDriver.Unary<long, TL>(a.Data<long>(), a.Offset, a.Strides, r.Span<long>(), a.Shape, (long)p0, (long)p1); break;
            default: throw new NotSupportedException($"{op}: not supported for {a.DType.TorchName()} tensors.");
        }
        return r;
    }

    /// <summary>The dtype switch for element-wise predicates producing booleans.</summary>
    public static RawTensor Predicate<TF, TD>(RawTensor a, bool integerResult)
        where TF : IMapOperator<float, bool> where TD : IMapOperator<double, bool>
    {
        if (a.DType is DType.Float16 or DType.BFloat16) a = Cast(a, DType.Float32);
        var r = RawTensor.Empty(DType.Bool, a.Shape);
        switch (a.DType)
        {
            case DType.Float32: ElementwiseDriver.Map<float, bool, TF>(a.Data<float>(), a.Offset, a.Strides, r.Span<bool>(), a.Shape); break;
            case DType.Float64: ElementwiseDriver.Map<double, bool, TD>(a.Data<double>(), a.Offset, a.Strides, r.Span<bool>(), a.Shape); break;
            default: r.Span<bool>().Fill(integerResult); break;
        }
        return r;
    }

    public static RawTensor Abs(RawTensor a) => Unary<AbsOperator<float>, AbsOperator<double>, AbsOperator<int>, AbsOperator<long>>(a, "abs");
    public static RawTensor Sign(RawTensor a) => Unary<SignOperator<float>, SignOperator<double>, SignOperator<int>, SignOperator<long>>(a, "sign");
    public static RawTensor Square(RawTensor a) => Unary<SquareOperator<float>, SquareOperator<double>, SquareOperator<int>, SquareOperator<long>>(a, "square");
    public static RawTensor Log1p(RawTensor a) => UnaryFloat<Log1pOperator<float>, Log1pOperator<double>>(a, "log1p");
    public static RawTensor Expm1(RawTensor a) => UnaryFloat<Expm1Operator<float>, Expm1Operator<double>>(a, "expm1");
    public static RawTensor Sin(RawTensor a) => UnaryFloat<SinOperator<float>, SinOperator<double>>(a, "sin");
    public static RawTensor Cos(RawTensor a) => UnaryFloat<CosOperator<float>, CosOperator<double>>(a, "cos");
    public static RawTensor Rsqrt(RawTensor a) => UnaryFloat<RsqrtOperator<float>, RsqrtOperator<double>>(a, "rsqrt");
    public static RawTensor Erf(RawTensor a) => UnaryFloat<ErfOperator<float>, ErfOperator<double>>(a, "erf");
    public static RawTensor Gelu(RawTensor a, bool tanh) => tanh
        ? UnaryFloat<GeluTanhOperator<float>, GeluTanhOperator<double>>(a, "gelu")
        : UnaryFloat<GeluOperator<float>, GeluOperator<double>>(a, "gelu");
    public static RawTensor Silu(RawTensor a) => UnaryFloat<SiluOperator<float>, SiluOperator<double>>(a, "silu");

    /// <summary>Rounding: integer tensors are returned as they are (already whole).</summary>
    public static RawTensor Round(RawTensor a) => a.DType.IsFloatingPoint() ? UnaryFloat<RoundOperator<float>, RoundOperator<double>>(a, "round") : Clone(a);
    public static RawTensor Floor(RawTensor a) => a.DType.IsFloatingPoint() ? UnaryFloat<FloorOperator<float>, FloorOperator<double>>(a, "floor") : Clone(a);
    public static RawTensor Ceil(RawTensor a) => a.DType.IsFloatingPoint() ? UnaryFloat<CeilOperator<float>, CeilOperator<double>>(a, "ceil") : Clone(a);

    public static RawTensor Clamp(RawTensor a, double min, double max) =>
        Parametric<ClampOperator<float>, ClampOperator<double>, ClampOperator<int>, ClampOperator<long>>(a, min, max, "clamp", floatOnly: false);
    public static RawTensor LeakyRelu(RawTensor a, double slope) =>
        Parametric<LeakyReluOperator<float>, LeakyReluOperator<double>, LeakyReluOperator<int>, LeakyReluOperator<long>>(a, slope, 0, "leaky_relu", floatOnly: true);
    public static RawTensor Elu(RawTensor a, double alpha) =>
        Parametric<EluOperator<float>, EluOperator<double>, ClampOperator<int>, ClampOperator<long>>(a, alpha, 0, "elu", floatOnly: true);
    public static RawTensor Softplus(RawTensor a, double beta, double threshold) =>
        Parametric<SoftplusOperator<float>, SoftplusOperator<double>, ClampOperator<int>, ClampOperator<long>>(a, beta, threshold, "softplus", floatOnly: true);

    public static RawTensor Minimum(RawTensor a, RawTensor b) => Binary<MinimumOperator<float>, MinimumOperator<double>, MinimumOperator<int>, MinimumOperator<long>>(a, b, ResultType(a, b), "minimum");

    public static RawTensor Atan2(RawTensor a, RawTensor b)
    {
        DType dt = ResultType(a, b);
        if (!dt.IsFloatingPoint()) dt = DTypes.DefaultFloat;
        return Binary<Atan2Operator<float>, Atan2Operator<double>, DivideOperator<int>, DivideOperator<long>>(a, b, dt, "atan2");
    }

    public static RawTensor IsNaN(RawTensor a) => Predicate<IsNaNOperator<float>, IsNaNOperator<double>>(a, false);
    public static RawTensor IsInf(RawTensor a) => Predicate<IsInfOperator<float>, IsInfOperator<double>>(a, false);

    public static RawTensor Le(RawTensor a, RawTensor b) => Compare<LessOrEqualOperator<float>, LessOrEqualOperator<double>, LessOrEqualOperator<int>, LessOrEqualOperator<long>>(a, b, "le");
    public static RawTensor Ge(RawTensor a, RawTensor b) => Compare<GreaterOrEqualOperator<float>, GreaterOrEqualOperator<double>, GreaterOrEqualOperator<int>, GreaterOrEqualOperator<long>>(a, b, "ge");
    public static RawTensor Ne(RawTensor a, RawTensor b) => Compare<NotEqualOperator<float>, NotEqualOperator<double>, NotEqualOperator<int>, NotEqualOperator<long>>(a, b, "ne");
}
