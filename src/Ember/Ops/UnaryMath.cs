using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary><c>eˣ</c> element-wise.</summary>
        public Tensor Exp() => ExpBackward0.Apply(this);
        /// <summary>Natural logarithm element-wise.</summary>
        public Tensor Log() => LogBackward0.Apply(this);
        /// <summary>Square root element-wise.</summary>
        public Tensor Sqrt() => SqrtBackward0.Apply(this);
        /// <summary>|x| element-wise.</summary>
        public Tensor Abs() => AbsBackward0.Record(this, RawOps.Abs(Raw));
        /// <summary>sign(x): -1, 0 or 1 element-wise (its gradient is zero).</summary>
        public Tensor Sign() => SignBackward0.Record(this, RawOps.Sign(Raw));
        /// <summary>x² element-wise (recorded as <c>PowBackward0</c>, as in PyTorch).</summary>
        public Tensor Square() => PowBackward0.Apply(this, 2);
        /// <summary>ln(1 + x), accurate for small x.</summary>
        public Tensor Log1p() => Log1pBackward0.Record(this, RawOps.Log1p(Raw));
        /// <summary>eˣ - 1, accurate for small x.</summary>
        public Tensor Expm1() => Expm1Backward0.Record(this, RawOps.Expm1(Raw));
        /// <summary>sin x element-wise.</summary>
        public Tensor Sin() => SinBackward0.Record(this, RawOps.Sin(Raw));
        /// <summary>cos x element-wise.</summary>
        public Tensor Cos() => CosBackward0.Record(this, RawOps.Cos(Raw));
        /// <summary>1/√x element-wise.</summary>
        public Tensor Rsqrt() => RsqrtBackward0.Record(this, RawOps.Rsqrt(Raw));
        /// <summary>The error function element-wise.</summary>
        public Tensor Erf() => ErfBackward0.Record(this, RawOps.Erf(Raw));
        /// <summary>Rounds half to even, as PyTorch does (gradient zero).</summary>
        public Tensor Round() => RoundBackward0.Record(this, RawOps.Round(Raw));
        /// <summary>⌊x⌋ (gradient zero).</summary>
        public Tensor Floor() => FloorBackward0.Record(this, RawOps.Floor(Raw));
        /// <summary>⌈x⌉ (gradient zero).</summary>
        public Tensor Ceil() => CeilBackward0.Record(this, RawOps.Ceil(Raw));
        /// <summary>Rounds toward zero (gradient zero); integer tensors are returned as they are.</summary>
        public Tensor Trunc() => TruncBackward0.Record(this, RawOps.Trunc(Raw));
        /// <summary><c>x - trunc(x)</c>, with the sign of x (gradient: grad); floating point only.</summary>
        public Tensor Frac() => FracBackward0.Record(this, RawOps.Frac(Raw));

        /// <summary>Clamps into [<paramref name="min"/>, <paramref name="max"/>]; either bound may be null.</summary>
        public Tensor Clamp(double? min = null, double? max = null)
        {
            if (min is null && max is null)
                throw new ArgumentException("clamp: at least one of min and max must be given.");
            double lo = min ?? double.NegativeInfinity, hi = max ?? double.PositiveInfinity;
            if (!DType.IsFloatingPoint()) { lo = Math.Max(lo, long.MinValue); hi = Math.Min(hi, long.MaxValue); }
            return ClampBackward1.Record(this, RawOps.Clamp(Raw, lo, hi), (lo, hi),
                static (n, s) => (n.Min, n.Max) = s);
        }

        /// <summary>atan2(this, other): the angle of the point (other, this).</summary>
        public Tensor Atan2(Tensor other) => Atan2Backward0.Apply(this, other);
    }
}

namespace Ember.Graph
{
    /// <summary><c>z = eᵃ</c>; dL/da = grad * z.</summary>
    internal sealed class ExpBackward0 : SingleInputNode<ExpBackward0>
    {
        public override string Name => "ExpBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a) => Record(a, RawOps.Exp(a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * y;
    }

    /// <summary><c>z = ln a</c>; dL/da = grad / a.</summary>
    internal sealed class LogBackward0 : SingleInputNode<LogBackward0>
    {
        public override string Name => "LogBackward0";

