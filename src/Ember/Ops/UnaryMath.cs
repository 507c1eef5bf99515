using System;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
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

        /// <summary>Clamps into [<paramref name="min"/>, <paramref name="max"/>]; either bound may be null.</summary>
        public Tensor Clamp(double? min = null, double? max = null)
        {
            if (min is null && max is null) throw new ArgumentException("clamp: at least one of min and max must be given.");
            double lo = min ?? double.NegativeInfinity, hi = max ?? double.PositiveInfinity;
            if (!DType.IsFloatingPoint()) { lo = Math.Max(lo, long.MinValue); hi = Math.Min(hi, long.MaxValue); }
            return ClampBackward1.Record(this, RawOps.Clamp(Raw, lo, hi), n => (n.Min, n.Max) = (lo, hi));
        }

        /// <summary>Element-wise maximum with broadcasting (ties share the gradient equally).</summary>
        public Tensor Maximum(Tensor other) => MinMaxBackward.Apply(this, other, max: true);
        /// <summary>Element-wise minimum with broadcasting (ties share the gradient equally).</summary>
        public Tensor Minimum(Tensor other) => MinMaxBackward.Apply(this, other, max: false);
        /// <summary>atan2(this, other): the angle of the point (other, this).</summary>
        public Tensor Atan2(Tensor other) => Atan2Backward0.Apply(this, other);

        /// <summary>Whether each element is NaN.</summary>
        public Tensor IsNaN() => new(RawOps.IsNaN(Raw));
        /// <summary>Whether each element is ±∞.</summary>
        public Tensor IsInf() => new(RawOps.IsInf(Raw));
        /// <summary>Element-wise <c>!=</c> (bool).</summary>
        public Tensor Ne(Tensor other) => new(RawOps.Ne(Raw, other.Raw));
        /// <summary>Element-wise <c>&lt;=</c> (bool).</summary>
        public Tensor Le(Tensor other) => new(RawOps.Le(Raw, other.Raw));
        /// <summary>Element-wise <c>&gt;=</c> (bool).</summary>
        public Tensor Ge(Tensor other) => new(RawOps.Ge(Raw, other.Raw));
        /// <summary>Element-wise <c>&lt;=</c> (bool tensor).</summary>
        public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
        /// <summary>Element-wise <c>&gt;=</c> (bool tensor).</summary>
        public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
        /// <summary>Element-wise <c>&lt;= value</c> (bool tensor).</summary>
        public static Tensor operator <=(Tensor a, double b) => a.Le(a.WrapScalar(b, b != Math.Floor(b)));
        /// <summary>Element-wise <c>&gt;= value</c> (bool tensor).</summary>
        public static Tensor operator >=(Tensor a, double b) => a.Ge(a.WrapScalar(b, b != Math.Floor(b)));
    }
}

namespace Ember.Graph
{
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
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * (1.1283791670955126 * (-(x * x)).Exp());
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

    /// <summary>
    /// z = maximum(a, b) (or minimum); dL/da = grad where a wins, dL/db = grad where b wins, half each on ties.
    /// </summary>
    internal sealed class MinMaxBackward : UnaryOutputNode
    {
        private SavedTensor? _a, _b;
        private bool _max;
        public override string Name => _max ? "MaximumBackward0" : "MinimumBackward0";

        public static Tensor Apply(Tensor a, Tensor b, bool max)
        {
            var raw = max ? RawOps.Maximum(a.Raw, b.Raw) : RawOps.Minimum(a.Raw, b.Raw);
            if (!Autograd.ShouldRecord(a, b)) return new Tensor(raw);
            var node = new MinMaxBackward { _max = max };
            node.SetInputs(a, b);
            node._a = node.Save(a);
            node._b = node.Save(b);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            RawTensor a = Unpack(_a!).Raw, b = Unpack(_b!).Raw;
            DType dt = grad.DType;
            RawTensor aWins = RawOps.Cast(_max ? RawOps.Gt(a, b) : RawOps.Lt(a, b), dt);
            RawTensor tie = RawOps.Mul(RawOps.Cast(RawOps.Eq(a, b), dt), RawOps.Scalar(0.5, dt));
            var wa = new Tensor(RawOps.Add(aWins, tie));
            var wb = new Tensor(RawOps.Add(RawOps.Cast(_max ? RawOps.Lt(a, b) : RawOps.Gt(a, b), dt), tie));
            return [NeedsInputGrad(0) ? grad * wa : null, NeedsInputGrad(1) ? grad * wb : null];
        }
    }

    /// <summary>z = atan2(a, b); dL/da = grad · b / (a² + b²), dL/db = -grad · a / (a² + b²).</summary>
    internal sealed class Atan2Backward0 : UnaryOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "Atan2Backward0";

        public static Tensor Apply(Tensor a, Tensor b)
        {
            var raw = RawOps.Atan2(a.Raw, b.Raw);
            if (!Autograd.ShouldRecord(a, b)) return new Tensor(raw);
            var node = new Atan2Backward0();
            node.SetInputs(a, b);
            node._a = node.Save(a);
            node._b = node.Save(b);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor a = Unpack(_a!), b = Unpack(_b!);
            Tensor scale = grad / (a * a + b * b);
            return [NeedsInputGrad(0) ? scale * b : null, NeedsInputGrad(1) ? -scale * a : null];
        }
    }
}
