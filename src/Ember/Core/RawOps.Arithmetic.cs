using System.Numerics;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Element-wise arithmetic: add, sub, mul, div, neg, pow.</summary>
internal static partial class RawOps
{
    public static RawTensor Add(RawTensor a, RawTensor b) => Binary<Op.Add>(a, b, ResultType(a, b), "add");
    public static RawTensor Sub(RawTensor a, RawTensor b) => Binary<Op.Sub>(a, b, ResultType(a, b), "sub");
    public static RawTensor Mul(RawTensor a, RawTensor b) => Binary<Op.Mul>(a, b, ResultType(a, b), "mul");

    /// <summary>True division: integer operands give a floating result, as <c>torch.div</c> does.</summary>
    public static RawTensor Div(RawTensor a, RawTensor b) => Binary<Op.Div>(a, b, FloatResultType(a, b), "div");

    /// <summary><c>a ** b</c>; integer operands are computed in float32.</summary>
    public static RawTensor Pow(RawTensor a, RawTensor b) => FloatBinary<Op.Pow>(a, b, FloatResultType(a, b), "pow");

    public static RawTensor Neg(RawTensor a) => Unary<Op.Neg>(a, "neg");

    /// <summary>The promoted type of a and b, or the default float type when that is not floating point.</summary>
    private static DType FloatResultType(RawTensor a, RawTensor b)
    {
        DType dt = ResultType(a, b);
        return dt.IsFloatingPoint() ? dt : DTypes.DefaultFloat;
    }
}

internal static partial class Op
{
    /// <summary><c>a + b</c>.</summary>
    internal readonly struct Add : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunBinary<T, AddOperator<T>>(a, b, r);
    }

    /// <summary><c>a - b</c>.</summary>
    internal readonly struct Sub : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunBinary<T, SubtractOperator<T>>(a, b, r);
    }

    /// <summary><c>a * b</c>.</summary>
    internal readonly struct Mul : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunBinary<T, MultiplyOperator<T>>(a, b, r);
    }

    /// <summary><c>a / b</c>.</summary>
    internal readonly struct Div : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunBinary<T, DivideOperator<T>>(a, b, r);
    }

    /// <summary><c>a ** b</c>.</summary>
    internal readonly struct Pow : IFloatBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunBinary<T, PowOperator<T>>(a, b, r);
    }

    /// <summary><c>-a</c>.</summary>
    internal readonly struct Neg : IUnaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunUnary<T, NegateOperator<T>>(a, r);
    }
}
