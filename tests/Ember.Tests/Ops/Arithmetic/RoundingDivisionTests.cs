using System;

namespace Ember.Tests.Ops.Arithmetic;

/// <summary>
/// The rounding divisions, remainders, trunc/frac, alpha, scalar-base pow, bool arithmetic, dot/mv and the scalar
/// factory of issue 13, at the edges the float64 goldens (tools/golden/ops_arith.py) do not reach: float32, zero and
/// infinite divisors, signed zeros, integer wrap-around and the errors. Expected values are PyTorch 1.13's.
/// </summary>
public class RoundingDivisionTests
{
    private static readonly float[] s_a = [5f, -5f, 5f, -5f, 0f];
    private static readonly float[] s_b = [0f, 0f, -3f, 3f, 0f];

    [Fact]
    public void Float32ZeroDivisorsGiveTheIeeeResultsPyTorchGives()
    {
        Tensor a = Tensor.From(s_a), b = Tensor.From(s_b);
        float inf = float.PositiveInfinity, nan = float.NaN;
        Assert.Equal([nan, nan, -1f, 1f, nan], a.Remainder(b).ToArray<float>());
        Assert.Equal([nan, nan, 2f, -2f, nan], a.Fmod(b).ToArray<float>());
        Assert.Equal([inf, -inf, -2f, -2f, nan], a.FloorDivide(b).ToArray<float>());
        Assert.Equal([inf, -inf, -2f, -2f, nan], a.Div(b, "floor").ToArray<float>());
        Assert.Equal([inf, -inf, -1f, -1f, nan], a.Div(b, "trunc").ToArray<float>());
    }

    [Fact]
    public void Float32QuotientsAndRemaindersMatchPyTorchBitForBit()
    {
        var a = Tensor.From([1e30f, -7.5f, 0.3f, -0.3f, 1e-40f, 5f, -0f]);
        var b = Tensor.From([3f, 0.1f, 0.1f, 0.1f, -1f, float.PositiveInfinity, 3f]);
        // From PyTorch 1.13 (tools/golden/ops_arith.py's reasoning, values printed with torch.div/remainder/fmod).
        float[] floor = [3.333333383491554e+29f, -75f, 3f, -4f, -1f, 0f, -0f];
        float[] trunc = [3.333333383491554e+29f, -75f, 3f, -3f, -0f, 0f, -0f];
        float[] rem = [0f, 1.1175870895385742e-07f, 7.450580596923828e-09f, 0.09999999403953552f, -1f, 5f, -0f];
        float[] fmod = [0f, -0.09999988973140717f, 7.450580596923828e-09f, -7.450580596923828e-09f,
            9.99994610111476e-41f, 5f, -0f];
        AssertBits(floor, a.Div(b, "floor").ToArray<float>());
        AssertBits(trunc, a.Div(b, "trunc").ToArray<float>());
        AssertBits(rem, a.Remainder(b).ToArray<float>());
        AssertBits(fmod, a.Fmod(b).ToArray<float>());
        Assert.Equal(1f, Tensor.From([-1e-30f]).Remainder(1.0).ToArray<float>()[0]); // rounds to the divisor
    }

    [Fact]
    public void IntegerOperandsStayIntegralAndRoundAsPyTorch()
    {
        var a = Tensor.From(new long[] { 7, -7, 7, -7 });
        var b = Tensor.From(new long[] { 2, 2, -2, -2 });
        Assert.Equal([3L, -4, -4, 3], a.FloorDivide(b).ToArray<long>());
        Assert.Equal([3L, -4, -4, 3], a.Div(b, "floor").ToArray<long>());
        Assert.Equal([3L, -3, -3, 3], a.Div(b, "trunc").ToArray<long>());
        Assert.Equal([1L, 1, -1, -1], (a % b).ToArray<long>());
        Assert.Equal([1L, -1, 1, -1], a.Fmod(b).ToArray<long>());
        Assert.Equal(DType.Int64, a.Remainder(2).DType);
        Assert.Equal([3L, -4], Tensor.From(new long[] { 7, -7 }).Div(2, "floor").ToArray<long>());
        // A floating number promotes, as a Python float does.
        Assert.Equal([3f, -4f], Tensor.From(new long[] { 7, -7 }).Div(2.0, "floor").ToArray<float>());
        Assert.Equal([2f, 0.5f], Tensor.From(new long[] { 7, -7 }).Remainder(2.5).ToArray<float>());
    }

