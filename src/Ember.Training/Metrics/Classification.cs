using System;
using System.Linq;

namespace Ember.Training.Metrics;

/// <summary>Targets, predictions and per-row weights as flat float64 arrays, shared by the counting metrics.</summary>
internal readonly record struct FlatBatch(double[] True, double[] Pred, double[] RowWeight, int Rows, int Cols)
{
    /// <summary>Aligns a trailing 1 as <c>MeanMetric</c> does; rows are dim 0, columns every other element.</summary>
    public static FlatBatch Of(Tensor yTrue, Tensor yPred, Tensor? sampleWeight, string who)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (yTrue.Dim == yPred.Dim - 1 && yPred.Shape[^1] == 1) yTrue = yTrue.Unsqueeze(-1);
        else if (yTrue.Dim == yPred.Dim + 1 && yTrue.Shape[^1] == 1) yTrue = yTrue.Squeeze(-1);
        if (!yTrue.Shape.SequenceEqual(yPred.Shape))
            throw new ArgumentException($"{who}: expected targets of the predictions' shape " +
                $"{Losses.KerasLoss.Fmt(yPred)} but got {Losses.KerasLoss.Fmt(yTrue)}.");
        return Make(Mean.ToDoubles(yTrue), yPred, sampleWeight, who);
    }

    /// <summary>Class ids <c>(N)</c> or <c>(N, 1)</c> against scores <c>(N, C)</c>: the ids as doubles.</summary>
    public static FlatBatch Sparse(Tensor yTrue, Tensor yPred, Tensor? sampleWeight, string who)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (yTrue.Dim == yPred.Dim && yTrue.Shape[^1] == 1) yTrue = yTrue.Squeeze(-1);
        if (yPred.Dim != 2 || yTrue.Dim != 1 || yTrue.Shape[0] != yPred.Shape[0])
            throw new ArgumentException($"{who}: expected class ids of shape (N) and scores of shape (N, C), got " +
                $"{Losses.KerasLoss.Fmt(yTrue)} and {Losses.KerasLoss.Fmt(yPred)}.");
        return Make(Mean.ToDoubles(yTrue), yPred, sampleWeight, who);
    }

    private static FlatBatch Make(double[] t, Tensor yPred, Tensor? sampleWeight, string who)
    {
        double[] p = Mean.ToDoubles(yPred);
        int rows = yPred.Dim == 0 ? 1 : yPred.Shape[0];
        int cols = rows == 0 ? 0 : p.Length / rows;
        double[] w;
        if (sampleWeight is null) w = Enumerable.Repeat(1.0, rows).ToArray();
        else
        {
            w = Mean.ToDoubles(sampleWeight);
            if (w.Length != rows)
                throw new ArgumentException($"{who}: expected {rows} sample weights (one per row), got {w.Length}.");
        }
        return new(t, p, w, rows, cols);
    }
}

/// <summary>
/// Keras's <c>TopKCategoricalAccuracy</c>: how often the one-hot target's class is among the <see cref="K"/> highest
/// scores. Ties count as hits, as Keras's <c>in_top_k</c> does: a row is a hit when fewer than <c>k</c> scores are
/// strictly greater than the target's (scikit-learn's <c>top_k_accuracy_score</c> breaks ties by order instead).
/// </summary>
/// <param name="k">How many top scores count (5).</param>
/// <param name="name">The metric's name.</param>
public class TopKCategoricalAccuracy(int k = 5, string name = "top_k_categorical_accuracy") : Metric(name)
{
    private double _total, _count;

    /// <summary>How many top scores count.</summary>
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k),
        $"TopKCategoricalAccuracy: k must be positive, got {k}.");

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <summary>The target class of each row.</summary>
    private protected virtual FlatBatch Read(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        var b = FlatBatch.Of(yTrue, yPred, sampleWeight, GetType().Name);
        var ids = new double[b.Rows];
        for (int r = 0; r < b.Rows; r++)
        {
            int best = 0;
            for (int c = 1; c < b.Cols; c++)
                if (b.True[r * b.Cols + c] > b.True[r * b.Cols + best]) best = c;
            ids[r] = best;
        }
        return b with { True = ids };
    }

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var b = Read(yTrue, yPred, sampleWeight);
        for (int r = 0; r < b.Rows; r++)
        {
            int target = (int)b.True[r];
            if (target < 0 || target >= b.Cols)
                throw new ArgumentException($"{GetType().Name}: class id {target} is out of range for {b.Cols} " +
                    "classes.");
            double score = b.Pred[r * b.Cols + target];
            int greater = 0;
            for (int c = 0; c < b.Cols; c++)
                if (b.Pred[r * b.Cols + c] > score) greater++;
            _total += b.RowWeight[r] * (greater < K ? 1 : 0);
            _count += b.RowWeight[r];
        }
    }

    /// <inheritdoc/>
    public override double Result() => _count == 0 ? 0 : _total / _count;

    /// <inheritdoc/>
    public override void Reset() => (_total, _count) = (0, 0);
}

