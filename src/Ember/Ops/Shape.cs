using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>A view with a new shape over the same storage (one entry may be -1). Fails when the strides cannot
        /// express it; use <see cref="Reshape"/> then.</summary>
        public Tensor View(params int[] shape) => ViewBackward.Apply(this, RawOps.View(Raw, shape),
            ViewBackward.Kind.View);

        /// <summary>A tensor with a new shape: a view when the layout allows, otherwise a copy.</summary>
        public Tensor Reshape(params int[] shape)
        {
            int[] resolved = Shapes.InferSize(shape, NumEl, "reshape");
            RawTensor? view = RawOps.TryView(Raw, resolved);
            if (view is not null) return ViewBackward.Apply(this, view, ViewBackward.Kind.ReshapeAlias);
            // PyTorch 1.13 records a copy then an unsafe view: UnsafeViewBackward0 -> CloneBackward0.
            Tensor copy = Contiguous(force: true);
            return ViewBackward.Apply(copy, RawOps.View(copy.Raw, resolved), ViewBackward.Kind.UnsafeView);
        }

        /// <summary>Flattens dims <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
        public Tensor Flatten(int startDim = 0, int endDim = -1)
        {
            if (Dim == 0) return Reshape(1);
            int s = Shapes.WrapDim(startDim, Dim, "flatten"), e = Shapes.WrapDim(endDim, Dim, "flatten");
            if (s > e)
                throw new ArgumentException($"flatten: startDim ({startDim}) cannot come after endDim ({endDim}).");
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
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get
            {
                if (Dim > 2)
                    throw new InvalidOperationException(
                        "T: expects a tensor with <= 2 dimensions, but this one has " +
                        $"shape {Shapes.Format(Raw.Shape)}; use Transpose(dim0, dim1) or Permute(...).");
                return TBackward0.Apply(this);
            }
        }

        /// <summary>Reorders dimensions (a view).</summary>
        public Tensor Permute(params int[] dims) => PermuteBackward0.Apply(this, dims);

        /// <summary>Inserts a dimension of size one at <paramref name="dim"/> (a view).</summary>
        public Tensor Unsqueeze(int dim) => UnsqueezeBackward0.Apply(this, dim);

        /// <summary>Removes every dimension of size one (a view).</summary>
        public Tensor Squeeze() => SqueezeBackward.Apply(this);

        /// <summary>Removes dimension <paramref name="dim"/> if its size is one (a view).</summary>
        public Tensor Squeeze(int dim) => SqueezeBackward.Apply(this, dim);

        /// <summary>Broadcasts size-one dimensions to <paramref name="shape"/> without copying (-1 keeps a
        /// size).</summary>
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

        /// <summary>Splits dim <paramref name="dim"/> into <paramref name="sizes"/> (whose product is its size; one
        /// entry may be -1); a view (<c>ViewBackward0</c>).</summary>
        public Tensor Unflatten(int dim, params int[] sizes)
        {
            ArgumentNullException.ThrowIfNull(sizes);
            if (Dim == 0) throw new ArgumentException("unflatten: cannot unflatten a 0-dim tensor (shape []).");
            int d = Shapes.WrapDim(dim, Dim, "unflatten");
            if (sizes.Length == 0)
                throw new ArgumentException(
                    $"unflatten: sizes must be non-empty (input shape {Shapes.Format(Raw.Shape)}).");
            int[] inner;
            try { inner = Shapes.InferSize(sizes, Raw.Shape[d], "unflatten"); }
            catch (ArgumentException)
            {
                throw new ArgumentException(
                    $"unflatten: provided sizes {Shapes.Format(sizes)} don't multiply up to the size of dim {d} " +
                    $"({Raw.Shape[d]}) in the input tensor of shape {Shapes.Format(Raw.Shape)}.");
            }
            int[] shape = [.. Raw.Shape.AsSpan(0, d), .. inner, .. Raw.Shape.AsSpan(d + 1)];
            return View(shape);
        }

        /// <summary>
        /// Tiles the tensor <paramref name="repeats"/>[i] times along each dim (a copy). <paramref name="repeats"/>
        /// needs at least <see cref="Dim"/> entries; extra leading entries add dims.
        /// </summary>
        public Tensor Repeat(params int[] repeats)
        {
            ArgumentNullException.ThrowIfNull(repeats);
            if (repeats.Length < Dim)
                throw new ArgumentException(
                    $"repeat: number of repeat dims ({repeats.Length}, {Shapes.Format(repeats)}) can not be smaller " +
                    $"than number of dimensions of tensor ({Dim}, shape {Shapes.Format(Raw.Shape)}).");
            foreach (int r in repeats)
                if (r < 0)
                    throw new ArgumentException($"repeat: repeats must be non-negative, got {Shapes.Format(repeats)}.");
            return RepeatBackward0.Apply(this, repeats);
        }

        /// <summary>Like <see cref="Repeat"/>, but fewer entries than dims are padded with leading ones (NumPy's
        /// <c>tile</c>).</summary>
        public Tensor Tile(params int[] reps)
        {
            ArgumentNullException.ThrowIfNull(reps);
            if (reps.Length >= Dim) return Repeat(reps);
            var full = new int[Dim];
            Array.Fill(full, 1);
            reps.CopyTo(full, Dim - reps.Length);
            return Repeat(full);
        }

        /// <summary>A copy with the order of elements reversed along <paramref name="dims"/>.</summary>
        public Tensor Flip(params int[] dims)
        {
            ArgumentNullException.ThrowIfNull(dims);
            var raw = RawOps.Flip(Raw, dims);
            return FlipBackward0.Record(this, raw, dims, static (n, d) => n.Dims = d);
        }

        /// <summary>
        /// Rolls elements by <paramref name="shifts"/>[i] along <paramref name="dims"/>[i]; with no dims the tensor is
        /// rolled flattened and reshaped back. Elements that leave one end re-enter at the other.
        /// </summary>
        public Tensor Roll(int[] shifts, int[]? dims = null)
        {
            ArgumentNullException.ThrowIfNull(shifts);
            dims ??= [];
            if (dims.Length == 0 && shifts.Length != 1)
                throw new ArgumentException(
                    $"roll: without dims, exactly one shift is expected, got shifts {Shapes.Format(shifts)}.");
            if (dims.Length != 0 && dims.Length != shifts.Length)
                throw new ArgumentException(
                    $"roll: shifts and dims must align: shifts {Shapes.Format(shifts)}, dims {Shapes.Format(dims)}.");
            RawTensor raw;
            if (dims.Length == 0)
                raw = RawOps.Reshape(RawOps.Roll(RawOps.Reshape(Raw, [NumEl]), shifts[0], 0), Raw.Shape);
            else
            {
                raw = Raw;
                for (int i = 0; i < dims.Length; i++) raw = RawOps.Roll(raw, shifts[i], dims[i]);
                if (ReferenceEquals(raw, Raw)) raw = RawOps.Clone(Raw);
            }
            return RollBackward0.Record(this, raw, (shifts, dims), static (n, s) => (n.Shifts, n.Dims) = s);
        }

        /// <summary>Rolls by <paramref name="shift"/> along <paramref name="dim"/>.</summary>
        public Tensor Roll(int shift, int dim) => Roll([shift], [dim]);

        /// <summary>The lower triangle of the last two dims (on and below diagonal <paramref name="diagonal"/>), zeros
        /// elsewhere.</summary>
        public Tensor Tril(int diagonal = 0) =>
            TrilBackward0.Record(this, RawOps.Triangle(Raw, diagonal, lower: true), diagonal,
                static (n, d) => n.Diagonal = d);

        /// <summary>The upper triangle of the last two dims (on and above diagonal <paramref name="diagonal"/>), zeros
        /// elsewhere.</summary>
        public Tensor Triu(int diagonal = 0) =>
            TriuBackward0.Record(this, RawOps.Triangle(Raw, diagonal, lower: false), diagonal,
                static (n, d) => n.Diagonal = d);

        /// <summary>Sums a broadcast result back to <paramref name="shape"/>, in the graph (used by the
        /// engine).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    /// <summary>
    /// <c>ViewBackward0</c> / <c>ReshapeAliasBackward0</c> / <c>UnsafeViewBackward0</c>: z = a viewed as a new shape
    /// (a view, a reshape that could view, or the view of a fresh copy); dL/da = grad reshaped to a's shape.
    /// </summary>
    internal sealed class ViewBackward : SingleOutputNode
    {
        /// <summary>Which op made the view (it names the node, as PyTorch 1.13 does).</summary>
        internal enum Kind { View, ReshapeAlias, UnsafeView }

        private Kind _kind;

        public override string Name => _kind switch
        {
            Kind.View => "ViewBackward0",
            Kind.ReshapeAlias => "ReshapeAliasBackward0",
            _ => "UnsafeViewBackward0",
        };

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, RawTensor view, Kind kind) =>
            Record(a, view, kind, static (ViewBackward n, Tensor _, Kind k) => n._kind = k);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad.Reshape(InputShape(0))];
    }

    /// <summary>z = aᵀ (2-D); dL/da = gradᵀ.</summary>
    internal sealed class TBackward0 : SingleOutputNode
    {
        public override string Name => "TBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a) =>
            Record<TBackward0>(a, a.Dim < 2 ? a.Raw : RawOps.Transpose(a.Raw, 0, 1));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad.T];
    }

    /// <summary>z = a with dims d0 and d1 swapped; dL/da = grad with them swapped back.</summary>
    internal sealed class TransposeBackward0 : SingleOutputNode
    {
        private int _d0, _d1;
        public override string Name => "TransposeBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int d0, int d1) => Record(a, RawOps.Transpose(a.Raw, d0, d1), (d0, d1),
            static (TransposeBackward0 n, Tensor _, (int D0, int D1) s) => (n._d0, n._d1) = s);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad.Transpose(_d0, _d1)];
    }

    /// <summary>z = a with dims reordered by p; dL/da = grad permuted by p⁻¹.</summary>
    internal sealed class PermuteBackward0 : SingleOutputNode
    {
        private int[] _inverse = [];
        public override string Name => "PermuteBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int[] dims) => Record(a, RawOps.Permute(a.Raw, dims), dims,
            static (PermuteBackward0 n, Tensor _, int[] dims) =>
            {
                var inv = new int[dims.Length];
                for (int i = 0; i < dims.Length; i++) inv[Shapes.WrapDim(dims[i], dims.Length, "permute")] = i;
                n._inverse = inv;
            });

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad.Permute(_inverse)];
    }

    /// <summary>z = a with a new size-1 dim d; dL/da = grad squeezed at d.</summary>
    internal sealed class UnsqueezeBackward0 : SingleOutputNode
    {
        private int _dim;
        public override string Name => "UnsqueezeBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int dim) => Record(a, RawOps.Unsqueeze(a.Raw, dim), dim,
            static (UnsqueezeBackward0 n, Tensor a, int dim) => n._dim = Shapes.WrapDim(dim, a.Dim + 1, "unsqueeze"));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad.Squeeze(_dim)];
    }

    /// <summary>
    /// <c>SqueezeBackward0</c> (all size-1 dims) / <c>SqueezeBackward1</c> (one dim) / <c>SqueezeBackward3</c> (the
    /// in-place squeeze PyTorch records inside matmul): z = a without size-1 dims; dL/da = grad reshaped back.
    /// </summary>
    internal sealed class SqueezeBackward : SingleOutputNode
    {
        private int _variant;
        public override string Name => _variant switch
        {
            0 => "SqueezeBackward0",
            1 => "SqueezeBackward1",
            _ => "SqueezeBackward3",
        };

        /// <summary>Removes every size-1 dim of <paramref name="a"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a) => Record(a, RawOps.Squeeze(a.Raw, null), 0, SetVariant);

        /// <summary>
        /// Removes dim <paramref name="dim"/> if its size is one; <paramref name="inMatMul"/> names it as matmul's.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int dim, bool inMatMul = false) =>
            Record(a, RawOps.Squeeze(a.Raw, dim), inMatMul ? 3 : 1, SetVariant);

        private static readonly Action<SqueezeBackward, Tensor, int> SetVariant = static (n, _, v) => n._variant = v;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad.Reshape(InputShape(0))];
    }

    /// <summary>z = a broadcast to a larger shape (a view); dL/da = grad summed over the broadcast dims.</summary>
    internal sealed class ExpandBackward0 : SingleOutputNode
    {
        public override string Name => "ExpandBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int[] shape) => Record<ExpandBackward0>(a, RawOps.Expand(a.Raw, shape));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad.SumToShape(InputShape(0))];
    }

    /// <summary>z = a contiguous copy of a; dL/da = grad.</summary>
    internal sealed class CloneBackward0 : SingleOutputNode
    {
        public override string Name => "CloneBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a) => Record<CloneBackward0>(a, RawOps.Clone(a.Raw));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    /// <summary>z = a converted to another dtype; dL/da = grad converted back (the engine casts).</summary>
    internal sealed class ToCopyBackward0 : SingleOutputNode
    {
        public override string Name => "ToCopyBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, DType dtype)
        {
            var raw = RawOps.Cast(a.Raw, dtype);
            return dtype.IsFloatingPoint() ? Record<ToCopyBackward0>(a, raw)
                : OpTracer.Untraced("_to_copy", new Tensor(raw), dtype, a);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    /// <summary>z = a tiled r times per dim; dL/da = grad viewed as [r₀, s₀, r₁, s₁, ...] summed over the r
    /// dims.</summary>
    internal sealed class RepeatBackward0 : SingleOutputNode
    {
        private int[] _repeats = [];
        public override string Name => "RepeatBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, int[] repeats)
        {
            int lead = repeats.Length - a.Dim;
            // [1.., s0, s1, ...] -> [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...] -> [r0*s0, r1*s1, ...]
            var interleaved = new int[2 * repeats.Length];
            var expanded = new int[2 * repeats.Length];
            var final = new int[repeats.Length];
            for (int i = 0; i < repeats.Length; i++)
            {
                int s = i < lead ? 1 : a.Raw.Shape[i - lead];
                interleaved[2 * i] = 1; interleaved[2 * i + 1] = s;
                expanded[2 * i] = repeats[i]; expanded[2 * i + 1] = s;
                final[i] = repeats[i] * s;
            }
            var raw = RawOps.Reshape(RawOps.Expand(RawOps.Reshape(a.Raw, interleaved), expanded, "repeat"), final);
            if (raw.Storage == a.Raw.Storage) raw = RawOps.Clone(raw);
            return Record(a, raw, repeats, static (RepeatBackward0 n, Tensor _, int[] r) => n._repeats = r);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            int[] input = InputShape(0);
            int lead = _repeats.Length - input.Length;
            var split = new int[2 * _repeats.Length];
            for (int i = 0; i < _repeats.Length; i++)
            {
                split[2 * i] = _repeats[i];
                split[2 * i + 1] = i < lead ? 1 : input[i - lead];
            }
            Tensor g = grad.Reshape(split);
            for (int i = _repeats.Length - 1; i >= 0; i--) g = g.Sum(2 * i);
            return [g.Reshape(input)];
        }
    }

    /// <summary>z = a reversed along dims; dL/da = grad reversed along the same dims.</summary>
    internal sealed class FlipBackward0 : SingleInputNode<FlipBackward0>
    {
        internal int[] Dims = [];
        public override string Name => "FlipBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad.Flip(Dims);
    }

    /// <summary>z = a rolled by shifts along dims; dL/da = grad rolled by -shifts.</summary>
    internal sealed class RollBackward0 : SingleInputNode<RollBackward0>
    {
        internal int[] Shifts = [], Dims = [];
        public override string Name => "RollBackward0";
        protected override bool SavesInput => false;

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y)
        {
            var back = new int[Shifts.Length];
            for (int i = 0; i < back.Length; i++) back[i] = -Shifts[i];
            return grad.Roll(back, Dims);
        }
    }

    /// <summary>z = tril(a, k); dL/da = tril(grad, k).</summary>
    internal sealed class TrilBackward0 : SingleInputNode<TrilBackward0>
    {
        internal int Diagonal;
        public override string Name => "TrilBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad.Tril(Diagonal);
    }

    /// <summary>z = triu(a, k); dL/da = triu(grad, k).</summary>
    internal sealed class TriuBackward0 : SingleInputNode<TriuBackward0>
    {
        internal int Diagonal;
        public override string Name => "TriuBackward0";
        protected override bool SavesInput => false;
        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor y) => grad.Triu(Diagonal);
    }
}
