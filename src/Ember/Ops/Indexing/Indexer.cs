using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>
        /// PyTorch's subscript: <c>x[1..3, ^1]</c>, <c>x[.., 0]</c>,
        /// <c>x[TensorIndex.Ellipsis, TensorIndex.NewAxis]</c>, <c>x[TensorIndex.Slice(0, null, 2)]</c>,
        /// <c>x[indexTensor]</c>, <c>x[boolMask]</c>. Integers, ranges, new axes and ellipses give views (recorded as
        /// <c>SelectBackward0</c>, <c>SliceBackward0</c>, <c>UnsqueezeBackward0</c>, <c>AliasBackward0</c>);
        /// int64/int32 index tensors and bool masks give copies (<c>IndexBackward0</c>), with index tensors broadcast
        /// together as in NumPy. Setting writes <c>value</c> (broadcast, cast to this dtype) into the indexed elements
        /// of this tensor: <c>x[.., 0] = Tensor.From(0.0)</c>.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">An integer or index-tensor entry is out of range, or there are
        /// too many indices.</exception>
        /// <exception cref="InvalidOperationException">
        /// Setting, with grad mode on, into a leaf that requires grad (or a view of one). Assignment into other
        /// tensors is recorded: through a view of a tensor in a graph, the base's history becomes a
        /// <c>CopySlices</c> node.
        /// </exception>
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
                // x[idx] = v is an in-place write into the view x[idx]: recorded through the view's base when autograd
                // needs it.
                Tensor view = BasicIndex(indices, out RawTensor?[]? advanced);
                if (advanced is not null)
                {
                    view.InPlace("index_put_", t => IndexPutBackward0.Apply(t, advanced, value));
                    return;
                }
                int[] broadcast;
                try { broadcast = Shapes.Broadcast(value.Raw.Shape, view.Raw.Shape, "index assignment"); }
                catch (ArgumentException) { throw ValueShapeError(value, view); }
                if (!broadcast.AsSpan().SequenceEqual(view.Raw.Shape)) throw ValueShapeError(value, view);
                view.Copy_(value);
            }
        }

        /// <summary>
        /// zeros(shape) with <paramref name="values"/> added at <paramref name="indices"/> (the gradient of indexing;
        /// differentiable in <paramref name="values"/>).
        /// </summary>
        internal static Tensor IndexPutIntoZeros(int[] shape, RawTensor?[] indices, Tensor values) =>
            IndexPutBackward0.IntoZeros(shape, indices, values);

        private static ArgumentException ValueShapeError(Tensor value, Tensor view) =>
            new($"index assignment: a value of shape {Shapes.Format(value.Raw.Shape)} cannot be broadcast to the " +
                $"indexed shape {Shapes.Format(view.Raw.Shape)}.");

        /// <summary>Applies the integer/slice/new-axis/ellipsis entries as chained views and collects tensor entries as
        /// advanced indices.</summary>
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
                    case TensorIndex.IndexKind.Tensor:
                        consumed += ix.Tensor!.DType == DType.Bool ? ix.Tensor.Dim : 1; break;
                    case TensorIndex.IndexKind.Ellipsis:
                        if (ellipsis)
                            throw new ArgumentException("index: an index can only have a single ellipsis ('...').");
                        ellipsis = true;
                        break;
                }
            }
            if (consumed > Dim)
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"index: too many indices for tensor of dimension {Dim} (shape {Shapes.Format(Raw.Shape)}): " +
                    $"[{string.Join(", ", indices)}].");

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
                            if (t.Dim == 0)
                                throw new NotSupportedException(
                                    "index: a 0-dim bool index is not supported; use a mask with the indexed dims' " +
                                    "shape.");
                            for (int k = 0; k < t.Dim; k++)
                                if (t.Raw.Shape[k] != r.Raw.Shape[dim + k])
                                    throw new ArgumentOutOfRangeException(nameof(indices),
                                        $"index: the shape of the mask {Shapes.Format(t.Raw.Shape)} at index {k} " +
                                        "does not match the shape of the indexed " +
                                        $"tensor {Shapes.Format(r.Raw.Shape)} at index {dim + k}.");
                            foreach (var perDim in RawOps.NonzeroPerDim(t.Raw)) adv.Add(perDim);
                            dim += t.Dim;
                        }
                        else
                        {
                            if (!t.DType.IsInteger())
                                throw new ArgumentException(
                                    "index: tensors used as indices must be int64, int32 or bool, " +
                                    $"got {t.DType.TorchName()} of shape {Shapes.Format(t.Raw.Shape)}.");
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
    }
}

namespace Ember.Graph
{
    /// <summary>z = a[indices] (advanced indexing, a copy); dL/da = zeros with grad accumulated at the
    /// indices.</summary>
    internal sealed class IndexBackward0 : SingleOutputNode
    {
        private RawTensor?[] _indices = [];
        public override string Name => "IndexBackward0";

        public static Tensor Apply(Tensor a, RawTensor?[] indices) => Record(a, RawOps.Index(a.Raw, indices), indices,
            static (IndexBackward0 n, Tensor _, RawTensor?[] i) => n._indices = i);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [Tensor.IndexPutIntoZeros(InputShape(0), _indices, grad)];
    }

    /// <summary>
    /// z = x with <c>z[indices] = v</c> (index_put: the indexer's assignment computes it out of place on a snapshot),
    /// or zeros with v accumulated at the indices (the gradient of indexing: the zeros are a constant, v the only
    /// input); dL/dx = grad with the indexed positions zeroed, dL/dv = grad[indices] (summed to v's shape by the
    /// engine).
    /// </summary>
    internal sealed class IndexPutBackward0 : SingleOutputNode
    {
        private RawTensor?[] _indices = [];
        private Tensor? _keep;
        public override string Name => "IndexPutBackward0";

        public static Tensor Apply(Tensor x, RawTensor?[] indices, Tensor values)
        {
            var raw = RawOps.Clone(x.Raw);
            RawOps.IndexPut(raw, indices, values.Raw, accumulate: false, "index_put_");
            return Record(x, values, raw, indices, static (IndexPutBackward0 n, Tensor x, Tensor _,
                RawTensor?[] indices) =>
            {
                DType dt = x.DType.IsFloatingPoint() ? x.DType : DType.Float32;
                var keep = RawOps.Full(x.Raw.Shape, 1, dt);
                RawOps.IndexPut(keep, indices, RawOps.Scalar(0, dt), accumulate: false, "index_put_");
                (n._indices, n._keep) = (indices, new Tensor(keep));
            });
        }

        public static Tensor IntoZeros(int[] shape, RawTensor?[] indices, Tensor v)
        {
            var raw = RawOps.Full(shape, 0, v.DType);
            RawOps.IndexPut(raw, indices, v.Raw, accumulate: true);
            return Record(v, raw, indices, static (IndexPutBackward0 n, Tensor _, RawTensor?[] i) => n._indices = i);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => _keep is null
            ? [IndexBackward0.Apply(grad, _indices)]
            : [NeedsInputGrad(0) ? grad * _keep : null,
                NeedsInputGrad(1) ? IndexBackward0.Apply(grad, _indices) : null];
    }
}
