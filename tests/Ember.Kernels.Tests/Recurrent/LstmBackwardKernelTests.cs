using System;
using System.Numerics;
using Ember.Kernels;

namespace Ember.Kernels.Tests.Recurrent;

/// <summary>
/// <see cref="LstmKernels.CellBackward"/> and <see cref="LstmKernels.HiddenBackward"/> must give, in their vector
/// loops and their tails alike, exactly what PyTorch 1.13's chain of element-wise backward formulas gives in its
/// operation order (the LSTM module relies on it for unchanged gradients).
/// </summary>
public class LstmBackwardKernelTests
{
    private static T[] Random<T>(Random r, int n, double lo, double hi) where T : IFloatingPointIeee754<T>
    {
        var a = new T[n];
        for (int i = 0; i < n; i++) a[i] = T.CreateChecked(lo + ((hi - lo) * r.NextDouble()));
        return a;
    }

    private static void Check<T>(int batch, int hidden, bool withDh, bool withDcPrev)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new Random(batch * 1000 + hidden);
        int slice = batch * hidden;
        T[] dc = Random<T>(r, slice, -2, 2), dh = Random<T>(r, slice, -2, 2), c = Random<T>(r, slice, -3, 3);
        T[] state = Random<T>(r, LstmKernels.StateSlices * slice, -0.99, 0.99);
        var dgates = new T[4 * slice];
        var dcPrev = new T[slice];
        LstmKernels.CellBackward<T>(dc, withDh ? dh : default, state, c, batch, hidden, dgates,
            withDcPrev ? dcPrev : default);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hidden; j++)
            {
                int e = b * hidden + j, row = 4 * b * hidden;
                T d = dc[e], i = state[e], f = state[slice + e], g = state[2 * slice + e];
                T o = state[3 * slice + e], tc = state[7 * slice + e];
                T di = d * g, df = d * c[e], dg = d * i, dO = dh[e] * tc; // MulBackward0's products
                Assert.Equal(di * (T.One - i) * i, dgates[row + j]); // sigmoid_backward
                Assert.Equal(df * (T.One - f) * f, dgates[row + hidden + j]);
                Assert.Equal(dg * (T.One - (g * g)), dgates[row + 2 * hidden + j]); // tanh_backward
                Assert.Equal(withDh ? dO * (T.One - o) * o : T.Zero, dgates[row + 3 * hidden + j]);
                Assert.Equal(withDcPrev ? d * f : T.Zero, dcPrev[e]);
            }
        var hiddenPath = new T[slice];
        ReadOnlySpan<T> os = state.AsSpan(3 * slice, slice), tcs = state.AsSpan(7 * slice, slice);
        LstmKernels.HiddenBackward<T>(dh, os, tcs, hiddenPath);
        for (int e = 0; e < slice; e++)
            Assert.Equal(dh[e] * os[e] * (T.One - (tcs[e] * tcs[e])), hiddenPath[e]);
    }

    /// <summary>The Vector512 path (where accelerated) and the Vector256 path write the same bits, in the vector
    /// loops and the tails (CI runs the kernel tests again with DOTNET_EnableAVX512=0, where both take AVX2).</summary>
    [Theory]
    [InlineData(3, 45, true, true)]
    [InlineData(2, 128, false, true)]
    [InlineData(2, 37, true, false)]
    [InlineData(5, 7, false, false)]
    public void WidthsAgreeBitForBit(int batch, int hidden, bool withDh, bool withDcPrev)
    {
        WidthsAgree<float>(batch, hidden, withDh, withDcPrev);
        WidthsAgree<double>(batch, hidden, withDh, withDcPrev);
    }

    private static void WidthsAgree<T>(int batch, int hidden, bool withDh, bool withDcPrev)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new Random(batch * 7919 + hidden);
        int slice = batch * hidden;
        T[] dc = Random<T>(r, slice, -2, 2), dh = Random<T>(r, slice, -2, 2), c = Random<T>(r, slice, -3, 3);
        T[] state = Random<T>(r, LstmKernels.StateSlices * slice, -0.99, 0.99);
        T[] wide = new T[4 * slice], narrow = new T[4 * slice], wideC = new T[slice], narrowC = new T[slice];
        T[] wideH = new T[slice], narrowH = new T[slice];
        ReadOnlySpan<T> os = state.AsSpan(3 * slice, slice), tcs = state.AsSpan(7 * slice, slice);
        LstmKernels.CellBackward<T>(dc, withDh ? dh : default, state, c, batch, hidden, wide,
            withDcPrev ? wideC : default);
        LstmKernels.HiddenBackward<T>(dh, os, tcs, wideH);
        LstmKernels.Vector256Only = true;
        try
        {
            LstmKernels.CellBackward<T>(dc, withDh ? dh : default, state, c, batch, hidden, narrow,
                withDcPrev ? narrowC : default);
            LstmKernels.HiddenBackward<T>(dh, os, tcs, narrowH);
        }
        finally { LstmKernels.Vector256Only = false; }
        Assert.True(Bits(wide).AsSpan().SequenceEqual(Bits(narrow)), "dgates differ between widths");
        Assert.True(Bits(wideC).AsSpan().SequenceEqual(Bits(narrowC)), "dcPrev differs between widths");
        Assert.True(Bits(wideH).AsSpan().SequenceEqual(Bits(narrowH)), "HiddenBackward differs between widths");
    }

    private static long[] Bits<T>(T[] a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bits = new long[a.Length];
        for (int i = 0; i < a.Length; i++)
            bits[i] = BitConverter.DoubleToInt64Bits(double.CreateTruncating(a[i])); // exact for float and double
        return bits;
    }

    [Theory]
    [InlineData(3, 45, true, true)]
    [InlineData(2, 128, false, true)]
    [InlineData(3, 19, true, true)]
    [InlineData(2, 32, false, true)]
    [InlineData(4, 5, true, false)]
    [InlineData(1, 1, false, false)]
    public void EqualsTheChainOfElementwiseFormulas(int batch, int hidden, bool withDh, bool withDcPrev)
    {
        Check<float>(batch, hidden, withDh, withDcPrev);
        Check<double>(batch, hidden, withDh, withDcPrev);
        LstmKernels.Vector256Only = true;
        try
        {
            Check<float>(batch, hidden, withDh, withDcPrev);
            Check<double>(batch, hidden, withDh, withDcPrev);
        }
        finally { LstmKernels.Vector256Only = false; }
    }

    /// <summary><see cref="LstmKernels.CellBackwardRows"/> over row ranges of a batch writes exactly what
    /// <see cref="LstmKernels.CellBackward"/> writes for those rows of the whole batch.</summary>
    [Theory]
    [InlineData(20, 40, 8, true)]
    [InlineData(33, 24, 8, false)]
    [InlineData(7, 45, 3, true)]
    public void RowRangesEqualTheWholeBatch(int batch, int hidden, int chunk, bool withDh)
    {
        RowRanges<float>(batch, hidden, chunk, withDh);
        RowRanges<double>(batch, hidden, chunk, withDh);
    }

    private static void RowRanges<T>(int batch, int hidden, int chunk, bool withDh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new Random(batch * 31 + hidden);
        int slice = batch * hidden;
        T[] dc = Random<T>(r, slice, -2, 2), dh = Random<T>(r, slice, -2, 2), c = Random<T>(r, slice, -3, 3);
        T[] state = Random<T>(r, LstmKernels.StateSlices * slice, -0.99, 0.99);
        T[] whole = new T[4 * slice], wholeC = new T[slice], rows = new T[4 * slice], rowsC = new T[slice];
        LstmKernels.CellBackward<T>(dc, withDh ? dh : default, state, c, batch, hidden, whole, wholeC);
        for (int r0 = 0; r0 < batch; r0 += chunk)
        {
            int n = Math.Min(chunk, batch - r0), at = r0 * hidden, len = n * hidden;
            LstmKernels.CellBackwardRows<T>(dc.AsSpan(at, len), withDh ? dh.AsSpan(at, len) : default,
                state.AsSpan(at), slice, c.AsSpan(at, len), n, hidden, rows.AsSpan(4 * at, 4 * len),
                rowsC.AsSpan(at, len));
        }
        Assert.True(Bits(whole).AsSpan().SequenceEqual(Bits(rows)), "dgates differ");
        Assert.True(Bits(wholeC).AsSpan().SequenceEqual(Bits(rowsC)), "dcPrev differs");
    }

    [Fact]
    public void ShortSpansAreRejected() =>
        Assert.Throws<ArgumentException>(() => LstmKernels.CellBackward<float>(new float[3], default,
            new float[9 * 4], new float[4], 2, 2, new float[16], default));
}
