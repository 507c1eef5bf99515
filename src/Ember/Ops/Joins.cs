using System;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Graph;

namespace Ember
{
    public partial class Tensor
    {
        /// <summary>
        /// Concatenates <paramref name="tensors"/> along <paramref name="dim"/>: all shapes must match except in that
        /// dim. The result has the promoted dtype of the inputs. 1-D empty tensors are skipped, as in PyTorch.
        /// </summary>
        public static Tensor Cat(Tensor[] tensors, int dim = 0)
        {
            ArgumentNullException.ThrowIfNull(tensors);
            var raws = new RawTensor[tensors.Length];
            for (int i = 0; i < tensors.Length; i++)
                raws[i] = (tensors[i] ?? throw new ArgumentNullException(nameof(tensors))).Raw;
            var raw = RawOps.Cat(raws, dim);
            return CatBackward0.Record(tensors, raw, Shapes.WrapDim(dim, raw.Rank, "cat"));
        }

        /// <summary>Concatenates along <paramref name="dim"/> (see <see cref="Cat(Tensor[], int)"/>).</summary>
        public static Tensor Cat(int dim, params Tensor[] tensors) => Cat(tensors, dim);

        /// <summary>Stacks same-shaped tensors along a new dimension <paramref name="dim"/> (in
        /// <c>[-(Dim+1), Dim]</c>).</summary>
        public static Tensor Stack(Tensor[] tensors, int dim = 0)
        {
            ArgumentNullException.ThrowIfNull(tensors);
            if (tensors.Length == 0) throw new ArgumentException("stack: expects a non-empty list of tensors.");
            int rank = tensors[0].Dim;
            int d = Shapes.WrapDim(dim, rank + 1, "stack");
            var raws = new RawTensor[tensors.Length];
            for (int i = 0; i < tensors.Length; i++)
            {
                var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors));
                if (!t.Raw.Shape.AsSpan().SequenceEqual(tensors[0].Raw.Shape))
                    throw new ArgumentException(
                        $"stack: expects each tensor to be equal size, but got {Shapes.Format(tensors[0].Raw.Shape)} " +
                        $"at entry 0 and {Shapes.Format(t.Raw.Shape)} at entry {i}.");
                raws[i] = RawOps.Unsqueeze(t.Raw, d);
            }
            return StackBackward0.Record(tensors, RawOps.Cat(raws, d), d);
        }

        /// <summary>Stacks along a new dimension <paramref name="dim"/> (see
        /// <see cref="Stack(Tensor[], int)"/>).</summary>
        public static Tensor Stack(int dim, params Tensor[] tensors) => Stack(tensors, dim);

        /// <summary>Views of consecutive pieces of <paramref name="splitSize"/> along <paramref name="dim"/> (the last
        /// may be smaller); each is recorded as <c>SplitBackward0</c>.</summary>
        public Tensor[] Split(int splitSize, int dim = 0)
        {
            if (Dim == 0) throw new ArgumentException("split: expected at least a 1-dimensional tensor, got shape [].");
            int d = Shapes.WrapDim(dim, Dim, "split"), n = Raw.Shape[d];
            if (splitSize < 0 || (splitSize == 0 && n != 0))
                throw new ArgumentOutOfRangeException(nameof(splitSize),
                    "split: split_size can only be 0 if dimension size is 0, and must be non-negative; " +
                    $"got {splitSize} for dimension {d} of shape {Shapes.Format(Raw.Shape)}.");
            int count = splitSize == 0 ? 1 : Math.Max(1, (n + splitSize - 1) / splitSize);
            var result = new Tensor[count];
            for (int i = 0; i < count; i++)
            {
                int start = i * splitSize, stop = Math.Min(n, start + splitSize);
                result[i] = StridedViewNode<SplitBackward0>.Record(this, (d, start, stop), SliceView);
            }
            ViewGroup.Join<SplitBackward0>(result);
            return result;
        }

        /// <summary>Views of pieces with the given <paramref name="splitSizes"/> (summing to the dim's size) along
        /// <paramref name="dim"/>; each is recorded as <c>SplitWithSizesBackward0</c>.</summary>
        public Tensor[] Split(int[] splitSizes, int dim = 0)
        {
            ArgumentNullException.ThrowIfNull(splitSizes);
            if (Dim == 0)
                throw new ArgumentException(
                    "split_with_sizes: expected at least a 1-dimensional tensor, got shape [].");
            int d = Shapes.WrapDim(dim, Dim, "split_with_sizes"), n = Raw.Shape[d], total = 0;
            foreach (int s in splitSizes)
            {
                if (s < 0)
                    throw new ArgumentException(
                        $"split_with_sizes: split sizes must be non-negative, got {Shapes.Format(splitSizes)}.");
                total += s;
            }
            if (total != n)
                throw new ArgumentException(
                    $"split_with_sizes: expects split_sizes to sum exactly to {n} (dimension {d} of input " +
                    $"shape {Shapes.Format(Raw.Shape)}), but got split_sizes={Shapes.Format(splitSizes)}.");
            var result = new Tensor[splitSizes.Length];
            for (int i = 0, start = 0; i < splitSizes.Length; start += splitSizes[i], i++)
            {
                int s0 = start, s1 = start + splitSizes[i];
                result[i] = StridedViewNode<SplitWithSizesBackward0>.Record(this, (d, s0, s1), SliceView);
            }
            ViewGroup.Join<SplitWithSizesBackward0>(result);
            return result;
        }

        /// <summary>Splits into at most <paramref name="chunks"/> views of equal size <c>ceil(n / chunks)</c> along
        /// <paramref name="dim"/> (the last may be smaller; fewer pieces when they run out).</summary>
        public Tensor[] Chunk(int chunks, int dim = 0)
        {
            if (chunks <= 0)
                throw new ArgumentOutOfRangeException(nameof(chunks),
                    $"chunk: number of chunks must be greater than 0, got {chunks}.");
            if (Dim == 0) throw new ArgumentException("chunk: expected at least a 1-dimensional tensor, got shape [].");
            int n = Raw.Shape[Shapes.WrapDim(dim, Dim, "chunk")];
            return Split((n + chunks - 1) / chunks, dim);
        }

        /// <summary>The slices along <paramref name="dim"/>, that dim removed (views; each recorded as
        /// <c>UnbindBackward0</c>).</summary>
        public Tensor[] Unbind(int dim = 0)
        {
            if (Dim == 0)
                throw new ArgumentException(
                    "unbind: dimension specified as 0 but tensor has no dimensions (shape []).");
            int d = Shapes.WrapDim(dim, Dim, "unbind");
            var result = new Tensor[Raw.Shape[d]];
            for (int i = 0; i < result.Length; i++)
                result[i] = StridedViewNode<UnbindBackward0>.Record(this, (d, i),
                    static (r, s) => RawOps.Select(r, s.Item1, s.Item2, "unbind"));
            ViewGroup.Join<UnbindBackward0>(result);
            return result;
        }

        private static readonly Func<RawTensor, (int Dim, int Start, int Stop), RawTensor> SliceView =
            static (r, s) => RawOps.Slice(r, s.Dim, s.Start, s.Stop, 1);
    }
}

