using System;
using System.Collections.Generic;
using System.Linq;
using Ember.Core;
using Ember.Graph;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// Issue 17, the LSTM backward's tail. The steps' inputs held for the weight gradient's copy stay out of the block
/// pool until it runs, and a broadcast output gradient reaches the whole-sequence backward without a dense copy
/// (<c>RecurrentGradients.DenseRows</c>).
/// </summary>
[Collection(SerialCollection.Name)]
public class LstmBackwardTailTests
{
    private const int Steps = 5, Batch = 16, Input = 6, Hidden = 48;

    private static (LSTM Lstm, Tensor X) Make(int seed, bool bidirectional = false, int layers = 1)
    {
        var g = new Generator(seed);
        var lstm = new LSTM(Input, Hidden, numLayers: layers, bidirectional: bidirectional, generator: g);
        return (lstm, Tensor.Randn([Steps, Batch, Input], g).RequiresGrad_());
    }

    private static Parameter Param(LSTM m, string name) => m.NamedParameters().First(e => e.Name == name).Parameter;

    private static void BitEqual(Tensor expected, Tensor actual, string what) =>
        Close.Equal(expected, actual, 0, 0, what);

    [Fact]
    public void AForwardRunByAHookBeforeTheWeightGradientDoesNotChangeIt()
    {
        // The steps' inputs are copied for dW_hh when the first step's node runs; their blocks are held out of the
        // block pool until then, so a forward that rents blocks in between (here from a pre-hook on that node) must
        // not overwrite them.
        var (lstm, x) = Make(45);
        lstm.Call(x).Output.Sum().Backward();
        Tensor want = Param(lstm, "weight_hh_l0").Grad!.Clone();
        foreach (var p in lstm.Parameters()) p.Grad = null;
        Tensor y = lstm.Call(x).Output;
        int forwards = 0;
        using var hook = FirstStepProjectionNode(y).AddPreHook(0, g =>
        {
            using (Autograd.EnableGrad())
            {
                Tensor other = Tensor.Randn([Steps, Batch, Input], new Generator(forwards++));
                _ = lstm.Call(other).Output; // rents blocks, writes them, drops its graph
            }
            return null;
        });
        y.Sum().Backward();
        Assert.Equal(1, forwards);
        BitEqual(want, Param(lstm, "weight_hh_l0").Grad!, "weight_hh");
    }

    private static Node FirstStepProjectionNode(Tensor output) =>
        GraphNodes.Find(output, n => n is HiddenProjectionBackward { StepIndex: 0 });

    /// <summary>The input projection's node (a <c>HiddenProjectionBackward</c> outside any step group).</summary>
    private static Node InputProjectionNode(Tensor output) =>
        GraphNodes.Find(output, n => n is HiddenProjectionBackward { StepIndex: -1 });

    [Fact]
    public void ABroadcastGradientKeepsItsBroadcastDimsAndValues()
    {
        RawTensor row = Tensor.Arange(0, 4, 1, DType.Float32).Raw;
        RawTensor g = row.WithLayout([3, 2, 4], [0, 0, 1], 0);
        RawTensor r = RecurrentGradients.DenseRows(g);
        Assert.Same(g, r); // unit stride already: read as it is
        RawTensor scalar = Tensor.Full([], 2.5, DType.Float32).Raw.WithLayout([3, 2, 4], [0, 0, 0], 0);
        RawTensor s = RecurrentGradients.DenseRows(scalar);
        Assert.Equal([3, 2, 4], s.Shape);
        Assert.Equal([0, 0, 1], s.Strides);
        Assert.True(s.Storage.Length <= 4, $"copied {s.Storage.Length} elements");
        BitEqual(new Tensor(RawOps.Clone(scalar)), new Tensor(RawOps.Clone(s)), "values");
        // A dense dim between broadcast ones is copied, the broadcast ones stay.
        RawTensor mid = Tensor.Randn([2, 4], new Generator(1)).Raw;
        RawTensor m = mid.WithLayout([3, 2, 4], [0, 1, 2], 0); // last dim strided: copied
        RawTensor d = RecurrentGradients.DenseRows(m);
        Assert.Equal(0, d.Strides[0]);
        Assert.Equal(1, d.Strides[2]);
        BitEqual(new Tensor(RawOps.Clone(m)), new Tensor(RawOps.Clone(d)), "strided values");
    }
}
