using System;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>Splits dim <paramref name="dim"/> into <paramref name="sizes"/> (whose product is its size; one entry may be -1); a view (<c>ViewBackward0</c>).</summary>
        public Tensor Unflatten(int dim, params int[] sizes)
        {
            ArgumentNullException.ThrowIfNull(sizes);
            if (Dim == 0) throw new ArgumentException("unflatten: cannot unflatten a 0-dim tensor (shape []).");
            int d = Shapes.WrapDim(dim, Dim, "unflatten");
            if (sizes.Length == 0) throw new ArgumentException($"unflatten: sizes must be non-empty (input shape {Shapes.Format(Raw.Shape)}).");
            int[] inner;
            try { inner = Shapes.InferSize(sizes, Raw.Shape[d], "unflatten"); }
            catch (ArgumentException)
            {
                throw new ArgumentException($"unflatten: provided sizes {Shapes.Format(sizes)} don't multiply up to the size of dim {d} ({Raw.Shape[d]}) in the input tensor of shape {Shapes.Format(Raw.Shape)}.");
            }
            int[] shape = [.. Raw.Shape.AsSpan(0, d), .. inner, .. Raw.Shape.AsSpan(d + 1)];
            return View(shape);
        }

        /// <summary>
        /// Tiles the tensor <paramref name="repeats"/>[i] times along each dim (a copy). <paramref name="repeats"/> needs at
        /// least <see cref="Dim"/> entries; extra leading entries add dims.
        /// </summary>
        public Tensor Repeat(params int[] repeats)
        {
            ArgumentNullException.ThrowIfNull(repeats);
            if (repeats.Length < Dim)
                throw new ArgumentException($"repeat: number of repeat dims ({repeats.Length}, {Shapes.Format(repeats)}) can not be smaller than number of dimensions of tensor ({Dim}, shape {Shapes.Format(Raw.Shape)}).");
            foreach (int r in repeats)
                if (r < 0) throw new ArgumentException($"repeat: repeats must be non-negative, got {Shapes.Format(repeats)}.");
            return RepeatBackward0.Apply(this, repeats);
        }

        /// <summary>Like <see cref="Repeat"/>, but fewer entries than dims are padded with leading ones (NumPy's <c>tile</c>).</summary>
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
            return FlipBackward0.Record(this, raw, n => n.Dims = dims);
        }

        /// <summary>
        /// Rolls elements by <paramref name="shifts"/>[i] along <paramref name="dims"/>[i]; with no dims the tensor is rolled
        /// flattened and reshaped back. Elements that leave one end re-enter at the other.
        /// </summary>
        public Tensor Roll(int[] shifts, int[]? dims = null)
        {
            ArgumentNullException.ThrowIfNull(shifts);
            dims ??= [];
            if (dims.Length == 0 && shifts.Length != 1)
                throw new ArgumentException($"roll: without dims, exactly one shift is expected, got shifts {Shapes.Format(shifts)}.");
            if (dims.Length != 0 && dims.Length != shifts.Length)
                throw new ArgumentException($"roll: shifts and dims must align: shifts {Shapes.Format(shifts)}, dims {Shapes.Format(dims)}.");
            RawTensor raw;
            if (dims.Length == 0)
                raw = RawOps.Reshape(RawOps.Roll(RawOps.Reshape(Raw, [NumEl]), shifts[0], 0), Raw.Shape);
            else
            {
                raw = Raw;
                for (int i = 0; i < dims.Length; i++) raw = RawOps.Roll(raw, shifts[i], dims[i]);
                if (ReferenceEquals(raw, Raw)) raw = RawOps.Clone(Raw);
            }
            return RollBackward0.Record(this, raw, n => (n.Shifts, n.Dims) = (shifts, dims));
        }

        /// <summary>Rolls by <paramref name="shift"/> along <paramref name="dim"/>.</summary>
        public Tensor Roll(int shift, int dim) => Roll([shift], [dim]);

        /// <summary>The lower triangle of the last two dims (on and below diagonal <paramref name="diagonal"/>), zeros elsewhere.</summary>
        public Tensor Tril(int diagonal = 0) => TrilBackward0.Record(this, RawOps.Triangle(Raw, diagonal, lower: true), n => n.Diagonal = diagonal);

        /// <summary>The upper triangle of the last two dims (on and above diagonal <paramref name="diagonal"/>), zeros elsewhere.</summary>
        public Tensor Triu(int diagonal = 0) => TriuBackward0.Record(this, RawOps.Triangle(Raw, diagonal, lower: false), n => n.Diagonal = diagonal);

        /// <summary>Batched matrix product <c>[B, m, k] @ [B, k, n] → [B, m, n]</c> (no broadcasting; see <see cref="MatMul"/>).</summary>
        public Tensor Bmm(Tensor other) => BmmBackward0.Apply(this, other);

        /// <summary>The outer product of two 1-D tensors: <c>[n] ⊗ [m] → [n, m]</c> (recorded as PyTorch does: a reshape and a multiply).</summary>
        public Tensor Outer(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(other);
            if (Dim != 1 || other.Dim != 1)
                throw new ArgumentException($"outer: expected two 1-D tensors, got shapes {Shapes.Format(Raw.Shape)} and {Shapes.Format(other.Raw.Shape)}.");
            return Reshape(Raw.Shape[0], 1) * other;
        }

        /// <summary>
        /// <see cref="MatMul"/> when an operand has more than two dims: batch dims broadcast, a 1-D operand is treated as a
        /// vector (its dim removed from the result). Recorded as PyTorch 1.13 records it (folding into mm/mv where it can,
        /// otherwise bmm, under <c>UnsafeViewBackward0</c>).
        /// </summary>
        private Tensor MatMulBatched(Tensor other)
        {
            int da = Dim, db = other.Dim;
            ReadOnlySpan<int> sa = Raw.Shape, sb = other.Raw.Shape;
            int k = sa[^1];
            int kb = db == 1 ? sb[0] : sb[^2];
            if (k != kb)
                throw new ArgumentException($"matmul: shapes {Shapes.Format(sa)} and {Shapes.Format(sb)} cannot be multiplied ({k} != {kb} in the contracted dimension).");
            if (da >= 3 && db <= 2)
            {
                // Fold the batch into the rows: [..., m, k] -> [(...m), k].
                Tensor folded = Reshape(-1, k);
                Tensor prod = db == 1 ? folded.MatMul(other) : folded.Mm(other);
                int[] outShape = db == 1 ? sa[..^1].ToArray() : [.. sa[..^1], sb[1]];
                return UnsafeView(prod, outShape);
            }
            if (db >= 3 && da == 1)
            {
                Tensor folded = other.Transpose(-1, -2).Reshape(-1, k);
                Tensor prod = folded.MatMul(this);
                int[] outShape = [.. sb[..^2], sb[^1]];
                return UnsafeView(prod, outShape);
            }
            if (db >= 3 && da == 2)
                return other.Transpose(-1, -2).MatMul(Transpose(0, 1)).Transpose(-1, -2).Contiguous();

            // Both have at least two dims and one has batch dims: broadcast the batch, fold it, bmm.
            int[] batchA = sa[..^2].ToArray(), batchB = sb[..^2].ToArray();
            int[] batch = Shapes.Broadcast(batchA, batchB, "matmul");
            int m = sa[^2], n = sb[^1], nb = Shapes.NumEl(batch);
            Tensor a3 = ExpandTo(this, [.. batch, m, k]).Reshape(nb, m, k);
            Tensor b3 = ExpandTo(other, [.. batch, k, n]).Reshape(nb, k, n);
            return UnsafeView(a3.Bmm(b3), [.. batch, m, n]);
        }

        private static Tensor ExpandTo(Tensor t, int[] shape) => t.Raw.Shape.AsSpan().SequenceEqual(shape) ? t : t.Expand(shape);

        private static Tensor UnsafeView(Tensor t, int[] shape) =>
            ViewBackward0.Apply(t, RawOps.Reshape(t.Raw, shape), "UnsafeViewBackward0");
    }
}

