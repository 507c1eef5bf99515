using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using Ember.Core;
using Ember.Graph;
using Ember.Kernels;
using Ember.Tracing;

namespace Ember.NN;

/// <summary>
/// The values of one LSTM layer direction's steps, split over threads by batch rows: the rows of a batch never
/// interact (each row's <c>h'</c> depends on that row's <c>h</c>, <c>c</c> and input only), so a chunk of 8 rows
/// runs all its steps on one thread with no synchronization between threads: per step the chunk's
/// <c>h·W_hhᵀ + b_hh</c> from one packed <c>W_hh</c> shared read-only by all chunks (<see cref="GemmPackedB{T}"/>,
/// packed once per call), then the gate math of its rows (<see cref="LstmKernels.CellForwardUnits"/>) into its rows of
/// the step's <c>[9, B, H]</c> block. The chunks are handed out as threads come free (<see cref="WorkerPool.For"/>;
/// for a recorded forward a <see cref="WorkerTeam"/> whose member 0, the caller, first records the steps' nodes, see
/// <see cref="RunRecorded"/>), so a thread the machine does not run holds nothing up.
/// </summary>
/// <remarks>
/// Each element gets the same operations in the same order as <see cref="HiddenProjectionGroup.Product"/> plus
/// <see cref="LstmKernels.CellForward"/> give it: a product's rows are independent (the same depth blocks, kernels
/// whose per-element multiply-adds do not depend on the row tile), and the gate math runs over the same spans of each
/// row. So values are bit for bit the step-by-step path's for any thread count. <see cref="Fits"/> admits the shapes
/// whose step product takes <see cref="HiddenProjectionGroup.Product"/>'s packed path (others keep the plain one).
/// Splitting the hidden units instead (each thread its gate columns, a barrier per step; <see cref="WorkerTeam"/>)
/// was built first and measured slower: the threads share cache lines of every state row and wait for each other
/// every step (see docs/design-notes.md).
/// </remarks>
internal static class LstmRows
{
    /// <summary>Rows per chunk: one short row tile of the AVX-512 kernels.</summary>
    private const int RowChunk = 8;

    /// <summary>Off switch for A/B runs and tests: <c>EMBER_LSTM_ROWS=0</c> runs the steps one by one as before
    /// (<see cref="CellMath.LstmFused"/>, <see cref="LstmInference"/>'s single-thread loop).</summary>
    internal static bool Enabled = Environment.GetEnvironmentVariable("EMBER_LSTM_ROWS") != "0";

    /// <summary>How many directions this thread ran recorded here, and how many of them with lengths (for tests).
    /// </summary>
    internal static (int Recorded, int Masked) Runs => (t_recorded, t_masked);

    [ThreadStatic] private static int t_recorded, t_masked;

    /// <summary>
    /// Whether the steps of this shape run here: float32/float64 and a step product that
    /// <see cref="HiddenProjectionGroup.Product"/> runs on the packed operand (so the values match).
    /// </summary>
    public static bool Fits(DType dtype, int batch, int hidden) =>
        Enabled && HiddenProjectionGroup.TakesPackedPath(dtype, batch, hidden, 4 * hidden);

