using System;
using System.Threading;
using System.Threading.Tasks;

namespace Ember.Tests.Graph;

/// <summary>
/// Grad modes flow with the async context (issue 13, item 11): a scope survives <c>await</c>, follows the code to
/// the thread its continuation runs on, and never leaks into the thread the code left.
/// </summary>
public class GradModeFlowTests
{
    [Fact]
    public async Task NoGradSurvivesAnAwaitThatResumesOnAnotherThread()
    {
        // Started on a dedicated thread, so the continuation cannot run on the thread that opened the scope.
        Task<(bool, bool, bool, bool)>? body = null;
        var starter = new Thread(() => body = NoGradAcrossAwait());
        starter.Start();
        starter.Join();
        var (inside, recorded, after, afterRecorded) = await body!;
        Assert.False(inside);
        Assert.False(recorded);
        Assert.True(after);
        Assert.True(afterRecorded);
    }

    private static async Task<(bool Inside, bool Recorded, bool After, bool AfterRecorded)> NoGradAcrossAwait()
    {
        var x = Tensor.Ones(2).RequiresGrad_();
        bool inside, recorded;
        using (Autograd.NoGrad())
        {
            await Task.Delay(5).ConfigureAwait(false);
            inside = Autograd.IsGradEnabled;
            recorded = (x * 2.0).GradFn is not null;
        }
        return (inside, recorded, Autograd.IsGradEnabled, (x * 2.0).GradFn is not null);
    }

    [Fact]
    public async Task ScopeBegunOnOneThreadAndEndedOnAnotherRestoresBoth()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<(int Thread, bool Inside, bool AfterDispose)>? body = null;
        int threadA = 0;
        bool aAfterYield = false, aInference = true, aAnomaly = true;
        var a = new Thread(() =>
        {
            threadA = Environment.CurrentManagedThreadId;
            body = ScopesAroundAwait(gate.Task);
            // The async method yielded at its await: this thread must be back to the modes it had before the call.
            aAfterYield = Autograd.IsGradEnabled;
            aInference = Autograd.IsInferenceMode;
            aAnomaly = Autograd.IsAnomalyEnabled;
        });
        a.Start();
        a.Join();
        gate.SetResult();
        var (threadB, inside, afterDispose) = await body!;
        Assert.NotEqual(threadA, threadB);
        Assert.True(aAfterYield);
        Assert.False(aInference);
        Assert.False(aAnomaly);
        Assert.False(inside);
        Assert.True(afterDispose);
    }

    private static async Task<(int Thread, bool Inside, bool AfterDispose)> ScopesAroundAwait(Task gate)
    {
        bool inside;
        using (Autograd.DetectAnomaly())
        using (Autograd.InferenceMode())
        {
            await gate.ConfigureAwait(false);
            inside = Autograd.IsGradEnabled || !Autograd.IsInferenceMode || !Autograd.IsAnomalyEnabled;
        }
        bool after = Autograd.IsGradEnabled && !Autograd.IsInferenceMode && !Autograd.IsAnomalyEnabled;
        return (Environment.CurrentManagedThreadId, inside, after);
    }

    [Fact]
    public async Task ModesFlowIntoTasksStartedInsideTheScope()
    {
        Task<bool> inside;
        using (Autograd.NoGrad())
            inside = Task.Run(() => Autograd.IsGradEnabled, TestContext.Current.CancellationToken);
        Assert.False(await inside);
        Assert.True(await Task.Run(() => Autograd.IsGradEnabled, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void NestedScopesRestoreInPyTorchOrder()
    {
        using (Autograd.InferenceMode())
        {
            using (Autograd.EnableGrad())
            {
                Assert.True(Autograd.IsGradEnabled);
                Assert.True(Autograd.IsInferenceMode);
            }
            Assert.False(Autograd.IsGradEnabled);
            using (Autograd.SetGradEnabled(true))
            using (Autograd.NoGrad())
                Assert.False(Autograd.IsGradEnabled);
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(Autograd.IsGradEnabled);
        Assert.False(Autograd.IsInferenceMode);
        // A scope disposed twice restores only once; an outer scope still restores what it saw.
        var outer = Autograd.DetectAnomaly();
        var inner = Autograd.DetectAnomaly();
        inner.Dispose();
        inner.Dispose();
        Assert.True(Autograd.IsAnomalyEnabled);
        outer.Dispose();
        Assert.False(Autograd.IsAnomalyEnabled);
    }
}
