using System;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>A view with a new shape over the same storage (one entry may be -1). Fails when the strides cannot express it; use <see cref="Reshape"/> then.</summary>
        public Tensor View(params int[] shape) => ViewBackward0.Apply(this, RawOps.View(Raw, shape), "ViewBackward0");

        /// <summary>A tensor with a new shape: a view when the layout allows, otherwise a copy.</summary>
        public Tensor Reshape(params int[] shape)
        {
            int[] resolved = Shapes.InferSize(shape, NumEl, "reshape");
            RawTensor? view = RawOps.TryView(Raw, resolved);
            if (view is not null) return ViewBackward0.Apply(this, view, "ReshapeAliasBackward0");
            // PyTorch 1.13 records a copy then an unsafe view: UnsafeViewBackward0 -> CloneBackward0.
            Tensor copy = Contiguous(force: true);
            return ViewBackward0.Apply(copy, RawOps.View(copy.Raw, resolved), "UnsafeViewBackward0");
        }

        /// <summary>Flattens dims <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
        public Tensor Flatten(int startDim = 0, int endDim = -1)
        {
            if (Dim == 0) return Reshape(1);
            int s = Shapes.WrapDim(startDim, Dim, "flatten"), e = Shapes.WrapDim(endDim, Dim, "flatten");
            if (s > e) throw new ArgumentException($"flatten: startDim ({startDim}) cannot come after endDim ({endDim}).");
            var shape = new int[Dim - (e - s)];
            int k = 0, prod = 1;
            for (int i = 0; i < Dim; i++)
            {
                if (i >= s && i <= e) { prod *= Raw.Shape[i]; if (i == e) shape[k++] = prod; }
                else shape[k++] = Raw.Shape[i];
            }
            return Reshape(shape);
        }

        /// <summary>Swaps two dimensions (a view).</summary>
        public Tensor Transpose(int dim0, int dim1) => TransposeBackward0.Apply(this, dim0, dim1);

        /// <summary>The transpose of a matrix (a view); 0-D and 1-D tensors are returned as they are.</summary>
        public Tensor T
        {
            get
            {
                if (Dim > 2)
                    throw new InvalidOperationException($"T: expects a tensor with <= 2 dimensions, but this one has shape {Shapes.Format(Raw.Shape)}; use Transpose(dim0, dim1) or Permute(...).");
                return TBackward0.Apply(this);
            }
        }

        /// <summary>Reorders dimensions (a view).</summary>
        public Tensor Permute(params int[] dims) => PermuteBackward0.Apply(this, dims);

        /// <summary>Inserts a dimension of size one at <paramref name="dim"/> (a view).</summary>
        public Tensor Unsqueeze(int dim) => UnsqueezeBackward0.Apply(this, dim);

        /// <summary>Removes every dimension of size one (a view).</summary>
        public Tensor Squeeze() => SqueezeBackward.Apply(this, null);

        /// <summary>Removes dimension <paramref name="dim"/> if its size is one (a view).</summary>
        public Tensor Squeeze(int dim) => SqueezeBackward.Apply(this, dim);

        /// <summary>Broadcasts size-one dimensions to <paramref name="shape"/> without copying (-1 keeps a size).</summary>
        public Tensor Expand(params int[] shape) => ExpandBackward0.Apply(this, shape);

        /// <summary>This tensor if it is contiguous, else a contiguous copy.</summary>
        public Tensor Contiguous() => Contiguous(force: false);

        /// <summary>A contiguous copy that stays in the graph.</summary>
        public Tensor Clone() => Contiguous(force: true);

        private Tensor Contiguous(bool force) => !force && IsContiguous ? this : CloneBackward0.Apply(this);

        /// <summary>Converts to another dtype (the same tensor when it already has it).</summary>
        public Tensor To(DType dtype) => dtype == DType ? this : ToCopyBackward0.Apply(this, dtype);

        /// <summary>Moves to a device (the same tensor for the CPU, the only device of this build).</summary>
        public Tensor To(Device device) => device == Device ? this :
            throw new ArgumentException($"To: device {device} is not available in this build; only 'cpu' is.");

        /// <summary>Sums a broadcast result back to <paramref name="shape"/>, in the graph (used by the engine).</summary>
        internal Tensor SumToShape(ReadOnlySpan<int> shape)
        {
            int lead = Dim - shape.Length;
            Tensor r = this;
            for (int i = Dim - 1; i >= lead; i--)
                if (shape[i - lead] == 1 && Raw.Shape[i] != 1) r = r.Sum(i, keepDim: true);
            for (int i = 0; i < lead; i++) r = r.Sum(0);
            return r;
        }
    }
}

