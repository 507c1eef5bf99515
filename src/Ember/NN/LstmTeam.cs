using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Core;
using Ember.Kernels;
using Ember.Tracing;

namespace Ember.NN;

/// <summary>
/// The values of one LSTM layer direction's steps, computed by a team of threads (<see cref="WorkerTeam"/>): member
/// <c>j</c> of <c>P</c> owns a range of hidden units (multiples of 16) and, every step, computes the four gate column
/// blocks of those units of <c>h·W_hhᵀ + b_hh</c> from its own packed copy of those rows of <c>W_hh</c>
/// (<see cref="GemmPackedB{T}"/>, packed once per call), adds the input projection and runs the gate math for its
/// units (<see cref="LstmKernels.CellForwardUnits"/>), writing its columns of the step's <c>[9, B, H]</c> state block;
/// one barrier per step makes the new <c>h</c> whole for the next step's products.
/// </summary>
/// <remarks>
/// Each element gets the multiply-adds of the whole product in the same order (same depth blocks, same row tile:
/// both depend on the shape of A only, and columns never mix), and the same element-wise operations, so the values
/// are bit for bit those of <see cref="HiddenProjectionGroup.Product"/> plus <see cref="LstmKernels.CellForward"/>
/// for any team size; <see cref="Fits"/> admits only shapes whose product takes that packed path and whose unit
/// ranges hold whole vectors (no vector tails whose results could depend on the split).
/// </remarks>
internal static class LstmTeam
{
    /// <summary>The unit granularity of a member's range (whole 512-bit vectors of float, two of double).</summary>
    private const int Unit = 16;

    /// <summary>The fewest hidden units per member (below it a member's product is too small to pay a barrier).</summary>
    private const int MinUnitsPerMember = 32;

    /// <summary>Off switch for A/B runs and tests: <c>EMBER_LSTM_TEAM=0</c> runs the steps one by one as
    /// before (<see cref="CellMath.LstmFused"/>, <see cref="LstmInference"/>'s single-thread loop).</summary>
    internal static bool Enabled = Environment.GetEnvironmentVariable("EMBER_LSTM_TEAM") != "0";

    /// <summary>
    /// Whether the team computes steps of this shape: float32/float64, <c>H</c> a multiple of 16, and a hidden
    /// product that <see cref="HiddenProjectionGroup.Product"/> runs on the packed operand (so the values match).
    /// </summary>
    public static bool Fits(DType dtype, int batch, int hidden) => Enabled &&
        (dtype == DType.Float32 || dtype == DType.Float64) && hidden > 0 && hidden % Unit == 0 && batch > 8
        && (long)batch * 4 * hidden * hidden > 64 * 1024 && 4L * hidden * hidden <= 1 << 20;

    /// <summary>
    /// The values of a recorded direction's steps (<c>[T, 9, B, H]</c>, step <c>k</c> in processing order at block
    /// <c>k</c>, see <see cref="Block"/>), or null when the team does not apply (no group, a projection, a tracer,
    /// shapes or dtypes <see cref="CellMath.LstmFused"/> or <see cref="Fits"/> do not take). One allocation per call
    /// instead of one block per step; the steps' nodes save views of it.
    /// </summary>
    public static RawTensor? Precompute(Tensor projected, Tensor h, Tensor c, CellWeights w, bool reverse)
    {
        DType dt = projected.DType;
        if (w.Group is null || w.WeightHr is not null || OpTracer.IsActive || projected.Dim != 3 || h.Dim != 2
            || c.Dim != 2 || w.WeightHh.Dim != 2 || projected.Shape[0] == 0 || h.DType != dt || c.DType != dt
            || w.WeightHh.DType != dt || (w.BiasHh is not null && (w.BiasHh.Dim != 1 || w.BiasHh.DType != dt)))
            return null;
        int steps = projected.Shape[0], batch = c.Shape[0], hidden = c.Shape[1];
        if (!Fits(dt, batch, hidden) || h.Shape[0] != batch || h.Shape[1] != hidden
            || projected.Shape[1] != batch || projected.Shape[2] != 4 * hidden
            || w.WeightHh.Shape[0] != 4 * hidden || w.WeightHh.Shape[1] != hidden)
            return null;
        var blocks = RawTensor.Empty(dt, [steps, LstmKernels.StateSlices, batch, hidden]);
        Run(projected.Raw, w.WeightHh.Raw, w.BiasHh?.Raw, h.Raw, c.Raw, blocks, steps, null, reverse);
        return blocks;
    }

    /// <summary>Step <paramref name="k"/>'s <c>[9, B, H]</c> block of <see cref="Precompute"/>'s result.</summary>
    public static RawTensor Block(RawTensor values, int k)
    {
        int batch = values.Shape[2], hidden = values.Shape[3], slice = batch * hidden;
        return values.WithLayout([LstmKernels.StateSlices, batch, hidden], [slice, hidden, 1],
            values.Offset + k * LstmKernels.StateSlices * slice);
    }

