using System;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>
        /// <c>Chunk</c> as PyTorch's <c>unsafe_chunk</c>: the same pieces, recorded as <c>UnsafeSplitBackward0</c>. The
        /// recurrent cells use it so their graph shows the node names PyTorch 1.13's CPU RNNs show.
        /// </summary>
        internal Tensor[] UnsafeChunk(int chunks, int dim)
        {
            int d = Shapes.WrapDim(dim, Dim, "unsafe_chunk"), n = Raw.Shape[d];
            if (chunks <= 0 || n % chunks != 0)
                throw new ArgumentException(
                    $"unsafe_chunk: expected dimension {d} of shape {Shapes.Format(Raw.Shape)} to split into " +
                    $"{chunks} equal pieces.");
            int size = n / chunks;
            var result = new Tensor[chunks];
            for (int i = 0; i < chunks; i++)
                result[i] = StridedViewNode<UnsafeSplitBackward0>.Record(this, (d, i * size, (i + 1) * size),
                    static (r, s) => RawOps.Slice(r, s.Item1, s.Item2, s.Item3, 1));
            ViewGroup.Join<UnsafeSplitBackward0>(result);
            return result;
        }
    }
}

namespace Ember.Graph
{
    /// <summary>One piece of <c>UnsafeChunk</c>; dL/da = zeros with grad written at the piece.</summary>
    internal sealed class UnsafeSplitBackward0 : StridedViewNode<UnsafeSplitBackward0>
    {
        public override string Name => "UnsafeSplitBackward0";
        private protected override ViewScatterBackward.Of ScatterOf => ViewScatterBackward.Of.Split;
    }
}