namespace Ember.Graph
{
    /// <summary>z = cat(a₀, a₁, ...) along dim; dL/daᵢ = grad.Narrow(dim, offsetᵢ, sizeᵢ).</summary>
    internal sealed class CatBackward0 : SingleOutputNode
    {
        private int _dim;
        public override string Name => "CatBackward0";

        public static Tensor Record(Tensor[] inputs, RawTensor raw, int dim) =>
            Record(inputs, raw, dim, static (CatBackward0 n, int d) => n._dim = d);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            var result = new Tensor?[NumInputs];
            int offset = 0;
            for (int i = 0; i < NumInputs; i++)
            {
                int[] shape = InputShape(i);
                if (shape.Length == 1 && shape[0] == 0 && grad.Dim != 1) continue;
                int n = shape[_dim];
                if (NeedsInputGrad(i)) result[i] = grad.Narrow(_dim, offset, n);
                offset += n;
            }
            return result;
        }
    }

    /// <summary>z = stack(a₀, a₁, ...) along a new dim; dL/daᵢ = grad.Select(dim, i).</summary>
    internal sealed class StackBackward0 : SingleOutputNode
    {
        private int _dim;
        public override string Name => "StackBackward0";

        /// <summary>Sees the incoming gradient before it is split (an LSTM direction's output stack hands it to the
        /// direction's steps, see <c>LstmSequence</c>); null for an ordinary stack.</summary>
        internal Action<Tensor>? Observer { get; set; }

        public static Tensor Record(Tensor[] inputs, RawTensor raw, int dim) =>
            Record(inputs, raw, dim, static (StackBackward0 n, int d) => n._dim = d);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override Tensor?[] Backward(Tensor grad)
        {
            Observer?.Invoke(grad);
            var result = new Tensor?[NumInputs];
            for (int i = 0; i < NumInputs; i++)
                if (NeedsInputGrad(i)) result[i] = grad.Select(_dim, i);
            return result;
        }
    }
}
