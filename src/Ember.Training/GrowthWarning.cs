using System;
using System.IO;
using Ember.Graph;

namespace Ember.Training;

/// <summary>
/// Prints <see cref="GraphGrowth"/>'s warning to Fit's output while Fit runs, for the steps of the thread that called
/// Fit (the event is static, so concurrent Fit calls on other threads do not see each other's warnings).
/// </summary>
internal sealed class GrowthWarning : IDisposable
{
    private readonly TextWriter _writer;
    private readonly int _thread = Environment.CurrentManagedThreadId;

    private GrowthWarning(TextWriter writer)
    {
        _writer = writer;
        GraphGrowth.Detected += OnDetected;
    }

    public static GrowthWarning WriteTo(TextWriter writer) => new(writer);

    private void OnDetected(object? sender, GraphGrowthEventArgs e)
    {
        if (Environment.CurrentManagedThreadId == _thread) _writer.WriteLine(e.Message);
    }

    public void Dispose() => GraphGrowth.Detected -= OnDetected;
}