    [Fact]
    public void SmallIntegersWrapAsPyTorchAndMinValueByMinusOneDoesNotThrow()
    {
        var a = Tensor.From(new sbyte[] { -128, 100 });
        var b = Tensor.From(new sbyte[] { -1, -7 });
        Assert.Equal(new sbyte[] { -128, -15 }, a.Div(b, "floor").ToArray<sbyte>());
        Assert.Equal(new sbyte[] { 0, -5 }, a.Remainder(b).ToArray<sbyte>());
        // PyTorch's CPU kernel traps (SIGFPE) on int64 MinValue / -1; Ember wraps as two's complement arithmetic does.
        var min = Tensor.From(new[] { long.MinValue, 7 });
        var minusOne = Tensor.From(new long[] { -1, -1 });
        Assert.Equal([long.MinValue, -7], min.Div(minusOne, "floor").ToArray<long>());
        Assert.Equal([long.MinValue, -7], min.Div(minusOne, "trunc").ToArray<long>());
        Assert.Equal([0L, 0], min.Remainder(minusOne).ToArray<long>());
        Assert.Equal([0L, 0], min.Fmod(minusOne).ToArray<long>());
    }

    [Fact]
    public void IntegerDivisionByZeroNamesTheOp()
    {
        var a = Tensor.From(new long[] { 1, 2 });
        var zero = Tensor.From(new long[] { 1, 0 });
        Assert.Contains("remainder: integer division by zero",
            Assert.Throws<DivideByZeroException>(() => a.Remainder(zero)).Message);
        Assert.Contains("fmod", Assert.Throws<DivideByZeroException>(() => a.Fmod(0)).Message);
        Assert.Contains("floor_divide", Assert.Throws<DivideByZeroException>(() => a.FloorDivide(zero)).Message);
        Assert.Contains("rounding_mode=\"trunc\"",
            Assert.Throws<DivideByZeroException>(() => a.Div(zero, "trunc")).Message);
        Assert.Contains("\"round\"", Assert.Throws<ArgumentException>(() => a.Div(zero, "round")).Message);
    }

    [Fact]
    public void TruncAndFracFollowPyTorchIncludingSpecialValues()
    {
        var x = Tensor.From([2.7f, -2.7f, float.PositiveInfinity, float.NaN, -0f]);
        AssertBits([2f, -2f, float.PositiveInfinity, float.NaN, -0f], x.Trunc().ToArray<float>());
        float[] frac = x.Frac().ToArray<float>();
        Assert.Equal(2.7f - 2f, frac[0]);
        Assert.Equal(-2.7f + 2f, frac[1]);
        Assert.True(float.IsNaN(frac[2]) && float.IsNaN(frac[3]));
        AssertBits([0f], [frac[4]]); // -0 - (-0) is +0, as in PyTorch
        Assert.Equal([3L, -4], Tensor.From(new long[] { 3, -4 }).Trunc().ToArray<long>());
        Assert.Contains("frac: expected a floating-point tensor, got torch.int64",
            Assert.Throws<NotSupportedException>(() => Tensor.From(new long[] { 3 }).Frac()).Message);
    }

    [Fact]
    public void AlphaScalesTheOtherOperandAndItsGradient()
    {
        var a = Tensor.From(new[] { 1.5, -2.5 }, requiresGrad: true);
        var b = Tensor.From(new[] { 2.0, 0.5 }, requiresGrad: true);
        var y = a.Add(b, 2.0);
        Assert.Equal([5.5, -1.5], y.ToArray<double>());
        Assert.Equal("AddBackward0", y.GradFn!.Name);
        y.Sum().Backward();
        Assert.Equal([1.0, 1.0], a.Grad!.ToArray<double>());
        Assert.Equal([2.0, 2.0], b.Grad!.ToArray<double>());
        var z = a.Sub(b, 3.0);
        Assert.Equal([-4.5, -4.0], z.ToArray<double>());
        Assert.Equal("SubBackward0", z.GradFn!.Name);
        Assert.Equal([1L, -13, 13, -1],
            Tensor.From(new long[] { 7, -7, 7, -7 }).Sub(Tensor.From(new long[] { 2, 2, -2, -2 }), 3).ToArray<long>());
        Assert.Contains("For integral input tensors, argument alpha must not be a floating point number",
            Assert.Throws<ArgumentException>(() => Tensor.From(new long[] { 1 }).Add(Tensor.From(new long[] { 1 }),
                1.5)).Message);
        Assert.Equal([3L, 2], Tensor.From(new long[] { 1, 2 }).Add(Tensor.From([true, false]), 2).ToArray<long>());
    }

