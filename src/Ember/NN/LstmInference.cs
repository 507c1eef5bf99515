using System;
using Ember.Core;
using Ember.Kernels;
using Ember.Tracing;

namespace Ember.NN;

/// <summary>
/// One layer and direction of an LSTM when nothing is recorded (no-grad mode, or no tensor involved requires grad):
/// the same products (<see cref="HiddenProjectionGroup.Product"/>) and the same step kernel
/// (<see cref="LstmKernels.CellForward"/>) as the recorded path, so the same values, but without a tensor, a state
/// block and a hidden-projection buffer per step: two state blocks take turns, one projection buffer is reused, and
/// each step's <c>h'</c> is copied straight into its row of the output.
/// </summary>
internal static class LstmInference
{
    // The rows path's two state blocks, kept per thread (the caller waits while the rows run): a fresh pair was two
    // large-object allocations (2 × 147 KB at the bench's shape) per direction and call.
    [ThreadStatic] private static RawTensor[]? t_pair;

    // A pair larger than this is not kept: a thread that ran one big model once would hold it for good.
    private const long MaxKeptBytes = 16L << 20;

    /// <summary>The bytes of the state-block pair this thread keeps for its next call (for tests).</summary>
    internal static long KeptPairBytes =>
        t_pair is { } p ? 2L * p[0].NumEl * p[0].DType.ElementSize() : 0;

    /// <summary>This thread's pair of <c>[9, B, H]</c> state blocks: the kept one when it fits, else a new one (kept
    /// only up to <see cref="MaxKeptBytes"/>).</summary>
    internal static RawTensor[] Pair(DType dt, int batch, int hidden)
    {
        int[] shape = [LstmKernels.StateSlices, batch, hidden];
        if (t_pair is { } p && p[0].DType == dt && p[0].Shape.AsSpan().SequenceEqual(shape)) return p;
        RawTensor[] pair = [RawTensor.Empty(dt, shape), RawTensor.Empty(dt, shape)];
        long bytes = 2L * LstmKernels.StateSlices * batch * hidden * dt.ElementSize();
        t_pair = bytes <= MaxKeptBytes ? pair : null;
        return pair;
    }

    /// <summary>Whether <see cref="Run"/> applies: nothing would be recorded, no tracer, float32/float64, 2-D
    /// states, no projection, no lengths.</summary>
    public static bool Applies(Tensor projected, Tensor h, Tensor c, Tensor weightHh, Tensor? biasHh,
        Tensor? weightHr, bool masked)
    {
        DType dt = projected.DType;
        if (masked || weightHr is not null || OpTracer.IsActive || (dt != DType.Float32 && dt != DType.Float64)
            || projected.Dim != 3 || projected.Shape[0] == 0 || h.Dim != 2 || c.Dim != 2 || h.DType != dt
            || c.DType != dt || weightHh.DType != dt || (biasHh is not null && biasHh.DType != dt))
            return false;
        if (!Autograd.IsGradEnabled) return true;
        return !projected.RequiresGrad && !h.RequiresGrad && !c.RequiresGrad && !weightHh.RequiresGrad
            && !(biasHh?.RequiresGrad ?? false);
    }

    /// <summary>
    /// Runs the direction's steps over <paramref name="projected"/> (<c>[T, B, 4H]</c>, the input projection) from
    /// <paramref name="h"/> and <paramref name="c"/>; returns the outputs <c>[T, B, H]</c> and the last states.
    /// </summary>
    public static (Tensor Output, Tensor H, Tensor C) Run(Tensor projected, Tensor h, Tensor c, Tensor weightHh,
        Tensor? biasHh, bool reverse, HiddenProjectionGroup group)
    {
        int steps = projected.Shape[0], batch = c.Shape[0], hidden = c.Shape[1];
        DType dt = projected.DType;
        if (LstmRows.Fits(dt, batch, hidden))
        {
            // The steps split over threads by batch rows (the same values, see LstmRows).
            var result = RawTensor.Empty(dt, [steps, batch, hidden]);
            RawTensor[] pair = Pair(dt, batch, hidden);
            LstmRows.Run(projected.Raw, weightHh.Raw, biasHh?.Raw, h.Raw, c.Raw, pair, result, reverse);
            RawTensor last = pair[(steps - 1) % 2];
            int n = batch * hidden;
            int[] lastShape = [batch, hidden], lastStrides = [hidden, 1];
            // The pair is this thread's and the next call's: the last states leave as copies.
            RawTensor hN = RawTensor.Empty(dt, lastShape), cN = RawTensor.Empty(dt, lastShape);
            RawOps.CopyFrom(hN, last.WithLayout(lastShape, lastStrides, 8 * n));
            RawOps.CopyFrom(cN, last.WithLayout(lastShape, lastStrides, 6 * n));
            return (new Tensor(result), new Tensor(hN), new Tensor(cN));
        }
        RawTensor xp = RawOps.Contiguous(projected.Raw), wt = weightHh.T.Raw;
        RawTensor? bias = biasHh?.Raw;
        RawTensor hPrev = RawOps.Contiguous(h.Raw), cPrev = RawOps.Contiguous(c.Raw);
        var output = RawTensor.Empty(dt, [steps, batch, hidden]);
        var hh = RawTensor.Empty(dt, [batch, 4 * hidden]);
        RawTensor[] blocks =
        [
            RawTensor.Empty(dt, [LstmKernels.StateSlices, batch, hidden]),
            RawTensor.Empty(dt, [LstmKernels.StateSlices, batch, hidden]),
        ];
        int slice = batch * hidden, g4 = 4 * hidden;
        int[] rowShape = [batch, hidden], rowStrides = [hidden, 1];
        int[] gateShape = [batch, g4], gateStrides = [g4, 1];
        RawTensor state = blocks[0];
        // A step's product is too small to split over threads at a gain (see HiddenProjectionGroup.Project).
        using var inline = WorkerPool.RunInline();
        for (int k = 0; k < steps; k++)
        {
            int t = reverse ? steps - 1 - k : k;
            state = blocks[k & 1];
            group.Product(hPrev, wt, bias, hh);
            RawOps.LstmCellInto(hh, xp.WithLayout(gateShape, gateStrides, xp.Offset + t * batch * g4), cPrev, state);
            RawTensor hNew = state.WithLayout(rowShape, rowStrides, 8 * slice);
            RawOps.CopyFrom(output.WithLayout(rowShape, rowStrides, t * slice), hNew);
            hPrev = hNew;
            cPrev = state.WithLayout(rowShape, rowStrides, 6 * slice);
        }
        // The last states are views of this call's own blocks, which nothing writes any more.
        return (new Tensor(output), new Tensor(hPrev), new Tensor(cPrev));
    }
}
