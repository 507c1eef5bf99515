using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>
        /// The entries of <paramref name="index"/> (1-D int64/int32, values in <c>[-size, size)</c>) along
        /// <paramref name="dim"/>: the output has this tensor's shape with dim <paramref name="dim"/> of the index's
        /// length.
        /// </summary>
        public Tensor IndexSelect(int dim, Tensor index)
        {
            ArgumentNullException.ThrowIfNull(index);
            if (index.Dim > 1)
                throw new ArgumentException(
                    $"index_select: index should have 1 dimension, got shape {Shapes.Format(index.Raw.Shape)} (input " +
                    $"shape {Shapes.Format(Raw.Shape)}).");
            if (!index.DType.IsInteger())
                throw new ArgumentException(
                    $"index_select: expected an int64 or int32 index, got {index.DType.TorchName()}.");
            int d = Shapes.WrapDim(dim, Dim, "index_select");
            var indices = new RawTensor?[Math.Max(Dim, 1)];
            indices[d] = index.Dim == 0 ? RawOps.Reshape(index.Raw, [1]) : index.Raw;
            RawTensor input = Dim == 0 ? RawOps.Reshape(Raw, [1]) : Raw;
            var raw = RawOps.Index(input, indices, "index_select");
            if (Dim == 0) raw = RawOps.Reshape(raw, []);
            return IndexSelectBackward0.Record(this, raw, indices);
        }

        /// <summary>
        /// <c>out[i][j][k] = this[i][index[i][j][k]][k]</c> for <paramref name="dim"/> = 1 (likewise for other dims).
        /// The index (int64/int32) has this tensor's rank and no larger sizes except along <paramref name="dim"/>; the
        /// output has its shape.
        /// </summary>
        public Tensor Gather(int dim, Tensor index)
        {
            ArgumentNullException.ThrowIfNull(index);
            int d = Shapes.WrapDim(dim, Dim, "gather");
            return GatherBackward0.Apply(this, d, index);
        }

        /// <summary>
        /// A copy with <c>out[i][index[i][j][k]][k] = src[i][j][k]</c> (dim 1). <paramref name="src"/> is read over the
        /// index's shape; with repeated indices the last write wins (PyTorch leaves the order unspecified).
        /// </summary>
        public Tensor Scatter(int dim, Tensor index, Tensor src) =>
            ScatterBackward0.Apply(this, Shapes.WrapDim(dim, Dim, "scatter"), index, src, accumulate: false);

        /// <summary>A copy with <paramref name="value"/> written at <c>out[i][index[i][j][k]][k]</c> (dim 1).</summary>
        public Tensor Scatter(int dim, Tensor index, double value)
        {
            ArgumentNullException.ThrowIfNull(index);
            int d = Shapes.WrapDim(dim, Dim, "scatter");
            var raw = RawOps.ScatterAlong(Raw, d, index.Raw, RawOps.Scalar(value, DType), accumulate: false);
            return ScatterBackward1.Record(this, raw, (d, index.Raw), static (n, s) => (n.Dim, n.Index) = s);
        }

        /// <summary>A copy with <c>out[i][index[i][j][k]][k] += src[i][j][k]</c> (dim 1); repeated indices add
        /// up.</summary>
        public Tensor ScatterAdd(int dim, Tensor index, Tensor src) =>
            ScatterBackward0.Apply(this, Shapes.WrapDim(dim, Dim, "scatter_add"), index, src, accumulate: true);

        /// <summary>One-hot encoding of int64 class indices: <c>[*] → [*, numClasses]</c> int64 (-1 infers the class
        /// count).</summary>
        public Tensor OneHot(int numClasses = -1) =>
            OpTracer.Untraced("one_hot", new(RawOps.OneHot(Raw, numClasses)), numClasses, this);
    }
}

namespace Ember.Graph
{
    /// <summary>z = a.IndexSelect(dim, idx); dL/da = zeros with grad accumulated at idx along dim.</summary>
    internal sealed class IndexSelectBackward0 : SingleOutputNode
    {
        private RawTensor?[] _indices = [];
        public override string Name => "IndexSelectBackward0";

        public static Tensor Record(Tensor a, RawTensor raw, RawTensor?[] indices) =>
            Record(a, raw, indices, static (IndexSelectBackward0 n, Tensor _, RawTensor?[] i) => n._indices = i);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = InputShape(0);
            if (shape.Length == 0) return [Tensor.IndexPutIntoZeros([1], _indices, grad.Reshape(1)).Reshape()];
            return [Tensor.IndexPutIntoZeros(shape, _indices, grad)];
        }
    }

    /// <summary>z = a.Gather(dim, index); dL/da = zeros.ScatterAdd(dim, index, grad).</summary>
    internal sealed class GatherBackward0 : SingleOutputNode
    {
        private int _dim;
        private Tensor _index = null!;
        public override string Name => "GatherBackward0";

        public static Tensor Apply(Tensor a, int dim, Tensor index) =>
            Record(a, RawOps.GatherAlong(a.Raw, dim, index.Raw),
            (dim, index), static (GatherBackward0 n, Tensor _, (int Dim, Tensor Index) s) =>
                (n._dim, n._index) = (s.Dim, s.Index.Detach()));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [new Tensor(RawOps.Full(InputShape(0), 0, grad.DType)).ScatterAdd(_dim, _index, grad)];
    }

    /// <summary>
    /// <c>ScatterBackward0</c> / <c>ScatterAddBackward0</c>: z = a.Scatter(dim, index, src) or a.ScatterAdd(dim, index,
    /// src); dL/da = grad with the scattered positions zeroed (scatter) or grad itself (scatter_add); dL/dsrc =
    /// grad.Gather(dim, index) (zero where src was not read).
    /// </summary>
    internal sealed class ScatterBackward0 : SingleOutputNode
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
                throw new ArgumentException(
                    $"{(accumulate ? "scatter_add" : "scatter")}: expected self and src to have the same dtype, " +
                    $"got {a.DType.TorchName()} and {src.DType.TorchName()}.");
            return Record(a, src, RawOps.ScatterAlong(a.Raw, dim, index.Raw, src.Raw, accumulate),
                (dim, index, accumulate),
                static (ScatterBackward0 n, Tensor _, Tensor _, (int Dim, Tensor Index, bool Accumulate) s) =>
                    (n._dim, n._index, n._accumulate) = (s.Dim, s.Index.Detach(), s.Accumulate));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                    gs = ViewScatterBackward.Apply(gs, srcShape, window.Shape, window.Strides, window.Offset,
                        ViewScatterBackward.Of.ScatterSrc);
                }
            }
            return [ga, gs];
        }
    }

    /// <summary>z = a.Scatter(dim, index, value) for a number; dL/da = grad with the scattered positions
    /// zeroed.</summary>
    internal sealed class ScatterBackward1 : SingleInputNode<ScatterBackward1>
    {
        internal int Dim;
        internal RawTensor Index = null!;
        public override string Name => "ScatterBackward1";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) =>
            grad.Scatter(Dim, new Tensor(Index), 0.0);
    }
}
