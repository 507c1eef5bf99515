using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>The view of <paramref name="length"/> elements of dim <paramref name="dim"/> from
        /// <paramref name="start"/> (negative counts from the end); recorded as <c>SliceBackward0</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per step when batches are views (W2)
        public Tensor Narrow(int dim, int start, int length)
        {
            if (Dim == 0) throw new ArgumentException("narrow: cannot be applied to a 0-dim tensor (shape []).");
            int d = Shapes.WrapDim(dim, Dim, "narrow"), size = Raw.Shape[d];
            if (start < -size || start > size)
                throw new ArgumentOutOfRangeException(nameof(start),
                    $"narrow: start {start} is out of range for dimension {d} of size {size} " +
                    $"(shape {Shapes.Format(Raw.Shape)}).");
            if (start < 0) start += size;
            if (length < 0 || start + length > size)
                throw new ArgumentOutOfRangeException(nameof(length),
                    $"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) of dimension {d} " +
                    $"(shape {Shapes.Format(Raw.Shape)}).");
            return SliceBackward0.Apply(this, d, start, start + length, 1);
        }

        /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/>, that dim removed (a view;
        /// <c>SelectBackward0</c>).</summary>
        public Tensor Select(int dim, int index) =>
            SelectBackward0.Apply(this, Shapes.WrapDim(dim, Dim, "select"), index, "select");

        /// <summary>
        /// The diagonal of the 2-D sub-matrices on dims <paramref name="dim1"/>, <paramref name="dim2"/> as a view; the
        /// diagonal becomes the last dim. <paramref name="offset"/> &gt; 0 is above the main diagonal.
        /// </summary>
        public Tensor Diagonal(int offset = 0, int dim1 = 0, int dim2 = 1) =>
            StridedViewNode<DiagonalBackward0>.Record(this, (offset, dim1, dim2),
                static (a, s) => RawOps.Diagonal(a, s.Item1, s.Item2, s.Item3));
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// Shared wiring of views that pick a strided subset of their input (slice, select, diagonal, split pieces):
    /// the node keeps the view's layout in the input's logical index space, and backward writes the gradient into
    /// zeros of the input's shape at that layout. Each op is still its own sealed class with its own name.
    /// </summary>
    internal abstract class StridedViewNode<TSelf> : SingleOutputNode where TSelf : StridedViewNode<TSelf>, new()
    {
        private int[] _shape = [], _strides = [];
        private int _offset;

        /// <summary>The split this piece belongs to, if any (its pieces share one gradient buffer).</summary>
        internal ViewGroup? Group { get; set; }

        /// <summary>
        /// Applies <paramref name="view"/> (a static function of the tensor and <paramref name="state"/>, so no closure
        /// is allocated) to <paramref name="x"/>, recording a node when needed.
        /// </summary>
        public static Tensor Record<TState>(Tensor x, TState state, Func<RawTensor, TState, RawTensor> view) =>
            Record(x, view(x.Raw, state), (state, view),
                static (TSelf n, Tensor x, (TState S, Func<RawTensor, TState, RawTensor> V) s) =>
            {
                RawTensor logical = s.V(RawOps.Probe(x.Raw.Shape), s.S);
                (n._shape, n._strides, n._offset) = (logical.Shape, logical.Strides, logical.Offset);
            });

        /// <summary>Which view this is, to name the node of its gradient.</summary>
        private protected abstract ViewScatterBackward.Of ScatterOf { get; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal sealed override Tensor?[] Backward(Tensor grad) =>
            Group is { } g && !Autograd.IsGradEnabled && Engine.CurrentPass != 0
                ? [g.Add(grad, InputShape(0), InputDType(0), _shape, _strides, _offset)]
                : [ViewScatterBackward.Apply(grad, InputShape(0), _shape, _strides, _offset, ScatterOf)];

        internal sealed override bool OwnsGrad(Tensor g) => Group is { } grp && grp.Owns(g);

        /// <summary>
        /// Where a producer may write this piece's whole gradient of the running pass ahead of the node (see
        /// <see cref="ViewGroup.Reserve"/>); null when the piece has no group or the pass is recorded.
        /// </summary>
        internal RawTensor? ReserveGrad() =>
            Group is { } g && !Autograd.IsGradEnabled && Engine.CurrentPass != 0
                ? g.Reserve(InputShape(0), InputDType(0), _shape, _strides, _offset)
                : null;
    }

    /// <summary>z = a[.., start:stop:step, ..] (a view); dL/da = zeros with grad written at that slice.</summary>
    internal sealed class SliceBackward0 : StridedViewNode<SliceBackward0>
    {
        public override string Name => "SliceBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.Slice;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int dim, int start, int stop, int step) =>
            Record(a, (dim, start, stop, step), static (r, s) => RawOps.Slice(r, s.Item1, s.Item2, s.Item3, s.Item4));
    }

    /// <summary>z = a[.., i, ..] (a view, dim removed); dL/da = zeros with grad written at index i.</summary>
    internal sealed class SelectBackward0 : StridedViewNode<SelectBackward0>
    {
        public override string Name => "SelectBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.Select;

        public static Tensor Apply(Tensor a, int dim, int index, string op) =>
            Record(a, (dim, index, op), static (r, s) => RawOps.Select(r, s.Item1, s.Item2, s.Item3));
    }

    /// <summary>z = the diagonal of a over two dims (a view); dL/da = zeros with grad written on that
    /// diagonal.</summary>
    internal sealed class DiagonalBackward0 : StridedViewNode<DiagonalBackward0>
    {
        public override string Name => "DiagonalBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.Diagonal;
    }

    /// <summary>One piece of <c>Split(size)</c> or <c>Chunk</c> (a view); dL/da = zeros with grad written at the
    /// piece.</summary>
    internal sealed class SplitBackward0 : StridedViewNode<SplitBackward0>
    {
        public override string Name => "SplitBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.Split;
    }

    /// <summary>One piece of <c>Split(sizes)</c> (a view); dL/da = zeros with grad written at the piece.</summary>
    internal sealed class SplitWithSizesBackward0 : StridedViewNode<SplitWithSizesBackward0>
    {
        public override string Name => "SplitWithSizesBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.SplitWithSizes;
    }

    /// <summary>One slice of <c>Unbind</c> (a view, dim removed); dL/da = zeros with grad written at that
    /// index.</summary>
    internal sealed class UnbindBackward0 : StridedViewNode<UnbindBackward0>
    {
        public override string Name => "UnbindBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.Unbind;
    }

    /// <summary>z = a strided window of contiguous a (the backward of a scatter into zeros); dL/da = zeros with grad
    /// written at the window.</summary>
    internal sealed class AsStridedBackward0 : StridedViewNode<AsStridedBackward0>
    {
        public override string Name => "AsStridedBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.AsStrided;
    }

    /// <summary>z = a (<c>x[...]</c>: a view of the whole tensor); dL/da = grad.</summary>
    internal sealed class AliasBackward0 : SingleOutputNode
    {
        public override string Name => "AliasBackward0";

        public static Tensor Apply(Tensor a) =>
            Record<AliasBackward0>(a, a.Raw.WithLayout(a.Raw.Shape, a.Raw.Strides, a.Raw.Offset));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    /// <summary>
    /// The gradient of a strided view, named after it (<c>SliceBackwardBackward0</c>, <c>SelectBackwardBackward0</c>,
    /// <c>DiagonalBackwardBackward0</c>, <c>SplitBackwardBackward0</c>, <c>SplitWithSizesBackwardBackward0</c>,
    /// <c>UnbindBackwardBackward0</c>, <c>AsStridedBackwardBackward0</c>; <c>ScatterSrcBackward</c> for the part of
    /// scatter's src that was read): z = zeros of a fixed shape with g written at a strided window;
    /// dL/dg = grad read at that window.
    /// </summary>
    internal sealed class ViewScatterBackward : SingleOutputNode
    {
        /// <summary>The view whose gradient this is (it names the node).</summary>
        internal enum Of { Slice, Select, Diagonal, Split, SplitWithSizes, Unbind, AsStrided, ScatterSrc }

        private Of _of;
        private int[] _shape = [], _strides = [];
        private int _offset;

        public override string Name => _of switch
        {
            Of.Slice => "SliceBackwardBackward0",
            Of.Select => "SelectBackwardBackward0",
            Of.Diagonal => "DiagonalBackwardBackward0",
            Of.Split => "SplitBackwardBackward0",
            Of.SplitWithSizes => "SplitWithSizesBackwardBackward0",
            Of.Unbind => "UnbindBackwardBackward0",
            Of.AsStrided => "AsStridedBackwardBackward0",
            _ => "ScatterSrcBackward",
        };

        public static Tensor Apply(Tensor g, int[] baseShape, int[] shape, int[] strides, int offset, Of of)
        {
            var raw = RawOps.Full(baseShape, 0, g.DType);
            RawOps.CopyFrom(raw.WithLayout(shape, strides, offset), g.Raw);
            return Record(g, raw, (of, shape, strides, offset),
                static (ViewScatterBackward n, Tensor _, (Of Of, int[] Shape, int[] Strides, int Offset) s) =>
                    (n._of, n._shape, n._strides, n._offset) = s);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            return [StridedViewNode<AsStridedBackward0>.Record(grad, (_shape, _strides, _offset), static (r, s) =>
            {
                var c = RawOps.Contiguous(r);
                return c.WithLayout(s.Item1, s.Item2, c.Offset + s.Item3);
            })];
        }
    }
}
