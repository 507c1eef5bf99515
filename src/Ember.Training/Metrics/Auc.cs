using System;

namespace Ember.Training.Metrics;

/// <summary>Which curve <see cref="AUC"/> integrates.</summary>
public enum AucCurve
{
    /// <summary>The receiver operating characteristic: recall (TPR) against the false-positive rate.</summary>
    ROC,
    /// <summary>Precision against recall.</summary>
    PR,
}

/// <summary>How <see cref="AUC"/> sums the area between thresholds (Keras's <c>summation_method</c>).</summary>
public enum AucSummation
{
    /// <summary>Trapezoids for ROC; for PR, Davis &amp; Goadrich's interpolation of the counts.</summary>
    Interpolation,
    /// <summary>The lower of the two ends of each interval (an under-estimate).</summary>
    Minoring,
    /// <summary>The higher of the two ends of each interval (an over-estimate).</summary>
    Majoring,
}

/// <summary>
/// Keras's thresholded <c>AUC</c>: predictions (probabilities in [0, 1]) are compared with
/// <see cref="NumThresholds"/> thresholds — <c>−1e-7</c>, <c>i/(T−1)</c> for <c>i = 1..T−2</c>, <c>1 + 1e-7</c> — and
/// weighted true/false positive/negative counts are accumulated per threshold (a prediction is positive when it is
/// strictly above); the area under the resulting curve is a Riemann sum over the thresholds.
/// <para>
/// This is an approximation of scikit-learn's exact <c>roc_auc_score</c>, which sorts all scores: the thresholded
/// curve cannot order a positive and a negative whose scores fall between the same two thresholds, and the trapezoid
/// counts such a pair as a tie (one half). So the ROC AUC differs from the exact value by at most
/// <c>0.5 × (weight of positive–negative pairs in the same bucket) / (total positive × negative weight)</c>; with
/// the default 200 thresholds and well-spread scores this is of the order of 1e-3 or less. For PR, the interpolated
/// area also differs from scikit-learn's <c>average_precision_score</c> (a step-wise sum without interpolation).
/// Targets are 0/1 (non-zero is positive); every element is one decision (rows' weights apply to their elements)
/// unless <see cref="MultiLabel"/>, where each column gets its own curve and the result is the mean of the columns'
/// areas (scikit-learn's <c>average="macro"</c>).
/// </para>
/// </summary>
public sealed class AUC : Metric
{
    private const double Epsilon = 1e-7;
    private readonly double[] _thresholds;
    private double[] _tp = [], _fp = [], _tn = [], _fn = [];
    private int _labels;

    /// <summary>Creates the metric with Keras's defaults.</summary>
    /// <param name="numThresholds">The number of thresholds (200; more than 1).</param>
    /// <param name="curve">ROC or PR.</param>
    /// <param name="summationMethod">How the area between thresholds is summed.</param>
    /// <param name="multiLabel">One curve per column, averaged.</param>
    /// <param name="name">The metric's name.</param>
    public AUC(int numThresholds = 200, AucCurve curve = AucCurve.ROC,
        AucSummation summationMethod = AucSummation.Interpolation, bool multiLabel = false, string name = "auc")
        : base(name)
    {
        if (numThresholds <= 1)
            throw new ArgumentOutOfRangeException(nameof(numThresholds), $"AUC: numThresholds must be > 1, got " +
                $"{numThresholds}.");
        if (!Enum.IsDefined(curve)) throw new ArgumentException($"AUC: unknown curve {curve}.", nameof(curve));
        if (!Enum.IsDefined(summationMethod))
            throw new ArgumentException($"AUC: unknown summation method {summationMethod}.", nameof(summationMethod));
        (NumThresholds, Curve, SummationMethod, MultiLabel) = (numThresholds, curve, summationMethod, multiLabel);
        _thresholds = new double[numThresholds];
        _thresholds[0] = 0.0 - Epsilon;
        for (int i = 1; i < numThresholds - 1; i++) _thresholds[i] = i * 1.0 / (numThresholds - 1);
        _thresholds[^1] = 1.0 + Epsilon;
    }

    /// <summary>The number of thresholds.</summary>
    public int NumThresholds { get; }

    /// <summary>ROC or PR.</summary>
    public AucCurve Curve { get; }

    /// <summary>How the area between thresholds is summed.</summary>
    public AucSummation SummationMethod { get; }

    /// <summary>One curve per column, averaged.</summary>
    public bool MultiLabel { get; }

