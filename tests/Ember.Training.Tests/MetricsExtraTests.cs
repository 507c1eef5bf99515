using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Ember.Training.Metrics;

namespace Ember.Training.Tests;

/// <summary>The issue-16 metrics against scikit-learn (tools/golden/keras_metrics_extra.py), fed in two
/// batches.</summary>
public sealed class MetricsExtraTests
{
    private static JsonElement Cases()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "keras_metrics_extra.json");
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

    private static Metric Create(string name, JsonElement p)
    {
        int? Int(string key) => p.TryGetProperty(key, out var v) ? v.GetInt32() : null;
        double? Double(string key) => p.TryGetProperty(key, out var v) ? v.GetDouble() : null;
        bool Bool(string key) => p.TryGetProperty(key, out var v) && v.GetBoolean();
        F1Average Average() => p.GetProperty("average").GetString() switch
        {
            "micro" => F1Average.Micro,
            "macro" => F1Average.Macro,
            _ => F1Average.Weighted,
        };
        return name switch
        {
            "top_k_categorical_accuracy" => new TopKCategoricalAccuracy(Int("k") ?? 5),
            "sparse_top_k_categorical_accuracy" => new SparseTopKCategoricalAccuracy(Int("k") ?? 5),
            "root_mean_squared_error" => new RootMeanSquaredError(),
            "precision" => new Precision(Double("threshold") ?? 0.5, classId: Int("class_id")),
            "recall" => new Recall(Double("threshold") ?? 0.5, classId: Int("class_id")),
            "f1_score" => new F1Score(Average(), Double("threshold")),
            "fbeta_score" => new FBetaScore(Average(), Double("beta") ?? 1, Double("threshold")),
            "auc" => new AUC(Int("num_thresholds") ?? 200,
                p.GetProperty("curve").GetString() == "PR" ? AucCurve.PR : AucCurve.ROC,
                multiLabel: Bool("multi_label")),
            _ => throw new ArgumentException(name),
        };
    }

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
        var metric = Create(name, c.GetProperty("params"));
        double expected = c.GetProperty("expected").GetDouble(), tolerance = c.GetProperty("tolerance").GetDouble();
        int n = yTrue.Shape[0], half = n / 3;
        metric.Update(yTrue.Narrow(0, 0, half), yPred.Narrow(0, 0, half), w?.Narrow(0, 0, half));
        metric.Update(yTrue.Narrow(0, half, n - half), yPred.Narrow(0, half, n - half), w?.Narrow(0, half, n - half));
        double twoBatches = metric.Result();
        Assert.True(Math.Abs(expected - twoBatches) <= tolerance,
            $"{name} {c.GetProperty("params")}: got {twoBatches}, scikit-learn {expected}, tolerance {tolerance}");
        if (c.TryGetProperty("keras_port", out var port))
            Assert.Equal(port.GetDouble(), twoBatches, 12);
        metric.Reset();
        Assert.Equal(0, metric.Result());
        metric.Update(yTrue, yPred, w);
        Assert.Equal(twoBatches, metric.Result(), 12);
    }

    [Fact]
    public void FixturesCoverEveryMetricWithAndWithoutWeights()
    {
        var seen = Cases().EnumerateArray().Select(c => (c.GetProperty("metric").GetString(),
            c.GetProperty("sample_weight").ValueKind == JsonValueKind.Null)).ToHashSet();
        string[] metrics = ["top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
            "root_mean_squared_error", "precision", "recall", "f1_score", "fbeta_score", "auc"];
        foreach (var m in metrics)
        {
            Assert.Contains((m, true), seen);
            Assert.Contains((m, false), seen);
        }
    }

    [Fact]
    public void RocAucOfAPerfectRankingIsOneAndOfAReversedOneIsZero()
    {
        var y = Tensor.From(new double[] { 0, 0, 1, 1 });
        var auc = new AUC();
        auc.Update(y, Tensor.From(new double[] { 0.1, 0.2, 0.8, 0.9 }));
        Assert.Equal(1.0, auc.Result(), 12);
        auc.Reset();
        auc.Update(y, Tensor.From(new double[] { 0.9, 0.8, 0.2, 0.1 }));
        Assert.Equal(0.0, auc.Result(), 12);
        // Two scores between the same pair of thresholds cannot be ordered: the pair counts one half.
        auc.Reset();
        auc.Update(Tensor.From(new double[] { 0, 1 }), Tensor.From(new double[] { 0.5001, 0.5002 }));
        Assert.Equal(0.5, auc.Result(), 12);
    }

    [Fact]
    public void TopKCountsTiesAsHitsLikeKeras()
    {
        var m = new SparseTopKCategoricalAccuracy(k: 1);
        m.Update(Tensor.From(new long[] { 1 }), Tensor.From(new double[,] { { 0.5, 0.5, 0.0 } }));
        Assert.Equal(1.0, m.Result());
    }

    [Fact]
    public void PrecisionAndRecallAreZeroWithoutPositives()
    {
        var p = new Precision();
        var r = new Recall();
        p.Update(Tensor.From(new double[] { 0, 1 }), Tensor.From(new double[] { 0.1, 0.2 }));
        r.Update(Tensor.From(new double[] { 0, 0 }), Tensor.From(new double[] { 0.9, 0.2 }));
        Assert.Equal(0, p.Result());
        Assert.Equal(0, r.Result());
    }

    [Fact]
    public void PerClassF1IsKerasAverageNone()
    {
        var f = new F1Score();
        f.Update(Tensor.From(new long[] { 0, 1, 1, 2 }), Tensor.From(new double[,]
        {
            { 0.9, 0.1, 0.0 }, { 0.2, 0.7, 0.1 }, { 0.6, 0.3, 0.1 }, { 0.1, 0.1, 0.8 },
        }));
        double[] perClass = f.PerClass();
        // class 0: P 1/2, R 1 → 2/3; class 1: P 1, R 1/2 → 2/3; class 2: 1.
        Assert.Equal([2.0 / 3, 2.0 / 3, 1.0], perClass.Select(v => Math.Round(v, 6)).ToArray(),
            (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(perClass.Average(), f.Result(), 12);
    }

    [Theory]
    [InlineData("top_k_categorical_accuracy", typeof(TopKCategoricalAccuracy))]
    [InlineData("sparse_top_k_categorical_accuracy", typeof(SparseTopKCategoricalAccuracy))]
    [InlineData("root_mean_squared_error", typeof(RootMeanSquaredError))]
    [InlineData("precision", typeof(Precision))]
    [InlineData("recall", typeof(Recall))]
    [InlineData("f1_score", typeof(F1Score))]
    [InlineData("auc", typeof(AUC))]
    [InlineData("AUC", typeof(AUC))]
    public void KerasNamesResolveToTheMetrics(string name, Type type)
    {
        var m = KerasNames.Metric(name);
        Assert.IsType(type, m);
        Assert.Equal(name, m.Name);
        Assert.True(m.HigherIsBetter is not null);
    }

    [Fact]
    public void BadShapesNameTheMetric()
    {
        var e = Assert.Throws<ArgumentException>(() => new AUC().Update(Tensor.Zeros(4, 2), Tensor.Zeros(4, 3)));
        Assert.Contains("AUC", e.Message);
        Assert.Contains("[4, 3]", e.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new AUC(numThresholds: 1));
        Assert.Contains("numThresholds", e2.Message);
    }
}
