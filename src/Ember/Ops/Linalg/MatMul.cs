using System;
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
                throw new ArgumentException($"matmul: both arguments need at least 1 dimension, got shapes {Shapes.Format(Raw.Shape)} and {Shapes.Format(other.Raw.Shape)}.");
            if (da == 1 && db == 1)
            {
                if (Raw.Shape[0] != other.Raw.Shape[0])
                    throw new ArgumentException($"dot: 1-D tensors must have the same size, got {Raw.Shape[0]} and {other.Raw.Shape[0]}.");
                return DotBackward0.Apply(this, other);
            }
            if (da == 2 && db == 1) return MvBackward0.Apply(this, other);
            if (da == 1 && db == 2) return SqueezeBackward.Apply(MmBackward0.Apply(Unsqueeze(0), other), 0, "SqueezeBackward3");
            if (da == 2 && db == 2) return MmBackward0.Apply(this, other);
            return MatMulBatched(other);
        }

        /// <summary>Product of two matrices <c>[m, k] @ [k, n]</c>.</summary>
        public Tensor Mm(Tensor other) => MmBackward0.Apply(this, other);

        /// <summary><c>beta * input + alpha * (mat1 @ mat2)</c>; <paramref name="input"/> broadcasts to <c>[m, n]</c>.</summary>
        public static Tensor Addmm(Tensor input, Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1) =>
            AddmmBackward0.Apply(input, mat1, mat2, beta, alpha);
    }
}

namespace Ember.Graph
{
    /// <summary>z = a @ b (2-D); dL/da = grad @ bᵀ, dL/db = aᵀ @ grad (transposes are views: GEMM reads them in place).</summary>
    internal sealed class MmBackward0 : UnaryOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "MmBackward0";

        public static Tensor Apply(Tensor a, Tensor b)
        {
            var raw = RawOps.Mm(a.Raw, b.Raw);
            if (!Autograd.ShouldRecord(a, b)) return new Tensor(raw);
            var node = new MmBackward0();
            node.SetInputs(a, b);
            if (b.RequiresGrad) node._a = node.Save(a);
            if (a.RequiresGrad) node._b = node.Save(b);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.Mm(Unpack(_b!).T) : null,
            NeedsInputGrad(1) ? Unpack(_a!).T.Mm(grad) : null,
        ];
    }

    /// <summary>z = β·c + α·(a @ b); dL/dc = β·grad (the engine sums broadcast dims), dL/da = α·grad @ bᵀ, dL/db = α·aᵀ @ grad.</summary>
    internal sealed class AddmmBackward0 : UnaryOutputNode
    {
        private SavedTensor? _a, _b;
        private double _beta, _alpha;
        public override string Name => "AddmmBackward0";

        public static Tensor Apply(Tensor c, Tensor a, Tensor b, double beta, double alpha)
        {
            var raw = RawOps.Addmm(c.Raw, a.Raw, b.Raw, beta, alpha, "addmm");
            if (!Autograd.ShouldRecord(c, a, b)) return new Tensor(raw);
            var node = new AddmmBackward0 { _beta = beta, _alpha = alpha };
            node.SetInputs(c, a, b);
            if (b.RequiresGrad) node._a = node.Save(a);
            if (a.RequiresGrad) node._b = node.Save(b);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor? ga = null, gb = null;
            if (NeedsInputGrad(1)) { ga = grad.Mm(Unpack(_b!).T); if (_alpha != 1) ga *= _alpha; }
            if (NeedsInputGrad(2)) { gb = Unpack(_a!).T.Mm(grad); if (_alpha != 1) gb *= _alpha; }
            Tensor? gc = NeedsInputGrad(0) ? (_beta == 1 ? grad : grad * _beta) : null;
            return [gc, ga, gb];
        }
    }

    /// <summary>z = M @ v; dL/dM = grad ⊗ v, dL/dv = Mᵀ @ grad.</summary>
    internal sealed class MvBackward0 : UnaryOutputNode
    {
        private SavedTensor? _m, _v;
        public override string Name => "MvBackward0";

        public static Tensor Apply(Tensor m, Tensor v)
        {
            var raw = RawOps.Squeeze(RawOps.Mm(m.Raw, RawOps.Unsqueeze(v.Raw, 1)), 1);
            if (!Autograd.ShouldRecord(m, v)) return new Tensor(raw);
            var node = new MvBackward0();
            node.SetInputs(m, v);
            if (v.RequiresGrad) node._m = node.Save(m);
            if (m.RequiresGrad) node._v = node.Save(v);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
        [
            NeedsInputGrad(0) ? grad.Unsqueeze(1).Mm(Unpack(_v!).Unsqueeze(0)) : null,
            NeedsInputGrad(1) ? Unpack(_m!).T.MatMul(grad) : null,
        ];
    }

    /// <summary>z = a · b (1-D); dL/da = grad * b, dL/db = grad * a.</summary>
    internal sealed class DotBackward0 : UnaryOutputNode
    {
        private SavedTensor? _a, _b;
        public override string Name => "DotBackward0";

        public static Tensor Apply(Tensor a, Tensor b)
        {
            var raw = RawOps.Reshape(RawOps.Mm(RawOps.Unsqueeze(a.Raw, 0), RawOps.Unsqueeze(b.Raw, 1)), []);
            if (!Autograd.ShouldRecord(a, b)) return new Tensor(raw);
            var node = new DotBackward0();
            node.SetInputs(a, b);
            if (b.RequiresGrad) node._a = node.Save(a);
            if (a.RequiresGrad) node._b = node.Save(b);
            return new Tensor(raw, node);
        }

        internal override Tensor?[] Backward(Tensor grad) =>
            [NeedsInputGrad(0) ? grad * Unpack(_b!) : null, NeedsInputGrad(1) ? grad * Unpack(_a!) : null];
    }
}
