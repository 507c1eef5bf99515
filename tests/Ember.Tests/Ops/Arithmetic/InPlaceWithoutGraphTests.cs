using System;

namespace Ember.Tests.Ops.Arithmetic;

/// <summary>
/// Issue 12: an in-place op on a tensor that no graph needs (it does not require grad, nor does the other operand)
/// writes into the tensor's own elements, without the snapshot clone and without a full-size result, even while
/// autograd is recording; where a graph is involved the old clone-and-record path still gives PyTorch's gradients.
/// </summary>
public class InPlaceWithoutGraphTests
{
    private const int Big = 1 << 20; // 4 MB of float32: a clone or a result buffer would show in the allocation count

    private static Tensor Ramp(int n)
    {
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = i % 251;
        return Tensor.From<float>(data, [n / 1024, 1024]);
    }

    [Fact]
    public void ScalarDivideOfAPlainTensorWritesInPlaceWithoutFullSizeAllocations()
    {
        Tensor x = Ramp(Big);
        Tensor expected = x / 255.0;
        int version = x.Version;
        Assert.True(Autograd.IsGradEnabled);
        x.Div_(255); // warm-up (JIT)
        x = Ramp(Big);
        long before = GC.GetAllocatedBytesForCurrentThread();
        x.Div_(255);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"Div_ allocated {allocated} bytes for a {4 * Big}-byte tensor");
        Assert.Equal(expected.ToArray<float>(), x.ToArray<float>());
        Assert.True(x.Version > version);
        Assert.Null(x.GradFn);
    }

    [Fact]
    public void TensorOperandsAndViewsSeeTheWrite()
    {
        Tensor x = Ramp(Big);
        Tensor row = x.Narrow(0, 0, 1); // a view made before the write
        Tensor scale = Tensor.From([2f]), bias = Ramp(1024);
        Tensor expected = x * 2 + 1 - bias;
        long before = GC.GetAllocatedBytesForCurrentThread();
        x.Mul_(scale).Add_(1).Sub_(bias); // broadcast operands, a chain
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"the chain allocated {allocated} bytes");
        float[] r = x.ToArray<float>();
        Assert.Equal(expected.ToArray<float>(), r);
        Assert.Equal(row.ToArray<float>(), r.AsSpan(0, 1024).ToArray());

        // A row of x itself as the operand overlaps the written elements: the general path reads the old values.
        Tensor z = Ramp(4096);
        z.Sub_(z.Narrow(0, 3, 1));
        Assert.Equal(0f, z.ToArray<float>()[3 * 1024 + 5]);
        Assert.Equal(-(3 * 1024 % 251), z.ToArray<float>()[0]); // row 0 minus the old row 3
    }

    [Fact]
    public void SelfOperandAndOverlappingViewsGiveTheOutOfPlaceResult()
    {
        Tensor x = Tensor.From([1f, 2f, 3f, 4f]);
        x.Mul_(x);
        Assert.Equal([1f, 4f, 9f, 16f], x.ToArray<float>());
        Tensor y = Tensor.From([1f, 2f, 3f, 4f]);
        Tensor shifted = y.Narrow(0, 1, 3);
        y.Narrow(0, 0, 3).Add_(shifted); // overlapping, shifted: must read the old values
        Assert.Equal([3f, 5f, 7f, 4f], y.ToArray<float>());
    }

    [Fact]
    public void IntegerTensorsKeepPyTorchsCastingErrors()
    {
        Tensor x = Tensor.From([1L, 2L]);
        x.Add_(Tensor.From(3L));
        Assert.Equal([4L, 5L], x.ToArray<long>());
        Assert.Throws<InvalidOperationException>(() => x.Div_(2));
    }

    [Fact]
    public void AGraphStillRecordsWhenAnOperandRequiresGrad()
    {
        Tensor w = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        Tensor x = Tensor.From([4f, 5f, 6f]);
        x.Mul_(w); // x joins the graph: d(sum x)/dw = old x
        Assert.NotNull(x.GradFn);
        x.Sum().Backward();
        Assert.Equal([4f, 5f, 6f], w.Grad!.ToArray<float>());

        Tensor h = w * 2; // a non-leaf in the graph: the write must keep its history
        h.Div_(4);
        h.Sum().Backward();
        Assert.Equal([4.5f, 5.5f, 6.5f], w.Grad!.ToArray<float>());
    }

    [Fact]
    public void AWriteToATensorSavedByAGraphIsStillDetectedAtBackward()
    {
        Tensor w = Tensor.From([1f, 2f], requiresGrad: true);
        Tensor x = Tensor.From([3f, 4f]);
        Tensor y = (w * x).Sum(); // saves x for w's gradient
        x.Div_(2);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }
}
