using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>
        /// Matrix product with PyTorch's rules for 1-D and 2-D operands: vector·vector (dot), matrix·vector,
        /// vector·matrix, matrix·matrix; with more dims, batch dims broadcast (<c>[..., m, k] @ [..., k, n]</c>).
        /// </summary>
        public Tensor MatMul(Tensor other)
        {
            int da = Dim, db = other.Dim;
            if (da == 0 || db == 0)
                throw new ArgumentException(
                    $"matmul: both arguments need at least 1 dimension, got shapes {Shapes.Format(Raw.Shape)} " +
                    $"and {Shapes.Format(other.Raw.Shape)}.");
            if (da == 1 && db == 1)
            {
                if (Raw.Shape[0] != other.Raw.Shape[0])
                    throw new ArgumentException(
                        $"dot: 1-D tensors must have the same size, got {Raw.Shape[0]} and {other.Raw.Shape[0]}.");
                return DotBackward0.Apply(this, other);
            }
            if (da == 2 && db == 1) return MvBackward0.Apply(this, other);
            if (da == 1 && db == 2) return SqueezeBackward.Apply(MmBackward0.Apply(Unsqueeze(0), other), 0,
                inMatMul: true);
            if (da == 2 && db == 2) return MmBackward0.Apply(this, other);
            return MatMulBatched(other);
        }

        /// <summary>Product of two matrices <c>[m, k] @ [k, n]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Tensor Mm(Tensor other) => MmBackward0.Apply(this, other);

        /// <summary>
        /// Inner product of two 1-D tensors of the same size and dtype (<c>torch.dot</c>), a 0-dim tensor.
        /// </summary>
        public Tensor Dot(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(other);
            if (Dim != 1 || other.Dim != 1)
                throw new ArgumentException(
                    $"dot: expected 1-D tensors, got shapes {Shapes.Format(Raw.Shape)} and " +
                    $"{Shapes.Format(other.Raw.Shape)}.", nameof(other));
            if (Raw.Shape[0] != other.Raw.Shape[0])
                throw new ArgumentException(
                    $"dot: 1-D tensors must have the same size, got {Raw.Shape[0]} and {other.Raw.Shape[0]}.",
                    nameof(other));
            CheckSameDType(other, "dot");
            return DotBackward0.Apply(this, other);
        }

        /// <summary>Matrix-vector product <c>[n, m] @ [m]</c> → <c>[n]</c> (<c>torch.mv</c>), same dtypes.</summary>
        public Tensor Mv(Tensor vec)
        {
            ArgumentNullException.ThrowIfNull(vec);
            if (Dim != 2 || vec.Dim != 1 || Raw.Shape[1] != vec.Raw.Shape[0])
                throw new ArgumentException(
                    $"mv: expected a matrix [n, m] and a vector [m], got shapes {Shapes.Format(Raw.Shape)} and " +
                    $"{Shapes.Format(vec.Raw.Shape)}.", nameof(vec));
            CheckSameDType(vec, "mv");
            return MvBackward0.Apply(this, vec);
        }

        private void CheckSameDType(Tensor other, string op)
        {
            if (DType != other.DType)
                throw new ArgumentException(
                    $"{op}: expected both tensors to have the same dtype, got {DType.TorchName()} and " +
                    $"{other.DType.TorchName()}.", nameof(other));
        }

        /// <summary><c>beta * input + alpha * (mat1 @ mat2)</c>; <paramref name="input"/> broadcasts to
        /// <c>[m, n]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Addmm(Tensor input, Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1) =>
            AddmmBackward0.Apply(input, mat1, mat2, beta, alpha);

        /// <summary>Batched matrix product <c>[B, m, k] @ [B, k, n] → [B, m, n]</c> (no broadcasting; see
        /// <see cref="MatMul"/>).</summary>
        public Tensor Bmm(Tensor other) => BmmBackward0.Apply(this, other);

        /// <summary>The outer product of two 1-D tensors: <c>[n] ⊗ [m] → [n, m]</c> (recorded as PyTorch does: a
        /// reshape and a multiply).</summary>
        public Tensor Outer(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(other);
            if (Dim != 1 || other.Dim != 1)
                throw new ArgumentException(
                    $"outer: expected two 1-D tensors, got shapes {Shapes.Format(Raw.Shape)} " +
                    $"and {Shapes.Format(other.Raw.Shape)}.");
            return Reshape(Raw.Shape[0], 1) * other;
        }

        /// <summary>
        /// <see cref="MatMul"/> when an operand has more than two dims: batch dims broadcast, a 1-D operand is treated
        /// as a vector (its dim removed from the result). Recorded as PyTorch 1.13 records it (folding into mm/mv where
        /// it can, otherwise bmm, under <c>UnsafeViewBackward0</c>).
        /// </summary>
        private Tensor MatMulBatched(Tensor other)
        {
            int da = Dim, db = other.Dim;
            ReadOnlySpan<int> sa = Raw.Shape, sb = other.Raw.Shape;
            int k = sa[^1];
            int kb = db == 1 ? sb[0] : sb[^2];
            if (k != kb)
                throw new ArgumentException(
                    $"matmul: shapes {Shapes.Format(sa)} and {Shapes.Format(sb)} cannot be multiplied ({k} != {kb} " +
                    "in the contracted dimension).");
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

        private static Tensor ExpandTo(Tensor t, int[] shape) =>
            t.Raw.Shape.AsSpan().SequenceEqual(shape) ? t : t.Expand(shape);

        private static Tensor UnsafeView(Tensor t, int[] shape) =>
            ViewBackward.Apply(t, RawOps.Reshape(t.Raw, shape), ViewBackward.Kind.UnsafeView);
    }
}

