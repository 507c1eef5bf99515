using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        // View bookkeeping: the base tensor whose storage this tensor views (null for a base), and the base's history
        // version when this view's GradFn was last valid. Detach() gives a new storage object over the same elements
        // and version counter, so a detached tensor is a base of its own. An in-place write through a view rebases the
        // base's history (CopySlices); views created before it notice the new version and regenerate their GradFn from
        // the base.
        private Tensor? _viewBase;
        private int _seenBaseHistory;

        /// <summary>Bumped when an in-place op through a view replaces this base tensor's history.</summary>
        internal int HistoryVersion;

        /// <summary>The base this tensor is an autograd view of, or null.</summary>
        internal Tensor? ViewBase
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get => _viewBase is null || ReferenceEquals(_viewBase, this) ? null : _viewBase;
        }

        /// <summary>Makes this tensor the base of its storage (a parameter made from a tensor owns that
        /// storage).</summary>
        private protected void ClaimStorage()
        {
            Raw.Storage.Base = this;
            _viewBase = null;
        }

        /// <summary>The GradFn to use now: a view whose base was modified in place since the view was made is
        /// regenerated from the base.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private Node? CurrentGradFn()
        {
            if (ViewBase is Tensor b && b.HistoryVersion != _seenBaseHistory)
            {
                _seenBaseHistory = b.HistoryVersion;
                if (b.RequiresGrad && Autograd.IsGradEnabled) _gradFn = ViewOfBaseBackward.Create(b, this);
            }
            return _gradFn;
        }

        /// <summary><c>this += other</c> in place (broadcasting <paramref name="other"/>).</summary>
        public Tensor Add_(Tensor other) => ArithmeticInPlace<Op.Add>("add_", other, false, t => t + other);
        /// <summary><c>this += value</c> in place.</summary>
        public Tensor Add_(double value) =>
            ArithmeticInPlace<Op.Add>("add_", WrapScalar(value), false, t => t + value);
        /// <summary><c>this -= other</c> in place.</summary>
        public Tensor Sub_(Tensor other) => ArithmeticInPlace<Op.Sub>("sub_", other, false, t => t - other);
        /// <summary><c>this *= other</c> in place.</summary>
        public Tensor Mul_(Tensor other) => ArithmeticInPlace<Op.Mul>("mul_", other, false, t => t * other);
        /// <summary><c>this *= value</c> in place.</summary>
        public Tensor Mul_(double value) =>
            ArithmeticInPlace<Op.Mul>("mul_", WrapScalar(value), false, t => t * value);
        /// <summary><c>this /= other</c> in place.</summary>
        public Tensor Div_(Tensor other) => ArithmeticInPlace<Op.Div>("div_", other, true, t => t / other);
        /// <summary><c>this /= value</c> in place.</summary>
        public Tensor Div_(double value) =>
            ArithmeticInPlace<Op.Div>("div_", WrapScalar(value), true, t => t / value);
        /// <summary>Clamps in place.</summary>
        public Tensor Clamp_(double? min = null, double? max = null) =>
            InPlaceKnown("clamp_", null, t => t.Clamp(min, max));
        /// <summary><c>max(x, 0)</c> in place.</summary>
        public Tensor ReLU_() => InPlaceKnown("relu_", null, t => t.ReLU());
        /// <summary>Fills with zeros in place.</summary>
        public Tensor Zero_() => Fill_(0);
        /// <summary>Fills with <paramref name="value"/> in place (its gradient with respect to the old values is
        /// zero).</summary>
        public Tensor Fill_(double value) => InPlaceKnown("fill_", null, t => FillBackward0.Apply(t, value));
        /// <summary>Copies <paramref name="src"/> (broadcast, cast to this dtype) into this tensor in place; gradients
        /// flow to <paramref name="src"/>.</summary>
        public Tensor Copy_(Tensor src)
        {
            ArgumentNullException.ThrowIfNull(src);
            return InPlaceKnown("copy_", src, t => CopyBackwards.Apply(t, src));
        }
        /// <summary>Writes <paramref name="value"/> where <paramref name="mask"/> is true, in place.</summary>
        public Tensor MaskedFill_(Tensor mask, double value) =>
            InPlaceKnown("masked_fill_", null, t => t.MaskedFill(mask, value));

        /// <summary>
        /// Runs an op in place: computes <paramref name="compute"/> on this tensor's current value and history, writes
        /// the result into this tensor's storage (bumping the version counter that every view shares), and, under
        /// autograd, makes this tensor's history the op's node. Through a view of a base in a graph, the base's history
        /// becomes a <c>CopySlices</c> node and the view's an <c>AsStridedBackward0</c> of the base (PyTorch's design).
        /// </summary>
        internal Tensor InPlace(string op, Func<Tensor, Tensor> compute)
        {
            bool recording = Autograd.IsGradEnabled;
            Tensor? viewBase = ViewBase;
            if (recording && IsLeaf && _requiresGrad)
                throw new InvalidOperationException(
                    $"{op}: a leaf Variable that requires grad is being used in an in-place operation. " +
                    "Modify it under Autograd.NoGrad() (as optimizers and initializers do), or work on a copy " +
                    "(x.Clone()).");
            if (recording && viewBase is { IsLeaf: true, _requiresGrad: true })
                throw new InvalidOperationException(
                    $"{op}: a view of a leaf Variable that requires grad is being used in an in-place operation. " +
                    "Modify the leaf under Autograd.NoGrad(), or clone it first.");
            if (HasOverlappingMemory())
                throw new InvalidOperationException(
                    $"{op}: unsupported operation: more than one element of the written-to tensor " +
                    $"(shape {Shapes.Format(Raw.Shape)}, strides {Shapes.Format(Raw.Strides)}) refers to a single " +
                    "memory location. Clone() the tensor first.");

            Tensor result;
            if (!recording)
            {
                result = compute(this);
                WriteResult(op, result);
                return this;
            }
            // The op's node may save its input, which this write is about to overwrite: compute on a snapshot that
            // carries this tensor's history instead.
            Node? history = CurrentGradFn();
            var snapshot = history is null ? new Tensor(RawOps.Clone(Raw)) : new Tensor(RawOps.Clone(Raw), history);
            result = compute(snapshot);
            WriteResult(op, result);
            if (result.GradFn is null) return this;
            if (viewBase is null)
            {
                // A base's new history: views of it made earlier must regenerate theirs from it.
                GradFn = result.GradFn;
                HistoryVersion++;
                return this;
            }
            // Through a view: the base's new history copies the result into the viewed slice of its old history.
            viewBase.GradFn = CopySlices.Create(viewBase, this, result);
            viewBase.HistoryVersion++;
            _seenBaseHistory = viewBase.HistoryVersion;
            GradFn = ViewOfBaseBackward.Create(viewBase, this);
            return this;
        }

        private void WriteResult(string op, Tensor result)
        {
            if (!result.Raw.Shape.AsSpan().SequenceEqual(Raw.Shape))
                throw new ArgumentException(
                    $"{op}: output with shape {Shapes.Format(Raw.Shape)} doesn't match the broadcast " +
                    $"shape {Shapes.Format(result.Raw.Shape)}.");
            if (result.DType.IsFloatingPoint() && !DType.IsFloatingPoint())
                throw new InvalidOperationException(
                    $"{op}: result type {result.DType.TorchName()} can't be cast to the desired output " +
                    $"type {DType.TorchName()}; convert this tensor first (x = x.To(...)).");
            RawOps.CopyFrom(Raw, result.Raw);
        }

        private bool HasOverlappingMemory()
        {
            for (int d = 0; d < Raw.Rank; d++)
                if (Raw.Strides[d] == 0 && Raw.Shape[d] > 1) return true;
            return false;
        }

        /// <summary>For each element of <paramref name="view"/> (row-major), the flat row-major index of the element of
        /// <paramref name="b"/> it aliases.</summary>
        internal static long[] ViewToBaseIndex(Tensor b, Tensor view)
        {
            if (b.IsContiguous) return ViewToContiguousBaseIndex(b, view);
            // A strided base: map storage positions to its flat indices first.
            var positions = new System.Collections.Generic.Dictionary<int, int>(b.NumEl);
            int[] idx = new int[b.Dim];
            for (int f = 0; f < b.NumEl; f++)
            {
                int p = b.Raw.Offset;
                for (int d = 0; d < b.Dim; d++) p += idx[d] * b.Raw.Strides[d];
                positions.TryAdd(p, f);
                for (int d = b.Dim - 1; d >= 0; d--) { if (++idx[d] < b.Raw.Shape[d]) break; idx[d] = 0; }
            }
            var map = new long[view.NumEl];
            int[] vi = new int[view.Dim];
            for (int f = 0; f < view.NumEl; f++)
            {
                int p = view.Raw.Offset;
                for (int d = 0; d < view.Dim; d++) p += vi[d] * view.Raw.Strides[d];
                if (!positions.TryGetValue(p, out int bf))
                    throw new InvalidOperationException(
                        "In-place write through a view reaches memory outside its base tensor.");
                map[f] = bf;
                for (int d = view.Dim - 1; d >= 0; d--) { if (++vi[d] < view.Raw.Shape[d]) break; vi[d] = 0; }
            }
            return map;
        }

        // A contiguous base's flat index is the storage position minus its offset.
        private static long[] ViewToContiguousBaseIndex(Tensor b, Tensor view)
        {
            var map = new long[view.NumEl];
            int[] vi = new int[view.Dim];
            for (int f = 0; f < view.NumEl; f++)
            {
                long p = view.Raw.Offset - b.Raw.Offset;
                for (int d = 0; d < view.Dim; d++) p += (long)vi[d] * view.Raw.Strides[d];
                if (p < 0 || p >= b.NumEl)
                    throw new InvalidOperationException(
                        "In-place write through a view reaches memory outside its base tensor.");
                map[f] = p;
                for (int d = view.Dim - 1; d >= 0; d--) { if (++vi[d] < view.Raw.Shape[d]) break; vi[d] = 0; }
            }
            return map;
        }
    }
}

