using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>Element-wise sum with broadcasting and type promotion.</summary>
        public static Tensor operator +(Tensor a, Tensor b) => AddBackward0.Apply(a, b);
        /// <summary>Adds a number (which does not promote a float32 tensor, as a Python number does not).</summary>
        public static Tensor operator +(Tensor a, double b) => AddBackward0.Apply(a, a.WrapScalar(b));
        /// <summary>Adds a number.</summary>
        public static Tensor operator +(double a, Tensor b) => AddBackward0.Apply(b, b.WrapScalar(a));
        /// <summary>Element-wise difference with broadcasting.</summary>
        public static Tensor operator -(Tensor a, Tensor b) => SubBackward0.Apply(a, b);
        /// <summary>Subtracts a number.</summary>
        public static Tensor operator -(Tensor a, double b) => SubBackward0.Apply(a, a.WrapScalar(b));
        /// <summary><c>a - b</c> for a number <paramref name="a"/> (PyTorch's <c>rsub</c>).</summary>
        public static Tensor operator -(double a, Tensor b) => RsubBackward1.Apply(b, a);
        /// <summary>Element-wise product with broadcasting.</summary>
        public static Tensor operator *(Tensor a, Tensor b) => MulBackward0.Apply(a, b);
        /// <summary>Multiplies by a number.</summary>
        public static Tensor operator *(Tensor a, double b) => MulBackward0.Apply(a, a.WrapScalar(b));
        /// <summary>Multiplies by a number.</summary>
        public static Tensor operator *(double a, Tensor b) => MulBackward0.Apply(b, b.WrapScalar(a));
        /// <summary>Element-wise true division (integers divide as floats).</summary>
        public static Tensor operator /(Tensor a, Tensor b) => DivBackward0.Apply(a, b);
        /// <summary>Divides by a number.</summary>
        public static Tensor operator /(Tensor a, double b) => DivBackward0.Apply(a, a.WrapScalar(b));
        /// <summary><c>a / b</c> for a number <paramref name="a"/>: <c>a * b.Reciprocal()</c>, as PyTorch records
        /// it.</summary>
        public static Tensor operator /(double a, Tensor b) =>
            MulBackward0.Apply(ReciprocalBackward0.Apply(b), b.WrapScalar(a));
        /// <summary>Adds an integer (keeps integer tensors integral).</summary>
        public static Tensor operator +(Tensor a, long b) => AddBackward0.Apply(a, a.WrapScalar(b, false));
        /// <summary>Subtracts an integer.</summary>
        public static Tensor operator -(Tensor a, long b) => SubBackward0.Apply(a, a.WrapScalar(b, false));
        /// <summary>Multiplies by an integer.</summary>
        public static Tensor operator *(Tensor a, long b) => MulBackward0.Apply(a, a.WrapScalar(b, false));
        /// <summary>Multiplies by an integer.</summary>
        public static Tensor operator *(long a, Tensor b) => MulBackward0.Apply(b, b.WrapScalar(a, false));
        /// <summary>Negation.</summary>
        public static Tensor operator -(Tensor a) => a.Neg();

        /// <summary>Element-wise sum (same as <c>+</c>).</summary>
        public Tensor Add(Tensor other) => this + other;
        /// <summary>Element-wise difference (same as <c>-</c>).</summary>
        public Tensor Sub(Tensor other) => this - other;
        /// <summary>Element-wise product (same as <c>*</c>).</summary>
        public Tensor Mul(Tensor other) => this * other;
        /// <summary>Element-wise true division (same as <c>/</c>).</summary>
        public Tensor Div(Tensor other) => this / other;
        /// <summary><c>-x</c>.</summary>
        public Tensor Neg() => NegBackward0.Apply(this);
        /// <summary><c>1 / x</c>.</summary>
        public Tensor Reciprocal() => ReciprocalBackward0.Apply(this);
        /// <summary><c>x ** exponent</c> for a number exponent.</summary>
        public Tensor Pow(double exponent) => PowBackward0.Apply(this, exponent);
        /// <summary><c>x ** exponent</c> element-wise, with broadcasting.</summary>
        public Tensor Pow(Tensor exponent) => PowBackward1.Apply(this, exponent);

        /// <summary>
        /// A C# number as a 0-dim tensor of the dtype PyTorch would compute in (a "wrapped number": a double does
        /// not promote float32, a floating number turns an integer tensor into float32).
        /// </summary>
        internal Tensor WrapScalar(double value, bool isFloating = true) =>
            new(RawOps.Scalar(value, DTypes.ResultTypeWithScalar(DType, isFloating)));
    }
}

namespace Ember.Graph
{
    /// <summary><c>z = a + b</c>; dL/da = grad, dL/db = grad (the engine sums broadcast dims away).</summary>
    internal sealed class AddBackward0 : SingleOutputNode
    {
        public override string Name => "AddBackward0";

