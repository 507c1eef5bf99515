namespace Ember.Core;

/// <summary>Scans: running sums and products along a dim, and the exact cumprod backward.</summary>
internal static partial class RawOps
{
    /// <summary>
    /// Running sum along <paramref name="dim"/>; <paramref name="reverse"/> accumulates from the end (the cumsum
    /// backward).
    /// </summary>
    public static RawTensor Cumsum(RawTensor a, int dim, bool reverse) =>
        Accumulate(a, Shapes.WrapDim(dim, a.Rank, "cumsum"), keepDim: true,
            reverse ? AxisKernel.ReverseCumsum : AxisKernel.Cumsum, "cumsum");

    public static RawTensor Cumprod(RawTensor a, int dim) =>
        Accumulate(a, Shapes.WrapDim(dim, a.Rank, "cumprod"), keepDim: true, AxisKernel.Cumprod, "cumprod");

    public static RawTensor CumprodBackward(RawTensor x, RawTensor grad, int dim) =>
        AxisBackward(x, grad, dim, cumulative: true);
}
