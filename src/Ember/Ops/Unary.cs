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
    internal sealed class ExpBackward0 : UnaryOutputNode
    {
        private SavedTensor? _z;
        public override string Name => "ExpBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = RawOps.Exp(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new ExpBackward0();
            node.SetInputs(a);
            var z = new Tensor(raw, node);
            node._z = node.Save(z);
            return z;
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad * Unpack(_z!)];
    }

    /// <summary><c>z = ln a</c>; dL/da = grad / a.</summary>
    internal sealed class LogBackward0 : UnaryOutputNode
    {
        private SavedTensor? _a;
        public override string Name => "LogBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = RawOps.Log(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new LogBackward0();
            node.SetInputs(a);
            node._a = node.Save(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad / Unpack(_a!)];
    }

    /// <summary><c>z = √a</c>; dL/da = grad / (2z).</summary>
    internal sealed class SqrtBackward0 : UnaryOutputNode
    {
        private SavedTensor? _z;
        public override string Name => "SqrtBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = RawOps.Sqrt(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new SqrtBackward0();
            node.SetInputs(a);
            var z = new Tensor(raw, node);
            node._z = node.Save(z);
            return z;
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad / (2.0 * Unpack(_z!))];
    }

    /// <summary><c>z = max(a, 0)</c>; dL/da = grad where z &gt; 0, else 0 (PyTorch's <c>threshold_backward</c>).</summary>
    internal sealed class ReluBackward0 : UnaryOutputNode
    {
        private SavedTensor? _z;
        public override string Name => "ReluBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = RawOps.Relu(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new ReluBackward0();
            node.SetInputs(a);
            var z = new Tensor(raw, node);
            node._z = node.Save(z);
            return z;
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor z = Unpack(_z!);
            if (!Autograd.IsGradEnabled) return [new Tensor(RawOps.ReluBackward(grad.Raw, z.Raw))];
            // Recorded backward: the mask is a constant of the graph (relu's second derivative is zero almost everywhere).
            var mask = new Tensor(RawOps.Cast(RawOps.Gt(z.Raw, RawOps.Scalar(0, z.DType)), grad.DType));
            return [grad * mask];
        }
    }

    /// <summary><c>z = σ(a)</c>; dL/da = grad * z * (1 - z).</summary>
    internal sealed class SigmoidBackward0 : UnaryOutputNode
    {
        private SavedTensor? _z;
        public override string Name => "SigmoidBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = RawOps.Sigmoid(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new SigmoidBackward0();
            node.SetInputs(a);
            var z = new Tensor(raw, node);
            node._z = node.Save(z);
            return z;
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor z = Unpack(_z!);
            return [grad * z * (1.0 - z)];
        }
    }

    /// <summary><c>z = tanh a</c>; dL/da = grad * (1 - z²).</summary>
    internal sealed class TanhBackward0 : UnaryOutputNode
    {
        private SavedTensor? _z;
        public override string Name => "TanhBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = RawOps.Tanh(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new TanhBackward0();
            node.SetInputs(a);
            var z = new Tensor(raw, node);
            node._z = node.Save(z);
            return z;
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor z = Unpack(_z!);
            return [grad * (1.0 - z * z)];
        }
    }
}