namespace Ember.Graph
{
    /// <summary>A view or reshape: z = a viewed as a new shape; dL/da = grad reshaped to a's shape.</summary>
    internal sealed class ViewBackward0 : UnaryOutputNode
    {
        private string _name = "ViewBackward0";
        public override string Name => _name;

        public static Tensor Apply(Tensor a, RawTensor view, string name)
        {
            if (!Autograd.ShouldRecord(a)) return new Tensor(view);
            var node = new ViewBackward0 { _name = name };
            node.SetInputs(a);
            return new Tensor(view, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad.Reshape(InputShape(0))];
    }

    /// <summary>z = aᵀ (2-D); dL/da = gradᵀ.</summary>
    internal sealed class TBackward0 : UnaryOutputNode
    {
        public override string Name => "TBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = a.Dim < 2 ? a.Raw : RawOps.Transpose(a.Raw, 0, 1);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new TBackward0();
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad.T];
    }

    /// <summary>z = a with dims d0 and d1 swapped; dL/da = grad with them swapped back.</summary>
    internal sealed class TransposeBackward0 : UnaryOutputNode
    {
        private int _d0, _d1;
        public override string Name => "TransposeBackward0";

        public static Tensor Apply(Tensor a, int d0, int d1)
        {
            var raw = RawOps.Transpose(a.Raw, d0, d1);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new TransposeBackward0 { _d0 = d0, _d1 = d1 };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad.Transpose(_d0, _d1)];
    }

    /// <summary>z = a with dims reordered by p; dL/da = grad permuted by p⁻¹.</summary>
    internal sealed class PermuteBackward0 : UnaryOutputNode
    {
        private int[] _inverse = [];
        public override string Name => "PermuteBackward0";

        public static Tensor Apply(Tensor a, int[] dims)
        {
            var raw = RawOps.Permute(a.Raw, dims);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var inv = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++) inv[Shapes.WrapDim(dims[i], dims.Length, "permute")] = i;
            var node = new PermuteBackward0 { _inverse = inv };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad.Permute(_inverse)];
    }

    /// <summary>z = a with a new size-1 dim d; dL/da = grad squeezed at d.</summary>
    internal sealed class UnsqueezeBackward0 : UnaryOutputNode
    {
        private int _dim;
        public override string Name => "UnsqueezeBackward0";

        public static Tensor Apply(Tensor a, int dim)
        {
            var raw = RawOps.Unsqueeze(a.Raw, dim);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new UnsqueezeBackward0 { _dim = Shapes.WrapDim(dim, a.Dim + 1, "unsqueeze") };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad.Squeeze(_dim)];
    }

    /// <summary>z = a without size-1 dims (all: SqueezeBackward0; one: SqueezeBackward1); dL/da = grad reshaped back.</summary>
    internal sealed class SqueezeBackward : UnaryOutputNode
    {
        private string _name = "SqueezeBackward0";
        public override string Name => _name;

        /// <param name="a">The input.</param>
        /// <param name="dim">The dim to squeeze, or null for all size-1 dims.</param>
        /// <param name="name">PyTorch records the in-place squeeze inside matmul as SqueezeBackward3.</param>
        public static Tensor Apply(Tensor a, int? dim, string? name = null)
        {
            var raw = RawOps.Squeeze(a.Raw, dim);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new SqueezeBackward { _name = name ?? (dim.HasValue ? "SqueezeBackward1" : "SqueezeBackward0") };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad.Reshape(InputShape(0))];
    }

    /// <summary>z = a broadcast to a larger shape (a view); dL/da = grad summed over the broadcast dims.</summary>
    internal sealed class ExpandBackward0 : UnaryOutputNode
    {
        public override string Name => "ExpandBackward0";

        public static Tensor Apply(Tensor a, int[] shape)
        {
            var raw = RawOps.Expand(a.Raw, shape);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new ExpandBackward0();
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad.SumToShape(InputShape(0))];
    }

    /// <summary>z = a contiguous copy of a; dL/da = grad.</summary>
    internal sealed class CloneBackward0 : UnaryOutputNode
    {
        public override string Name => "CloneBackward0";

        public static Tensor Apply(Tensor a)
        {
            var raw = RawOps.Clone(a.Raw);
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new CloneBackward0();
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    /// <summary>z = a converted to another dtype; dL/da = grad converted back (the engine casts).</summary>
    internal sealed class ToCopyBackward0 : UnaryOutputNode
    {
        public override string Name => "ToCopyBackward0";

        public static Tensor Apply(Tensor a, DType dtype)
        {
            var raw = RawOps.Cast(a.Raw, dtype);
            if (!Autograd.ShouldRecord(a) || !dtype.IsFloatingPoint()) return new Tensor(raw);
            var node = new ToCopyBackward0();
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }
}
