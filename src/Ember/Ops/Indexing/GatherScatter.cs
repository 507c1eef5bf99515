using System;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>
        /// The entries of <paramref name="index"/> (1-D int64/int32, values in <c>[-size, size)</c>) along
        /// <paramref name="dim"/>: the output has this tensor's shape with dim <paramref name="dim"/> of the index's length.
        /// </summary>
        public Tensor IndexSelect(int dim, Tensor index)
        {
            ArgumentNullException.ThrowIfNull(index);
            if (index.Dim > 1)
                throw new ArgumentException($"index_select: index should have 1 dimension, got shape {Shapes.Format(index.Raw.Shape)} (input shape {Shapes.Format(Raw.Shape)}).");
            if (!index.DType.IsInteger())
                throw new ArgumentException($"index_select: expected an int64 or int32 index, got {index.DType.TorchName()}.");
            int d = Shapes.WrapDim(dim, Dim, "index_select");
            var indices = new RawTensor?[Math.Max(Dim, 1)];
            indices[d] = index.Dim == 0 ? RawOps.Reshape(index.Raw, [1]) : index.Raw;
            RawTensor input = Dim == 0 ? RawOps.Reshape(Raw, [1]) : Raw;
            var raw = RawOps.Index(input, indices, "index_select");
            if (Dim == 0) raw = RawOps.Reshape(raw, []);
            return IndexSelectBackward0.Record(this, raw, indices);
        }

        /// <summary>
        /// <c>out[i][j][k] = this[i][index[i][j][k]][k]</c> for <paramref name="dim"/> = 1 (likewise for other dims). The
        /// index (int64/int32) has this tensor's rank and no larger sizes except along <paramref name="dim"/>; the output has its shape.
        /// </summary>
        public Tensor Gather(int dim, Tensor index)
        {
            ArgumentNullException.ThrowIfNull(index);
            int d = Shapes.WrapDim(dim, Dim, "gather");
            return GatherBackward0.Apply(this, d, index);
        }

        /// <summary>
        /// A copy with <c>out[i][index[i][j][k]][k] = src[i][j][k]</c> (dim 1). <paramref name="src"/> is read over the index's
        /// shape; with repeated indices the last write wins (PyTorch leaves the order unspecified).
        /// </summary>
        public Tensor Scatter(int dim, Tensor index, Tensor src) => ScatterBackward0.Apply(this, Shapes.WrapDim(dim, Dim, "scatter"), index, src, accumulate: false);

        /// <summary>A copy with <paramref name="value"/> written at <c>out[i][index[i][j][k]][k]</c> (dim 1).</summary>
        public Tensor Scatter(int dim, Tensor index, double value)
        {
            ArgumentNullException.ThrowIfNull(index);
            int d = Shapes.WrapDim(dim, Dim, "scatter");
            var raw = RawOps.ScatterAlong(Raw, d, index.Raw, RawOps.Scalar(value, DType), accumulate: false);
            return ScatterBackward1.Record(this, raw, n => (n.Dim, n.Index) = (d, index.Raw));
        }

        /// <summary>A copy with <c>out[i][index[i][j][k]][k] += src[i][j][k]</c> (dim 1); repeated indices add up.</summary>
        public Tensor ScatterAdd(int dim, Tensor index, Tensor src) => ScatterBackward0.Apply(this, Shapes.WrapDim(dim, Dim, "scatter_add"), index, src, accumulate: true);

        /// <summary>The elements where <paramref name="mask"/> (bool, broadcastable with this tensor) is true, as a 1-D tensor in row-major order.</summary>
        public Tensor MaskedSelect(Tensor mask)
        {
            ArgumentNullException.ThrowIfNull(mask);
            if (mask.DType != DType.Bool)
                throw new ArgumentException($"masked_select: expected a bool mask, got {mask.DType.TorchName()} of shape {Shapes.Format(mask.Raw.Shape)}.");
            int[] shape = Shapes.Broadcast(Raw.Shape, mask.Raw.Shape, "masked_select");
            RawTensor?[] indices = RawOps.NonzeroPerDim(RawOps.Expand(mask.Raw, shape, "masked_select"));
            var raw = RawOps.Index(RawOps.Expand(Raw, shape, "masked_select"), indices, "masked_select");
            return MaskedSelectBackward0.Record(this, raw, n => (n.Indices, n.Shape) = (indices, shape));
        }

        /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> (bool, broadcastable to this tensor's shape) is true.</summary>
        public Tensor MaskedFill(Tensor mask, double value)
        {
            CheckFillMask(mask, "masked_fill");
            var raw = RawOps.Where(mask.Raw, RawOps.Scalar(value, DType), Raw);
            return MaskedFillBackward0.Record(this, raw, n => n.FillMask = mask.Raw);
        }

        /// <summary>A copy with the 0-dim <paramref name="value"/> where <paramref name="mask"/> is true; gradients flow to both.</summary>
        public Tensor MaskedFill(Tensor mask, Tensor value)
        {
            CheckFillMask(mask, "masked_fill");
            ArgumentNullException.ThrowIfNull(value);
            if (value.Dim != 0)
                throw new ArgumentException($"masked_fill: only supports a 0-dimensional value tensor, but got one of shape {Shapes.Format(value.Raw.Shape)}.");
            return MaskedFillBackward1.Apply(this, mask, value);
        }

        private void CheckFillMask(Tensor mask, string op)
        {
            ArgumentNullException.ThrowIfNull(mask);
            if (mask.DType != DType.Bool)
                throw new ArgumentException($"{op}: expected a bool mask, got {mask.DType.TorchName()} of shape {Shapes.Format(mask.Raw.Shape)}.");
            if (!Shapes.Broadcast(Raw.Shape, mask.Raw.Shape, op).AsSpan().SequenceEqual(Raw.Shape))
                throw new ArgumentException($"{op}: mask of shape {Shapes.Format(mask.Raw.Shape)} cannot be broadcast to the input's shape {Shapes.Format(Raw.Shape)}.");
        }

        /// <summary>
        /// <c>condition ? x : y</c> element-wise; the three broadcast together and the result has the promoted dtype of
        /// <paramref name="x"/> and <paramref name="y"/>. Gradients flow to x where the condition holds and to y elsewhere.
        /// </summary>
        public static Tensor Where(Tensor condition, Tensor x, Tensor y) => WhereBackward0.Apply(condition, x, y);

        /// <summary><c>condition ? x : y</c> with a number for <paramref name="y"/> (it does not promote x's dtype).</summary>
        public static Tensor Where(Tensor condition, Tensor x, double y) => WhereBackward0.Apply(condition, x, x.WrapScalar(y));

        /// <summary><c>condition ? x : y</c> with a number for <paramref name="x"/>.</summary>
        public static Tensor Where(Tensor condition, double x, Tensor y) => WhereBackward0.Apply(condition, y.WrapScalar(x), y);

        /// <summary><c>condition ? this : other</c> (PyTorch's <c>x.where(condition, y)</c>).</summary>
        public Tensor Where(Tensor condition, Tensor other) => WhereBackward0.Apply(condition, this, other);

        /// <summary>The indices of the non-zero elements as an int64 tensor of shape <c>[count, Dim]</c>, in row-major order.</summary>
        public Tensor Nonzero()
        {
            RawTensor[] perDim = RawOps.NonzeroPerDim(RawOps.Ne(Raw, RawOps.Scalar(0, DType)));
            if (perDim.Length == 0) return new(RawOps.Full([RawOps.Ne(Raw, RawOps.Scalar(0, DType)).GetAsDouble(0) != 0 ? 1 : 0, 0], 0, DType.Int64));
            var cols = new RawTensor[perDim.Length];
            for (int i = 0; i < cols.Length; i++) cols[i] = RawOps.Unsqueeze(perDim[i], 1);
            return new(RawOps.Cat(cols, 1));
        }

        /// <summary>zeros(shape) with <paramref name="values"/> added at <paramref name="indices"/> (the gradient of indexing; differentiable in <paramref name="values"/>).</summary>
        internal static Tensor IndexPutIntoZeros(int[] shape, RawTensor?[] indices, Tensor values) => IndexPutBackward0.Apply(shape, indices, values);
    }
}