    /// <summary>
    /// The blocks for a recorded direction's step values: one <c>[9, B, H]</c> block per step, in processing order, or
    /// null when this does not apply (no group, a projection, a tracer, shapes or dtypes
    /// <see cref="CellMath.LstmFused"/> or <see cref="Fits"/> do not take). The steps' nodes save them.
    /// </summary>
    /// <remarks>One block per step, not one <c>[T, 9, B, H]</c> block per call: that one is a fresh multi-megabyte
    /// large object every call, which the GC hands back to the system between calls, so writing it page-faults
    /// (measured: ~1000 faults and +2 ms CPU per call of the bench's LSTM); blocks of a step's size reuse the
    /// large-object heap's free space. A backward pass hands them back to <see cref="LstmBlockPool"/> for the next
    /// forward.</remarks>
    public static RawTensor[]? Blocks(Tensor projected, Tensor h, Tensor c, CellWeights w)
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
        var blocks = new RawTensor[steps];
        // Reused once a backward pass freed everything saved over them (LstmBlockPool): only saved tensors read them.
        for (int k = 0; k < steps; k++)
            blocks[k] = LstmBlockPool.Shared.Rent(dt, [LstmKernels.StateSlices, batch, hidden]);
        return blocks;
    }

    /// <summary>
    /// A recorded direction: the calling thread records every step's nodes (<see cref="CellMath.LstmComputed"/>, in
    /// order, over <paramref name="blocks"/>) while other threads compute the values into them, then joins them.
    /// Recording reads no values (nodes wrap slices of the blocks and save their versions), so the graph and the
    /// values are those of the step-by-step path. Fills <paramref name="outputs"/> (<c>h'</c> of step <c>t</c> at
    /// <c>t</c>) and returns the last states; with <paramref name="stacked"/> (<c>[T, B, H]</c>, dense) the threads
    /// also copy each step's <c>h'</c> into its row <c>t</c> while it is in cache, so the caller can record the
    /// output's stack over it (<see cref="StackOutputs"/>) instead of copying on its own thread.
    /// </summary>
    public static (Tensor H, Tensor C) RunRecorded(Tensor projected, Tensor h, Tensor c, CellWeights w, bool reverse,
        RawTensor[] blocks, Tensor[] inputs, Tensor[] outputs, RawTensor? stacked = null) =>
        Record(projected, h, c, w, reverse, blocks, inputs, outputs, stacked, null);

    /// <summary>
    /// <see cref="RunRecorded"/> for a padded batch whose entry <c>b</c> is <paramref name="lengths"/><c>[b]</c>
    /// steps long: after each step's nodes the recorder adds the masked path's three <c>WhereBackward0</c> (state
    /// <c>h = m ? h' : h</c>, cell <c>c = m ? c' : c</c>, output <c>m ? h' : 0</c>, with
    /// <paramref name="masks"/><c>[t]</c> the <c>[B, 1]</c> "step t is inside entry b" mask), and the row chunks
    /// write what those select: a row past its length carries its state and outputs zero. The next step reads the
    /// carried state, so the graph and every value are the masked step-by-step path's. The outputs are rows of
    /// <paramref name="stacked"/> (required here).
    /// </summary>
    public static (Tensor H, Tensor C) RunRecordedMasked(Tensor projected, Tensor h, Tensor c, CellWeights w,
        bool reverse, RawTensor[] blocks, Tensor[] inputs, Tensor[] outputs, RawTensor stacked, Tensor[] masks,
        int[] lengths)
    {
        int batch = c.Shape[0], hidden = c.Shape[1];
        var states = new RawTensor[blocks.Length];
        for (int k = 0; k < states.Length; k++) states[k] = RawTensor.Empty(projected.DType, [2, batch, hidden]);
        t_masked++;
        return Record(projected, h, c, w, reverse, blocks, inputs, outputs, stacked,
            new Masked(masks, lengths, states, stacked));
    }

    private static (Tensor H, Tensor C) Record(Tensor projected, Tensor h, Tensor c, CellWeights w, bool reverse,
        RawTensor[] blocks, Tensor[] inputs, Tensor[] outputs, RawTensor? stacked, Masked? masked)
    {
        t_recorded++;
        var recorder = new Recorder(inputs, outputs, w, blocks, reverse, h, c, masked);
        Run(projected.Raw, w.WeightHh.Raw, w.BiasHh?.Raw, h.Raw, c.Raw, blocks, stacked, reverse, recorder, masked);
        return (recorder.H, recorder.C);
    }

    /// <summary>
    /// The dense <c>[T, B, H]</c> buffer <see cref="RunRecorded"/> copies the steps' <c>h'</c> into, for
    /// <paramref name="blocks"/> of a direction of <paramref name="steps"/> steps.
    /// </summary>
    public static RawTensor StackBuffer(RawTensor[] blocks, int steps) =>
        RawTensor.Empty(blocks[0].DType, [steps, blocks[0].Shape[1], blocks[0].Shape[2]]);

    /// <summary>
    /// <c>Tensor.Stack(outputs, 0)</c> recorded over <paramref name="stacked"/>, which <see cref="RunRecorded"/>
    /// filled with the same values (the graph is the same <c>StackBackward0</c> over the steps' <c>h'</c>).
    /// </summary>
    public static Tensor StackOutputs(Tensor[] outputs, RawTensor stacked) =>
        Graph.StackBackward0.Record(outputs, stacked, 0);

    /// <summary>
    /// The masked path's three nodes after processed step <paramref name="k"/> (time <paramref name="t"/>), in its
    /// order (<c>RecurrentBase.Run</c>): <c>h = m ? h' : h</c>, <c>c = m ? c' : c</c>, output <c>m ? h' : 0</c>, over
    /// the values the row chunks write (the step's carried state, row <c>t</c> of the output buffer).
    /// </summary>
    private static (Tensor H, Tensor C, Tensor Output) MaskStep(Masked masked, int k, int t, Tensor hNew,
        Tensor cNew, Tensor h, Tensor c)
    {
        int batch = c.Shape[0], hidden = c.Shape[1], slice = batch * hidden;
        int[] shape = [batch, hidden], strides = [hidden, 1];
        RawTensor state = masked.States[k], stacked = masked.Stacked;
        Tensor mask = masked.Masks[t];
        return (WhereBackward0.Computed(mask, hNew, h, state.WithLayout(shape, strides, state.Offset)),
            WhereBackward0.Computed(mask, cNew, c, state.WithLayout(shape, strides, state.Offset + slice)),
            WhereBackward0.Computed(mask, hNew, hNew.WrapScalar(0.0),
                stacked.WithLayout(shape, strides, stacked.Offset + t * slice)));
    }

    /// <summary>The recording half of <see cref="RunRecorded"/>, run by the calling thread.</summary>
    private sealed class Recorder(Tensor[] inputs, Tensor[] outputs, CellWeights w, RawTensor[] blocks, bool reverse,
        Tensor h, Tensor c, Masked? masked)
    {
        public Tensor H { get; private set; } = h;

        public Tensor C { get; private set; } = c;

        public void Record()
        {
            int steps = blocks.Length;
            for (int k = 0; k < steps; k++)
            {
                int t = reverse ? steps - 1 - k : k;
                var (hNew, cNew) = CellMath.LstmComputed(inputs[t], H, C, w, blocks[k]);
                if (masked is null)
                {
                    (H, C) = (hNew, cNew);
                    outputs[t] = H;
                    continue;
                }
                (H, C, outputs[t]) = MaskStep(masked, k, t, hNew, cNew, H, C);
            }
        }
    }

    /// <summary>
    /// Runs the steps over <paramref name="xp"/> (<c>[T, B, 4H]</c>) from <paramref name="h0"/> and
    /// <paramref name="c0"/> (<c>[B, H]</c>): step <c>k</c> (in processing order: <c>t = T − 1 − k</c> when
    /// <paramref name="reverse"/>) writes <paramref name="blocks"/><c>[k mod blocks.Length]</c> (<c>[9, B, H]</c>,
    /// dense) and, when <paramref name="output"/> is given (<c>[T, B, H]</c>, dense), its <c>h'</c> into row
    /// <c>t</c>. Two blocks or more unless there is one step (a step reads the previous block).
    /// </summary>
    public static void Run(RawTensor xp, RawTensor weightHh, RawTensor? biasHh, RawTensor h0, RawTensor c0,
        RawTensor[] blocks, RawTensor? output, bool reverse)
        => Run(xp, weightHh, biasHh, h0, c0, blocks, output, reverse, null, null);

    private static void Run(RawTensor xp, RawTensor weightHh, RawTensor? biasHh, RawTensor h0, RawTensor c0,
        RawTensor[] blocks, RawTensor? output, bool reverse, Recorder? recorder, Masked? masked)
    {
        var f = new Func(RawOps.Contiguous(xp), RawOps.Contiguous(weightHh),
            biasHh is null ? null : RawOps.Contiguous(biasHh), RawOps.Contiguous(h0), RawOps.Contiguous(c0), blocks,
            output, reverse, recorder, masked);
        DTypeDispatch.Floating<Func, bool>(xp.DType, f, "lstm");
    }

    private readonly struct Func(RawTensor xp, RawTensor w, RawTensor? bias, RawTensor h0, RawTensor c0,
        RawTensor[] blocks, RawTensor? output, bool reverse, Recorder? recorder, Masked? masked) : IFloatFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int batch = c0.Shape[0], hidden = c0.Shape[1];
            GemmPackedB<T> packed = Scratch<T>.Weight;
            var task = new RowsTask<T>(xp, bias, h0, c0, blocks, output, reverse, packed, masked?.Lengths,
                masked?.States);
            int chunks = (batch + RowChunk - 1) / RowChunk;
            if (recorder is null)
            {
                packed.Pack(true, hidden, 4 * hidden, w.Span<T>(), hidden);
                WorkerPool.For(chunks, ref task);
                return true;
            }
            // Member 0 (this thread) records first; the first member to want chunks packs W_hh (another member
            // while this thread records, when there is one), every member takes chunks as it comes free.
            var team = new RecordingTask<T>(task, recorder, new ChunkCounter(), chunks, w, hidden);
            WorkerTeam.Run(chunks + 1, ref team);
            return true;
        }
    }

    private sealed class ChunkCounter
    {
        public int Next;

        /// <summary>W_hh's pack: 0 not started, 1 under way, 2 done, 3 failed.</summary>
        public int Packed;
    }

    private readonly struct RecordingTask<T>(RowsTask<T> rows, Recorder recorder, ChunkCounter counter, int chunks,
        RawTensor w, int hidden) : ITeamTask where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Execute(TeamMember member)
        {
            if (member.Index == 0) recorder.Record();
            if (Volatile.Read(ref counter.Packed) != 2) Pack();
            for (int j; (j = Interlocked.Increment(ref counter.Next) - 1) < chunks;) rows.Execute(j);
        }

        // The first member here packs; the others wait for it (at most the pack's ~tens of µs).
        private void Pack()
        {
            if (Interlocked.CompareExchange(ref counter.Packed, 1, 0) == 0)
            {
                try
                {
                    rows.Packed.Pack(true, hidden, 4 * hidden, w.Span<T>(), hidden);
                }
                catch
                {
                    Volatile.Write(ref counter.Packed, 3);
                    throw;
                }
                Volatile.Write(ref counter.Packed, 2);
                return;
            }
            var spin = new SpinWait();
            int state;
            while ((state = Volatile.Read(ref counter.Packed)) == 1) spin.SpinOnce(-1); // never Sleep(1)
            if (state == 3) throw new InvalidOperationException("lstm: packing W_hh failed on another thread.");
        }
    }

    /// <summary>Buffers kept per thread: the caller's packed <c>W_hh</c>, a chunk's step product.</summary>
    private static class Scratch<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] private static GemmPackedB<T>? t_weight;
        [ThreadStatic] private static T[]? t_product;

        public static GemmPackedB<T> Weight => t_weight ??= new GemmPackedB<T>();

        public static T[] Product(int length) =>
            t_product is { } a && a.Length >= length ? a : (t_product = GC.AllocateUninitializedArray<T>(length));
    }

    /// <summary>Chunk <c>j</c>: rows <c>[8j, 8j + 8)</c> through every step.</summary>
    /// <remarks>With <paramref name="lengths"/> (and <paramref name="states"/>, one <c>[2, B, H]</c> per step) a row
    /// past its length carries its h and c into the step's state and writes a zero output row; the next step reads
    /// the state, not the block (the masked path's <c>Where</c> values, exactly).</remarks>
    private readonly struct RowsTask<T>(RawTensor xp, RawTensor? bias, RawTensor h0, RawTensor c0,
        RawTensor[] blocks, RawTensor? output, bool reverse, GemmPackedB<T> packed, int[]? lengths,
        RawTensor[]? states) : IParallelTask
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public GemmPackedB<T> Packed => packed;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            int steps = xp.Shape[0], batch = c0.Shape[0], hidden = c0.Shape[1], g4 = 4 * hidden;
            int slice = batch * hidden, count = blocks.Length;
            int r0 = chunk * RowChunk, rows = Math.Min(RowChunk, batch - r0), ro = r0 * hidden;
            T[] product = Scratch<T>.Product(rows * g4);
            T[] x = xp.Data<T>();
            int xOff = xp.Offset + r0 * g4;
            ReadOnlySpan<T> biasRow = bias is null ? default : bias.Span<T>();
            for (int k = 0; k < steps; k++)
            {
                int t = reverse ? steps - 1 - k : k;
                Span<T> cur = blocks[k % count].Span<T>(), prev = blocks[(k - 1 + count) % count].Span<T>();
                // The previous step's h' and c' (its block), or with lengths its carried state.
                ReadOnlySpan<T> hPrev = k == 0 ? h0.Span<T>()[ro..]
                    : states is null ? prev[(8 * slice + ro)..] : states[k - 1].Span<T>()[ro..];
                ReadOnlySpan<T> cPrev = k == 0 ? c0.Span<T>()[ro..]
                    : states is null ? prev[(6 * slice + ro)..] : states[k - 1].Span<T>()[(slice + ro)..];
                packed.Multiply(false, rows, hPrev, hidden, biasRow, product, g4);
                LstmKernels.CellForwardUnits<T>(product, hidden, g4, x.AsSpan(xOff + t * batch * g4), hidden, g4,
                    cPrev, hidden, cur[ro..], slice, hidden, rows, hidden);
                if (states is not null)
                {
                    Span<T> state = states[k].Span<T>(), outRows = output!.Data<T>().AsSpan(output.Offset + t * slice);
                    for (int i = 0; i < rows; i++)
                    {
                        int at = ro + i * hidden;
                        Span<T> hOut = state.Slice(at, hidden), cOut = state.Slice(slice + at, hidden);
                        Span<T> yOut = outRows.Slice(at, hidden);
                        if (t < lengths![r0 + i])
                        {
                            cur.Slice(8 * slice + at, hidden).CopyTo(hOut);
                            cur.Slice(6 * slice + at, hidden).CopyTo(cOut);
                            cur.Slice(8 * slice + at, hidden).CopyTo(yOut);
                        }
                        else
                        {
                            hPrev.Slice(i * hidden, hidden).CopyTo(hOut);
                            cPrev.Slice(i * hidden, hidden).CopyTo(cOut);
                            yOut.Clear();
                        }
                    }
                }
                else if (output is not null)
                {
                    cur.Slice(8 * slice + ro, rows * hidden)
                        .CopyTo(output.Data<T>().AsSpan(output.Offset + t * slice + ro));
                }
            }
        }
    }

    /// <summary>
    /// A masked direction's extra state: the per-step masks (by time), the lengths, each processed step's carried
    /// <c>[2, B, H]</c> state (h then c) and the output buffer whose rows are the steps' outputs.
    /// </summary>
    private sealed record Masked(Tensor[] Masks, int[] Lengths, RawTensor[] States, RawTensor Stacked);
}
