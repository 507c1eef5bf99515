using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>Element-wise <c>==</c> (bool result). Tensors have no <c>==</c> operator: it would break
        /// <c>x == null</c>.</summary>
        public Tensor Eq(Tensor other) =>
            OpTracer.Untraced("eq", new(RawOps.Eq(Raw, other.Raw)), 0, this, other);
        /// <summary>Element-wise <c>== value</c>.</summary>
        public Tensor Eq(double value) => Eq(WrapScalar(value, value != Math.Floor(value)));
        /// <summary>Element-wise <c>!=</c> (bool).</summary>
        public Tensor Ne(Tensor other) =>
            OpTracer.Untraced("ne", new(RawOps.Ne(Raw, other.Raw)), 0, this, other);
        /// <summary>Element-wise <c>&lt;</c>.</summary>
        public Tensor Lt(Tensor other) =>
            OpTracer.Untraced("lt", new(RawOps.Lt(Raw, other.Raw)), 0, this, other);
        /// <summary>Element-wise <c>&lt; value</c>.</summary>
        public Tensor Lt(double value) => Lt(WrapScalar(value, value != Math.Floor(value)));
        /// <summary>Element-wise <c>&lt;=</c> (bool).</summary>
        public Tensor Le(Tensor other) =>
            OpTracer.Untraced("le", new(RawOps.Le(Raw, other.Raw)), 0, this, other);
        /// <summary>Element-wise <c>&gt;</c>.</summary>
        public Tensor Gt(Tensor other) =>
            OpTracer.Untraced("gt", new(RawOps.Gt(Raw, other.Raw)), 0, this, other);
        /// <summary>Element-wise <c>&gt; value</c>.</summary>
        public Tensor Gt(double value) => Gt(WrapScalar(value, value != Math.Floor(value)));
        /// <summary>Element-wise <c>&gt;=</c> (bool).</summary>
        public Tensor Ge(Tensor other) =>
            OpTracer.Untraced("ge", new(RawOps.Ge(Raw, other.Raw)), 0, this, other);

        /// <summary>Element-wise <c>&lt;</c> (bool tensor).</summary>
        public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
        /// <summary>Element-wise <c>&gt;</c> (bool tensor).</summary>
        public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
        /// <summary>Element-wise <c>&lt; value</c> (bool tensor).</summary>
        public static Tensor operator <(Tensor a, double b) => a.Lt(b);
        /// <summary>Element-wise <c>&gt; value</c> (bool tensor).</summary>
        public static Tensor operator >(Tensor a, double b) => a.Gt(b);
        /// <summary>Element-wise <c>&lt;=</c> (bool tensor).</summary>
        public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
        /// <summary>Element-wise <c>&gt;=</c> (bool tensor).</summary>
        public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
        /// <summary>Element-wise <c>&lt;= value</c> (bool tensor).</summary>
        public static Tensor operator <=(Tensor a, double b) => a.Le(a.WrapScalar(b, b != Math.Floor(b)));
        /// <summary>Element-wise <c>&gt;= value</c> (bool tensor).</summary>
        public static Tensor operator >=(Tensor a, double b) => a.Ge(a.WrapScalar(b, b != Math.Floor(b)));

        /// <summary>Whether each element is NaN.</summary>
        public Tensor IsNaN() => OpTracer.Untraced("isnan", new(RawOps.IsNaN(Raw)), 0, this);
        /// <summary>Whether each element is ±∞.</summary>
        public Tensor IsInf() => OpTracer.Untraced("isinf", new(RawOps.IsInf(Raw)), 0, this);

        /// <summary>Element-wise maximum with broadcasting (ties share the gradient equally).</summary>
        public Tensor Maximum(Tensor other) => MaximumMinimumBackward.Apply(this, other, max: true);
        /// <summary>Element-wise minimum with broadcasting (ties share the gradient equally).</summary>
        public Tensor Minimum(Tensor other) => MaximumMinimumBackward.Apply(this, other, max: false);
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// <c>MaximumBackward0</c> / <c>MinimumBackward0</c>: z = maximum(a, b) (or minimum); dL/da = grad where a wins,
    /// dL/db = grad where b wins, half each on ties.
    /// </summary>
    internal sealed class MaximumMinimumBackward : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        private bool _max;
        public override string Name => _max ? "MaximumBackward0" : "MinimumBackward0";

        public static Tensor Apply(Tensor a, Tensor b, bool max) =>
            Record(a, b, max ? RawOps.Maximum(a.Raw, b.Raw) : RawOps.Minimum(a.Raw, b.Raw), max,
                static (MaximumMinimumBackward n, Tensor a, Tensor b, bool max) =>
                    (n._max, n._a, n._b) = (max, n.Save(a), n.Save(b)));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
}