namespace Ember.Graph
{
    /// <summary>z = a tiled r times per dim; dL/da = grad viewed as [r₀, s₀, r₁, s₁, ...] summed over the r dims.</summary>
    internal sealed class RepeatBackward0 : UnaryOutputNode
    {
        private int[] _repeats = [];
        public override string Name => "RepeatBackward0";

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
            if (!Autograd.ShouldRecord(a)) return new Tensor(raw);
            var node = new RepeatBackward0 { _repeats = repeats };
            node.SetInputs(a);
            return new Tensor(raw, node);
        }

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

    /// <summary>z = a @ b batched ([B, m, k] @ [B, k, n]); dL/da = grad @ bᵀ, dL/db = aᵀ @ grad (transposes of the last two dims).</summary>
    internal sealed class BmmBackward0 : UnaryOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "BmmBackward0";

        public static Tensor Apply(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(b);
            var raw = RawOps.Bmm(a.Raw, b.Raw);
            if (!Autograd.ShouldRecord(a, b)) return new Tensor(raw);
            var node = new BmmBackward0();
            node.SetInputs(a, b);
            if (b.RequiresGrad) node._a = node.Save(a);
            if (a.RequiresGrad) node._b = node.Save(b);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.Bmm(Unpack(_b!).Transpose(1, 2)) : null,
            NeedsInputGrad(1) ? Unpack(_a!).Transpose(1, 2).Bmm(grad) : null,
        ];
    }
}
