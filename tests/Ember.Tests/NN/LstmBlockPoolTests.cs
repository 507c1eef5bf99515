using System;
using System.Collections.Generic;
using System.Linq;
using Ember.NN;
using Ember.Tests.Support;

namespace Ember.Tests.NN;

/// <summary>
/// The recorded LSTM steps' blocks are reused (<c>LstmBlockPool</c>) only once a backward pass freed everything saved
/// over them: gradients of graphs that are still alive (a second forward before the first's backward, a retained
/// graph, a recorded backward, a partial pass) are those of a fresh run, and nothing is handed back that a live graph
/// still saves.
/// </summary>
[Collection(SerialCollection.Name)]
public class LstmBlockPoolTests
{
    private const int Steps = 5, Batch = 20, Hidden = 40, In = 24;

    private static LSTM Module()
    {
        Tensor.ManualSeed(7);
        return new LSTM(In, Hidden);
    }

    private static Tensor Input(int seed)
    {
        Tensor.ManualSeed(seed);
        return Tensor.Randn(Steps, Batch, In).RequiresGrad_();
    }

    private static Tensor Loss(LSTM lstm, Tensor x)
    {
        var (y, (h, c)) = lstm.Call(x);
        return (y * y).Sum() + h.Sum() + (c * c).Sum();
    }

    private static double[] D(Tensor t) => t.Detach().To(DType.Float64).ToArray<double>();

    /// <summary>The input's and parameters' gradients of <paramref name="loss"/> (parameters' cleared first).</summary>
    private static List<double[]> Grads(LSTM lstm, Tensor x, Tensor loss, bool retainGraph = false)
    {
        foreach (var p in lstm.Parameters()) p.Grad = null;
        x.Grad = null;
        loss.Backward(retainGraph);
        var values = new List<double[]> { D(x.Grad!) };
        foreach (var p in lstm.Parameters()) values.Add(D(p.Grad!));
        return values;
    }

    /// <summary>A fresh forward and backward of input <paramref name="seed"/>, with no pool involved.</summary>
    private static List<double[]> Reference(LSTM lstm, int seed)
    {
        bool saved = LstmBlockPool.Enabled;
        LstmBlockPool.Enabled = false;
        try
        {
            Tensor x = Input(seed);
            return Grads(lstm, x, Loss(lstm, x));
        }
        finally
        {
            LstmBlockPool.Enabled = saved;
        }
    }

    /// <summary>A forward and backward of another input: takes blocks from the pool, writes them, returns them.
    /// </summary>
    private static void Churn(LSTM lstm)
    {
        Tensor x = Input(99);
        Loss(lstm, x).Backward();
    }

    private static int Returned => LstmBlockPool.Counts.Returned;

    private static int Reused => LstmBlockPool.Counts.Reused;

    [Fact]
    public void TrainingLoop_ReusesTheBlocks()
    {
        Assert.True(LstmRows.Fits(DType.Float32, Batch, Hidden));
        LSTM lstm = Module();
        List<double[]> want = Reference(lstm, 1);
        int returned = Returned;
        Tensor x = Input(1);
        Assert.Equal(want, Grads(lstm, x, Loss(lstm, x)));
        Assert.Equal(returned + Steps, Returned); // every step's block, once its graph was freed
        int reused = Reused;
        x = Input(1);
        Assert.Equal(want, Grads(lstm, x, Loss(lstm, x)));
        Assert.Equal(reused + Steps, Reused);
        Assert.Equal(returned + 2 * Steps, Returned);
    }

    [Fact]
    public void SecondForwardBeforeFirstBackward_FirstGraphKeepsItsBlocks()
    {
        LSTM lstm = Module();
        List<double[]> want1 = Reference(lstm, 1), want2 = Reference(lstm, 2);
        Tensor x1 = Input(1), x2 = Input(2);
        Tensor loss1 = Loss(lstm, x1), loss2 = Loss(lstm, x2);
        int returned = Returned;
        Assert.Equal(want2, Grads(lstm, x2, loss2));
        Assert.Equal(returned + Steps, Returned);
        // These take the second graph's blocks and overwrite them: were the first graph's blocks handed out instead,
        // its gradients below would be wrong.
        int reused = Reused;
        Tensor x3 = Input(3), loss3 = Loss(lstm, x3);
        Assert.True(Reused >= reused + Steps);
        Assert.Equal(want1, Grads(lstm, x1, loss1));
        Assert.Equal(Reference(lstm, 3), Grads(lstm, x3, loss3));
    }

    [Fact]
    public void RetainedGraph_KeepsItsBlocksUntilItsLastPass()
    {
        LSTM lstm = Module();
        List<double[]> want = Reference(lstm, 1);
        Tensor x = Input(1);
        Tensor loss = Loss(lstm, x);
        int returned = Returned;
        Assert.Equal(want, Grads(lstm, x, loss, retainGraph: true));
        Assert.Equal(returned, Returned);
        Churn(lstm);
        Churn(lstm);
        returned = Returned;
        Assert.Equal(want, Grads(lstm, x, loss));
        Assert.Equal(returned + Steps, Returned);
    }