namespace Ember.Graph
{
    /// <summary>
    /// The history of a base tensor after an in-place write through one of its views: y = base with the viewed slice
    /// replaced by r. dL/dbase = grad with the slice zeroed; dL/dr = grad at the slice.
    /// </summary>
    internal sealed class CopySlices : SingleOutputNode
    {
        private Tensor _map = null!;
        private Tensor _keep = null!;
        private int[] _viewShape = [];
        public override string Name => "CopySlices";

        public static CopySlices Create(Tensor b, Tensor view, Tensor result)
        {
            long[] map = Tensor.ViewToBaseIndex(b, view);
            var keep = RawOps.Full([b.NumEl], 1, b.DType.IsFloatingPoint() ? b.DType : DType.Float32);
            foreach (long k in map) RawOps.SetFlat(keep, (int)k, 0);
            var node = new CopySlices
            {
                _map = Tensor.From(map), _keep = new Tensor(keep), _viewShape = view.Raw.Shape
            };
            // Inputs: the base's previous history (a null edge if it had none) and the written result.
            node.SetInputs(b.GradFn is Node previous ? new Tensor(b.Raw, previous) : new Tensor(b.Raw), result);
            return node;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor flat = grad.Reshape(-1);
            Tensor gBase = (flat * _keep).Reshape(InputShape(0));
            Tensor gResult = flat.IndexSelect(0, _map).Reshape(_viewShape);
            return [NeedsInputGrad(0) ? gBase : null, NeedsInputGrad(1) ? gResult : null];
        }
    }