namespace Ember.Graph
{
    /// <summary>z = a @ b (2-D); dL/da = grad @ bᵀ, dL/db = aᵀ @ grad (transposes are views: GEMM reads them in
    /// place).</summary>
    internal sealed class MmBackward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        private bool _bColumnMajor;
        public override string Name => "MmBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, Tensor b) => Record(a, b, RawOps.Mm(a.Raw, b.Raw),
            static (MmBackward0 n, Tensor a, Tensor b) =>
            {
                n._bColumnMajor = IsColumnMajor(b);
                n.SaveForProduct(a, b, ref n._a, ref n._b);
            });

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.Mm(Unpack(_b!).T) : null,
            NeedsInputGrad(1) ? Mat2Grad(Unpack(_a!), grad, _bColumnMajor) : null,
        ];

        /// <summary>A 2-D tensor laid out as the transpose of a contiguous one (e.g. <c>weight.T</c>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static bool IsColumnMajor(Tensor b) =>
            b.Dim == 2 && b.Shape[0] > 1 && b.Shape[1] > 1 && b.Strides[0] == 1 && b.Strides[1] == b.Shape[0];

        /// <summary>
        /// dL/db = aᵀ @ grad, computed in b's layout: for a transposed b
        /// (Linear's <c>weight.T</c>) as (gradᵀ @ a)ᵀ, so the gradient reaching the weight through <c>TBackward0</c>
        /// is contiguous and can become its <c>Grad</c> without a copy (PyTorch's <c>mm_mat2_backward</c>). The
        /// same products are summed in the same order, so the values are identical.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static Tensor Mat2Grad(Tensor a, Tensor grad, bool bColumnMajor) =>
            bColumnMajor ? grad.T.Mm(a).T : a.T.Mm(grad);
    }

    /// <summary>
    /// z = β·c + α·(a @ b); dL/dc = β·grad (the engine sums broadcast dims), dL/da = α·grad @ bᵀ, dL/db = α·aᵀ @ grad.
    /// </summary>
    internal sealed class AddmmBackward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        private double _beta, _alpha;
        private bool _bColumnMajor;
        public override string Name => "AddmmBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor c, Tensor a, Tensor b, double beta, double alpha) =>
            Record(c, a, b, RawOps.Addmm(c.Raw, a.Raw, b.Raw, beta, alpha, "addmm"), (beta, alpha),
                static (AddmmBackward0 n, Tensor _, Tensor? a, Tensor? b, (double Beta, double Alpha) s) =>
                {
                    (n._beta, n._alpha) = s;
                    n._bColumnMajor = MmBackward0.IsColumnMajor(b!);
                    n.SaveForProduct(a!, b!, ref n._a, ref n._b);
                });

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor? ga = null, gb = null;
            if (NeedsInputGrad(1)) { ga = grad.Mm(Unpack(_b!).T); if (_alpha != 1) ga *= _alpha; }
            if (NeedsInputGrad(2))
            {
                gb = MmBackward0.Mat2Grad(Unpack(_a!), grad, _bColumnMajor);
                if (_alpha != 1) gb *= _alpha;
            }
            Tensor? gc = NeedsInputGrad(0) ? (_beta == 1 ? grad : grad * _beta) : null;
            return [gc, ga, gb];
        }
    }

    /// <summary>z = M @ v; dL/dM = grad ⊗ v, dL/dv = Mᵀ @ grad.</summary>
    internal sealed class MvBackward0 : SingleOutputNode
    {
        private SavedTensor? _m, _v;
        public override string Name => "MvBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor m, Tensor v) =>
            Record(m, v, RawOps.Squeeze(RawOps.Mm(m.Raw, RawOps.Unsqueeze(v.Raw, 1)), 1),
                static (MvBackward0 n, Tensor m, Tensor v) => n.SaveForProduct(m, v, ref n._m, ref n._v));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.Unsqueeze(1).Mm(Unpack(_v!).Unsqueeze(0)) : null,
            NeedsInputGrad(1) ? Unpack(_m!).T.MatMul(grad) : null,
        ];
    }

    /// <summary>z = a · b (1-D); dL/da = grad * b, dL/db = grad * a.</summary>
    internal sealed class DotBackward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "DotBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, Tensor b) =>
            Record(a, b, RawOps.Reshape(RawOps.Mm(RawOps.Unsqueeze(a.Raw, 0), RawOps.Unsqueeze(b.Raw, 1)), []),
                static (DotBackward0 n, Tensor a, Tensor b) => n.SaveForProduct(a, b, ref n._a, ref n._b));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad * Unpack(_b!) : null, NeedsInputGrad(1) ? grad * Unpack(_a!) : null];
    }

    /// <summary>
    /// z = a @ b batched ([B, m, k] @ [B, k, n]); dL/da = grad @ bᵀ, dL/db = aᵀ @ grad (transposes of the last two
    /// dims).
    /// </summary>
    internal sealed class BmmBackward0 : SingleOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "BmmBackward0";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Tensor Apply(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(b);
            return Record(a, b, RawOps.Bmm(a.Raw, b.Raw),
                static (BmmBackward0 n, Tensor a, Tensor b) => n.SaveForProduct(a, b, ref n._a, ref n._b));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.Bmm(Unpack(_b!).Transpose(1, 2)) : null,
            NeedsInputGrad(1) ? Unpack(_a!).Transpose(1, 2).Bmm(grad) : null,
        ];
    }
}
