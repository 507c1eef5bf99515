using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Ember.Training.Metrics;

namespace Ember.Training.Tests;

/// <summary>The core metrics against scikit-learn (tools/golden/keras_metrics.py), fed in two batches.</summary>
public sealed class MetricsTests
{
    private static JsonElement Cases()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "keras_metrics.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("cases");
    }

    public static TheoryData<int> CaseIndices() => [.. Enumerable.Range(0, Cases().GetArrayLength())];

    private static Tensor Read(JsonElement c, string data, string shape, bool asInt)
    {
        int[] dims = c.GetProperty(shape).EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var values = c.GetProperty(data).EnumerateArray();
        return asInt ? Tensor.From(values.Select(e => e.GetInt64()).ToArray(), dims)
            : Tensor.From(values.Select(e => e.GetDouble()).ToArray(), dims);
    }

    private static Metric Create(string name) => name switch
    {
        "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(),
        "categorical_accuracy" => new CategoricalAccuracy(),
        "binary_accuracy" => new BinaryAccuracy(),
        "accuracy" => new Accuracy(),
        "mean_squared_error" => new Metrics.MeanSquaredError(),
        "mean_absolute_error" => new Metrics.MeanAbsoluteError(),
        "mean" => new Mean(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void MatchesScikitLearnAcrossTwoBatches(int index)
    {
        var c = Cases()[index];
        string name = c.GetProperty("metric").GetString()!;
        Tensor yTrue = Read(c, "y_true", "y_true_shape", c.GetProperty("y_true_int").GetBoolean());
        Tensor yPred = Read(c, "y_pred", "y_pred_shape", false);
        var swJson = c.GetProperty("sample_weight");
        Tensor? w = swJson.ValueKind == JsonValueKind.Null ? null
            : Tensor.From(swJson.EnumerateArray().Select(e => e.GetDouble()).ToArray());
        var metric = Create(name);
        int n = yTrue.Shape[0], half = n / 2;
        metric.Update(yTrue.Narrow(0, 0, half), yPred.Narrow(0, 0, half), w?.Narrow(0, 0, half));
        metric.Update(yTrue.Narrow(0, half, n - half), yPred.Narrow(0, half, n - half), w?.Narrow(0, half, n - half));
        Assert.Equal(c.GetProperty("expected").GetDouble(), metric.Result(), 12);
        metric.Reset();
        Assert.Equal(0, metric.Result());
        metric.Update(yTrue, yPred, w);
        Assert.Equal(c.GetProperty("expected").GetDouble(), metric.Result(), 12);
    }

    [Fact]
    public void FixturesCoverEveryCoreMetricWithAndWithoutWeights()
    {
        var names = Cases().EnumerateArray().Select(c => (c.GetProperty("metric").GetString(),
            c.GetProperty("sample_weight").ValueKind == JsonValueKind.Null)).ToHashSet();
        Assert.Equal(14, names.Count);
    }

    [Fact]
    public void MismatchedShapesNameTheMetric()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new Metrics.MeanSquaredError().Update(Tensor.Zeros(4, 2), Tensor.Zeros(4, 3)));
        Assert.Contains("MeanSquaredError", e.Message);
        Assert.Contains("[4, 3]", e.Message);
    }
}
