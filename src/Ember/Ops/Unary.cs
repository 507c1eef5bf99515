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
        /// <summary><c>max(x, 0)</c> element-wise.</summary>
        public Tensor ReLU() => ReluBackward0.Apply(this);
        /// <summary>Logistic sigmoid element-wise.</summary>
        public Tensor Sigmoid() => SigmoidBackward0.Apply(this);
        /// <summary>Hyperbolic tangent element-wise.</summary>
        public Tensor Tanh() => TanhBackward0.Apply(this);
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

    /// <summary><c>z = max(a, 0)</c>; dL/da = grad where z &gt; 0, else 0 (PyTorch's <c>threshold_backward</c>).</summary>
    internal sealed class ReluBackward0 : SingleInputNode<ReluBackward0>
    {
        public override string Name => "ReluBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a) => Record(a, RawOps.Relu(a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            if (!Autograd.IsGradEnabled) return new Tensor(RawOps.ReluBackward(grad.Raw, y.Raw));
            // Recorded backward: the mask is a constant of the graph (relu's second derivative is zero almost everywhere).
            return grad * Mask(RawOps.Gt(y.Raw, RawOps.Scalar(0, y.DType)), grad.DType);
        }
    }

    /// <summary><c>z = σ(a)</c>; dL/da = grad * z * (1 - z).</summary>
    internal sealed class SigmoidBackward0 : SingleInputNode<SigmoidBackward0>
    {
        public override string Name => "SigmoidBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a) => Record(a, RawOps.Sigmoid(a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * y * (1.0 - y);
    }

    /// <summary><c>z = tanh a</c>; dL/da = grad * (1 - z²).</summary>
    internal sealed class TanhBackward0 : SingleInputNode<TanhBackward0>
    {
        public override string Name => "TanhBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a) => Record(a, RawOps.Tanh(a.Raw));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * (1.0 - y * y);
    }
}