namespace Ember.Graph
{
    /// <summary>z = a[indices] (advanced indexing, a copy); dL/da = zeros with grad accumulated at the indices.</summary>
    internal sealed class IndexBackward0 : UnaryOutputNode
    {
        private RawTensor?[] _indices = [];
        public override string Name => "IndexBackward0";

        public static Tensor Apply(Tensor a, RawTensor?[] indices)
        {
            var raw = RawOps.Index(a.Raw, indices);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new IndexBackward0 { _indices = indices };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [Tensor.IndexPutIntoZeros(InputShape(0), _indices, grad)];
    }

    /// <summary>z = zeros(shape) with v accumulated at fixed indices; dL/dv = grad[indices].</summary>
    internal sealed class IndexPutBackward0 : UnaryOutputNode
    {
        private RawTensor?[] _indices = [];
        public override string Name => "IndexPutBackward0";

        public static Tensor Apply(int[] shape, RawTensor?[] indices, Tensor v)
        {
            var raw = RawOps.Full(shape, 0, v.DType);
            RawOps.IndexPut(raw, indices, v.Raw, accumulate: true);
            if (!Autograd.ShouldRecord(v)) return new Tensor(raw);
            var node = new IndexPutBackward0 { _indices = indices };
            node.SetInputs(v);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [IndexBackward0.Apply(grad, _indices)];
    }

