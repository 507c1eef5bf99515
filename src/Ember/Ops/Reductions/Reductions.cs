using System;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>Sum over several dims (SumBackward1).</summary>
        public Tensor Sum(int[] dims, bool keepDim = false) => MultiDimReductionBackward.Apply(this, dims, keepDim, mean: false);
        /// <summary>Mean over several dims (MeanBackward1).</summary>
        public Tensor Mean(int[] dims, bool keepDim = false) => MultiDimReductionBackward.Apply(this, dims, keepDim, mean: true);

        /// <summary>Minimum of all elements (0-dim).</summary>
        public Tensor Min() => ExtremeAllBackward.Apply(this, max: false);
        /// <summary>Minimum along <paramref name="dim"/> and the index of its first occurrence.</summary>
        public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false)
        {
            var (values, indices) = RawOps.MinDim(Raw, dim, keepDim);
            return (IndexedReductionBackward.Record(this, values, indices, Shapes.WrapDim(dim, Dim, "min"), keepDim, "MinBackward0"), new Tensor(indices));
        }
        /// <summary>Indices of the minima along <paramref name="dim"/> (int64), or of the flattened tensor.</summary>
        public Tensor Argmin(int? dim = null, bool keepDim = false) =>
            new(dim is int d ? RawOps.MinDim(Raw, d, keepDim).Indices : RawOps.MinDim(RawOps.Reshape(Raw, [NumEl]), 0, false).Indices);

        /// <summary>Maximum over dims (all when none are given); ties share the gradient equally.</summary>
        public Tensor Amax(int[]? dims = null, bool keepDim = false) => AmaxAminBackward.Apply(this, dims, keepDim, max: true);
        /// <summary>Minimum over dims (all when none are given); ties share the gradient equally.</summary>
        public Tensor Amin(int[]? dims = null, bool keepDim = false) => AmaxAminBackward.Apply(this, dims, keepDim, max: false);

        /// <summary>Product of all elements (0-dim).</summary>
        public Tensor Prod() => ProdBackward.Apply(this, null, false);
        /// <summary>Product along <paramref name="dim"/>.</summary>
        public Tensor Prod(int dim, bool keepDim = false) => ProdBackward.Apply(this, dim, keepDim);

        /// <summary>Running sum along <paramref name="dim"/>.</summary>
        public Tensor Cumsum(int dim) => CumsumBackward0.Apply(this, Shapes.WrapDim(dim, Math.Max(Dim, 1), "cumsum"), reverse: false);
        /// <summary>Running product along <paramref name="dim"/>.</summary>
        public Tensor Cumprod(int dim) => CumprodBackward0.Apply(this, Shapes.WrapDim(dim, Math.Max(Dim, 1), "cumprod"));

        /// <summary><c>log Σ exp(x)</c> over <paramref name="dims"/>, computed stably.</summary>
        public Tensor LogSumExp(int[] dims, bool keepDim = false) => LogsumexpBackward0.Apply(this, dims, keepDim);
        /// <summary><c>log Σ exp(x)</c> over <paramref name="dim"/>, computed stably.</summary>
        public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

        /// <summary>Variance over dims (all when none are given); <paramref name="unbiased"/> divides by N - 1.</summary>
        public Tensor Var(int[]? dims = null, bool unbiased = true, bool keepDim = false) => VarStdBackward.Apply(this, dims, unbiased ? 1 : 0, keepDim, std: false);
        /// <summary>Variance along <paramref name="dim"/>.</summary>
        public Tensor Var(int dim, bool unbiased = true, bool keepDim = false) => Var([dim], unbiased, keepDim);
        /// <summary>Standard deviation over dims (all when none are given).</summary>
        public Tensor Std(int[]? dims = null, bool unbiased = true, bool keepDim = false) => VarStdBackward.Apply(this, dims, unbiased ? 1 : 0, keepDim, std: true);
        /// <summary>Standard deviation along <paramref name="dim"/>.</summary>
        public Tensor Std(int dim, bool unbiased = true, bool keepDim = false) => Std([dim], unbiased, keepDim);

        /// <summary>
        /// The p-norm over dims (all when none are given): <c>(Σ|x|^p)^(1/p)</c>; p = ∞ is the largest |x|.
        /// Recorded as one <c>NormBackward1</c> node, as in PyTorch 1.13.
        /// </summary>
        public Tensor Norm(double p = 2, int[]? dims = null, bool keepDim = false) => NormBackward1.Apply(this, p, dims, keepDim);

        /// <summary>Sorted values and the indices they came from, along <paramref name="dim"/> (stable; NaN sorts last).</summary>
        public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
        {
            var (values, indices) = RawOps.Sort(Raw, dim, descending, null, "sort");
            return (IndexedReductionBackward.Record(this, values, indices, Shapes.WrapDim(dim, Math.Max(Dim, 1), "sort"), true, "SortBackward0"), new Tensor(indices));
        }

        /// <summary>The indices that sort the tensor along <paramref name="dim"/>.</summary>
        public Tensor Argsort(int dim = -1, bool descending = false) => new(RawOps.Sort(Raw, dim, descending, null, "argsort").Indices);

        /// <summary>The <paramref name="k"/> largest (or smallest) values along <paramref name="dim"/>, sorted, with their indices.</summary>
        public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true)
        {
            var (values, indices) = RawOps.Sort(Raw, dim, largest, k, "topk");
            return (IndexedReductionBackward.Record(this, values, indices, Shapes.WrapDim(dim, Math.Max(Dim, 1), "topk"), true, "TopkBackward0"), new Tensor(indices));
        }

        /// <summary>Whether any element is true (non-zero), over all elements or along <paramref name="dim"/>.</summary>
        public Tensor Any(int? dim = null, bool keepDim = false) => new(RawOps.AnyAll(Raw, dim, keepDim, all: false));
        /// <summary>Whether all elements are true (non-zero), over all elements or along <paramref name="dim"/>.</summary>
        public Tensor All(int? dim = null, bool keepDim = false) => new(RawOps.AnyAll(Raw, dim, keepDim, all: true));

        /// <summary>One-hot encoding of int64 class indices: <c>[*] → [*, numClasses]</c> int64 (-1 infers the class count).</summary>
        public Tensor OneHot(int numClasses = -1) => new(RawOps.OneHot(Raw, numClasses));
    }
}

