using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>Running sum along <paramref name="dim"/>.</summary>
        public Tensor Cumsum(int dim) =>
            CumsumBackward0.Apply(this, Shapes.WrapDim(dim, Math.Max(Dim, 1), "cumsum"), reverse: false);
        /// <summary>Running product along <paramref name="dim"/>.</summary>
        public Tensor Cumprod(int dim) =>
            CumprodBackward0.Apply(this, Shapes.WrapDim(dim, Math.Max(Dim, 1), "cumprod"));
    }
}

namespace Ember.Graph
{
    /// <summary>z = cumsum(x) along dim; dL/dx = reverse cumsum of grad (and the reverse's derivative is a forward
    /// cumsum).</summary>
    internal sealed class CumsumBackward0 : SingleOutputNode
    {
        private int _dim;
        private bool _reverse;
        public override string Name => "CumsumBackward0";

        public static Tensor Apply(Tensor x, int dim, bool reverse) => Record(x, RawOps.Cumsum(x.Raw, dim, reverse),
            (dim, reverse),
            static (CumsumBackward0 n, Tensor _, (int Dim, bool Reverse) s) => (n._dim, n._reverse) = s);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad) => [Apply(grad, _dim, !_reverse)];
    }

    /// <summary>z = cumprod(x) along dim; dL/dx_k = Σ_{j≥k} grad_j · Π_{i≤j, i≠k} x_i (exact with zeros).</summary>
    internal sealed class CumprodBackward0 : SingleInputNode<CumprodBackward0>
    {
        private int _dim;
        public override string Name => "CumprodBackward0";
        protected override bool SavesOutput => true;

        public static Tensor Apply(Tensor x, int dim) =>
            Record(x, RawOps.Cumprod(x.Raw, dim), dim, static (n, d) => n._dim = d);

        protected override Tensor Derivative(Tensor grad, Tensor x, Tensor z)
        {
            if (!Autograd.IsGradEnabled) return new Tensor(RawOps.CumprodBackward(x.Raw, grad.Raw, _dim));
            // Recorded form, valid where no element is zero: reverse-cumsum(grad · z) / x.
            ProdBackward.ThrowIfAnyZero(x, "cumprod");
            return CumsumBackward0.Apply(grad * z, _dim, reverse: true) / x;
        }
    }
}
