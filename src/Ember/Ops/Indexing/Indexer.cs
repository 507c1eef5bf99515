using System;
using System.Collections.Generic;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>
        /// PyTorch's subscript: <c>x[1..3, ^1]</c>, <c>x[.., 0]</c>, <c>x[TensorIndex.Ellipsis, TensorIndex.NewAxis]</c>,
        /// <c>x[TensorIndex.Slice(0, null, 2)]</c>, <c>x[indexTensor]</c>, <c>x[boolMask]</c>. Integers, ranges, new axes and
        /// ellipses give views (recorded as <c>SelectBackward0</c>, <c>SliceBackward0</c>, <c>UnsqueezeBackward0</c>,
        /// <c>AliasBackward0</c>); int64/int32 index tensors and bool masks give copies (<c>IndexBackward0</c>), with
        /// index tensors broadcast together as in NumPy.
        /// Setting writes <c>value</c> (broadcast, cast to this dtype) into the indexed elements of this tensor:
        /// <c>x[.., 0] = Tensor.From(0.0)</c>.
        /// </summary>
        /// <exception cref="IndexOutOfRangeException">An integer or index-tensor entry is out of range, or there are too many indices.</exception>
        /// <exception cref="InvalidOperationException">Setting, with grad mode on, into a tensor that requires grad or shares storage with one recorded in an autograd graph (not supported yet).</exception>
        [System.Runtime.CompilerServices.IndexerName("Items")] // "Item" is taken by Item<T>()
        public Tensor this[params TensorIndex[] indices]
        {
            get
            {
                Tensor basic = BasicIndex(indices, out RawTensor?[]? advanced);
                return advanced is null ? basic : IndexBackward0.Apply(basic, advanced);
            }
            set
            {
                ArgumentNullException.ThrowIfNull(value);
                // x[idx] = v is an in-place write into the view x[idx]: recorded through the view's base when autograd needs it.
                Tensor view = BasicIndex(indices, out RawTensor?[]? advanced);
                if (advanced is not null)
                {
                    view.InPlace("index_put_", t => IndexPutInPlaceBackward.Apply(t, advanced, value));
                    return;
                }
                int[] broadcast;
                try { broadcast = Shapes.Broadcast(value.Raw.Shape, view.Raw.Shape, "index assignment"); }
                catch (ArgumentException) { throw ValueShapeError(value, view); }
                if (!broadcast.AsSpan().SequenceEqual(view.Raw.Shape)) throw ValueShapeError(value, view);
                view.Copy_(value);
            }
        }

        private static ArgumentException ValueShapeError(Tensor value, Tensor view) =>
            new($"index assignment: a value of shape {Shapes.Format(value.Raw.Shape)} cannot be broadcast to the indexed shape {Shapes.Format(view.Raw.Shape)}.");

        /// <summary>Applies the integer/slice/new-axis/ellipsis entries as chained views and collects tensor entries as advanced indices.</summary>
        private Tensor BasicIndex(TensorIndex[] indices, out RawTensor?[]? advanced)
        {
            ArgumentNullException.ThrowIfNull(indices);
            int consumed = 0;
            bool ellipsis = false;
            foreach (var ix in indices)
            {
                switch (ix.Kind)
                {
                    case TensorIndex.IndexKind.Integer:
                    case TensorIndex.IndexKind.Slice: consumed++; break;
                    case TensorIndex.IndexKind.Tensor: consumed += ix.Tensor!.DType == DType.Bool ? ix.Tensor.Dim : 1; break;
                    case TensorIndex.IndexKind.Ellipsis:
                        if (ellipsis) throw new ArgumentException("index: an index can only have a single ellipsis ('...').");
                        ellipsis = true;
                        break;
                }
            }
            if (consumed > Dim)
                throw new IndexOutOfRangeException($"index: too many indices for tensor of dimension {Dim} (shape {Shapes.Format(Raw.Shape)}): [{string.Join(", ", indices)}].");

            Tensor r = this;
            int dim = 0;
            List<RawTensor?>? adv = null;
            foreach (var ix in indices)
            {
                switch (ix.Kind)
                {
                    case TensorIndex.IndexKind.Integer:
                        r = SelectBackward0.Apply(r, dim, ix.Integer, "index");
                        break;
                    case TensorIndex.IndexKind.Slice:
                        var (s, e) = RawOps.ClampSlice(r.Raw.Shape[dim], ix.Start, ix.Stop);
                        r = SliceBackward0.Apply(r, dim, s, e, ix.Step);
                        dim++;
                        break;
                    case TensorIndex.IndexKind.NewAxis:
                        r = r.Unsqueeze(dim);
                        dim++;
                        break;
                    case TensorIndex.IndexKind.Ellipsis:
                        dim += Dim - consumed;
                        break;
                    case TensorIndex.IndexKind.Tensor:
                        Tensor t = ix.Tensor!;
                        adv ??= [];
                        while (adv.Count < dim) adv.Add(null);
                        if (t.DType == DType.Bool)
                        {
                            if (t.Dim == 0) throw new NotSupportedException("index: a 0-dim bool index is not supported; use a mask with the indexed dims' shape.");
                            for (int k = 0; k < t.Dim; k++)
                                if (t.Raw.Shape[k] != r.Raw.Shape[dim + k])
                                    throw new IndexOutOfRangeException(
                                        $"index: the shape of the mask {Shapes.Format(t.Raw.Shape)} at index {k} does not match the shape of the indexed tensor {Shapes.Format(r.Raw.Shape)} at index {dim + k}.");
                            foreach (var perDim in RawOps.NonzeroPerDim(t.Raw)) adv.Add(perDim);
                            dim += t.Dim;
                        }
                        else
                        {
                            if (!t.DType.IsInteger())
                                throw new ArgumentException($"index: tensors used as indices must be int64, int32 or bool, got {t.DType.TorchName()} of shape {Shapes.Format(t.Raw.Shape)}.");
                            adv.Add(t.Raw);
                            dim++;
                        }
                        break;
                }
            }
            advanced = adv?.ToArray();
            if (ReferenceEquals(r, this) && advanced is null) r = AliasBackward0.Apply(this);
            return r;
        }

        /// <summary>The view of <paramref name="length"/> elements of dim <paramref name="dim"/> from <paramref name="start"/> (negative counts from the end); recorded as <c>SliceBackward0</c>.</summary>
        public Tensor Narrow(int dim, int start, int length)
        {
            if (Dim == 0) throw new ArgumentException("narrow: cannot be applied to a 0-dim tensor (shape []).");
            int d = Shapes.WrapDim(dim, Dim, "narrow"), size = Raw.Shape[d];
            if (start < -size || start > size)
                throw new IndexOutOfRangeException($"narrow: start {start} is out of range for dimension {d} of size {size} (shape {Shapes.Format(Raw.Shape)}).");
            if (start < 0) start += size;
            if (length < 0 || start + length > size)
                throw new ArgumentOutOfRangeException(nameof(length), $"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) of dimension {d} (shape {Shapes.Format(Raw.Shape)}).");
            return SliceBackward0.Apply(this, d, start, start + length, 1);
        }

        /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/>, that dim removed (a view; <c>SelectBackward0</c>).</summary>
        public Tensor Select(int dim, int index) => SelectBackward0.Apply(this, Shapes.WrapDim(dim, Dim, "select"), index, "select");

        /// <summary>
        /// The diagonal of the 2-D sub-matrices on dims <paramref name="dim1"/>, <paramref name="dim2"/> as a view; the
        /// diagonal becomes the last dim. <paramref name="offset"/> &gt; 0 is above the main diagonal.
        /// </summary>
        public Tensor Diagonal(int offset = 0, int dim1 = 0, int dim2 = 1) =>
            StridedViewNode<DiagonalBackward0>.Record(this, a => RawOps.Diagonal(a, offset, dim1, dim2));
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// Shared wiring of views that pick a strided subset of their input (slice, select, diagonal, split pieces):
    /// the node keeps the view's layout in the input's logical index space, and backward writes the gradient into
    /// zeros of the input's shape at that layout. Each op is still its own sealed class with its own name.
    /// </summary>
    internal abstract class StridedViewNode<TSelf> : UnaryOutputNode where TSelf : StridedViewNode<TSelf>, new()
    {
        private int[] _shape = [], _strides = [];
        private int _offset;

        /// <summary>Applies <paramref name="view"/> to <paramref name="x"/>, recording a node when needed.</summary>
        public static Tensor Record(Tensor x, Func<RawTensor, RawTensor> view)
        {
            RawTensor raw = view(x.Raw);
            if (!Autograd.ShouldRecord(x)) return new Tensor(raw);
            RawTensor logical = view(RawOps.Probe(x.Raw.Shape));
            var node = new TSelf { _shape = logical.Shape, _strides = logical.Strides, _offset = logical.Offset };
            node.SetInputs(x);
            return new Tensor(raw, node);
        }

        internal sealed override Tensor?[] Backward(Tensor grad) =>
            [ViewScatterBackward.Apply(grad, InputShape(0), _shape, _strides, _offset, Name.Replace("Backward0", "BackwardBackward0"))];
    }

    /// <summary>z = a[.., start:stop:step, ..] (a view); dL/da = zeros with grad written at that slice.</summary>
    internal sealed class SliceBackward0 : StridedViewNode<SliceBackward0>
    {
        public override string Name => "SliceBackward0";

        public static Tensor Apply(Tensor a, int dim, int start, int stop, int step) =>
            Record(a, r => RawOps.Slice(r, dim, start, stop, step));
    }

    /// <summary>z = a[.., i, ..] (a view, dim removed); dL/da = zeros with grad written at index i.</summary>
    internal sealed class SelectBackward0 : StridedViewNode<SelectBackward0>
    {
        public override string Name => "SelectBackward0";

        public static Tensor Apply(Tensor a, int dim, int index, string op) => Record(a, r => RawOps.Select(r, dim, index, op));
    }

    /// <summary>z = the diagonal of a over two dims (a view); dL/da = zeros with grad written on that diagonal.</summary>
    internal sealed class DiagonalBackward0 : StridedViewNode<DiagonalBackward0>
    {
        public override string Name => "DiagonalBackward0";
    }

    /// <summary>One piece of <c>Split(size)</c> or <c>Chunk</c> (a view); dL/da = zeros with grad written at the piece.</summary>
    internal sealed class SplitBackward0 : StridedViewNode<SplitBackward0>
    {
        public override string Name => "SplitBackward0";
    }

    /// <summary>One piece of <c>Split(sizes)</c> (a view); dL/da = zeros with grad written at the piece.</summary>
    internal sealed class SplitWithSizesBackward0 : StridedViewNode<SplitWithSizesBackward0>
    {
        public override string Name => "SplitWithSizesBackward0";
    }

    /// <summary>One slice of <c>Unbind</c> (a view, dim removed); dL/da = zeros with grad written at that index.</summary>
    internal sealed class UnbindBackward0 : StridedViewNode<UnbindBackward0>
    {
        public override string Name => "UnbindBackward0";
    }

    /// <summary>z = a strided window of contiguous a (the backward of a scatter into zeros); dL/da = zeros with grad written at the window.</summary>
    internal sealed class AsStridedBackward0 : StridedViewNode<AsStridedBackward0>
    {
        public override string Name => "AsStridedBackward0";
    }

    /// <summary>z = a (<c>x[...]</c>: a view of the whole tensor); dL/da = grad.</summary>
    internal sealed class AliasBackward0 : UnaryOutputNode
    {
        public override string Name => "AliasBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = a.Raw.WithLayout(a.Raw.Shape, a.Raw.Strides, a.Raw.Offset);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new AliasBackward0();
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    /// <summary>
    /// z = zeros of a fixed shape with g written at a strided window (the gradient of a strided view);
    /// dL/dg = grad read at that window.
    /// </summary>
    internal sealed class ViewScatterBackward : UnaryOutputNode
    {
        private string _name = "";
        private int[] _shape = [], _strides = [];
        private int _offset;
        public override string Name => _name;

        public static Tensor Apply(Tensor g, int[] baseShape, int[] shape, int[] strides, int offset, string name)
        {
            var raw = RawOps.Full(baseShape, 0, g.DType);
            RawOps.CopyFrom(raw.WithLayout(shape, strides, offset), g.Raw);
            if (!Autograd.ShouldRecord(g)) return new Tensor(raw);
            var node = new ViewScatterBackward { _name = name, _shape = shape, _strides = strides, _offset = offset };
            node.SetInputs(g);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = _shape, strides = _strides;
            int offset = _offset;
            return [StridedViewNode<AsStridedBackward0>.Record(grad, r =>
            {
                var c = RawOps.Contiguous(r);
                return c.WithLayout(shape, strides, c.Offset + offset);
            })];
        }
    }
}