        public static Tensor Apply(Tensor a) => Record(a, RawOps.Log(a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad / x;
    }

    /// <summary><c>z = √a</c>; dL/da = grad / (2z).</summary>
    internal sealed class SqrtBackward0 : SingleInputNode<SqrtBackward0>
    {
        public override string Name => "SqrtBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a) => Record(a, RawOps.Sqrt(a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad / (2.0 * y);
    }

    /// <summary>y = |x|; dL/dx = grad · sign(x).</summary>
    internal sealed class AbsBackward0 : SingleInputNode<AbsBackward0>
    {
        public override string Name => "AbsBackward0";
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * x.Sign();
    }

    /// <summary>y = sign(x); dL/dx = 0.</summary>
    internal sealed class SignBackward0 : SingleInputNode<SignBackward0>
    {
        public override string Name => "SignBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * 0.0;
    }

    /// <summary>y = ln(1 + x); dL/dx = grad / (1 + x).</summary>
    internal sealed class Log1pBackward0 : SingleInputNode<Log1pBackward0>
    {
        public override string Name => "Log1pBackward0";
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad / (x + 1.0);
    }

    /// <summary>y = eˣ - 1; dL/dx = grad · (y + 1).</summary>
    internal sealed class Expm1Backward0 : SingleInputNode<Expm1Backward0>
    {
        public override string Name => "Expm1Backward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * (y + 1.0);
    }

    /// <summary>y = sin x; dL/dx = grad · cos x.</summary>
    internal sealed class SinBackward0 : SingleInputNode<SinBackward0>
    {
        public override string Name => "SinBackward0";
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * x.Cos();
    }

    /// <summary>y = cos x; dL/dx = -grad · sin x.</summary>
    internal sealed class CosBackward0 : SingleInputNode<CosBackward0>
    {
        public override string Name => "CosBackward0";
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => -grad * x.Sin();
    }

    /// <summary>y = x^(-1/2); dL/dx = -grad · y³ / 2.</summary>
    internal sealed class RsqrtBackward0 : SingleInputNode<RsqrtBackward0>
    {
        public override string Name => "RsqrtBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => -0.5 * grad * y.Pow(3);
    }

    /// <summary>y = erf x; dL/dx = grad · 2/√π · e^(-x²).</summary>
    internal sealed class ErfBackward0 : SingleInputNode<ErfBackward0>
    {
        public override string Name => "ErfBackward0";
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) =>
            grad * (1.1283791670955126 * (-(x * x)).Exp());
    }

    /// <summary>y = round(x); dL/dx = 0.</summary>
    internal sealed class RoundBackward0 : SingleInputNode<RoundBackward0>
    {
        public override string Name => "RoundBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * 0.0;
    }

    /// <summary>y = ⌊x⌋; dL/dx = 0.</summary>
    internal sealed class FloorBackward0 : SingleInputNode<FloorBackward0>
    {
        public override string Name => "FloorBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * 0.0;
    }

    /// <summary>y = ⌈x⌉; dL/dx = 0.</summary>
    internal sealed class CeilBackward0 : SingleInputNode<CeilBackward0>
    {
        public override string Name => "CeilBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * 0.0;
    }

    /// <summary>y = trunc(x); dL/dx = 0.</summary>
    internal sealed class TruncBackward0 : SingleInputNode<TruncBackward0>
    {
        public override string Name => "TruncBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * 0.0;
    }

    /// <summary>y = x - trunc(x); dL/dx = grad.</summary>
    internal sealed class FracBackward0 : SingleInputNode<FracBackward0>
    {
        public override string Name => "FracBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad;
    }

    /// <summary>y = clamp(x, min, max); dL/dx = grad where min ≤ x ≤ max, else 0.</summary>
    internal sealed class ClampBackward1 : SingleInputNode<ClampBackward1>
    {
        public double Min, Max;
        public override string Name => "ClampBackward1";
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var inside = RawOps.Mul(RawOps.Cast(RawOps.Ge(x.Raw, RawOps.Scalar(Min, x.DType)), grad.DType),
                RawOps.Cast(RawOps.Le(x.Raw, RawOps.Scalar(Max, x.DType)), grad.DType));
            return grad * new Tensor(inside);
        }
    }

    /// <summary>z = atan2(a, b); dL/da = grad · b / (a² + b²), dL/db = -grad · a / (a² + b²).</summary>
    internal sealed class Atan2Backward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "Atan2Backward0";

        public static Tensor Apply(Tensor a, Tensor b) => Record(a, b, RawOps.Atan2(a.Raw, b.Raw),
            static (Atan2Backward0 n, Tensor a, Tensor b) => (n._a, n._b) = (n.Save(a), n.Save(b)));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor a = Unpack(_a!), b = Unpack(_b!);
            Tensor scale = grad / (a * a + b * b);
            return [NeedsInputGrad(0) ? scale * b : null, NeedsInputGrad(1) ? -scale * a : null];
        }
    }
}
