using Ember.Core;
using Ember.Tracing;

namespace Ember;

// The dimension forms PyTorch 1.13 accepts that the main reduction files did not have, as thin forwards
// (docs/design-notes.md has the full table).
public partial class Tensor
{
    /// <summary>Maximum along <paramref name="dim"/> (<c>torch.amax(x, dim)</c>); ties share the gradient
    /// equally. Same as <c>Amax([dim], keepDim)</c>.</summary>
    /// <param name="dim">The dimension to reduce (negative counts from the end).</param>
    /// <param name="keepDim">Whether the reduced dimension is kept with size 1.</param>
    public Tensor Amax(int dim, bool keepDim = false) => Amax([dim], keepDim);

    /// <summary>Minimum along <paramref name="dim"/> (<c>torch.amin(x, dim)</c>); ties share the gradient
    /// equally. Same as <c>Amin([dim], keepDim)</c>.</summary>
    /// <param name="dim">The dimension to reduce (negative counts from the end).</param>
    /// <param name="keepDim">Whether the reduced dimension is kept with size 1.</param>
    public Tensor Amin(int dim, bool keepDim = false) => Amin([dim], keepDim);

    /// <summary>The p-norm along <paramref name="dim"/> (<c>torch.norm(x, p, dim)</c>). Same as
    /// <c>Norm(p, [dim], keepDim)</c>.</summary>
    /// <param name="p">The order of the norm (<see cref="double.PositiveInfinity"/> for the largest |x|).</param>
    /// <param name="dim">The dimension to reduce (negative counts from the end).</param>
    /// <param name="keepDim">Whether the reduced dimension is kept with size 1.</param>
    public Tensor Norm(double p, int dim, bool keepDim = false) => Norm(p, [dim], keepDim);

    /// <summary>The elementwise maximum with <paramref name="other"/> (<c>torch.max(x, other)</c>), the same as
    /// <see cref="Maximum(Tensor)"/>.</summary>
    /// <param name="other">A tensor broadcastable with this one.</param>
    public Tensor Max(Tensor other) => Maximum(other);

    /// <summary>The elementwise minimum with <paramref name="other"/> (<c>torch.min(x, other)</c>), the same as
    /// <see cref="Minimum(Tensor)"/>.</summary>
    /// <param name="other">A tensor broadcastable with this one.</param>
    public Tensor Min(Tensor other) => Minimum(other);

    /// <summary>Indices of the maxima along <paramref name="dim"/> (int64), or, when it is null, the index into the
    /// flattened tensor, shaped all ones with <paramref name="keepDim"/> (<c>torch.argmax(x, None, True)</c>).
    /// </summary>
    /// <param name="dim">The dimension to reduce, or null for all.</param>
    /// <param name="keepDim">Whether reduced dimensions are kept with size 1.</param>
    public Tensor Argmax(int? dim, bool keepDim) =>
        dim is int d ? Argmax(d, keepDim) : OpTracer.Untraced("argmax",
            new(KeepAllDims(RawOps.Argmax(Raw, null, false), keepDim)), (dim, keepDim), this);

    /// <summary>A full reduction's 0-dim result reshaped to this tensor's rank with all sizes 1 when
    /// <paramref name="keepDim"/>.</summary>
    private RawTensor KeepAllDims(RawTensor reduced, bool keepDim)
    {
        if (!keepDim) return reduced;
        var ones = new int[Dim];
        System.Array.Fill(ones, 1);
        return RawOps.Reshape(reduced, ones);
    }
}