    /// <summary>z = a.IndexSelect(dim, idx); dL/da = zeros with grad accumulated at idx along dim.</summary>
    internal sealed class IndexSelectBackward0 : UnaryOutputNode
    {
        private RawTensor?[] _indices = [];
        public override string Name => "IndexSelectBackward0";

        public static Tensor Record(Tensor a, RawTensor raw, RawTensor?[] indices)
        {
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new IndexSelectBackward0 { _indices = indices };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = InputShape(0);
            if (shape.Length == 0) return [Tensor.IndexPutIntoZeros([1], _indices, grad.Reshape(1)).Reshape()];
            return [Tensor.IndexPutIntoZeros(shape, _indices, grad)];
        }
    }

    /// <summary>z = a.Gather(dim, index); dL/da = zeros.ScatterAdd(dim, index, grad).</summary>
    internal sealed class GatherBackward0 : UnaryOutputNode
    {
        private int _dim;
        private Tensor _index = null!;
        public override string Name => "GatherBackward0";

        public static Tensor Apply(Tensor a, int dim, Tensor index)
        {
            var raw = RawOps.GatherAlong(a.Raw, dim, index.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new GatherBackward0 { _dim = dim, _index = index.Detach() };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
            [new Tensor(RawOps.Full(InputShape(0), 0, grad.DType)).ScatterAdd(_dim, _index, grad)];
    }

    /// <summary>
    /// z = a.Scatter(dim, index, src) (ScatterBackward0) or a.ScatterAdd(dim, index, src) (ScatterAddBackward0);
    /// dL/da = grad with the scattered positions zeroed (scatter) or grad itself (scatter_add); dL/dsrc = grad.Gather(dim, index)
    /// (zero where src was not read).
    /// </summary>
    internal sealed class ScatterBackward0 : UnaryOutputNode
    {
        private int _dim;
        private bool _accumulate;
        private Tensor _index = null!;
        public override string Name => _accumulate ? "ScatterAddBackward0" : "ScatterBackward0";

        public static Tensor Apply(Tensor a, int dim, Tensor index, Tensor src, bool accumulate)
        {
            ArgumentNullException.ThrowIfNull(index);
            ArgumentNullException.ThrowIfNull(src);
            if (src.DType != a.DType)
                throw new ArgumentException($"{(accumulate ? "scatter_add" : "scatter")}: expected self and src to have the same dtype, got {a.DType.TorchName()} and {src.DType.TorchName()}.");
            var raw = RawOps.ScatterAlong(a.Raw, dim, index.Raw, src.Raw, accumulate);
            if (!Autograd.ShouldRecord(a, src)) return new Tensor(raw);
            var node = new ScatterBackward0 { _dim = dim, _index = index.Detach(), _accumulate = accumulate };
            node.SetInputs(a, src);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor? ga = null, gs = null;
            if (NeedsInputGrad(0)) ga = _accumulate ? grad : grad.Scatter(_dim, _index, 0.0);
            if (NeedsInputGrad(1))
            {
                gs = grad.Gather(_dim, _index);
                int[] srcShape = InputShape(1);
                if (!gs.Shape.SequenceEqual(srcShape))
                {
                    var window = RawOps.SliceToShape(RawOps.Probe(srcShape), gs.Raw.Shape);
                    gs = ViewScatterBackward.Apply(gs, srcShape, window.Shape, window.Strides, window.Offset, "ScatterSrcBackward");
                }
            }
            return [ga, gs];
        }
    }

    /// <summary>z = a.Scatter(dim, index, value) for a number; dL/da = grad with the scattered positions zeroed.</summary>
    internal sealed class ScatterBackward1 : SingleInputNode<ScatterBackward1>
    {
        internal int Dim;
        internal RawTensor Index = null!;
        public override string Name => "ScatterBackward1";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad.Scatter(Dim, new Tensor(Index), 0.0);
    }

    /// <summary>z = a.MaskedSelect(mask) (1-D); dL/da = zeros of the broadcast shape with grad put at the true positions (the engine sums broadcast dims).</summary>
    internal sealed class MaskedSelectBackward0 : SingleInputNode<MaskedSelectBackward0>
    {
        internal RawTensor?[] Indices = [];
        internal int[] Shape = [];
        public override string Name => "MaskedSelectBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => Tensor.IndexPutIntoZeros(Shape, Indices, grad);
    }

    /// <summary>z = a.MaskedFill(mask, number); dL/da = grad with zeros where the mask is true.</summary>
    internal sealed class MaskedFillBackward0 : SingleInputNode<MaskedFillBackward0>
    {
        internal RawTensor FillMask = null!;
        public override string Name => "MaskedFillBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad.MaskedFill(new Tensor(FillMask), 0.0);
    }

    /// <summary>z = a.MaskedFill(mask, v) for a 0-dim tensor v; dL/da = grad zeroed where mask, dL/dv = Σ grad where mask.</summary>
    internal sealed class MaskedFillBackward1 : UnaryOutputNode
    {
        private Tensor _mask = null!;
        public override string Name => "MaskedFillBackward1";

        public static Tensor Apply(Tensor a, Tensor mask, Tensor value)
        {
            var raw = RawOps.Where(mask.Raw, RawOps.Cast(value.Raw, a.DType), a.Raw);
            if (!Autograd.ShouldRecord(a, value) || !a.DType.IsFloatingPoint()) return new Tensor(raw);
            var node = new MaskedFillBackward1 { _mask = mask.Detach() };
            node.SetInputs(a, value);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.MaskedFill(_mask, 0.0) : null,
            NeedsInputGrad(1) ? Tensor.Where(_mask, grad, 0.0).Sum() : null,
        ];
    }

    /// <summary>z = cond ? x : y; dL/dx = cond ? grad : 0, dL/dy = cond ? 0 : grad (the engine sums broadcast dims).</summary>
    internal sealed class WhereBackward0 : UnaryOutputNode
    {
        private Tensor _cond = null!;
        public override string Name => "WhereBackward0";

        public static Tensor Apply(Tensor cond, Tensor x, Tensor y)
        {
            ArgumentNullException.ThrowIfNull(cond);
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var raw = RawOps.Where(cond.Raw, x.Raw, y.Raw);
            if (!Autograd.ShouldRecord(x, y) || !raw.DType.IsFloatingPoint()) return new Tensor(raw);
            var node = new WhereBackward0 { _cond = cond.Detach() };
            node.SetInputs(x, y);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? Tensor.Where(_cond, grad, 0.0) : null,
            NeedsInputGrad(1) ? Tensor.Where(_cond, 0.0, grad) : null,
        ];
    }
}