    /// <summary>The thresholds, increasing.</summary>
    public ReadOnlySpan<double> Thresholds => _thresholds;

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var b = FlatBatch.Of(yTrue, yPred, sampleWeight, nameof(AUC));
        int labels = MultiLabel ? b.Cols : 1, t = NumThresholds;
        if (_labels == 0)
        {
            _labels = labels;
            (_tp, _fp, _tn, _fn) = (new double[t * labels], new double[t * labels], new double[t * labels],
                new double[t * labels]);
        }
        else if (_labels != labels)
            throw new ArgumentException($"AUC: expected {_labels} labels as in earlier batches, got {labels}.");
        // Per label, a histogram by the number of thresholds strictly below each prediction, then suffix sums.
        var pos = new double[(t + 1) * labels];
        var neg = new double[(t + 1) * labels];
        for (int r = 0; r < b.Rows; r++)
            for (int c = 0; c < b.Cols; c++)
            {
                double p = b.Pred[r * b.Cols + c];
                if (double.IsNaN(p)) throw new ArgumentException("AUC: predictions contain NaN.");
                int below = CountBelow(p);
                int label = MultiLabel ? c : 0;
                if (b.True[r * b.Cols + c] != 0) pos[label * (t + 1) + below] += b.RowWeight[r];
                else neg[label * (t + 1) + below] += b.RowWeight[r];
            }
        for (int label = 0; label < labels; label++)
        {
            double posAbove = 0, negAbove = 0, posTotal = 0, negTotal = 0;
            for (int k = 0; k <= t; k++)
            {
                posTotal += pos[label * (t + 1) + k];
                negTotal += neg[label * (t + 1) + k];
            }
            // Threshold i: predictions with more than i thresholds below them are above threshold i.
            for (int i = t - 1; i >= 0; i--)
            {
                posAbove += pos[label * (t + 1) + i + 1];
                negAbove += neg[label * (t + 1) + i + 1];
                int at = label * t + i;
                _tp[at] += posAbove;
                _fn[at] += posTotal - posAbove;
                _fp[at] += negAbove;
                _tn[at] += negTotal - negAbove;
            }
        }
    }

    /// <summary>How many thresholds are strictly below <paramref name="p"/>.</summary>
    private int CountBelow(double p)
    {
        int lo = 0, hi = _thresholds.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_thresholds[mid] < p) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <inheritdoc/>
    public override double Result()
    {
        if (_labels == 0) return 0;
        double sum = 0;
        for (int label = 0; label < _labels; label++) sum += LabelArea(label * NumThresholds);
        return sum / _labels;
    }

    private double LabelArea(int o)
    {
        int t = NumThresholds;
        double area = 0;
        if (Curve == AucCurve.PR && SummationMethod == AucSummation.Interpolation)
        {
            for (int i = 0; i < t - 1; i++)
            {
                double dtp = _tp[o + i] - _tp[o + i + 1];
                double p0 = _tp[o + i] + _fp[o + i], p1 = _tp[o + i + 1] + _fp[o + i + 1];
                double slope = DivideNoNan(dtp, Math.Max(p0 - p1, 0));
                double intercept = _tp[o + i + 1] - slope * p1;
                double ratio = p0 > 0 && p1 > 0 ? DivideNoNan(p0, Math.Max(p1, 0)) : 1;
                area += DivideNoNan(slope * (dtp + intercept * Math.Log(ratio)),
                    Math.Max(_tp[o + i + 1] + _fn[o + i + 1], 0));
            }
            return area;
        }
        for (int i = 0; i < t - 1; i++)
        {
            double recall0 = DivideNoNan(_tp[o + i], _tp[o + i] + _fn[o + i]);
            double recall1 = DivideNoNan(_tp[o + i + 1], _tp[o + i + 1] + _fn[o + i + 1]);
            double x0, x1, y0, y1;
            if (Curve == AucCurve.ROC)
            {
                x0 = DivideNoNan(_fp[o + i], _fp[o + i] + _tn[o + i]);
                x1 = DivideNoNan(_fp[o + i + 1], _fp[o + i + 1] + _tn[o + i + 1]);
                (y0, y1) = (recall0, recall1);
            }
            else
            {
                (x0, x1) = (recall0, recall1);
                y0 = DivideNoNan(_tp[o + i], _tp[o + i] + _fp[o + i]);
                y1 = DivideNoNan(_tp[o + i + 1], _tp[o + i + 1] + _fp[o + i + 1]);
            }
            double height = SummationMethod switch
            {
                AucSummation.Interpolation => (y0 + y1) / 2,
                AucSummation.Minoring => Math.Min(y0, y1),
                _ => Math.Max(y0, y1),
            };
            area += (x0 - x1) * height;
        }
        return area;
    }

    private static double DivideNoNan(double a, double b) => b == 0 ? 0 : a / b;

    /// <inheritdoc/>
    public override void Reset()
    {
        _labels = 0;
        (_tp, _fp, _tn, _fn) = ([], [], [], []);
    }
}