/// <summary>Keras's <c>SparseTopKCategoricalAccuracy</c>: <see cref="TopKCategoricalAccuracy"/> with class-id
/// targets <c>(N)</c>.</summary>
/// <param name="k">How many top scores count (5).</param>
/// <param name="name">The metric's name.</param>
public sealed class SparseTopKCategoricalAccuracy(int k = 5, string name = "sparse_top_k_categorical_accuracy")
    : TopKCategoricalAccuracy(k, name)
{
    private protected override FlatBatch Read(Tensor yTrue, Tensor yPred, Tensor? sampleWeight) =>
        FlatBatch.Sparse(yTrue, yPred, sampleWeight, nameof(SparseTopKCategoricalAccuracy));
}

/// <summary>
/// Keras's <c>RootMeanSquaredError</c>: <c>sqrt</c> of the weighted mean of <c>(pred − target)²</c> over every
/// element (a row's weight applies to each of its elements), i.e. the square root of scikit-learn's
/// <c>mean_squared_error</c> (not the mean of per-column RMSEs).
/// </summary>
/// <param name="name">The metric's name.</param>
public sealed class RootMeanSquaredError(string name = "root_mean_squared_error") : Metric(name)
{
    private double _total, _count;

    /// <inheritdoc/>
    public override bool? HigherIsBetter => false;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var b = FlatBatch.Of(yTrue, yPred, sampleWeight, nameof(RootMeanSquaredError));
        for (int r = 0; r < b.Rows; r++)
            for (int c = 0; c < b.Cols; c++)
            {
                double e = b.Pred[r * b.Cols + c] - b.True[r * b.Cols + c];
                _total += b.RowWeight[r] * e * e;
                _count += b.RowWeight[r];
            }
    }

    /// <inheritdoc/>
    public override double Result() => _count == 0 ? 0 : Math.Sqrt(_total / _count);

    /// <inheritdoc/>
    public override void Reset() => (_total, _count) = (0, 0);
}

/// <summary>
/// Shared by <see cref="Precision"/> and <see cref="Recall"/> (Keras's binary confusion counts): every element is
/// one decision, positive when its prediction is above <see cref="Threshold"/>; a target is positive when non-zero.
/// With <see cref="ClassId"/> only that column counts; with <see cref="TopK"/> only each row's <c>k</c> highest
/// predictions can be positive. A row's weight applies to each of its elements.
/// </summary>
public abstract class ConfusionMetric : Metric
{
    private protected double TruePositives, FalsePositives, FalseNegatives;

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The metric's name.</param>
    /// <param name="threshold">Predictions above it are positive (0.5).</param>
    /// <param name="topK">Only each row's <c>k</c> highest predictions can be positive, or null.</param>
    /// <param name="classId">Only this column counts, or null.</param>
    private protected ConfusionMetric(string name, double threshold, int? topK, int? classId) : base(name)
    {
        if (topK is <= 0)
            throw new ArgumentOutOfRangeException(nameof(topK), $"{GetType().Name}: topK must be positive, got " +
                $"{topK}.");
        if (classId is < 0)
            throw new ArgumentOutOfRangeException(nameof(classId), $"{GetType().Name}: classId must be >= 0, got " +
                $"{classId}.");
        (Threshold, TopK, ClassId) = (threshold, topK, classId);
    }

    /// <summary>Predictions above it are positive.</summary>
    public double Threshold { get; }

    /// <summary>Only each row's <c>k</c> highest predictions can be positive, or null.</summary>
    public int? TopK { get; }