    [Fact]
    public void BoolArithmeticIsLogicalAsInPyTorch()
    {
        var b = Tensor.From([true, false, true, false]);
        var c = Tensor.From([true, true, false, false]);
        Assert.Equal(DType.Bool, (b + c).DType);
        Assert.Equal([true, true, true, false], (b + c).ToArray<bool>());
        Assert.Equal([true, false, false, false], (b * c).ToArray<bool>());
        Assert.Equal([true, true, true, false], b.Add(c, 2).ToArray<bool>());
        Assert.Equal(DType.Float32, (b / c).DType);
        Assert.Equal(DType.Int64, (b + 1L).DType);
        Assert.Contains("Subtraction, the `-` operator, with two bool tensors is not supported",
            Assert.Throws<NotSupportedException>(() => b - c).Message);
        Assert.Contains("Negation, the `-` operator, on a bool tensor is not supported",
            Assert.Throws<NotSupportedException>(() => -b).Message);
    }

    [Fact]
    public void ScalarBasePowRecordsPowBackward2AndMasksZeroBases()
    {
        var e = Tensor.From(new[] { 2.0, 0.0, -1.0 }, requiresGrad: true);
        var y = Tensor.Pow(0.0, e);
        Assert.Equal("PowBackward2", y.GradFn!.Name);
        Assert.Equal([0.0, 1.0, double.PositiveInfinity], y.ToArray<double>());
        y.Sum().Backward();
        // PyTorch 1.13: tensor([0., 0., -inf]) (0 where the base is 0 and the exponent is >= 0).
        Assert.Equal([0.0, 0.0, double.NegativeInfinity], e.Grad!.ToArray<double>());
        Assert.Equal([8f, 16f], Tensor.Pow(2.0, Tensor.From(new long[] { 3, 4 })).ToArray<float>());
    }

    [Fact]
    public void DotAndMvCheckTheirOperands()
    {
        var v = Tensor.From(new[] { 1.0, 2.0 });
        Assert.Equal(5.0, v.Dot(v).Item<double>());
        Assert.Equal(0, v.Dot(v).Dim);
        Assert.Equal([5.0, 5.0, 5.0], v.Unsqueeze(0).Expand(3, 2).Mv(v).ToArray<double>());
        Assert.Contains("dot: expected 1-D tensors",
            Assert.Throws<ArgumentException>(() => v.Unsqueeze(0).Dot(v)).Message);
        Assert.Contains("same size", Assert.Throws<ArgumentException>(() => v.Dot(Tensor.From([1.0, 2, 3]))).Message);
        Assert.Contains("dot: expected both tensors to have the same dtype, got torch.float64 and torch.float32",
            Assert.Throws<ArgumentException>(() => v.Dot(Tensor.From([1f, 2f]))).Message);
        Assert.Contains("mv: expected a matrix [n, m] and a vector [m]",
            Assert.Throws<ArgumentException>(() => v.Mv(v)).Message);
    }

    [Fact]
    public void ScalarFactoryMakesZeroDimTensorsOfTheAskedDType()
    {
        var f = Tensor.Scalar(2.5);
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal(0, f.Dim);
        Assert.Equal(2.5f, f.Item<float>());
        Assert.Equal(DType.Float64, Tensor.Scalar(2.5, DType.Float64).DType);
        var l = Tensor.Scalar(long.MaxValue);
        Assert.Equal(DType.Int64, l.DType);
        Assert.Equal(long.MaxValue, l.Item<long>()); // exact, not through a double
        Assert.Equal(3, Tensor.Scalar(3, DType.Int32).Item<int>());
        Assert.True(Tensor.Scalar(true ? 1.0 : 0.0, DType.Bool).Item<bool>());
        var g = Tensor.Scalar(1.5, DType.Float64, requiresGrad: true);
        Assert.True(g.RequiresGrad && g.IsLeaf);
    }

    private static void AssertBits(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]) ||
                (float.IsNaN(expected[i]) && float.IsNaN(actual[i])),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