        public static Tensor Apply(Tensor a, Tensor b) => Record<AddBackward0>(a, b, RawOps.Add(a.Raw, b.Raw));

        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad : null, NeedsInputGrad(1) ? grad : null];
    }

    /// <summary><c>z = a - b</c>; dL/da = grad, dL/db = -grad.</summary>
    internal sealed class SubBackward0 : SingleOutputNode
    {
        public override string Name => "SubBackward0";

        public static Tensor Apply(Tensor a, Tensor b) => Record<SubBackward0>(a, b, RawOps.Sub(a.Raw, b.Raw));

        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad : null, NeedsInputGrad(1) ? -grad : null];
    }

    /// <summary><c>z = s - a</c> for a number s; dL/da = -grad.</summary>
    internal sealed class RsubBackward1 : SingleOutputNode
    {
        public override string Name => "RsubBackward1";

        public static Tensor Apply(Tensor a, double s) =>
            Record<RsubBackward1>(a, RawOps.Sub(a.WrapScalar(s).Raw, a.Raw));

        internal override Tensor?[] Backward(Tensor grad) => [-grad];
    }

    /// <summary><c>z = a * b</c>; dL/da = grad * b, dL/db = grad * a.</summary>
    internal sealed class MulBackward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "MulBackward0";

        public static Tensor Apply(Tensor a, Tensor b) => Record(a, b, RawOps.Mul(a.Raw, b.Raw),
            static (MulBackward0 n, Tensor a, Tensor b) => n.SaveForProduct(a, b, ref n._a, ref n._b));

        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad * Unpack(_b!) : null, NeedsInputGrad(1) ? grad * Unpack(_a!) : null];
    }

    /// <summary><c>z = a / b</c>; dL/da = grad / b, dL/db = -grad * a / b².</summary>
    internal sealed class DivBackward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "DivBackward0";

        public static Tensor Apply(Tensor a, Tensor b) => Record(a, b, RawOps.Div(a.Raw, b.Raw),
            static (DivBackward0 n, Tensor a, Tensor b) =>
            {
                if (b.RequiresGrad) n._a = n.Save(a);
                n._b = n.Save(b);
            });

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor b = Unpack(_b!);
            return [NeedsInputGrad(0) ? grad / b : null, NeedsInputGrad(1) ? -grad * Unpack(_a!) / (b * b) : null];
        }
    }

    /// <summary><c>z = -a</c>; dL/da = -grad.</summary>
    internal sealed class NegBackward0 : SingleInputNode<NegBackward0>
    {
        public override string Name => "NegBackward0";
        protected override bool SavesInput => false;

        public static Tensor Apply(Tensor a) => Record(a, RawOps.Neg(a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => -grad;
    }

    /// <summary><c>z = 1 / a</c>; dL/da = -grad * z².</summary>
    internal sealed class ReciprocalBackward0 : SingleInputNode<ReciprocalBackward0>
    {
        public override string Name => "ReciprocalBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a) =>
            Record(a, RawOps.Div(RawOps.Scalar(1, a.DType.IsFloatingPoint() ? a.DType : DTypes.DefaultFloat), a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => -grad * (y * y);
    }

    /// <summary><c>z = a ** p</c> for a number p (also <c>Square</c>, p = 2); dL/da = grad * p * a^(p-1).</summary>
    internal sealed class PowBackward0 : SingleOutputNode
    {
        private SavedTensor? _a;
        private double _p;
        public override string Name => "PowBackward0";

        public static Tensor Apply(Tensor a, double p) => Record(a, RawOps.Pow(a.Raw, a.WrapScalar(p).Raw), p,
            static (PowBackward0 n, Tensor a, double p) => (n._p, n._a) = (p, n.Save(a)));

        internal override Tensor?[] Backward(Tensor grad)
        {
            if (_p == 0) return [grad * 0.0];
            Tensor a = Unpack(_a!);
            return [grad * (_p * (_p == 2 ? a : a.Pow(_p - 1)))];
        }
    }

    /// <summary><c>z = a ** b</c>; dL/da = grad * b * a^(b-1), dL/db = grad * z * ln a.</summary>
    internal sealed class PowBackward1 : SingleOutputNode
    {
        private SavedTensor? _a, _b, _z;
        public override string Name => "PowBackward1";

        public static Tensor Apply(Tensor a, Tensor b)
        {
            Tensor z = Record(a, b, RawOps.Pow(a.Raw, b.Raw),
                static (PowBackward1 n, Tensor a, Tensor b) => (n._a, n._b) = (n.Save(a), n.Save(b)));
            if (z.GradFn is PowBackward1 node && b.RequiresGrad) node._z = node.Save(z);
            return z;
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor a = Unpack(_a!), b = Unpack(_b!);
            return
            [
                NeedsInputGrad(0) ? grad * b * a.Pow(b - 1.0) : null,
                NeedsInputGrad(1) ? grad * Unpack(_z!) * a.Log() : null,
            ];
        }
    }
}
