using Ember.Core;
using Ember.Graph;

namespace Ember.Graph
{
    /// <summary>y = x·Φ(x) (exact) or its tanh approximation; dL/dx = grad · dy/dx.</summary>
    internal sealed class GeluBackward0 : SingleInputNode<GeluBackward0>
    {
        public bool Tanh;
        public override string Name => "GeluBackward0";

        public static Tensor Apply(Tensor x, bool tanh) => Record(x, RawOps.Gelu(x.Raw, tanh), n => n.Tanh = tanh);

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

        public static Tensor Apply(Tensor x) => Record(x, RawOps.Silu(x.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            Tensor s = x.Sigmoid();
            return grad * (s * (1.0 + x * (1.0 - s)));
        }
    }

    /// <summary>y = ln(1 + e^(βx))/β (x where βx &gt; threshold); dL/dx = grad · σ(βx) (grad where βx &gt; threshold).</summary>
    internal sealed class SoftplusBackward0 : SingleInputNode<SoftplusBackward0>
    {
        public double Beta, Threshold;
        public override string Name => "SoftplusBackward0";

        public static Tensor Apply(Tensor x, double beta, double threshold) =>
            Record(x, RawOps.Softplus(x.Raw, beta, threshold), n => (n.Beta, n.Threshold) = (beta, threshold));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var linear = Mask(RawOps.Gt(RawOps.Mul(x.Raw, RawOps.Scalar(Beta, x.DType)), RawOps.Scalar(Threshold, x.DType)), grad.DType);
            Tensor s = (x * Beta).Sigmoid();
            return grad * (linear + (1.0 - linear) * s);
        }
    }

    /// <summary>y = x if x &gt; 0 else slope·x; dL/dx = grad · (1 or slope).</summary>
    internal sealed class LeakyReluBackward0 : SingleInputNode<LeakyReluBackward0>
    {
        public double Slope;
        public override string Name => "LeakyReluBackward0";

        public static Tensor Apply(Tensor x, double slope) => Record(x, RawOps.LeakyRelu(x.Raw, slope), n => n.Slope = slope);

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

        public static Tensor Apply(Tensor x, double alpha) => Record(x, RawOps.Elu(x.Raw, alpha), n => n.Alpha = alpha);

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var pos = Mask(RawOps.Gt(x.Raw, RawOps.Scalar(0, x.DType)), grad.DType);
            return grad * (pos + (1.0 - pos) * (y + Alpha));
        }
    }

    /// <summary>y = clamp(x, min, max); dL/dx = grad where min &lt; x &lt; max, else 0 (PyTorch's hardtanh_backward).</summary>
    internal sealed class HardtanhBackward0 : SingleInputNode<HardtanhBackward0>
    {
        public double Min, Max;
        public override string Name => "HardtanhBackward0";

        public static Tensor Apply(Tensor x, double min, double max) => Record(x, RawOps.Clamp(x.Raw, min, max), n => (n.Min, n.Max) = (min, max));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var inside = RawOps.Mul(RawOps.Cast(RawOps.Gt(x.Raw, RawOps.Scalar(Min, x.DType)), grad.DType),
                RawOps.Cast(RawOps.Lt(x.Raw, RawOps.Scalar(Max, x.DType)), grad.DType));
            return grad * new Tensor(inside);
        }
    }
}
