using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>The elements where <paramref name="mask"/> (bool, broadcastable with this tensor) is true, as a 1-D
        /// tensor in row-major order.</summary>
        public Tensor MaskedSelect(Tensor mask)
        {
            ArgumentNullException.ThrowIfNull(mask);
            if (mask.DType != DType.Bool)
                throw new ArgumentException(
                    $"masked_select: expected a bool mask, got {mask.DType.TorchName()} of " +
                    $"shape {Shapes.Format(mask.Raw.Shape)}.");
            int[] shape = Shapes.Broadcast(Raw.Shape, mask.Raw.Shape, "masked_select");
            RawTensor?[] indices = RawOps.NonzeroPerDim(RawOps.Expand(mask.Raw, shape, "masked_select"));
            var raw = RawOps.Index(RawOps.Expand(Raw, shape, "masked_select"), indices, "masked_select");
            return MaskedSelectBackward0.Record(this, raw, (indices, shape), static (n, s) => (n.Indices, n.Shape) = s);
        }

        /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> (bool, broadcastable to this
        /// tensor's shape) is true.</summary>
        public Tensor MaskedFill(Tensor mask, double value)
        {
            CheckFillMask(mask, "masked_fill");
            var raw = RawOps.Where(mask.Raw, RawOps.Scalar(value, DType), Raw);
            return MaskedFillBackward0.Record(this, raw, mask.Raw, static (n, m) => n.FillMask = m);
        }

        /// <summary>A copy with the 0-dim <paramref name="value"/> where <paramref name="mask"/> is true; gradients
        /// flow to both.</summary>
        public Tensor MaskedFill(Tensor mask, Tensor value)
        {
            CheckFillMask(mask, "masked_fill");
            ArgumentNullException.ThrowIfNull(value);
            if (value.Dim != 0)
                throw new ArgumentException(
                    "masked_fill: only supports a 0-dimensional value tensor, but got one of " +
                    $"shape {Shapes.Format(value.Raw.Shape)}.");
            return MaskedFillBackward1.Apply(this, mask, value);
        }

        private void CheckFillMask(Tensor mask, string op)
        {
            ArgumentNullException.ThrowIfNull(mask);
            if (mask.DType != DType.Bool)
                throw new ArgumentException(
                    $"{op}: expected a bool mask, got {mask.DType.TorchName()} of " +
                    $"shape {Shapes.Format(mask.Raw.Shape)}.");
            if (!Shapes.Broadcast(Raw.Shape, mask.Raw.Shape, op).AsSpan().SequenceEqual(Raw.Shape))
                throw new ArgumentException(
                    $"{op}: mask of shape {Shapes.Format(mask.Raw.Shape)} cannot be broadcast to the input's " +
                    $"shape {Shapes.Format(Raw.Shape)}.");
        }

        /// <summary>
        /// <c>condition ? x : y</c> element-wise; the three broadcast together and the result has the promoted dtype of
        /// <paramref name="x"/> and <paramref name="y"/>. Gradients flow to x where the condition holds and to y
        /// elsewhere.
        /// </summary>
        public static Tensor Where(Tensor condition, Tensor x, Tensor y) => WhereBackward0.Apply(condition, x, y);

        /// <summary><c>condition ? x : y</c> with a number for <paramref name="y"/> (it does not promote x's
        /// dtype).</summary>
        public static Tensor Where(Tensor condition, Tensor x, double y) =>
            WhereBackward0.Apply(condition, x, x.WrapScalar(y));

        /// <summary><c>condition ? x : y</c> with a number for <paramref name="x"/>.</summary>
        public static Tensor Where(Tensor condition, double x, Tensor y) =>
            WhereBackward0.Apply(condition, y.WrapScalar(x), y);

        /// <summary><c>condition ? this : other</c> (PyTorch's <c>x.where(condition, y)</c>).</summary>
        public Tensor Where(Tensor condition, Tensor other) => WhereBackward0.Apply(condition, this, other);

        /// <summary>The indices of the non-zero elements as an int64 tensor of shape <c>[count, Dim]</c>, in row-major
        /// order.</summary>
        public Tensor Nonzero() => OpTracer.Untraced("nonzero", NonzeroCore(), 0, this);

        private Tensor NonzeroCore()
        {
            RawTensor[] perDim = RawOps.NonzeroPerDim(RawOps.Ne(Raw, RawOps.Scalar(0, DType)));
            if (perDim.Length == 0)
                return new(RawOps.Full([RawOps.Ne(Raw, RawOps.Scalar(0, DType)).GetAsDouble(0) != 0 ? 1 : 0, 0], 0,
                    DType.Int64));
            var cols = new RawTensor[perDim.Length];
            for (int i = 0; i < cols.Length; i++) cols[i] = RawOps.Unsqueeze(perDim[i], 1);
            return new(RawOps.Cat(cols, 1));
        }
    }
}

