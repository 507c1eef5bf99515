using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>Sum of all elements (0-dim). Integers sum to int64.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Tensor Sum() => SumBackward.Apply(this);
        /// <summary>Sum along <paramref name="dim"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Tensor Sum(int dim, bool keepDim = false) => SumBackward.Apply(this, dim, keepDim);
        /// <summary>Sum over several dims (SumBackward1).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Tensor Sum(int[] dims, bool keepDim = false) => SumBackward.Apply(this, dims, keepDim);
        /// <summary>Mean of all elements (0-dim); floating-point tensors only.</summary>
        public Tensor Mean() => MeanBackward.Apply(this);
        /// <summary>Mean along <paramref name="dim"/>.</summary>
        public Tensor Mean(int dim, bool keepDim = false) => MeanBackward.Apply(this, dim, keepDim);
        /// <summary>Mean over several dims (MeanBackward1).</summary>
        public Tensor Mean(int[] dims, bool keepDim = false) => MeanBackward.Apply(this, dims, keepDim);

        /// <summary>Maximum of all elements (0-dim).</summary>
        public Tensor Max() => MaxMinAllBackward.Apply(this, max: true);
        /// <summary>Maximum along <paramref name="dim"/> and the index of its first occurrence.</summary>
        public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false)
        {
            var (values, indices) = RawOps.MaxDim(Raw, dim, keepDim);
            return (IndexedValuesBackward.Apply(this, values, indices!, Shapes.WrapDim(dim, Dim, "max"), keepDim,
                IndexedValuesBackward.Kind.Max), new Tensor(indices!));
        }
        /// <summary>Minimum of all elements (0-dim).</summary>
        public Tensor Min() => MaxMinAllBackward.Apply(this, max: false);
        /// <summary>Minimum along <paramref name="dim"/> and the index of its first occurrence.</summary>
        public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false)
        {
            var (values, indices) = RawOps.MinDim(Raw, dim, keepDim);
            return (IndexedValuesBackward.Apply(this, values, indices, Shapes.WrapDim(dim, Dim, "min"), keepDim,
                IndexedValuesBackward.Kind.Min), new Tensor(indices));
        }
        /// <summary>Index of the maximum over the flattened tensor (0-dim int64).</summary>
        public Tensor Argmax() =>
            OpTracer.Untraced("argmax", new(RawOps.Argmax(Raw, null, false)), ((int?)null, false), this);
        /// <summary>Indices of the maxima along <paramref name="dim"/> (int64).</summary>
        public Tensor Argmax(int dim, bool keepDim = false) =>
            OpTracer.Untraced("argmax", new(RawOps.Argmax(Raw, dim, keepDim)), ((int?)dim, keepDim), this);
        /// <summary>Indices of the minima along <paramref name="dim"/> (int64), or of the flattened tensor (shaped
        /// all ones with <paramref name="keepDim"/>, as in PyTorch 1.13).</summary>
        public Tensor Argmin(int? dim = null, bool keepDim = false) => OpTracer.Untraced("argmin",
            new(dim is int d ? RawOps.MinDim(Raw, d, keepDim).Indices
                : KeepAllDims(RawOps.MinDim(RawOps.Reshape(Raw, [NumEl]), 0, false).Indices, keepDim)), (dim, keepDim),
            this);

        /// <summary>Maximum over dims (all when none are given); ties share the gradient equally.</summary>
        public Tensor Amax(int[]? dims = null, bool keepDim = false) =>
            AmaxAminBackward.Apply(this, dims, keepDim, max: true);
        /// <summary>Minimum over dims (all when none are given); ties share the gradient equally.</summary>
        public Tensor Amin(int[]? dims = null, bool keepDim = false) =>
            AmaxAminBackward.Apply(this, dims, keepDim, max: false);

        /// <summary>Product of all elements (0-dim).</summary>
        public Tensor Prod() => ProdBackward.Apply(this, null, false);
        /// <summary>Product along <paramref name="dim"/>.</summary>
        public Tensor Prod(int dim, bool keepDim = false) => ProdBackward.Apply(this, dim, keepDim);

        /// <summary><c>log Σ exp(x)</c> over <paramref name="dims"/>, computed stably.</summary>
        public Tensor LogSumExp(int[] dims, bool keepDim = false) => LogsumexpBackward0.Apply(this, dims, keepDim);
        /// <summary><c>log Σ exp(x)</c> over <paramref name="dim"/>, computed stably.</summary>
        public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

        /// <summary>Variance over dims (all when none are given); <paramref name="unbiased"/> divides by N -
        /// 1.</summary>
        public Tensor Var(int[]? dims = null, bool unbiased = true, bool keepDim = false) =>
            VarStdBackward.Apply(this, dims, unbiased ? 1 : 0, keepDim, std: false);
        /// <summary>Variance along <paramref name="dim"/>.</summary>
        public Tensor Var(int dim, bool unbiased = true, bool keepDim = false) => Var([dim], unbiased, keepDim);
        /// <summary>Standard deviation over dims (all when none are given).</summary>
        public Tensor Std(int[]? dims = null, bool unbiased = true, bool keepDim = false) =>
            VarStdBackward.Apply(this, dims, unbiased ? 1 : 0, keepDim, std: true);
        /// <summary>Standard deviation along <paramref name="dim"/>.</summary>
        public Tensor Std(int dim, bool unbiased = true, bool keepDim = false) => Std([dim], unbiased, keepDim);

        /// <summary>
        /// The p-norm over dims (all when none are given): <c>(Σ|x|^p)^(1/p)</c>; p = ∞ is the largest |x|.
        /// Recorded as one <c>NormBackward1</c> node, as in PyTorch 1.13.
        /// </summary>
        public Tensor Norm(double p = 2, int[]? dims = null, bool keepDim = false) =>
            NormBackward1.Apply(this, p, dims, keepDim);

        /// <summary>Whether any element is true (non-zero), over all elements or along
        /// <paramref name="dim"/>.</summary>
        public Tensor Any(int? dim = null, bool keepDim = false) =>
            OpTracer.Untraced("any", new(RawOps.AnyAll(Raw, dim, keepDim, all: false)), (dim, keepDim), this);
        /// <summary>Whether all elements are true (non-zero), over all elements or along
        /// <paramref name="dim"/>.</summary>
        public Tensor All(int? dim = null, bool keepDim = false) =>
            OpTracer.Untraced("all", new(RawOps.AnyAll(Raw, dim, keepDim, all: true)), (dim, keepDim), this);
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// <c>SumBackward0</c> (all elements) / <c>SumBackward1</c> (over dims): z = Σ a; dL/da = grad broadcast back to
    /// a's shape (unsqueezed at the reduced dims first when they were not kept).
    /// </summary>
    internal sealed class SumBackward : SingleOutputNode
    {
        private int[]? _dims;
        private bool _keepDim;
        public override string Name => _dims is null ? "SumBackward0" : "SumBackward1";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a) => Record<SumBackward>(a, RawOps.SumAll(a.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int dim, bool keepDim) =>
            Record(a, RawOps.Sum(a.Raw, dim, keepDim), (dim, keepDim),
                static (SumBackward n, Tensor a, (int Dim, bool KeepDim) s) =>
                (n._dims, n._keepDim) = ([Shapes.WrapDim(s.Dim, a.Dim, "sum")], s.KeepDim));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int[] dims, bool keepDim)
        {
            int[] d = RawOps.NormalizeDims(dims, a.Dim, "sum");
            var raw = RawOps.SumDims(a.DType.IsFloatingPoint() ? a.Raw : RawOps.Cast(a.Raw, DType.Int64), d, keepDim);
            return Record(a, raw, (d, keepDim), static (SumBackward n, Tensor _, (int[] Dims, bool KeepDim) s) =>
                (n._dims, n._keepDim) = s);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [ReductionGrad.ExpandBack(grad, InputShape(0), _dims, _keepDim)];
    }

    /// <summary>
    /// <c>MeanBackward0</c> (all elements) / <c>MeanBackward1</c> (over dims): z = Σ a / n; dL/da = grad / n broadcast
    /// back to a's shape.
    /// </summary>
    internal sealed class MeanBackward : SingleOutputNode
    {
        private int[]? _dims;
        private bool _keepDim;
        private int _count;
        public override string Name => _dims is null ? "MeanBackward0" : "MeanBackward1";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a)
        {
            ThrowIfNotFloating(a);
            var sum = RawOps.SumAll(a.Raw);
            return Record(a, RawOps.Div(sum, RawOps.Scalar(a.NumEl, sum.DType)), a.NumEl,
                static (MeanBackward n, Tensor _, int count) => n._count = count);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int dim, bool keepDim)
        {
            ThrowIfNotFloating(a);
            int w = Shapes.WrapDim(dim, a.Dim, "mean");
            int count = a.Dim == 0 ? 1 : a.Raw.Shape[w];
            var sum = RawOps.Sum(a.Raw, w, keepDim);
            return Record(a, RawOps.Div(sum, RawOps.Scalar(count, sum.DType)), (w, keepDim, count),
                static (MeanBackward n, Tensor _, (int Dim, bool KeepDim, int Count) s) =>
                    (n._dims, n._keepDim, n._count) = ([s.Dim], s.KeepDim, s.Count));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int[] dims, bool keepDim)
        {
            int[] d = RawOps.NormalizeDims(dims, a.Dim, "mean");
            if (!a.DType.IsFloatingPoint())
                throw new ArgumentException($"mean: input dtype must be floating point, got {a.DType.TorchName()}.");
            int count = 1;
            foreach (int i in d) count *= a.Shape[i];
            var sum = RawOps.SumDims(a.Raw, d, keepDim);
            return Record(a, RawOps.Div(sum, RawOps.Scalar(count, sum.DType)), (d, keepDim, count),
                static (MeanBackward n, Tensor _, (int[] Dims, bool KeepDim, int Count) s) =>
                    (n._dims, n._keepDim, n._count) = s);
        }

        private static void ThrowIfNotFloating(Tensor a)
        {
            if (!a.DType.IsFloatingPoint())
                throw new ArgumentException(
                    "mean: could not infer output dtype; input dtype must be floating point, " +
                    $"got {a.DType.TorchName()}. Convert with .To(DType.Float32).");
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [ReductionGrad.ExpandBack(grad / (double)_count, InputShape(0), _dims, _keepDim)];
    }

    /// <summary>Broadcasting a reduced gradient back to the input's shape.</summary>
    internal static class ReductionGrad
    {
        /// <summary>
        /// The gradient of a reduction over <paramref name="dims"/> (all when null) in the input's shape.
        /// </summary>
        public static Tensor ExpandBack(Tensor grad, int[] inputShape, int[]? dims, bool keepDim)
        {
            if (inputShape.Length == 0) return grad;
            if (dims is not null && !keepDim) foreach (int d in dims) grad = grad.Unsqueeze(d);
            return grad.Expand(inputShape);
        }

        /// <summary>
        /// The weights that share an extreme value's gradient evenly among the elements of <paramref name="x"/> equal
        /// to it (<paramref name="extreme"/> kept-dim over <paramref name="dims"/>): 1/count at each match, 0
        /// elsewhere. A constant of the graph.
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

    /// <summary>
    /// <c>MaxBackward1</c> / <c>MinBackward1</c>: z = max (or min) over all elements; dL/dx = grad shared evenly among
    /// the elements equal to z.
    /// </summary>
    internal sealed class MaxMinAllBackward : SingleInputNode<MaxMinAllBackward>
    {
        private bool _max;
        public override string Name => _max ? "MaxBackward1" : "MinBackward1";
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, bool max) =>
            Record(x, max ? RawOps.MaxAll(x.Raw) : RawOps.MinAll(x.Raw), max, static (n, m) => n._max = m);

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z) =>
            grad * ReductionGrad.ShareAmongMatches(x, z, RawOps.NormalizeDims(null, x.Dim, "max"), grad.DType);
    }

    /// <summary>
    /// <c>MaxBackward0</c> / <c>MinBackward0</c> (with a dim) / <c>SortBackward0</c> / <c>TopkBackward0</c>: z = the
    /// values selected from x along a dim by an index tensor; dL/dx = grad scattered back to the selected positions
    /// (<c>zeros.scatter_add(dim, indices, grad)</c>).
    /// </summary>
    internal sealed class IndexedValuesBackward : SingleOutputNode
    {
        /// <summary>Which op selected the values (it names the node).</summary>
        internal enum Kind { Max, Min, Sort, Topk }

        private RawTensor? _indices;
        private int _dim;
        private bool _keepDim;
        private Kind _kind;

        public override string Name => _kind switch
        {
            Kind.Max => "MaxBackward0",
            Kind.Min => "MinBackward0",
            Kind.Sort => "SortBackward0",
            _ => "TopkBackward0",
        };

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, RawTensor values, RawTensor indices, int dim, bool keepDim, Kind kind) =>
            !values.DType.IsFloatingPoint() ? new Tensor(values) : Record(x, values, (indices, dim, keepDim, kind),
                static (IndexedValuesBackward n, Tensor x, (RawTensor Indices, int Dim, bool KeepDim, Kind Kind) s) =>
                {
                    n._indices = s.KeepDim || x.Dim == 0 ? s.Indices : RawOps.Unsqueeze(s.Indices, s.Dim);
                    (n._dim, n._keepDim, n._kind) = (s.Dim, s.KeepDim, s.Kind);
                });

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = InputShape(0);
            if (shape.Length == 0) return [grad.Reshape([])];
            Tensor g = _keepDim ? grad : grad.Unsqueeze(_dim);
            return [new Tensor(RawOps.Full(shape, 0, g.DType)).ScatterAdd(_dim, new Tensor(_indices!), g)];
        }
    }

    /// <summary>
    /// <c>AmaxBackward0</c> / <c>AminBackward0</c>: z = amax/amin over dims; dL/dx = grad shared evenly among the
    /// elements equal to the extreme of their slice.
    /// </summary>
    internal sealed class AmaxAminBackward : SingleInputNode<AmaxAminBackward>
    {
        private int[] _dims = [];
        private bool _keepDim, _max;
        public override string Name => _max ? "AmaxBackward0" : "AminBackward0";
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, int[]? dims, bool keepDim, bool max)
        {
            int[] d = RawOps.NormalizeDims(dims, x.Dim, max ? "amax" : "amin");
            return Record(x, RawOps.AmaxAmin(x.Raw, d, keepDim, max), (d, keepDim, max),
                static (n, s) => (n._dims, n._keepDim, n._max) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z) =>
            ReductionGrad.KeepDims(grad, _dims, _keepDim)
                * ReductionGrad.ShareAmongMatches(x, ReductionGrad.KeepDims(z, _dims, _keepDim), _dims, grad.DType);
    }

    /// <summary>
    /// <c>ProdBackward0</c> (all) / <c>ProdBackward1</c> (along a dim): z = Π x; dL/dx_k = grad · Π_{i≠k} x_i (exact
    /// with zeros).
    /// </summary>
    internal sealed class ProdBackward : SingleInputNode<ProdBackward>
    {
        private int? _dim;
        private bool _keepDim;
        public override string Name => _dim is null ? "ProdBackward0" : "ProdBackward1";
        protected override bool SavesOutput => true;

        /// <summary>The differentiable product gradients divide by x, so a zero would silently give NaN: refuse
        /// instead.</summary>
        internal static void ThrowIfAnyZero(Tensor x, string op)
        {
            if (new Tensor(RawOps.AnyAll(RawOps.Eq(x.Raw, RawOps.Scalar(0, x.DType)), null, false, all: false))
                    .Item<bool>())
                throw new NotSupportedException(
                    $"{op}: backward with createGraph: true through a product that contains zeros is not supported " +
                    "yet (the first-order gradient is exact without createGraph).");
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, int? dim, bool keepDim)
        {
            int? d = dim is int dd ? Shapes.WrapDim(dd, Math.Max(x.Dim, 1), "prod") : null;
            var raw = d is int w ? RawOps.Prod(x.Raw, w, keepDim)
                : RawOps.Prod(RawOps.Reshape(x.Raw, [x.NumEl]), 0, false);
            return Record(x, raw, (d, keepDim), static (n, s) => (n._dim, n._keepDim) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            int[] shape = InputShape(0);
            if (!Autograd.IsGradEnabled)
            {
                RawTensor xs = _dim is null ? RawOps.Reshape(x.Raw, [x.NumEl]) : x.Raw;
                int dim = _dim ?? 0;
                RawTensor g = _dim is null ? RawOps.Reshape(grad.Raw, [1])
                    : (_keepDim || x.Dim == 0 ? grad.Raw : RawOps.Unsqueeze(grad.Raw, dim));
                return new Tensor(RawOps.Reshape(RawOps.ProdBackward(xs, g, dim), shape));
            }
            // Recorded (createGraph) form, valid where no element is zero: grad · z / x.
            ThrowIfAnyZero(x, "prod");
            int[] dims = _dim is int dd ? [dd] : RawOps.NormalizeDims(null, x.Dim, "prod");
            return ReductionGrad.KeepDims(grad * z, dims, _dim is not null && _keepDim).Expand(shape) / x;
        }
    }

    /// <summary>z = log Σ exp(x) over dims; dL/dx = grad · exp(x - z).</summary>
    internal sealed class LogsumexpBackward0 : SingleInputNode<LogsumexpBackward0>
    {
        private int[] _dims = [];
        private bool _keepDim;
        public override string Name => "LogsumexpBackward0";
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor x, int[] dims, bool keepDim)
        {
            int[] d = RawOps.NormalizeDims(dims, x.Dim, "logsumexp");
            return Record(x, RawOps.LogSumExp(x.Raw, d, keepDim), (d, keepDim),
                static (n, s) => (n._dims, n._keepDim) = s);
        }

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z) =>
            ReductionGrad.KeepDims(grad, _dims, _keepDim) * (x - ReductionGrad.KeepDims(z, _dims, _keepDim)).Exp();
    }

    /// <summary>
    /// <c>VarBackward0</c> / <c>StdBackward0</c>: z = var(x) (or std) over dims with a correction; dL/dx = grad · 2(x -
    /// mean)/(N - c) (÷ 2·std for std).
    /// </summary>
    internal sealed class VarStdBackward : SingleInputNode<VarStdBackward>
    {
        private int[] _dims = [];
        private bool _keepDim, _std;
        private double _denominator;
        public override string Name => _std ? "StdBackward0" : "VarBackward0";
        protected override bool SavesOutput => _std;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    /// z = ‖x‖_p over dims; dL/dx = grad · |x|^(p-1)·sign(x) / z^(p-1) (p = 2: x/z; p = 1: sign(x); p = ∞: shared among
    /// the maxima of |x|).
    /// </summary>
    internal sealed class NormBackward1 : SingleInputNode<NormBackward1>
    {
        private int[] _dims = [];
        private bool _keepDim;
        private double _p;
        public override string Name => "NormBackward1";
        protected override bool SavesOutput => true;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                : RawOps.Pow(RawOps.SumDims(RawOps.Pow(abs, RawOps.Scalar(p, x.DType)), d, keepDim),
                    RawOps.Scalar(1 / p, x.DType));
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
                return g * x.Sign()
                    * ReductionGrad.ShareAmongMatches(new Tensor(RawOps.Abs(x.Raw)), z, _dims, grad.DType);
            return g * x.Sign() * x.Abs().Pow(_p - 1) / z.Pow(_p - 1);
        }
    }
}