    /// <summary>Only this column counts, or null.</summary>
    public int? ClassId { get; }

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var b = FlatBatch.Of(yTrue, yPred, sampleWeight, GetType().Name);
        if (ClassId is int id && id >= b.Cols)
            throw new ArgumentException($"{GetType().Name}: classId {id} is out of range for {b.Cols} columns.");
        for (int r = 0; r < b.Rows; r++)
        {
            int row = r * b.Cols;
            for (int c = 0; c < b.Cols; c++)
            {
                if (ClassId is int only && c != only) continue;
                double p = b.Pred[row + c];
                bool predicted = p > Threshold;
                if (predicted && TopK is int k)
                {
                    int greater = 0;
                    for (int j = 0; j < b.Cols; j++)
                        if (b.Pred[row + j] > p || (b.Pred[row + j] == p && j < c)) greater++;
                    predicted = greater < k;
                }
                bool actual = b.True[row + c] != 0;
                double w = b.RowWeight[r];
                if (predicted && actual) TruePositives += w;
                else if (predicted) FalsePositives += w;
                else if (actual) FalseNegatives += w;
            }
        }
    }

    /// <inheritdoc/>
    public override void Reset() => (TruePositives, FalsePositives, FalseNegatives) = (0, 0, 0);

    private protected static double DivideNoNan(double a, double b) => b == 0 ? 0 : a / b;
}

/// <summary>Keras's <c>Precision</c>: <c>TP / (TP + FP)</c> over every element (0 when nothing is predicted
/// positive); scikit-learn's <c>precision_score</c> on the flattened 0/1 decisions.</summary>
/// <param name="threshold">Predictions above it are positive (0.5).</param>
/// <param name="topK">Only each row's <c>k</c> highest predictions can be positive, or null.</param>
/// <param name="classId">Only this column counts, or null.</param>
/// <param name="name">The metric's name.</param>
public sealed class Precision(double threshold = 0.5, int? topK = null, int? classId = null,
    string name = "precision") : ConfusionMetric(name, threshold, topK, classId)
{
    /// <inheritdoc/>
    public override double Result() => DivideNoNan(TruePositives, TruePositives + FalsePositives);
}

/// <summary>Keras's <c>Recall</c>: <c>TP / (TP + FN)</c> over every element (0 when there are no positive
/// targets); scikit-learn's <c>recall_score</c> on the flattened 0/1 decisions.</summary>
/// <param name="threshold">Predictions above it are positive (0.5).</param>
/// <param name="topK">Only each row's <c>k</c> highest predictions can be positive, or null.</param>
/// <param name="classId">Only this column counts, or null.</param>
/// <param name="name">The metric's name.</param>
public sealed class Recall(double threshold = 0.5, int? topK = null, int? classId = null,
    string name = "recall") : ConfusionMetric(name, threshold, topK, classId)
{
    /// <inheritdoc/>
    public override double Result() => DivideNoNan(TruePositives, TruePositives + FalseNegatives);
}

/// <summary>How <see cref="FBetaScore"/> reduces its per-class scores to one number.</summary>
public enum F1Average
{
    /// <summary>Counts summed over all classes first, then one score (for single-label data, the
    /// accuracy).</summary>
    Micro,
    /// <summary>The plain mean of the per-class scores.</summary>
    Macro,
    /// <summary>The per-class scores weighted by each class's (sample-weighted) number of true instances.</summary>
    Weighted,
}

/// <summary>
/// Keras 3's <c>FBetaScore</c>: per class, <c>(1 + β²)·P·R / (β²·P + R)</c> from weighted true positives, false
/// positives and false negatives, reduced by <see cref="Average"/>. Targets are one-hot or multi-label rows
/// <c>(N, C)</c> (class ids <c>(N)</c> are one-hot encoded from the predictions' width). Without a
/// <see cref="Threshold"/> each row's maximum prediction(s) are the positive decisions (single-label); with one,
/// every prediction above it (multi-label). Like Keras, the divisions add <c>1e-7</c> to the denominators, so
/// results sit within about <c>1e-7</c> of scikit-learn's <c>fbeta_score</c>. Keras's <c>average=None</c> (one score
/// per class) is <see cref="PerClass"/>.
/// </summary>
public class FBetaScore : Metric
{
    private const double Epsilon = 1e-7;
    private double[] _tp = [], _fp = [], _fn = [], _support = [];