namespace Ember.Graph
{
    /// <summary>z = a.MaskedSelect(mask) (1-D); dL/da = zeros of the broadcast shape with grad put at the true
    /// positions (the engine sums broadcast dims).</summary>
    internal sealed class MaskedSelectBackward0 : SingleInputNode<MaskedSelectBackward0>
    {
        internal RawTensor?[] Indices = [];
        internal int[] Shape = [];
        public override string Name => "MaskedSelectBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) =>
            Tensor.IndexPutIntoZeros(Shape, Indices, grad);
    }

    /// <summary>z = a.MaskedFill(mask, number); dL/da = grad with zeros where the mask is true.</summary>
    internal sealed class MaskedFillBackward0 : SingleInputNode<MaskedFillBackward0>
    {
        internal RawTensor FillMask = null!;
        public override string Name => "MaskedFillBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) =>
            grad.MaskedFill(new Tensor(FillMask), 0.0);
    }

    /// <summary>z = a.MaskedFill(mask, v) for a 0-dim tensor v; dL/da = grad zeroed where mask, dL/dv = Σ grad where
    /// mask.</summary>
    internal sealed class MaskedFillBackward1 : SingleOutputNode
    {
        private Tensor _mask = null!;
        public override string Name => "MaskedFillBackward1";

        public static Tensor Apply(Tensor a, Tensor mask, Tensor value)
        {
            var raw = RawOps.Where(mask.Raw, RawOps.Cast(value.Raw, a.DType), a.Raw);
            if (!a.DType.IsFloatingPoint()) return new Tensor(raw);
            return Record(a, value, raw, mask, static (MaskedFillBackward1 n, Tensor _, Tensor _, Tensor mask) =>
                n._mask = mask.Detach());
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.MaskedFill(_mask, 0.0) : null,
            NeedsInputGrad(1) ? Tensor.Where(_mask, grad, 0.0).Sum() : null,
        ];
    }

    /// <summary>z = cond ? x : y; dL/dx = cond ? grad : 0, dL/dy = cond ? 0 : grad (the engine sums broadcast
    /// dims).</summary>
    internal sealed class WhereBackward0 : SingleOutputNode
    {
        private Tensor _cond = null!;
        public override string Name => "WhereBackward0";

        public static Tensor Apply(Tensor cond, Tensor x, Tensor y)
        {
            ArgumentNullException.ThrowIfNull(cond);
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var raw = RawOps.Where(cond.Raw, x.Raw, y.Raw);
            return raw.DType.IsFloatingPoint() ? Computed(cond, x, y, raw) : new Tensor(raw);
        }

        /// <summary>
        /// <see cref="Apply"/> over a result a caller computed (<c>cond ? x : y</c> of the same dtype, e.g. an LSTM's
        /// masked state, which <c>LstmRows</c> writes while this thread records): the same node, no values read.
        /// </summary>
        internal static Tensor Computed(Tensor cond, Tensor x, Tensor y, RawTensor result) =>
            Record(x, y, result, cond, static (WhereBackward0 n, Tensor _, Tensor _, Tensor cond) =>
                n._cond = cond.Detach());

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? Tensor.Where(_cond, grad, 0.0) : null,
            NeedsInputGrad(1) ? Tensor.Where(_cond, 0.0, grad) : null,
        ];
    }
}