    [Fact]
    public void RetainedPass_KeepsTheNodesAFusedPassSkips()
    {
        LSTM lstm = Module();
        List<double[]> want = Reference(lstm, 1);
        Tensor x = Input(1);
        Tensor loss = Loss(lstm, x);
        Assert.Equal(want, Grads(lstm, x, loss, retainGraph: true));
        // A recorded pass runs every node's own formula, σ(f), tanh(g), σ(o) included (a fused pass skips them): the
        // retained pass kept their saved values. The same values up to rounding (the unfused pass sums in another
        // order).
        double[] recorded = D(Autograd.Grad(loss, x, retainGraph: true, createGraph: true));
        for (int i = 0; i < recorded.Length; i++) Assert.Equal(want[0][i], recorded[i], 1e-5);
    }

    [Fact]
    public void GraphDroppedWithoutBackward_ReturnsNothing()
    {
        LSTM lstm = Module();
        int returned = Returned;
        for (int i = 0; i < 3; i++) Loss(lstm, Input(i));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(returned, Returned);
        Churn(lstm);
        Assert.Equal(returned + Steps, Returned);
    }

    [Fact]
    public void RecordedBackward_KeepsTheBlocksItsGraphReads()
    {
        LSTM lstm = Module();
        double[] Second(bool churn)
        {
            Tensor x = Input(1);
            int before = Returned;
            Tensor g = Autograd.Grad(Loss(lstm, x), x, createGraph: true);
            if (churn)
            {
                Churn(lstm);
                Churn(lstm);
            }
            // Only the churn's blocks came back: the recorded pass retained its graph (as createGraph implies) and
            // its own nodes saved the steps' values.
            Assert.Equal(before + (churn ? 2 * Steps : 0), Returned);
            return D(Autograd.Grad((g * g).Sum(), x));
        }
        double[] want;
        bool saved = LstmBlockPool.Enabled;
        LstmBlockPool.Enabled = false;
        try
        {
            want = Second(churn: false);
        }
        finally
        {
            LstmBlockPool.Enabled = saved;
        }
        Assert.All(want, v => Assert.True(double.IsFinite(v)));
        Assert.Contains(want, v => v != 0);
        Assert.Equal(want, Second(churn: true));
    }

    [Fact]
    public void PartialPass_ReturnsOnlyTheBlocksNothingStillSaves()
    {
        LSTM lstm = Module();
        List<double[]> Run()
        {
            Tensor x = Input(1);
            var (_, (_, c)) = lstm.Call(x);
            // A loss on the final cell state only: the last step's h' (and its tanh(c'), σ(o)) get no gradient, so
            // their nodes keep their saved slices of the last block.
            Tensor[] inputs = [x, .. lstm.Parameters()];
            var values = new List<double[]>();
            foreach (Tensor? g in Autograd.Grad([c.Sum()], inputs)) values.Add(D(g!));
            return values;
        }
        bool saved = LstmBlockPool.Enabled;
        List<double[]> want;
        LstmBlockPool.Enabled = false;
        try
        {
            want = Run();
        }
        finally
        {
            LstmBlockPool.Enabled = saved;
        }
        int returned = Returned;
        Assert.Equal(want, Run());
        Assert.Equal(returned + Steps - 1, Returned);
        Churn(lstm);
        Assert.Equal(want, Run());
    }

    [Fact]
    public void TwoThreadsTraining_ShareThePoolSafely()
    {
        LSTM lstm1 = Module(), lstm2 = Module();
        List<double[]> want1 = Reference(lstm1, 1), want2 = Reference(lstm2, 2);
        var failures = new List<string>();
        // The global generator is shared, so the inputs are drawn here, not on the threads.
        Tensor data1 = Input(1).Detach(), data2 = Input(2).Detach(), other = Input(99).Detach();
        void Loop(LSTM lstm, Tensor data, List<double[]> want)
        {
            for (int i = 0; i < 12; i++)
            {
                // One graph stays alive across this thread's next pass and the other thread's passes.
                Tensor x = data.Clone().RequiresGrad_(), loss = Loss(lstm, x);
                Tensor o = other.Clone().RequiresGrad_();
                Loss(lstm, o).Backward();
                if (!Grads(lstm, x, loss).Zip(want).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
                    lock (failures) failures.Add($"iteration {i}");
            }
        }
        var t1 = new System.Threading.Thread(() => Loop(lstm1, data1, want1));
        var t2 = new System.Threading.Thread(() => Loop(lstm2, data2, want2));
        t1.Start();
        t2.Start();
        t1.Join();
        t2.Join();
        Assert.Empty(failures);
    }

    [Fact]
    public void Float64AndOtherShapes_ComeBackUnderTheirOwnKey()
    {
        Tensor.ManualSeed(3);
        var lstm = new LSTM(In, Hidden, dtype: DType.Float64);
        Tensor x = Tensor.Randn(Steps, 12, In).To(DType.Float64).RequiresGrad_();
        var (y, _) = lstm.Call(x);
        int returned = Returned;
        y.Sum().Backward();
        Assert.Equal(returned + Steps, Returned);
        RawTensorShape(LstmBlockPool.Shared.Rent(DType.Float64, [9, 12, Hidden]), [9, 12, Hidden], DType.Float64);
        RawTensorShape(LstmBlockPool.Shared.Rent(DType.Float32, [9, 12, Hidden]), [9, 12, Hidden], DType.Float32);
    }

    private static void RawTensorShape(Ember.Core.RawTensor r, int[] shape, DType dtype)
    {
        Assert.Equal(shape, r.Shape);
        Assert.Equal(dtype, r.DType);
        Assert.Equal(0, r.Storage.Version);
        Assert.Equal(0, r.Storage.SavedByGraphs);
    }
}