namespace Ember.Graph
{
    /// <summary>z = Σ (or mean) over several dims; dL/dx = grad (÷ count) broadcast back.</summary>
    internal sealed class MultiDimReductionBackward : UnaryOutputNode
    {
        private int[] _dims = [];
        private bool _keepDim, _mean;
        private int _count;
        public override string Name => _mean ? "MeanBackward1" : "SumBackward1";

        public static Tensor Apply(Tensor a, int[] dims, bool keepDim, bool mean)
        {
            int[] d = RawOps.NormalizeDims(dims, a.Dim, mean ? "mean" : "sum");
            if (mean && !a.DType.IsFloatingPoint())
                throw new ArgumentException($"mean: input dtype must be floating point, got {a.DType.TorchName()}.");
            int count = 1;
            foreach (int i in d) count *= a.Shape[i];
            var raw = RawOps.SumDims(a.DType.IsFloatingPoint() ? a.Raw : RawOps.Cast(a.Raw, DType.Int64), d, keepDim);
            if (mean) raw = RawOps.Div(raw, RawOps.Scalar(count, raw.DType));
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new MultiDimReductionBackward { _dims = d, _keepDim = keepDim, _mean = mean, _count = count };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor g = _mean ? grad / (double)_count : grad;
            return [ReductionGrad.ExpandBack(g, InputShape(0), _dims, _keepDim)];
        }
    }

    /// <summary>Broadcasting a reduced gradient back to the input's shape.</summary>
    internal static class ReductionGrad
    {
        public static Tensor ExpandBack(Tensor grad, int[] inputShape, int[] dims, bool keepDim)
        {
            if (inputShape.Length == 0) return grad;
            if (!keepDim) foreach (int d in dims) grad = grad.Unsqueeze(d);
            return grad.Expand(inputShape);
        }

