using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Element-wise arithmetic: add, sub, mul, div, neg, pow.</summary>
internal static partial class RawOps
{
    /// <summary><c>a + b</c>; for two bool operands the logical or, as in PyTorch.</summary>
    public static RawTensor Add(RawTensor a, RawTensor b)
    {
        DType dt = ResultType(a, b);
        return dt == DType.Bool ? BoolAdd(a, b) : Binary<Op.Add>(a, b, dt, "add");
    }

    /// <summary><c>a - b</c>; PyTorch refuses two bool operands with the message used here.</summary>
    public static RawTensor Sub(RawTensor a, RawTensor b)
    {
        DType dt = ResultType(a, b);
        if (dt == DType.Bool)
            throw new NotSupportedException("sub: Subtraction, the `-` operator, with two bool tensors is not " +
                "supported. Use the `^` or `LogicalXor()` operator instead.");
        return Binary<Op.Sub>(a, b, dt, "sub");
    }

    /// <summary><c>a * b</c>; for two bool operands the logical and, as in PyTorch.</summary>
    public static RawTensor Mul(RawTensor a, RawTensor b)
    {
        DType dt = ResultType(a, b);
        return dt == DType.Bool ? BoolMul(a, b) : Binary<Op.Mul>(a, b, dt, "mul");
    }

    /// <summary>True division: integer operands give a floating result, as <c>torch.div</c> does.</summary>
    public static RawTensor Div(RawTensor a, RawTensor b) => Binary<Op.Div>(a, b, FloatResultType(a, b), "div");

    /// <summary><c>a ** b</c>; integer operands are computed in float32.</summary>
    public static RawTensor Pow(RawTensor a, RawTensor b) => FloatBinary<Op.Pow>(a, b, FloatResultType(a, b), "pow");

    public static RawTensor Neg(RawTensor a) => a.DType == DType.Bool
        ? throw new NotSupportedException("neg: Negation, the `-` operator, on a bool tensor is not supported. " +
            "If you are trying to invert a mask, use the `~` or `LogicalNot()` operator instead.")
        : Unary<Op.Neg>(a, "neg");

    /// <summary>
    /// Quotient rounded toward −∞ (<c>torch.div(rounding_mode="floor")</c>, <c>floor_divide</c>): integer operands
    /// stay integral, as in PyTorch; an integer division by zero is an error (PyTorch's ZeroDivisionError).
    /// </summary>
    public static RawTensor FloorDivide(RawTensor a, RawTensor b, string op) =>
        Binary<Op.FloorDivide>(a, b, CheckDivisor(a, b, op), op);

    /// <summary>Quotient rounded toward zero (<c>torch.div(rounding_mode="trunc")</c>).</summary>
    public static RawTensor TruncDivide(RawTensor a, RawTensor b, string op) =>
        Binary<Op.TruncDivide>(a, b, CheckDivisor(a, b, op), op);

    /// <summary>Python's modulo: <c>a - floor(a / b) * b</c>, with the sign of b (<c>torch.remainder</c>).</summary>
    public static RawTensor Remainder(RawTensor a, RawTensor b) =>
        Binary<Op.Remainder>(a, b, CheckDivisor(a, b, "remainder"), "remainder");

    /// <summary>C's fmod: <c>a - trunc(a / b) * b</c>, with the sign of a (<c>torch.fmod</c>).</summary>
    public static RawTensor Fmod(RawTensor a, RawTensor b) =>
        Binary<Op.Fmod>(a, b, CheckDivisor(a, b, "fmod"), "fmod");

    /// <summary>
    /// The result type of a division-like op on a and b; integer divisors must not hold a zero (floating ones give
    /// the IEEE result).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DType CheckDivisor(RawTensor a, RawTensor b, string op)
    {
        DType dt = ResultType(a, b);
        if (!dt.IsInteger()) return dt;
        var divisor = Contiguous(Cast(b, DType.Int64));
        if (divisor.Span<long>().Contains(0L))
            throw new DivideByZeroException(
                $"{op}: integer division by zero (the divisor of {dt.TorchName()} operands holds a 0); " +
                "PyTorch raises ZeroDivisionError here. Convert to a floating dtype for IEEE ±inf/NaN results.");
        return dt;
    }

