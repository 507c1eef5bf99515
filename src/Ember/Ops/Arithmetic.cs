using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

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
        /// <c>this + alpha * other</c> with broadcasting (PyTorch's <c>add(other, alpha=...)</c>, recorded as
        /// <c>AddBackward0</c>); an integer tensor takes only an integral <paramref name="alpha"/>.
        /// </summary>
        public Tensor Add(Tensor other, double alpha) =>
            alpha == 1 ? this + other : AddBackward0.Apply(this, other, CheckAlpha(other, alpha, "add"));
        /// <summary><c>this - alpha * other</c> with broadcasting (PyTorch's <c>sub(other, alpha=...)</c>).</summary>
        public Tensor Sub(Tensor other, double alpha) =>
            alpha == 1 ? this - other : SubBackward0.Apply(this, other, CheckAlpha(other, alpha, "sub"));

        /// <summary>
        /// Division with a rounding mode, as <c>torch.div(a, b, rounding_mode=...)</c>: null is true division,
        /// <c>"trunc"</c> rounds the quotient toward zero, <c>"floor"</c> toward −∞. With a rounding mode integer
        /// operands give an integer result (a zero divisor is an error) and the gradient is zero.
        /// </summary>
        public Tensor Div(Tensor other, string? roundingMode) =>
            roundingMode is null ? this / other : DivBackward2.Apply(this, other, ParseRoundingMode(roundingMode));
        /// <summary><see cref="Div(Tensor, string?)"/> by a number (a floating number promotes integers to
        /// float32).</summary>
        public Tensor Div(double other, string? roundingMode = null) =>
            Div(WrapScalar(other), roundingMode);
        /// <summary><see cref="Div(Tensor, string?)"/> by an integer (integer tensors stay integral).</summary>
        public Tensor Div(long other, string? roundingMode = null) => Div(WrapScalar(other, false), roundingMode);

        /// <summary>⌊this / other⌋ (<c>torch.floor_divide</c>, the same as <c>Div(other, "floor")</c>).</summary>
        /// <remarks>PyTorch 1.13 defines no derivative for <c>floor_divide</c>, so the result records no graph; use
        /// <c>Div(other, "floor")</c> for one (its gradient is zero).</remarks>
        public Tensor FloorDivide(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(other);
            return OpTracer.Untraced("floor_divide", new(RawOps.FloorDivide(Raw, other.Raw, "floor_divide")), 0, this,
                other);
        }
        /// <summary>⌊this / other⌋ for a number.</summary>
        public Tensor FloorDivide(double other) => FloorDivide(WrapScalar(other));
        /// <summary>⌊this / other⌋ for an integer (integer tensors stay integral).</summary>
        public Tensor FloorDivide(long other) => FloorDivide(WrapScalar(other, false));

        /// <summary>
        /// Python's modulo <c>this - ⌊this / other⌋ * other</c>, with the sign of <paramref name="other"/>
        /// (<c>torch.remainder</c>, Python's <c>%</c>); dL/dthis = grad, dL/dother = -grad * ⌊this / other⌋.
        /// </summary>
        public Tensor Remainder(Tensor other) => RemainderBackward1.Apply(this, other);
        /// <summary>Python's modulo by a number (recorded as <c>RemainderBackward0</c>).</summary>
        public Tensor Remainder(double other) => RemainderBackward0.Apply(this, WrapScalar(other));
        /// <summary>Python's modulo by an integer (integer tensors stay integral).</summary>
        public Tensor Remainder(long other) => RemainderBackward0.Apply(this, WrapScalar(other, false));
        /// <summary>Python's modulo, <see cref="Remainder(Tensor)"/>.</summary>
        public static Tensor operator %(Tensor a, Tensor b) => a.Remainder(b);
        /// <summary>Python's modulo by a number, <see cref="Remainder(double)"/>.</summary>
        public static Tensor operator %(Tensor a, double b) => a.Remainder(b);
        /// <summary>Python's modulo by an integer, <see cref="Remainder(long)"/>.</summary>
        public static Tensor operator %(Tensor a, long b) => a.Remainder(b);

        /// <summary>
        /// C's <c>fmod</c>: <c>this - trunc(this / other) * other</c>, with the sign of this (<c>torch.fmod</c>);
        /// dL/dthis = grad, dL/dother = -grad * trunc(this / other).
        /// </summary>
        public Tensor Fmod(Tensor other) => FmodBackward1.Apply(this, other);
        /// <summary>C's <c>fmod</c> by a number (recorded as <c>FmodBackward0</c>).</summary>
        public Tensor Fmod(double other) => FmodBackward0.Apply(this, WrapScalar(other));
        /// <summary>C's <c>fmod</c> by an integer (integer tensors stay integral).</summary>
        public Tensor Fmod(long other) => FmodBackward0.Apply(this, WrapScalar(other, false));

        /// <summary>
        /// <c>self ** exponent</c> for a number base (<c>torch.pow(self, exponent)</c> with a scalar self, recorded as
        /// <c>PowBackward2</c>); integer exponents give float32, as for <see cref="Pow(Tensor)"/>.
        /// </summary>
        public static Tensor Pow(double self, Tensor exponent)
        {
            ArgumentNullException.ThrowIfNull(exponent);
            return PowBackward2.Apply(self, exponent);
        }

        private static RoundingMode ParseRoundingMode(string mode) => mode switch
        {
            "trunc" => RoundingMode.Trunc,
            "floor" => RoundingMode.Floor,
            _ => throw new ArgumentException(
                $"div expected rounding_mode to be one of null, \"trunc\", or \"floor\" but found \"{mode}\".",
                nameof(mode)),
        };

        private static double CheckAlpha(Tensor other, double alpha, string op)
        {
            if (!other.DType.IsFloatingPoint() && alpha != Math.Floor(alpha))
                throw new ArgumentException(
                    $"{op}: For integral input tensors, argument alpha must not be a floating point number " +
                    $"(got {alpha} for a {other.DType.TorchName()} tensor).", nameof(alpha));
            return alpha;
        }

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
    /// <summary>
    /// <c>z = a + alpha * b</c> (alpha = 1 for <c>+</c>); dL/da = grad, dL/db = alpha * grad (the engine sums
    /// broadcast dims away).
    /// </summary>
    internal sealed class AddBackward0 : SingleOutputNode
    {
        private double _alpha = 1;
        public override string Name => "AddBackward0";

        public static Tensor Apply(Tensor a, Tensor b) => Record<AddBackward0>(a, b, RawOps.Add(a.Raw, b.Raw));

        /// <summary>
        /// Records <c>a + b</c> whose value a fused kernel already computed into <paramref name="sum"/>.
        /// </summary>
        internal static Tensor Computed(Tensor a, Tensor b, RawTensor sum) => Record<AddBackward0>(a, b, sum);

        /// <summary><c>z = a + alpha * b</c>; dL/db = alpha * grad.</summary>
        public static Tensor Apply(Tensor a, Tensor b, double alpha) =>
            Record(a, b, RawOps.AddScaled(a.Raw, b.Raw, alpha, "add"), alpha,
                static (AddBackward0 n, Tensor _, Tensor _, double alpha) => n._alpha = alpha);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad : null, NeedsInputGrad(1) ? (_alpha == 1 ? grad : grad * _alpha) : null];
    }

    /// <summary><c>z = a - alpha * b</c> (alpha = 1 for <c>-</c>); dL/da = grad, dL/db = -alpha * grad.</summary>
    internal sealed class SubBackward0 : SingleOutputNode
    {
        private double _alpha = 1;
        public override string Name => "SubBackward0";

        public static Tensor Apply(Tensor a, Tensor b) => Record<SubBackward0>(a, b, RawOps.Sub(a.Raw, b.Raw));

        /// <summary>
        /// Records <c>a - b</c> whose value a fused kernel already computed into <paramref name="difference"/>.
        /// </summary>
        internal static Tensor Computed(Tensor a, Tensor b, RawTensor difference) =>
            Record<SubBackward0>(a, b, difference);

        /// <summary><c>z = a - alpha * b</c>; dL/db = -alpha * grad.</summary>
        public static Tensor Apply(Tensor a, Tensor b, double alpha) =>
            Record(a, b, RawOps.AddScaled(a.Raw, b.Raw, -alpha, "sub"), alpha,
                static (SubBackward0 n, Tensor _, Tensor _, double alpha) => n._alpha = alpha);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad : null, NeedsInputGrad(1) ? (_alpha == 1 ? -grad : grad * -_alpha) : null];
    }

    /// <summary><c>z = s - a</c> for a number s; dL/da = -grad.</summary>
    internal sealed class RsubBackward1 : SingleOutputNode
    {
        public override string Name => "RsubBackward1";

        public static Tensor Apply(Tensor a, double s) =>
            Record(a, RawOps.Sub(a.WrapScalar(s).Raw, a.Raw), s, static (RsubBackward1 _, Tensor _, double _) => { });

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [-grad];
    }

    /// <summary><c>z = a * b</c>; dL/da = grad * b, dL/db = grad * a.</summary>
    internal sealed class MulBackward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "MulBackward0";

        public static Tensor Apply(Tensor a, Tensor b) => Computed(a, b, RawOps.Mul(a.Raw, b.Raw));

        /// <summary>
        /// Records <c>a * b</c> whose value a fused kernel already computed into <paramref name="product"/>.
        /// </summary>
        internal static Tensor Computed(Tensor a, Tensor b, RawTensor product) => Record(a, b, product,
            static (MulBackward0 n, Tensor a, Tensor b) => n.SaveForProduct(a, b, ref n._a, ref n._b));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>The rounding of <c>div(rounding_mode=...)</c>.</summary>
    internal enum RoundingMode
    {
        /// <summary>Toward zero.</summary>
        Trunc,
        /// <summary>Toward −∞.</summary>
        Floor,
    }

    /// <summary>
    /// <c>z = trunc(a / b)</c> or <c>⌊a / b⌋</c> (div with a rounding mode, also floor_divide); dL/da = 0,
    /// dL/db = 0.
    /// </summary>
    internal sealed class DivBackward2 : SingleOutputNode
    {
        public override string Name => "DivBackward2";

        public static Tensor Apply(Tensor a, Tensor b, RoundingMode mode) => Record<DivBackward2>(a, b,
            mode == RoundingMode.Floor
                ? RawOps.FloorDivide(a.Raw, b.Raw, "div(rounding_mode=\"floor\")")
                : RawOps.TruncDivide(a.Raw, b.Raw, "div(rounding_mode=\"trunc\")"));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad * 0.0 : null, NeedsInputGrad(1) ? grad * 0.0 : null];
    }

    /// <summary><c>z = a mod s</c> for a number s (Python's modulo); dL/da = grad.</summary>
    internal sealed class RemainderBackward0 : SingleOutputNode
    {
        public override string Name => "RemainderBackward0";

        public static Tensor Apply(Tensor a, Tensor s) => Record<RemainderBackward0>(a, RawOps.Remainder(a.Raw, s.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    /// <summary><c>z = a mod b</c> (Python's modulo); dL/da = grad, dL/db = -grad * ⌊a / b⌋.</summary>
    internal sealed class RemainderBackward1 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "RemainderBackward1";

        public static Tensor Apply(Tensor a, Tensor b) => Record(a, b, RawOps.Remainder(a.Raw, b.Raw),
            static (RemainderBackward1 n, Tensor a, Tensor b) =>
            {
                if (b.RequiresGrad) (n._a, n._b) = (n.Save(a), n.Save(b));
            });

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad : null,
            NeedsInputGrad(1) ? -grad * Unpack(_a!).Div(Unpack(_b!), "floor") : null,
        ];
    }

    /// <summary><c>z = fmod(a, s)</c> for a number s; dL/da = grad.</summary>
    internal sealed class FmodBackward0 : SingleOutputNode
    {
        public override string Name => "FmodBackward0";

        public static Tensor Apply(Tensor a, Tensor s) => Record<FmodBackward0>(a, RawOps.Fmod(a.Raw, s.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    /// <summary><c>z = fmod(a, b)</c>; dL/da = grad, dL/db = -grad * trunc(a / b).</summary>
    internal sealed class FmodBackward1 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "FmodBackward1";

        public static Tensor Apply(Tensor a, Tensor b) => Record(a, b, RawOps.Fmod(a.Raw, b.Raw),
            static (FmodBackward1 n, Tensor a, Tensor b) =>
            {
                if (b.RequiresGrad) (n._a, n._b) = (n.Save(a), n.Save(b));
            });

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad : null,
            NeedsInputGrad(1) ? -grad * Unpack(_a!).Div(Unpack(_b!), "trunc") : null,
        ];
    }

    /// <summary>
    /// <c>z = s ** b</c> for a number base s; dL/db = grad * z * ln s (0 where s = 0 and b ≥ 0, as in PyTorch).
    /// </summary>
    internal sealed class PowBackward2 : SingleInputNode<PowBackward2>
    {
        private double _base;
        public override string Name => "PowBackward2";
        protected override bool SavesOutput => true;

        public static Tensor Apply(double s, Tensor b) =>
            Record(b, RawOps.Pow(b.WrapScalar(s).Raw, b.Raw), s, static (n, s) => n._base = s);

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            Tensor g = grad * (y * Math.Log(_base));
            return _base == 0 ? Tensor.Where(x < 0.0, g, 0.0) : g;
        }
    }
}
