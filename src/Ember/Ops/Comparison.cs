using System;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>Sum of all elements (0-dim). Integers sum to int64.</summary>
        public Tensor Sum() => SumBackward.Apply(this, null, false);
        /// <summary>Sum along <paramref name="dim"/>.</summary>
        public Tensor Sum(int dim, bool keepDim = false) => SumBackward.Apply(this, dim, keepDim);
        /// <summary>Mean of all elements (0-dim); floating-point tensors only.</summary>
        public Tensor Mean() => MeanBackward.Apply(this, null, false);
        /// <summary>Mean along <paramref name="dim"/>.</summary>
        public Tensor Mean(int dim, bool keepDim = false) => MeanBackward.Apply(this, dim, keepDim);
        /// <summary>Maximum of all elements (0-dim).</summary>
        public Tensor Max() => ExtremeAllBackward.Apply(this, max: true);
        /// <summary>Maximum along <paramref name="dim"/> and the index of its first occurrence.</summary>
        public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false)
        {
            var (values, indices) = RawOps.MaxDim(Raw, dim, keepDim);
            return (IndexedReductionBackward.Record(this, values, indices!, Shapes.WrapDim(dim, Dim, "max"), keepDim, "MaxBackward0"), new Tensor(indices!));
        }
        /// <summary>Index of the maximum over the flattened tensor (0-dim int64).</summary>
        public Tensor Argmax() => new(RawOps.Argmax(Raw, null, false));
        /// <summary>Indices of the maxima along <paramref name="dim"/> (int64).</summary>
        public Tensor Argmax(int dim, bool keepDim = false) => new(RawOps.Argmax(Raw, dim, keepDim));
        /// <summary>Softmax along <paramref name="dim"/>: <c>exp(x) / Σ exp(x)</c>, computed stably.</summary>
        public Tensor Softmax(int dim) => SoftmaxBackward0.Apply(this, dim);
        /// <summary>Log-softmax along <paramref name="dim"/>: <c>x - log Σ exp(x)</c>, computed stably.</summary>
        public Tensor LogSoftmax(int dim) => LogSoftmaxBackward0.Apply(this, dim);

        /// <summary>Element-wise <c>==</c> (bool result). Tensors have no <c>==</c> operator: it would break <c>x == null</c>.</summary>
        public Tensor Eq(Tensor other) => new(RawOps.Eq(Raw, other.Raw));
        /// <summary>Element-wise <c>== value</c>.</summary>
        public Tensor Eq(double value) => new(RawOps.Eq(Raw, WrapScalar(value, value != Math.Floor(value)).Raw));
        /// <summary>Element-wise <c>&lt;</c>.</summary>
        public Tensor Lt(Tensor other) => new(RawOps.Lt(Raw, other.Raw));
        /// <summary>Element-wise <c>&lt; value</c>.</summary>
        public Tensor Lt(double value) => new(RawOps.Lt(Raw, WrapScalar(value, value != Math.Floor(value)).Raw));
        /// <summary>Element-wise <c>&gt;</c>.</summary>
        public Tensor Gt(Tensor other) => new(RawOps.Gt(Raw, other.Raw));
        /// <summary>Element-wise <c>&gt; value</c>.</summary>
        public Tensor Gt(double value) => new(RawOps.Gt(Raw, WrapScalar(value, value != Math.Floor(value)).Raw));
        /// <summary>Element-wise <c>&lt;</c> (bool tensor).</summary>
        public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
        /// <summary>Element-wise <c>&gt;</c> (bool tensor).</summary>
        public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
        /// <summary>Element-wise <c>&lt; value</c> (bool tensor).</summary>
        public static Tensor operator <(Tensor a, double b) => a.Lt(b);
        /// <summary>Element-wise <c>&gt; value</c> (bool tensor).</summary>
        public static Tensor operator >(Tensor a, double b) => a.Gt(b);
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// z = Σ a over all elements (SumBackward0) or along a dim (SumBackward1); dL/da = grad broadcast back to a's shape.
    /// </summary>
    internal sealed class SumBackward : UnaryOutputNode
    {
        private int? _dim;
        private bool _keepDim;
        public override string Name => _dim is null ? "SumBackward0" : "SumBackward1";

        public static Tensor Apply(Tensor a, int? dim, bool keepDim)
        {
            var raw = dim is int d ? RawOps.Sum(a.Raw, d, keepDim) : RawOps.SumAll(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new SumBackward { _dim = dim is int dd ? Shapes.WrapDim(dd, a.Dim, "sum") : null, _keepDim = keepDim };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [ExpandBack(grad, InputShape(0), _dim, _keepDim)];

        /// <summary>Broadcasts the gradient of a reduction back to the input's shape.</summary>
        internal static Tensor ExpandBack(Tensor grad, int[] inputShape, int? dim, bool keepDim)
        {
            if (inputShape.Length == 0) return grad;
            if (dim is int d && !keepDim) grad = grad.Unsqueeze(d);
            return grad.Expand(inputShape);
        }
    }

    /// <summary>z = mean of a (all: MeanBackward0, along a dim: MeanBackward1); dL/da = grad / n broadcast back.</summary>
    internal sealed class MeanBackward : UnaryOutputNode
    {
        private int? _dim;
        private bool _keepDim;
        private int _count;
        public override string Name => _dim is null ? "MeanBackward0" : "MeanBackward1";

        public static Tensor Apply(Tensor a, int? dim, bool keepDim)
        {
            if (!a.DType.IsFloatingPoint())
                throw new ArgumentException($"mean: could not infer output dtype; input dtype must be floating point, got {a.DType.TorchName()}. Convert with .To(DType.Float32).");
            int? wd = dim is int d ? Shapes.WrapDim(d, a.Dim, "mean") : null;
            int count = wd is int w ? (a.Dim == 0 ? 1 : a.Raw.Shape[w]) : a.NumEl;
            var sum = wd is int ww ? RawOps.Sum(a.Raw, ww, keepDim) : RawOps.SumAll(a.Raw);
            var raw = RawOps.Div(sum, RawOps.Scalar(count, sum.DType));
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new MeanBackward { _dim = wd, _keepDim = keepDim, _count = count };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
            [SumBackward.ExpandBack(grad / (double)_count, InputShape(0), _dim, _keepDim)];
    }

    /// <summary>z = softmax(a) along dim; dL/da = z * (grad - Σ(grad * z)).</summary>
    internal sealed class SoftmaxBackward0 : SingleInputNode<SoftmaxBackward0>
    {
        private int _dim;
        public override string Name => "SoftmaxBackward0";
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a, int dim) =>
            Record(a, RawOps.Softmax(a.Raw, dim, log: false), Shapes.WrapDim(dim, a.Dim, "softmax"), static (n, d) => n._dim = d);

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
        protected override bool SavesInput => false;
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor a, int dim) =>
            Record(a, RawOps.Softmax(a.Raw, dim, log: true), Shapes.WrapDim(dim, a.Dim, "log_softmax"), static (n, d) => n._dim = d);

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            if (z.Dim == 0) return grad * 0.0;
            if (!Autograd.IsGradEnabled) return new Tensor(RawOps.SoftmaxBackward(grad.Raw, z.Raw, _dim, log: true));
            return grad - z.Exp() * grad.Sum(_dim, keepDim: true);
        }
    }
}
