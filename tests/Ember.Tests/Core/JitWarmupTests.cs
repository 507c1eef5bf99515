using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
using Ember.Core;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests.Core;

/// <summary>
/// The background JIT warm-up an optimizer starts (docs/design-notes.md, "JIT warm-up"): what it compiles, that it
/// compiles it, that it stops, and its switch. No timing: what it saves is measured in bench/ (W2).
/// </summary>
[Collection(SerialCollection.Name)] // the switch test changes a process-wide AppContext switch
public class JitWarmupTests
{
    /// <summary>Methods of the W2 step (Linear, ReLU, cross-entropy, backward, Adam; batches as views) that the
    /// warm-up must cover: glue, the GEMM and the generic float kernels.</summary>
    public static TheoryData<string, string> StepMethods() => new()
    {
        { "Ember.Core.RawOps", "Addmm" },
        { "Ember.Graph.Engine", "Execute" },
        { "Ember.Tensor", "Narrow" },
        { "Ember.Kernels.GemmKernels", "F512" },
        { "Ember.Kernels.GemmPacking", "PackB" },
        { "Ember.Kernels.SoftmaxKernel", "Run" },
        { "Ember.Kernels.OptimizerKernels", "Adam" },
        { "Ember.Kernels.CascadeSum", "Columns" },
    };

    [Theory]
    [MemberData(nameof(StepMethods))]
    public void CandidatesCoverTheTrainingStep(string typeName, string name)
    {
        var hits = JitWarmup.Candidates()
            .Where(m => m.DeclaringType?.FullName == typeName && m.Name == name).ToList();
        Assert.NotEmpty(hits);
        // Generic kernels are closed over float, so the warm-up compiles the instantiation the step runs.
        Assert.All(hits, m => Assert.False(m.ContainsGenericParameters, $"{typeName}.{m} is still open"));
    }

    [Fact]
    public void EveryCandidateCompiles()
    {
        var candidates = JitWarmup.Candidates().ToList();
        Assert.True(candidates.Count > 100, $"only {candidates.Count} candidates: the scan found too little");
        var failed = candidates.Where(m => !JitWarmup.Prepare(m)).Select(m => $"{m.DeclaringType}.{m}").ToList();
        Assert.Empty(failed);
    }

    [Fact]
    public void RunnerCompilesEveryCandidateThenEnds()
    {
        var runner = new JitWarmup.Runner();
        runner.Start();
        Assert.NotNull(runner.Thread);
        Assert.True(runner.Thread!.Join(TimeSpan.FromMinutes(5)), "the warm-up thread did not end");
        Assert.Equal(JitWarmup.Candidates().Count(), runner.Prepared);
    }

    [Fact]
    public void StopBeforeStartIsForgotten()
    {
        // A module called before the optimizer is created (a lazily built model) must not cancel the warm-up.
        var runner = new JitWarmup.Runner();
        runner.Stop();
        runner.Start();
        Assert.True(runner.Requested);
        Assert.True(runner.Thread!.Join(TimeSpan.FromMinutes(5)), "the warm-up thread did not end");
        Assert.Equal(JitWarmup.Candidates().Count(), runner.Prepared);
    }

    [Fact]
    public void StopEndsARunningWarmupEarly()
    {
        // The candidates are paced: after the first, the warm-up waits until the test has called Stop, so the check
        // does not depend on how fast the thread runs (methods other tests compiled already prepare in microseconds).
        MethodBase[] all = JitWarmup.Candidates().Take(10).ToArray();
        CancellationToken cancel = TestContext.Current.CancellationToken;
        using var firstDone = new ManualResetEventSlim();
        using var stopped = new ManualResetEventSlim();
        IEnumerable<MethodBase> Paced()
        {
            yield return all[0];
            firstDone.Set();
            stopped.Wait(cancel);
            foreach (MethodBase method in all.Skip(1)) yield return method;
        }
        var runner = new JitWarmup.Runner(Paced);
        runner.Start();
        Assert.True(firstDone.Wait(TimeSpan.FromMinutes(5), cancel), "the warm-up did not take its first method");
        runner.Stop();
        stopped.Set();
        Assert.True(runner.Thread!.Join(TimeSpan.FromMinutes(5)), "the warm-up thread did not end");
        Assert.Equal(1, runner.Prepared);
    }

    [Fact]
    public void SwitchFalseTurnsItOff()
    {
        Assert.True(JitWarmup.Enabled);
        AppContext.SetSwitch(JitWarmup.SwitchName, false);
        try
        {
            Assert.False(JitWarmup.Enabled);
            var runner = new JitWarmup.Runner();
            runner.Start();
            Assert.Null(runner.Thread);
        }
        finally
        {
            AppContext.SetSwitch(JitWarmup.SwitchName, true);
        }
        Assert.True(JitWarmup.Enabled);
    }

    [Fact]
    public void ModuleCallStopsTheDefaultWarmup()
    {
        _ = new Ember.NN.ReLU().Call(Tensor.Zeros(2));
        Assert.True(JitWarmup.Default.Stopped);
    }

    [Fact]
    public void CreatingAnOptimizerRequestsTheWarmup()
    {
        _ = new SGD([new Parameter(Tensor.Zeros(3))], lr: 0.1);
        Assert.True(JitWarmup.Default.Requested);
    }
}