    /// <summary>
    /// <c>AsStridedBackward0</c> of a view's regenerated history: z = the elements of base b that the view aliases
    /// (located by a flat index map, which also covers bases that are not contiguous); dL/db = grad scattered back to
    /// them.
    /// </summary>
    internal sealed class ViewOfBaseBackward : SingleOutputNode
    {
        private Tensor _map = null!;
        public override string Name => "AsStridedBackward0";

        public static ViewOfBaseBackward Create(Tensor b, Tensor view)
        {
            var node = new ViewOfBaseBackward { _map = Tensor.From(Tensor.ViewToBaseIndex(b, view)) };
            node.SetInputs(b);
            return node;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] shape = InputShape(0);
            var zeros = new Tensor(RawOps.Full([Shapes.NumEl(shape)], 0, grad.DType));
            return [zeros.ScatterAdd(0, _map, grad.Reshape(-1)).Reshape(shape)];
        }
    }

    /// <summary>z = fill(x, v); dL/dx = 0.</summary>
    internal sealed class FillBackward0 : SingleInputNode<FillBackward0>
    {
        public override string Name => "FillBackward0";
        protected override bool SavesInput => false;

        public static Tensor Apply(Tensor x, double value) => Record(x, RawOps.Full(x.Raw.Shape, value, x.DType));

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad * 0.0;
    }

    /// <summary>
    /// z = src broadcast into x's shape and dtype (x's values are discarded); dL/dx = 0, dL/dsrc = grad (the engine
    /// sums broadcast dims). PyTorch 1.13 spells this node's name with an s.
    /// </summary>
    internal sealed class CopyBackwards : SingleOutputNode
    {
        public override string Name => "CopyBackwards";

        public static Tensor Apply(Tensor x, Tensor src) =>
            Record<CopyBackwards>(x, src,
                RawOps.Clone(RawOps.Expand(RawOps.Cast(src.Raw, x.DType), x.Raw.Shape, "copy_")));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad * 0.0 : null, NeedsInputGrad(1) ? grad : null];
    }
}