    /// <summary>Creates the metric.</summary>
    /// <param name="average">How per-class scores are reduced.</param>
    /// <param name="beta">The weight of recall (1 for F1).</param>
    /// <param name="threshold">Predictions above it are positive, or null for each row's maximum.</param>
    /// <param name="name">The metric's name.</param>
    public FBetaScore(F1Average average = F1Average.Macro, double beta = 1, double? threshold = null,
        string name = "fbeta_score") : base(name)
    {
        if (!Enum.IsDefined(average)) throw new ArgumentException($"{GetType().Name}: unknown average {average}.");
        if (!(beta > 0))
            throw new ArgumentOutOfRangeException(nameof(beta), $"{GetType().Name}: beta must be > 0, got {beta}.");
        (Average, Beta, Threshold) = (average, beta, threshold);
    }

    /// <summary>How per-class scores are reduced.</summary>
    public F1Average Average { get; }

    /// <summary>The weight of recall.</summary>
    public double Beta { get; }

    /// <summary>Predictions above it are positive, or null for each row's maximum.</summary>
    public double? Threshold { get; }

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        string who = GetType().Name;
        FlatBatch b;
        if (yPred.Dim == 2 && (yTrue.Dim == 1 || (yTrue.Dim == 2 && yTrue.Shape[1] == 1 && yPred.Shape[1] > 1)))
        {
            b = FlatBatch.Sparse(yTrue, yPred, sampleWeight, who);
            var onehot = new double[b.Rows * b.Cols];
            for (int r = 0; r < b.Rows; r++)
            {
                int id = (int)b.True[r];
                if (id < 0 || id >= b.Cols)
                    throw new ArgumentException($"{who}: class id {id} is out of range for {b.Cols} classes.");
                onehot[r * b.Cols + id] = 1;
            }
            b = b with { True = onehot };
        }
        else b = FlatBatch.Of(yTrue, yPred, sampleWeight, who);
        if (_tp.Length == 0)
        {
            (_tp, _fp) = (new double[b.Cols], new double[b.Cols]);
            (_fn, _support) = (new double[b.Cols], new double[b.Cols]);
        }
        else if (_tp.Length != b.Cols)
            throw new ArgumentException($"{who}: expected {_tp.Length} classes as in earlier batches, got {b.Cols}.");
        for (int r = 0; r < b.Rows; r++)
        {
            int row = r * b.Cols;
            double max = double.NegativeInfinity;
            for (int c = 0; c < b.Cols; c++) max = Math.Max(max, b.Pred[row + c]);
            for (int c = 0; c < b.Cols; c++)
            {
                double p = b.Pred[row + c];
                double predicted = (Threshold is double t ? p > t : p >= max && Math.Abs(p) > 1e-9) ? 1 : 0;
                double actual = b.True[row + c], w = b.RowWeight[r];
                _tp[c] += w * predicted * actual;
                _fp[c] += w * predicted * (1 - actual);
                _fn[c] += w * (1 - predicted) * actual;
                _support[c] += w * actual;
            }
        }
    }

    /// <summary>The score of each class (Keras's <c>average=None</c>); empty before any update.</summary>
    public double[] PerClass()
    {
        var f = new double[_tp.Length];
        for (int c = 0; c < f.Length; c++) f[c] = Score(_tp[c], _fp[c], _fn[c]);
        return f;
    }

    private double Score(double tp, double fp, double fn)
    {
        double precision = tp / (tp + fp + Epsilon), recall = tp / (tp + fn + Epsilon);
        double b2 = Beta * Beta;
        return precision * recall / (b2 * precision + recall + Epsilon) * (1 + b2);
    }

    /// <inheritdoc/>
    public override double Result()
    {
        if (_tp.Length == 0) return 0;
        if (Average == F1Average.Micro) return Score(_tp.Sum(), _fp.Sum(), _fn.Sum());
        double[] f = PerClass();
        if (Average == F1Average.Macro) return f.Average();
        double total = _support.Sum() + Epsilon, s = 0;
        for (int c = 0; c < f.Length; c++) s += f[c] * (_support[c] / total);
        return s;
    }

    /// <inheritdoc/>
    public override void Reset() => (_tp, _fp, _fn, _support) = ([], [], [], []);
}

/// <summary>Keras 3's <c>F1Score</c>: <see cref="FBetaScore"/> with β = 1.</summary>
/// <param name="average">How per-class scores are reduced (macro by default; Keras's default <c>None</c> is
/// <see cref="FBetaScore.PerClass"/>).</param>
/// <param name="threshold">Predictions above it are positive, or null for each row's maximum.</param>
/// <param name="name">The metric's name.</param>
public sealed class F1Score(F1Average average = F1Average.Macro, double? threshold = null, string name = "f1_score")
    : FBetaScore(average, 1, threshold, name);