        /// <summary>
        /// The weights that share an extreme value's gradient evenly among the elements of <paramref name="x"/> equal to it
        /// (<paramref name="extreme"/> kept-dim over <paramref name="dims"/>): 1/count at each match, 0 elsewhere. A constant of the graph.
        /// </summary>
        public static Tensor ShareAmongMatches(Tensor x, Tensor extreme, int[] dims, DType dt)
        {
            var mask = RawOps.Cast(RawOps.Eq(x.Raw, extreme.Raw), dt);
            return new Tensor(RawOps.Div(mask, RawOps.SumDims(mask, dims, keepDim: true)));
        }

        /// <summary>The reduced result, reshaped so it broadcasts against the input.</summary>
        public static Tensor KeepDims(Tensor reduced, int[] dims, bool keepDim)
        {
            if (keepDim) return reduced;
            foreach (int d in dims) reduced = reduced.Unsqueeze(d);
            return reduced;
        }
    }

    /// <summary>z = min (or max) over all elements; dL/dx = grad shared evenly among the elements equal to z.</summary>
    internal sealed class ExtremeAllBackward : SingleInputNode<ExtremeAllBackward>
    {
        private bool _max;
        public override string Name => _max ? "MaxBackward1" : "MinBackward1";
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor x, bool max) =>
            Record(x, max ? RawOps.MaxAll(x.Raw) : RawOps.MinAll(x.Raw), max, static (n, m) => n._max = m);

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z) =>
            grad * ReductionGrad.ShareAmongMatches(x, z, RawOps.NormalizeDims(null, x.Dim, "max"), grad.DType);
    }

    /// <summary>
    /// Values selected from x along a dim by an index tensor (min/max with dim, sort, topk); dL/dx = grad scattered
    /// back to the selected positions (<c>zeros.scatter_add(dim, indices, grad)</c>).
    /// </summary>
    internal sealed class IndexedReductionBackward : UnaryOutputNode
    {
        private RawTensor? _indices;
        private int _dim;
        private bool _keepDim;
        private string _name = "";
        public override string Name => _name;

        public static Tensor Record(Tensor x, RawTensor values, RawTensor indices, int dim, bool keepDim, string name)
        {
            if (!Autograd.ShouldRecord(x) || !values.DType.IsFloatingPoint()) return new Tensor(values);
            var node = new IndexedReductionBackward { _indices = keepDim || x.Dim == 0 ? indices : RawOps.Unsqueeze(indices, dim), _dim = dim, _keepDim = keepDim, _name = name };
            node.SetInputs(x);
            return new Tensor(values, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = InputShape(0);
            if (shape.Length == 0) return [grad.Reshape([])];
            Tensor g = _keepDim ? grad : grad.Unsqueeze(_dim);
            return [new Tensor(RawOps.Full(shape, 0, g.DType)).ScatterAdd(_dim, new Tensor(_indices!), g)];
        }
    }

    /// <summary>z = amax/amin over dims; dL/dx = grad shared evenly among the elements equal to the extreme of their slice.</summary>
    internal sealed class AmaxAminBackward : SingleInputNode<AmaxAminBackward>
    {
        private int[] _dims = [];
        private bool _keepDim, _max;
        public override string Name => _max ? "AmaxBackward0" : "AminBackward0";
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor x, int[]? dims, bool keepDim, bool max)
        {
            int[] d = RawOps.NormalizeDims(dims, x.Dim, max ? "amax" : "amin");
            return Record(x, RawOps.AmaxAmin(x.Raw, d, keepDim, max), (d, keepDim, max), static (n, s) => (n._dims, n._keepDim, n._max) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z) =>
            ReductionGrad.KeepDims(grad, _dims, _keepDim) * ReductionGrad.ShareAmongMatches(x, ReductionGrad.KeepDims(z, _dims, _keepDim), _dims, grad.DType);
    }

    /// <summary>z = Π x (all: ProdBackward0, along a dim: ProdBackward1); dL/dx_k = grad · Π_{i≠k} x_i (exact with zeros).</summary>
    internal sealed class ProdBackward : SingleInputNode<ProdBackward>
    {
        private int? _dim;
        private bool _keepDim;
        public override string Name => _dim is null ? "ProdBackward0" : "ProdBackward1";
        protected override bool SavesOutput => true;

        /// <summary>The differentiable product gradients divide by x, so a zero would silently give NaN: refuse instead.</summary>
        internal static void ThrowIfAnyZero(Tensor x, string op)
        {
            if (new Tensor(RawOps.AnyAll(RawOps.Eq(x.Raw, RawOps.Scalar(0, x.DType)), null, false, all: false)).Item<bool>())
                throw new NotSupportedException(
                    $"{op}: backward with createGraph: true through a product that contains zeros is not supported yet " +
                    "(the first-order gradient is exact without createGraph).");
        }

        public static Tensor Apply(Tensor x, int? dim, bool keepDim)
        {
            int? d = dim is int dd ? Shapes.WrapDim(dd, Math.Max(x.Dim, 1), "prod") : null;
            var raw = d is int w ? RawOps.Prod(x.Raw, w, keepDim) : RawOps.Prod(RawOps.Reshape(x.Raw, [x.NumEl]), 0, false);
            return Record(x, raw, (d, keepDim), static (n, s) => (n._dim, n._keepDim) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            int[] shape = InputShape(0);
            if (!Autograd.IsGradEnabled)
            {
                RawTensor xs = _dim is null ? RawOps.Reshape(x.Raw, [x.NumEl]) : x.Raw;
                int dim = _dim ?? 0;
                RawTensor g = _dim is null ? RawOps.Reshape(grad.Raw, [1]) : (_keepDim || x.Dim == 0 ? grad.Raw : RawOps.Unsqueeze(grad.Raw, dim));
                return new Tensor(RawOps.Reshape(RawOps.ProdBackward(xs, g, dim), shape));
            }
            // Recorded (createGraph) form, valid where no element is zero: grad · z / x.
            ThrowIfAnyZero(x, "prod");
            int[] dims = _dim is int dd ? [dd] : RawOps.NormalizeDims(null, x.Dim, "prod");
            return ReductionGrad.KeepDims(grad * z, dims, _dim is not null && _keepDim).Expand(shape) / x;
        }
    }

    /// <summary>z = cumsum(x) along dim; dL/dx = reverse cumsum of grad (and the reverse's derivative is a forward cumsum).</summary>
    internal sealed class CumsumBackward0 : UnaryOutputNode
    {
        private int _dim;
        private bool _reverse;
        public override string Name => "CumsumBackward0";

        public static Tensor Apply(Tensor x, int dim, bool reverse)
        {
            var raw = RawOps.Cumsum(x.Raw, dim, reverse);
            if (!Autograd.ShouldRecord(x)) return new Tensor(raw);
            var node = new CumsumBackward0 { _dim = dim, _reverse = reverse };
            node.SetInputs(x);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [Apply(grad, _dim, !_reverse)];
    }

    /// <summary>z = cumprod(x) along dim; dL/dx_k = Σ_{j≥k} grad_j · Π_{i≤j, i≠k} x_i (exact with zeros).</summary>
    internal sealed class CumprodBackward0 : SingleInputNode<CumprodBackward0>
    {
        private int _dim;
        public override string Name => "CumprodBackward0";
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor x, int dim) => Record(x, RawOps.Cumprod(x.Raw, dim), dim, static (n, d) => n._dim = d);

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            if (!Autograd.IsGradEnabled) return new Tensor(RawOps.CumprodBackward(x.Raw, grad.Raw, _dim));
            // Recorded form, valid where no element is zero: reverse-cumsum(grad · z) / x.
            ProdBackward.ThrowIfAnyZero(x, "cumprod");
            return CumsumBackward0.Apply(grad * z, _dim, reverse: true) / x;
        }
    }

    /// <summary>z = log Σ exp(x) over dims; dL/dx = grad · exp(x - z).</summary>
    internal sealed class LogsumexpBackward0 : SingleInputNode<LogsumexpBackward0>
    {
        private int[] _dims = [];
        private bool _keepDim;
        public override string Name => "LogsumexpBackward0";
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor x, int[] dims, bool keepDim)
        {
            int[] d = RawOps.NormalizeDims(dims, x.Dim, "logsumexp");
            return Record(x, RawOps.LogSumExp(x.Raw, d, keepDim), (d, keepDim), static (n, s) => (n._dims, n._keepDim) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z) =>
            ReductionGrad.KeepDims(grad, _dims, _keepDim) * (x - ReductionGrad.KeepDims(z, _dims, _keepDim)).Exp();
    }

    /// <summary>z = var(x) (or std) over dims with a correction; dL/dx = grad · 2(x - mean)/(N - c) (÷ 2·std for std).</summary>
    internal sealed class VarStdBackward : SingleInputNode<VarStdBackward>
    {
        private int[] _dims = [];
        private bool _keepDim, _std;
        private double _denominator;
        public override string Name => _std ? "StdBackward0" : "VarBackward0";
        protected override bool SavesOutput => _std;

        public static Tensor Apply(Tensor x, int[]? dims, double correction, bool keepDim, bool std)
        {
            int[] d = RawOps.NormalizeDims(dims, x.Dim, std ? "std" : "var");
            var raw = RawOps.Var(x.Raw, d, correction, keepDim);
            if (std) raw = RawOps.Sqrt(raw);
            int count = 1;
            foreach (int i in d) count *= x.Dim == 0 ? 1 : x.Shape[i];
            return Record(x, raw, (d, keepDim, std, Math.Max(count - correction, 0)),
                static (n, s) => (n._dims, n._keepDim, n._std, n._denominator) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            Tensor centered = x - x.Mean(_dims, keepDim: true);
            Tensor g = ReductionGrad.KeepDims(grad, _dims, _keepDim);
            if (_std) g = g / (2.0 * ReductionGrad.KeepDims(z, _dims, _keepDim));
            return g * centered * (2.0 / _denominator);
        }
    }

    /// <summary>
    /// z = ‖x‖_p over dims; dL/dx = grad · |x|^(p-1)·sign(x) / z^(p-1) (p = 2: x/z; p = 1: sign(x); p = ∞: shared among the maxima of |x|).
    /// </summary>
    internal sealed class NormBackward1 : SingleInputNode<NormBackward1>
    {
        private int[] _dims = [];
        private bool _keepDim;
        private double _p;
        public override string Name => "NormBackward1";
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor x, double p, int[]? dims, bool keepDim)
        {
            if (!x.DType.IsFloatingPoint())
                throw new ArgumentException($"norm: expected a floating-point tensor, got {x.DType.TorchName()}.");
            int[] d = RawOps.NormalizeDims(dims, x.Dim, "norm");
            RawTensor abs = RawOps.Abs(x.Raw);
            RawTensor raw = double.IsPositiveInfinity(p) ? RawOps.AmaxAmin(abs, d, keepDim, max: true)
                : p == 0 ? RawOps.SumDims(RawOps.Cast(RawOps.Ne(abs, RawOps.Scalar(0, x.DType)), x.DType), d, keepDim)
                : p == 1 ? RawOps.SumDims(abs, d, keepDim)
                : p == 2 ? RawOps.Sqrt(RawOps.SumDims(RawOps.Mul(abs, abs), d, keepDim))
                : RawOps.Pow(RawOps.SumDims(RawOps.Pow(abs, RawOps.Scalar(p, x.DType)), d, keepDim), RawOps.Scalar(1 / p, x.DType));
            return Record(x, raw, (d, keepDim, p), static (n, s) => (n._dims, n._keepDim, n._p) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor reduced)
        {
            Tensor z = ReductionGrad.KeepDims(reduced, _dims, _keepDim);
            Tensor g = ReductionGrad.KeepDims(grad, _dims, _keepDim);
            if (_p == 0) return x * 0.0;
            if (_p == 1) return g * x.Sign();
            if (_p == 2) return g * x / z.Clamp(min: double.Epsilon);
            if (double.IsPositiveInfinity(_p))
                return g * x.Sign() * ReductionGrad.ShareAmongMatches(new Tensor(RawOps.Abs(x.Raw)), z, _dims, grad.DType);
            return g * x.Sign() * x.Abs().Pow(_p - 1) / z.Pow(_p - 1);
        }
    }
}
