using System;
using System.Runtime.InteropServices;
using Ember.Interop;
using Ember.NN;
using NT = System.Numerics.Tensors;

namespace Ember.Tests.Interop;

/// <summary>
/// Zero-copy spans over tensors and the System.Numerics.Tensors bridge: where no copy is promised, the tests assert
/// shared memory (same address, and writes seen on the other side).
/// </summary>
public class SpanAndNumericsTensorsTests
{
    private static Tensor Arange23() => Tensor.From<float>([0f, 1, 2, 3, 4, 5], [2, 3]);

    [Fact]
    public void AsReadOnlySpanSharesTheTensorsMemory()
    {
        Tensor t = Arange23();
        ReadOnlySpan<float> span = t.AsReadOnlySpan<float>();
        Assert.Equal([0f, 1, 2, 3, 4, 5], span.ToArray());
        t.Mul_(2f);
        Assert.Equal(10f, span[5]);
        // A contiguous view starts at its offset in the same memory.
        Tensor row = t[1];
        Assert.True(Unsafe.AreSame(in row.AsReadOnlySpan<float>()[0], in span[3]));
    }

    [Fact]
    public void AsSpanWritesThroughAndBumpsTheVersion()
    {
        Tensor t = Arange23();
        Tensor view = t.View(3, 2);
        int version = t.Version;
        Span<float> span = t.AsSpan<float>();
        Assert.Equal(version + 1, t.Version);
        span[0] = 42f;
        Assert.Equal(42f, t[0, 0].Item<float>());
        Assert.Equal(42f, view[0, 0].Item<float>());
    }

    [Fact]
    public void AsSpanRefusesTensorsThatRequireGradOrAreSavedByAGraph()
    {
        var w = Tensor.From<float>([1f, 2, 3], [3]).RequiresGrad_();
        Assert.Contains("requires grad", Assert.Throws<InvalidOperationException>(() => w.AsSpan<float>()).Message,
            StringComparison.Ordinal);

        Tensor x = Tensor.From<float>([1f, 2, 3], [3]);
        Tensor loss = (x * w).Sum(); // the product saves x for w's gradient
        var e = Assert.Throws<InvalidOperationException>(() => x.AsSpan<float>());
        Assert.Contains("saved by", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => x.Detach().AsSpan<float>()); // aliases share the storage
        loss.Backward(); // frees the saved tensors
        x.AsSpan<float>()[0] = 5f;
        Assert.Equal(5f, x[0].Item<float>());
        Assert.Equal([1f, 2, 3], w.Grad!.ToArray<float>());
    }

    [Fact]
    public void SpansCheckDTypeAndLayout()
    {
        Tensor t = Arange23();
        Assert.Contains("float32", Assert.Throws<ArgumentException>(() => t.AsReadOnlySpan<double>()).Message,
            StringComparison.Ordinal);
        Assert.Contains("not contiguous",
            Assert.Throws<InvalidOperationException>(() => t.T.AsReadOnlySpan<float>()).Message,
            StringComparison.Ordinal);
        Assert.Equal([0f, 3, 1, 4, 2, 5], t.T.Contiguous().AsReadOnlySpan<float>().ToArray());
        Assert.Equal([1L, 2], Tensor.From([1L, 2]).AsReadOnlySpan<long>().ToArray());
    }

    [Fact]
    public void FromSpanCopiesOnceIntoTheGivenShape()
    {
        float[] source = [1f, 2, 3, 4];
        Tensor t = Tensor.From<float>(source.AsSpan(), [2, 2]);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal([2, 2], t.Shape.ToArray());
        source[0] = 9f; // a copy: the tensor does not see later writes to the source
        Assert.Equal(1f, t[0, 0].Item<float>());
        Assert.Equal(DType.Int32, Tensor.From<int>([1, 2, 3], [3]).DType);
        Assert.Equal([], Tensor.From<double>([7.0], []).Shape.ToArray());
        Assert.Contains("holds 6 elements, but the span has 4",
            Assert.Throws<ArgumentException>(() => Tensor.From<float>(source.AsSpan(), [2, 3])).Message,
            StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Tensor.From<char>(['a'], [1]));
    }

    [Fact]
    public void ToNumericsTensorSharesMemoryForContiguousAndStridedViews()
    {
        Tensor t = Arange23();
        NT.Tensor<float> bcl = t.ToNumericsTensor<float>();
        Assert.Equal([(nint)2, 3], bcl.Lengths.ToArray());
        Assert.True(Unsafe.AreSame(in t.AsReadOnlySpan<float>()[0], in bcl.GetPinnableReference()));
        bcl[1, 2] = -1f;
        Assert.Equal(-1f, t[1, 2].Item<float>());

        // A transposed view: same memory, strides carried over.
        Tensor tt = t.T;
        NT.Tensor<float> bclT = tt.ToNumericsTensor<float>();
        Assert.Equal([(nint)1, 3], bclT.Strides.ToArray());
        Assert.Equal(t[0, 1].Item<float>(), bclT[1, 0]);
        bclT[2, 0] = 100f;
        Assert.Equal(100f, t[0, 2].Item<float>());
    }

    [Fact]
    public void TensorSpansShareMemoryAndFollowTheWriteRules()
    {
        Tensor t = Arange23();
        NT.ReadOnlyTensorSpan<float> ro = t.AsReadOnlyTensorSpan<float>();
        Assert.Equal(4f, ro[1, 1]);
        int version = t.Version;
        NT.TensorSpan<float> rw = t.AsTensorSpan<float>();
        Assert.Equal(version + 1, t.Version);
        rw[0, 1] = 7f;
        Assert.Equal(7f, t[0, 1].Item<float>());
        var p = new Parameter(Tensor.Zeros(2));
        Assert.Throws<InvalidOperationException>(() => p.AsTensorSpan<float>());
        Assert.Throws<InvalidOperationException>(() => p.ToNumericsTensor<float>());
        Assert.Equal(0f, p.AsReadOnlyTensorSpan<float>()[1]);
    }

    [Fact]
    public void NumericsTensorsRoundTripToEmber()
    {
        NT.Tensor<double> bcl = NT.Tensor.Create([1.0, 2, 3, 4, 5, 6], [(nint)3, 2]);
        Tensor t = bcl.ToEmberTensor();
        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal([3, 2], t.Shape.ToArray());
        Assert.Equal([1.0, 2, 3, 4, 5, 6], t.ToArray<double>());
        // Back and forth: Ember -> BCL (shared) -> Ember (copied).
        Tensor back = t.ToNumericsTensor<double>().ToEmberTensor();
        Assert.Equal(t.ToArray<double>(), back.ToArray<double>());
        back.AsSpan<double>()[0] = -1;
        Assert.Equal(1.0, t[0, 0].Item<double>());
        // A strided BCL span is gathered in row-major order.
        Tensor fromStrided = t.T.AsReadOnlyTensorSpan<double>().ToEmberTensor();
        Assert.Equal([1.0, 3, 5, 2, 4, 6], fromStrided.ToArray<double>());
    }

    private static class Unsafe
    {
        public static bool AreSame<T>(in T a, in T b) =>
            System.Runtime.CompilerServices.Unsafe.AreSame(
                ref System.Runtime.CompilerServices.Unsafe.AsRef(in a),
                ref System.Runtime.CompilerServices.Unsafe.AsRef(in b));
    }
}
