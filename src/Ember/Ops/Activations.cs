using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary><c>max(x, 0)</c> element-wise.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Tensor ReLU() => ReluBackward0.Apply(this);
        /// <summary>Logistic sigmoid element-wise.</summary>
        public Tensor Sigmoid() => SigmoidBackward0.Apply(this);
        /// <summary>Hyperbolic tangent element-wise.</summary>
        public Tensor Tanh() => TanhBackward0.Apply(this);
        /// <summary>Softmax along <paramref name="dim"/>: <c>exp(x) / Σ exp(x)</c>, computed stably.</summary>
        public Tensor Softmax(int dim) => SoftmaxBackward0.Apply(this, dim);
        /// <summary>Log-softmax along <paramref name="dim"/>: <c>x - log Σ exp(x)</c>, computed stably.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Tensor LogSoftmax(int dim) => LogSoftmaxBackward0.Apply(this, dim);
    }
}

namespace Ember.Graph
{
    /// <summary><c>z = max(a, 0)</c>; dL/da = grad where z &gt; 0, else 0 (PyTorch's
    /// <c>threshold_backward</c>).</summary>
    internal sealed class ReluBackward0 : SingleInputNode<ReluBackward0>
    {
        public override string Name => "ReluBackward0";
        protected override bool SavesInput
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get => false;
        }
        protected override bool SavesOutput
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get => true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a) => Record(a, RawOps.Relu(a.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            if (!Autograd.IsGradEnabled)
            {
                // A gradient only the engine holds may be overwritten instead of allocating a new one (issue 12);
                // the kernel decides whether it can (not for half precision, which computes in float32).
                RawTensor r = RawOps.ReluBackward(grad.Raw, y.Raw, inPlace: Engine.MayOverwrite(grad));
                return ReferenceEquals(r, grad.Raw) ? grad : new Tensor(r);
            }
            // Recorded backward: the mask is a constant of the graph (relu's second derivative is zero almost
            // everywhere).
            return grad * Mask(RawOps.Gt(y.Raw, RawOps.Scalar(0, y.DType)), grad.DType);
        }
    }

    /// <summary><c>z = σ(a)</c>; dL/da = grad * z * (1 - z).</summary>
    internal sealed class SigmoidBackward0 : SingleInputNode<SigmoidBackward0>
    {
        public override string Name => "SigmoidBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a) => Record(a, RawOps.Sigmoid(a.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) =>
            Autograd.IsGradEnabled ? grad * y * (1.0 - y) : new Tensor(RawOps.SigmoidBackward(grad.Raw, y.Raw));
    }

    /// <summary><c>z = tanh a</c>; dL/da = grad * (1 - z²).</summary>
    internal sealed class TanhBackward0 : SingleInputNode<TanhBackward0>
    {
        public override string Name => "TanhBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a) => Record(a, RawOps.Tanh(a.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) =>
            Autograd.IsGradEnabled ? grad * (1.0 - y * y) : new Tensor(RawOps.TanhBackward(grad.Raw, y.Raw));
    }

    /// <summary>y = x·Φ(x) (exact) or its tanh approximation; dL/dx = grad · dy/dx.</summary>
    internal sealed class GeluBackward0 : SingleInputNode<GeluBackward0>
    {
        public bool Tanh;
        public override string Name => "GeluBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, bool tanh) =>
            Record(x, RawOps.Gelu(x.Raw, tanh), tanh, static (n, t) => n.Tanh = t);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            if (!Tanh)
            {
                // Φ(x) + x·φ(x)
                Tensor cdf = 0.5 * (1.0 + (x * 0.70710678118654752).Erf());
                Tensor pdf = 0.3989422804014327 * (-0.5 * (x * x)).Exp();
                return grad * (cdf + x * pdf);
            }
            const double k = 0.79788456080286536, c = 0.044715;
            Tensor inner = k * (x + c * x.Pow(3));
            Tensor t = inner.Tanh();
            Tensor dinner = k * (1.0 + 3 * c * (x * x));
            return grad * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner);
        }
    }

    /// <summary>y = x·σ(x); dL/dx = grad · σ(x)·(1 + x·(1 - σ(x))).</summary>
    internal sealed class SiluBackward0 : SingleInputNode<SiluBackward0>
    {
        public override string Name => "SiluBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x) => Record(x, RawOps.Silu(x.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            Tensor s = x.Sigmoid();
            return grad * (s * (1.0 + x * (1.0 - s)));
        }
    }

    /// <summary>y = ln(1 + e^(βx))/β (x where βx &gt; threshold); dL/dx = grad · σ(βx) (grad where βx &gt;
    /// threshold).</summary>
    internal sealed class SoftplusBackward0 : SingleInputNode<SoftplusBackward0>
    {
        public double Beta, Threshold;
        public override string Name => "SoftplusBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, double beta, double threshold) =>
            Record(x, RawOps.Softplus(x.Raw, beta, threshold), (beta, threshold),
                static (n, s) => (n.Beta, n.Threshold) = s);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var linear =
                Mask(RawOps.Gt(RawOps.Mul(x.Raw, RawOps.Scalar(Beta, x.DType)), RawOps.Scalar(Threshold, x.DType)),
                grad.DType);
            Tensor s = (x * Beta).Sigmoid();
            return grad * (linear + (1.0 - linear) * s);
        }
    }

    /// <summary>y = x if x &gt; 0 else slope·x; dL/dx = grad · (1 or slope).</summary>
    internal sealed class LeakyReluBackward0 : SingleInputNode<LeakyReluBackward0>
    {
        public double Slope;
        public override string Name => "LeakyReluBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, double slope) => Record(x, RawOps.LeakyRelu(x.Raw, slope), slope,
            static (n, s) => n.Slope = s);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var pos = Mask(RawOps.Gt(x.Raw, RawOps.Scalar(0, x.DType)), grad.DType);
            return grad * (pos + (1.0 - pos) * Slope);
        }
    }

    /// <summary>y = x if x &gt; 0 else α(eˣ - 1); dL/dx = grad if x &gt; 0 else grad · (y + α).</summary>
    internal sealed class EluBackward0 : SingleInputNode<EluBackward0>
    {
        public double Alpha;
        public override string Name => "EluBackward0";
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, double alpha) =>
            Record(x, RawOps.Elu(x.Raw, alpha), alpha, static (n, a) => n.Alpha = a);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var pos = Mask(RawOps.Gt(x.Raw, RawOps.Scalar(0, x.DType)), grad.DType);
            return grad * (pos + (1.0 - pos) * (y + Alpha));
        }
    }

    /// <summary>y = clamp(x, min, max); dL/dx = grad where min &lt; x &lt; max, else 0 (PyTorch's
    /// hardtanh_backward).</summary>
    internal sealed class HardtanhBackward0 : SingleInputNode<HardtanhBackward0>
    {
        public double Min, Max;
        public override string Name => "HardtanhBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, double min, double max) =>
            Record(x, RawOps.Clamp(x.Raw, min, max), (min, max), static (n, s) => (n.Min, n.Max) = s);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var inside = RawOps.Mul(RawOps.Cast(RawOps.Gt(x.Raw, RawOps.Scalar(Min, x.DType)), grad.DType),
                RawOps.Cast(RawOps.Lt(x.Raw, RawOps.Scalar(Max, x.DType)), grad.DType));
            return grad * new Tensor(inside);
        }
    }

    /// <summary>z = softmax(a) along dim; dL/da = z * (grad - Σ(grad * z)).</summary>
    internal sealed class SoftmaxBackward0 : SingleInputNode<SoftmaxBackward0>
    {
        private int _dim;
        public override string Name => "SoftmaxBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int dim) =>
            Record(a, RawOps.Softmax(a.Raw, dim, log: false), Shapes.WrapDim(dim, a.Dim, "softmax"),
                static (n, d) => n._dim = d);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            if (z.Dim == 0) return grad * 0.0;
            if (!Autograd.IsGradEnabled) return new Tensor(RawOps.SoftmaxBackward(grad.Raw, z.Raw, _dim, log: false));
            return z * (grad - (grad * z).Sum(_dim, keepDim: true));
        }
    }

    /// <summary>z = log_softmax(a) along dim; dL/da = grad - exp(z) * Σ grad.</summary>
    internal sealed class LogSoftmaxBackward0 : SingleInputNode<LogSoftmaxBackward0>
    {
        private int _dim;
        public override string Name => "LogSoftmaxBackward0";
        protected override bool SavesInput
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get => false;
        }
        protected override bool SavesOutput
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get => true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int dim) =>
            Record(a, RawOps.Softmax(a.Raw, dim, log: true), Shapes.WrapDim(dim, a.Dim, "log_softmax"),
                static (n, d) => n._dim = d);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            if (z.Dim == 0) return grad * 0.0;
            if (!Autograd.IsGradEnabled) return new Tensor(RawOps.SoftmaxBackward(grad.Raw, z.Raw, _dim, log: true));
            return grad - z.Exp() * grad.Sum(_dim, keepDim: true);
        }
    }
}