    /// <summary>
    /// Runs the steps over <paramref name="xp"/> (<c>[T, B, 4H]</c>) from <paramref name="h0"/> and
    /// <paramref name="c0"/> (<c>[B, H]</c>): step <c>k</c> (in processing order: <c>t = T − 1 − k</c> when
    /// <paramref name="reverse"/>) writes block <c>k mod blockCount</c> of <paramref name="blocks"/>
    /// (<c>[blockCount, 9, B, H]</c>, dense) and, when <paramref name="output"/> is given (<c>[T, B, H]</c>, dense),
    /// its <c>h'</c> into row <c>t</c>. <paramref name="blockCount"/> is 2 or more (a step reads the previous block).
    /// </summary>
    public static void Run(RawTensor xp, RawTensor weightHh, RawTensor? biasHh, RawTensor h0, RawTensor c0,
        RawTensor blocks, int blockCount, RawTensor? output, bool reverse)
    {
        var task = new Func(RawOps.Contiguous(xp), RawOps.Contiguous(weightHh),
            biasHh is null ? null : RawOps.Contiguous(biasHh), RawOps.Contiguous(h0), RawOps.Contiguous(c0), blocks,
            blockCount, output, reverse);
        DTypeDispatch.Floating<Func, bool>(xp.DType, task, "lstm");
    }

    private readonly struct Func(RawTensor xp, RawTensor w, RawTensor? bias, RawTensor h0, RawTensor c0,
        RawTensor blocks, int blockCount, RawTensor? output, bool reverse) : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int hidden = c0.Shape[1];
            var task = new StepsTask<T>(xp, w, bias, h0, c0, blocks, blockCount, output, reverse);
            WorkerTeam.Run(Math.Max(1, hidden / MinUnitsPerMember), ref task);
            return true;
        }
    }

    /// <summary>A member's buffers, kept per thread: its packed rows of <c>W_hh</c>, their bias, its product.</summary>
    private static class Scratch<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] private static GemmPackedB<T>? t_packed;
        [ThreadStatic] private static T[]? t_rows, t_product;

        public static GemmPackedB<T> Packed => t_packed ??= new GemmPackedB<T>();

        public static T[] Rows(int length) => Get(ref t_rows, length);

        public static T[] Product(int length) => Get(ref t_product, length);

        private static T[] Get(ref T[]? slot, int length) =>
            slot is { } a && a.Length >= length ? a : (slot = GC.AllocateUninitializedArray<T>(length));
    }

    private readonly struct StepsTask<T>(RawTensor xp, RawTensor w, RawTensor? bias, RawTensor h0, RawTensor c0,
        RawTensor blocks, int blockCount, RawTensor? output, bool reverse) : ITeamTask
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(TeamMember member)
        {
            int steps = xp.Shape[0], batch = c0.Shape[0], hidden = c0.Shape[1], g4 = 4 * hidden;
            int slice = batch * hidden, block = LstmKernels.StateSlices * slice;
            int chunks = hidden / Unit;
            int lo = Unit * (int)((long)chunks * member.Index / member.Count);
            int width = Unit * (int)((long)chunks * (member.Index + 1) / member.Count) - lo;
            int n = 4 * width;
            GemmPackedB<T>? packed = null;
            T[]? biasRow = null, product = null;
            if (width > 0)
            {
                // This member's rows of W_hh (gate blocks i, f, g, o of its units) and of the bias, packed once.
                T[] rows = Scratch<T>.Rows(n * hidden + (bias is null ? 0 : n));
                ReadOnlySpan<T> ws = w.Span<T>();
                for (int g = 0; g < 4; g++)
                    ws.Slice((g * hidden + lo) * hidden, width * hidden).CopyTo(rows.AsSpan(g * width * hidden));
                packed = Scratch<T>.Packed;
                packed.Pack(true, hidden, n, rows, hidden);
                if (bias is not null)
                {
                    ReadOnlySpan<T> bs = bias.Span<T>();
                    biasRow = rows;
                    for (int g = 0; g < 4; g++)
                        bs.Slice(g * hidden + lo, width).CopyTo(rows.AsSpan(n * hidden + g * width));
                }
                product = Scratch<T>.Product(batch * n);
            }
            ReadOnlySpan<T> biasSpan = biasRow is null ? default : biasRow.AsSpan(n * hidden, n);
            T[] x = xp.Data<T>(), st = blocks.Data<T>();
            int xOff = xp.Offset, stOff = blocks.Offset;
            for (int k = 0; k < steps; k++)
            {
                int t = reverse ? steps - 1 - k : k;
                int cur = stOff + k % blockCount * block, prev = stOff + (k - 1 + blockCount) % blockCount * block;
                if (width > 0)
                {
                    ReadOnlySpan<T> hPrev = k == 0 ? h0.Span<T>() : st.AsSpan(prev + 8 * slice, slice);
                    ReadOnlySpan<T> cPrev = k == 0 ? c0.Span<T>() : st.AsSpan(prev + 6 * slice, slice);
                    packed!.Multiply(false, batch, hPrev, hidden, biasSpan, product, n);
                    LstmKernels.CellForwardUnits<T>(product, width, n, x.AsSpan(xOff + t * batch * g4 + lo), hidden,
                        g4, cPrev[lo..], hidden, st.AsSpan(cur + lo, block - lo), slice, hidden, batch, width);
                    if (output is not null)
                    {
                        Span<T> outRow = output.Data<T>().AsSpan(output.Offset + t * slice);
                        ReadOnlySpan<T> hy = st.AsSpan(cur + 8 * slice, slice);
                        for (int b = 0; b < batch; b++)
                            hy.Slice(b * hidden + lo, width).CopyTo(outRow.Slice(b * hidden + lo, width));
                    }
                }
                // The next step's products read every member's columns of this step's h'.
                if (k < steps - 1) member.Barrier();
            }
        }
    }
}
