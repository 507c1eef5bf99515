using System;
using Ember.Core;

namespace Ember;

public partial class Tensor
{
    /// <summary>
    /// True when no autograd graph can need this in-place write: recording is off, or neither this tensor (nor a
    /// base it views) nor <paramref name="other"/> requires grad. The write then needs no snapshot of the old
    /// values (no node will save them) and records nothing.
    /// </summary>
    private bool InPlaceNeedsNoGraph(Tensor? other) =>
        !Autograd.IsGradEnabled
        || (!RequiresGrad && CurrentGradFn() is null && other is not { RequiresGrad: true });

    /// <summary>
    /// An in-place op whose operands are all known (this tensor and <paramref name="other"/>): without a graph it
    /// runs as under <c>NoGrad</c>, computing on this tensor directly and writing the result back, instead of
    /// cloning this tensor first.
    /// </summary>
    private Tensor InPlaceKnown(string op, Tensor? other, Func<Tensor, Tensor> compute)
    {
        if (Autograd.IsGradEnabled && InPlaceNeedsNoGraph(other))
        {
            using (Autograd.NoGrad()) return InPlace(op, compute);
        }
        return InPlace(op, compute);
    }

    /// <summary>
    /// <c>this = this op other</c> in place: without a graph and where the kernel allows (see
    /// <see cref="RawOps.TryBinaryInPlace{TFamily}"/>), straight into this tensor's elements; otherwise as
    /// <see cref="InPlaceKnown"/>.
    /// </summary>
    private Tensor ArithmeticInPlace<TFamily>(string op, Tensor other, bool floatResult, Func<Tensor, Tensor> compute)
        where TFamily : IBinaryFamily
    {
        if (InPlaceNeedsNoGraph(other) && RawOps.TryBinaryInPlace<TFamily>(Raw, other.Raw, floatResult, op))
            return this;
        return InPlaceKnown(op, other, compute);
    }
}