    /// <summary>
    /// <c>a + alpha * b</c> (PyTorch's add/sub with alpha): the product is rounded in the result type, then added;
    /// for bool operands a nonzero alpha is the logical or.
    /// </summary>
    public static RawTensor AddScaled(RawTensor a, RawTensor b, double alpha, string op)
    {
        DType dt = ResultType(a, b);
        if (dt == DType.Bool)
        {
            if (op == "sub") return Sub(a, b);
            return BoolAdd(a, alpha != 0 ? b : Full(b.Shape, 0, DType.Bool));
        }
        var scale = Scalar(alpha, DTypes.ResultTypeWithScalar(b.DType, dt.IsFloatingPoint()));
        return Add(a, Mul(b, scale));
    }

    /// <summary>Logical or of two bool tensors: PyTorch's <c>bool + bool</c> (the result stays bool).</summary>
    private static RawTensor BoolAdd(RawTensor a, RawTensor b) =>
        Cast(Binary<Op.Add>(Cast(a, DType.Int32), Cast(b, DType.Int32), DType.Int32, "add"), DType.Bool);

    /// <summary>Logical and of two bool tensors: PyTorch's <c>bool * bool</c> (the result stays bool).</summary>
    private static RawTensor BoolMul(RawTensor a, RawTensor b) =>
        Cast(Binary<Op.Mul>(Cast(a, DType.Int32), Cast(b, DType.Int32), DType.Int32, "mul"), DType.Bool);

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

    /// <summary>⌊a / b⌋: PyTorch's floating formula or integer floor division, by element type.</summary>
    internal readonly struct FloorDivide : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r) where T : unmanaged, INumber<T>
        {
            if (typeof(T) == typeof(float)) return RawOps.RunBinary<float, FloorDivideFloatOperator<float>>(a, b, r);
            if (typeof(T) == typeof(double))
                return RawOps.RunBinary<double, FloorDivideFloatOperator<double>>(a, b, r);
            if (typeof(T) == typeof(int)) return RawOps.RunBinary<int, FloorDivideIntegerOperator<int>>(a, b, r);
            return RawOps.RunBinary<long, FloorDivideIntegerOperator<long>>(a, b, r);
        }
    }

    /// <summary>trunc(a / b), by element type.</summary>
    internal readonly struct TruncDivide : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r) where T : unmanaged, INumber<T>
        {
            if (typeof(T) == typeof(float)) return RawOps.RunBinary<float, TruncDivideFloatOperator<float>>(a, b, r);
            if (typeof(T) == typeof(double))
                return RawOps.RunBinary<double, TruncDivideFloatOperator<double>>(a, b, r);
            if (typeof(T) == typeof(int)) return RawOps.RunBinary<int, TruncDivideIntegerOperator<int>>(a, b, r);
            return RawOps.RunBinary<long, TruncDivideIntegerOperator<long>>(a, b, r);
        }
    }

    /// <summary>Python's modulo, by element type.</summary>
    internal readonly struct Remainder : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r) where T : unmanaged, INumber<T>
        {
            if (typeof(T) == typeof(float)) return RawOps.RunBinary<float, RemainderFloatOperator<float>>(a, b, r);
            if (typeof(T) == typeof(double)) return RawOps.RunBinary<double, RemainderFloatOperator<double>>(a, b, r);
            if (typeof(T) == typeof(int)) return RawOps.RunBinary<int, RemainderIntegerOperator<int>>(a, b, r);
            return RawOps.RunBinary<long, RemainderIntegerOperator<long>>(a, b, r);
        }
    }

    /// <summary>C's fmod, by element type.</summary>
    internal readonly struct Fmod : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r) where T : unmanaged, INumber<T>
        {
            if (typeof(T) == typeof(float)) return RawOps.RunBinary<float, FmodFloatOperator<float>>(a, b, r);
            if (typeof(T) == typeof(double)) return RawOps.RunBinary<double, FmodFloatOperator<double>>(a, b, r);
            if (typeof(T) == typeof(int)) return RawOps.RunBinary<int, FmodIntegerOperator<int>>(a, b, r);
            return RawOps.RunBinary<long, FmodIntegerOperator<long>>(a, b, r);
        }
    }
}
