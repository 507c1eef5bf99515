using System;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>
/// Element-wise math functions: exp, log, roots, abs/sign/square, trigonometry, erf, rounding, clamp.
/// </summary>
internal static partial class RawOps
{
    public static RawTensor Exp(RawTensor a) => FloatUnary<Op.Exp>(a, "exp");
    public static RawTensor Log(RawTensor a) => FloatUnary<Op.Log>(a, "log");
    public static RawTensor Sqrt(RawTensor a) => FloatUnary<Op.Sqrt>(a, "sqrt");
    public static RawTensor Rsqrt(RawTensor a) => FloatUnary<Op.Rsqrt>(a, "rsqrt");
    public static RawTensor Abs(RawTensor a) => Unary<Op.Abs>(a, "abs");
    public static RawTensor Sign(RawTensor a) => Unary<Op.Sign>(a, "sign");
    public static RawTensor Square(RawTensor a) => Unary<Op.Square>(a, "square");
    public static RawTensor Log1p(RawTensor a) => FloatUnary<Op.Log1p>(a, "log1p");
    public static RawTensor Expm1(RawTensor a) => FloatUnary<Op.Expm1>(a, "expm1");
    public static RawTensor Sin(RawTensor a) => FloatUnary<Op.Sin>(a, "sin");
    public static RawTensor Cos(RawTensor a) => FloatUnary<Op.Cos>(a, "cos");
    public static RawTensor Erf(RawTensor a) => FloatUnary<Op.Erf>(a, "erf");

    public static RawTensor Atan2(RawTensor a, RawTensor b) =>
        FloatBinary<Op.Atan2>(a, b, FloatResultType(a, b), "atan2");

    /// <summary>Rounding: integer tensors are returned as they are (already whole).</summary>
    public static RawTensor Round(RawTensor a) =>
        a.DType.IsFloatingPoint() ? FloatUnary<Op.Round>(a, "round") : Clone(a);
    public static RawTensor Floor(RawTensor a) =>
        a.DType.IsFloatingPoint() ? FloatUnary<Op.Floor>(a, "floor") : Clone(a);
    public static RawTensor Ceil(RawTensor a) => a.DType.IsFloatingPoint() ? FloatUnary<Op.Ceil>(a, "ceil") : Clone(a);

    /// <summary>Rounds toward zero; integer tensors are returned as they are.</summary>
    public static RawTensor Trunc(RawTensor a) =>
        a.DType.IsFloatingPoint() ? FloatUnary<Op.Trunc>(a, "trunc") : Clone(a);

    /// <summary>x − trunc(x); floating point only, as in PyTorch ("frac" is not implemented for integers).</summary>
    public static RawTensor Frac(RawTensor a) => a.DType.IsFloatingPoint()
        ? FloatUnary<Op.Frac>(a, "frac")
        : throw new NotSupportedException(
            $"frac: expected a floating-point tensor, got {a.DType.TorchName()} (integers have no fractional part).");

    public static RawTensor Clamp(RawTensor a, double min, double max) => Parametric<Op.Clamp>(a, min, max, "clamp");
}

internal static partial class Op
{
    /// <summary>eᵃ.</summary>
    internal readonly struct Exp : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, ExpOperator<T>>(a, r);
    }

    /// <summary>ln a.</summary>
    internal readonly struct Log : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, LogOperator<T>>(a, r);
    }

    /// <summary>√a.</summary>
    internal readonly struct Sqrt : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, SqrtOperator<T>>(a, r);
    }

    /// <summary>1/√a.</summary>
    internal readonly struct Rsqrt : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, RsqrtOperator<T>>(a, r);
    }

    /// <summary>abs(a).</summary>
    internal readonly struct Abs : IUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunUnary<T, AbsOperator<T>>(a, r);
    }

    /// <summary>sign(a).</summary>
    internal readonly struct Sign : IUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunUnary<T, SignOperator<T>>(a, r);
    }

    /// <summary>a².</summary>
    internal readonly struct Square : IUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunUnary<T, SquareOperator<T>>(a, r);
    }

    /// <summary>ln(1 + a).</summary>
    internal readonly struct Log1p : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, Log1pOperator<T>>(a, r);
    }

    /// <summary>eᵃ - 1.</summary>
    internal readonly struct Expm1 : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, Expm1Operator<T>>(a, r);
    }

    /// <summary>sin a.</summary>
    internal readonly struct Sin : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, SinOperator<T>>(a, r);
    }

    /// <summary>cos a.</summary>
    internal readonly struct Cos : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, CosOperator<T>>(a, r);
    }

    /// <summary>erf a.</summary>
    internal readonly struct Erf : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, ErfOperator<T>>(a, r);
    }

    /// <summary>atan2(a, b).</summary>
    internal readonly struct Atan2 : IFloatBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunBinary<T, Atan2Operator<T>>(a, b, r);
    }

    /// <summary>round half to even.</summary>
    internal readonly struct Round : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, RoundOperator<T>>(a, r);
    }

    /// <summary>⌊a⌋.</summary>
    internal readonly struct Floor : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, FloorOperator<T>>(a, r);
    }

    /// <summary>⌈a⌉.</summary>
    internal readonly struct Ceil : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, CeilOperator<T>>(a, r);
    }

    /// <summary>clamp(a, min, max).</summary>
    internal readonly struct Clamp : IParametricFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r, T p0, T p1)
            where T : unmanaged, INumber<T> => RawOps.RunParametric<T, ClampOperator<T>>(a, r, p0, p1);
    }

    /// <summary>trunc(a).</summary>
    internal readonly struct Trunc : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, TruncOperator<T>>(a, r);
    }

    /// <summary>a − trunc(a).</summary>
    internal readonly struct Frac : IFloatUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunUnary<T, FracOperator<T>>(a, r);
    }
}
