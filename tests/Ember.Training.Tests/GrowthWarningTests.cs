using System;
using System.IO;
using System.Threading;
using Ember.Graph;
using Ember.NN;
using Ember.Optim;

namespace Ember.Training.Tests;

/// <summary>Fit prints the growing-graph warning (<see cref="GraphGrowth"/>); it stays silent on ordinary fits.
/// </summary>
public sealed class GrowthWarningTests
{
    /// <summary>A loss that keeps a running total with its graph: the mistake the warning is for.</summary>
    private sealed class LeakyLoss() : Loss(Reduction.Mean)
    {
        private readonly CrossEntropyLoss _inner = new();

        public Tensor Total { get; private set; } = Tensor.From(0f);

        public override Tensor Forward(Tensor input, Tensor target)
        {
            var loss = _inner.Call(input, target);
            Total = Total + loss;
            return loss;
        }
    }

    private static string FitOnFreshThread(Loss loss)
    {
        var output = new StringWriter();
        var thread = new Thread(() =>
        {
            var (xTrain, _, yTrain, _) = TestModels.Iris();
            var clf = new Clf();
            clf.Compile(new Adam(clf.Parameters(), lr: 0.01), loss);
            clf.Fit(xTrain, yTrain, epochs: 3, batchSize: 16, verbose: 0, output: output);
        });
        thread.Start();
        thread.Join();
        return output.ToString();
    }

    [Fact]
    public void FitPrintsTheWarningForAGrowingGraph()
    {
        string text = FitOnFreshThread(new LeakyLoss());
        Assert.Contains("total = total + loss", text, StringComparison.Ordinal);
        Assert.Contains("loss.Item<float>()", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("autograd graph kept across optimizer steps").Length); // once
    }

    [Fact]
    public void FitIsSilentForOrdinaryLosses() =>
        Assert.DoesNotContain("autograd graph", FitOnFreshThread(new CrossEntropyLoss()), StringComparison.Ordinal);
}
