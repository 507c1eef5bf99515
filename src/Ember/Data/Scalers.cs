using System;
using System.Collections.Generic;

namespace Ember.Data;

/// <summary>
/// Standardizes features to zero mean and unit variance (scikit-learn's <c>StandardScaler</c>):
/// <c>z = (x - Mean) / Scale</c>, with the population variance (ddof = 0). Constant features get scale 1, as in
/// scikit-learn. Fit on the training data only, then transform train and test alike.
/// </summary>
public sealed class StandardScaler
{
    private double[]? _mean, _var, _scale;

    /// <summary>Creates the scaler.</summary>
    /// <param name="withMean">Subtract the mean.</param>
    /// <param name="withStd">Divide by the standard deviation.</param>
    public StandardScaler(bool withMean = true, bool withStd = true)
    {
        WithMean = withMean;
        WithStd = withStd;
    }

    /// <summary>Whether the mean is subtracted.</summary>
    public bool WithMean { get; }

    /// <summary>Whether features are divided by their standard deviation.</summary>
    public bool WithStd { get; }

    /// <summary>Per-feature means (scikit-learn's <c>mean_</c>).</summary>
    public IReadOnlyList<double> Mean => _mean ?? throw NotFitted();

    /// <summary>Per-feature population variances (<c>var_</c>).</summary>
    public IReadOnlyList<double> Var => _var ?? throw NotFitted();

    /// <summary>Per-feature scales, the standard deviations with 1 for constant features (<c>scale_</c>).</summary>
    public IReadOnlyList<double> Scale => _scale ?? throw NotFitted();

    private static InvalidOperationException NotFitted() => new("StandardScaler is not fitted yet: call Fit(x) first.");

    /// <summary>Computes the statistics of <paramref name="x"/> (<c>double[rows, features]</c>).</summary>
    /// <returns>This scaler.</returns>
    public StandardScaler Fit(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), f = x.GetLength(1);
        if (n == 0) throw new ArgumentException("StandardScaler.Fit: no rows.", nameof(x));
        var mean = new double[f];
        var var = new double[f];
        var scale = new double[f];
        for (int j = 0; j < f; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += x[i, j];
            double m = s / n, ss = 0, c = 0;
            for (int i = 0; i < n; i++)
            {
                double d = x[i, j] - m;
                ss += d * d;
                c += d;
            }
            mean[j] = m;
            var[j] = (ss - c * c / n) / n;   // two-pass with the rounding correction
            // scikit-learn's _is_constant_feature: variance within rounding of zero means a constant column.
            const double Eps = 2.220446049250313e-16;   // np.finfo(np.float64).eps
            double bound = n * Eps * var[j] + (n * m * Eps) * (n * m * Eps);
            scale[j] = var[j] <= bound ? 1.0 : Math.Sqrt(var[j]);
        }
        _mean = mean;
        _var = var;
        _scale = scale;
        return this;
    }

    /// <summary>Returns <c>(x - Mean) / Scale</c> as a new array.</summary>
    public double[,] Transform(double[,] x)
    {
        var (n, f) = Check(x);
        var r = new double[n, f];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < f; j++)
            {
                double v = x[i, j];
                if (WithMean) v -= _mean![j];
                if (WithStd) v /= _scale![j];
                r[i, j] = v;
            }
        return r;
    }

    /// <summary>Fits on <paramref name="x"/> and transforms it.</summary>
    public double[,] FitTransform(double[,] x) => Fit(x).Transform(x);

    /// <summary>Undoes <see cref="Transform"/>: <c>z * Scale + Mean</c>.</summary>
    public double[,] InverseTransform(double[,] z)
    {
        var (n, f) = Check(z);
        var r = new double[n, f];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < f; j++)
            {
                double v = z[i, j];
                if (WithStd) v *= _scale![j];
                if (WithMean) v += _mean![j];
                r[i, j] = v;
            }
        return r;
    }

    private (int, int) Check(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_mean is null) throw NotFitted();
        if (x.GetLength(1) != _mean.Length)
            throw new ArgumentException($"StandardScaler: fitted on {_mean.Length} features but x " +
                $"has {x.GetLength(1)}.", nameof(x));
        return (x.GetLength(0), x.GetLength(1));
    }
}

/// <summary>
/// Scales each feature to a range, by default [0, 1] (scikit-learn's <c>MinMaxScaler</c>):
/// <c>x * Scale + Min</c> with <c>Scale = (max - min of the range) / (DataMax - DataMin)</c>; a constant feature
/// gets a data range of 1.
/// </summary>
public sealed class MinMaxScaler
{
    private double[]? _dataMin, _dataMax, _scale, _min;

    /// <summary>Creates the scaler for the target range <paramref name="featureRange"/> (default (0, 1)).</summary>
    public MinMaxScaler((double Min, double Max)? featureRange = null)
    {
        FeatureRange = featureRange ?? (0, 1);
        if (!(FeatureRange.Min < FeatureRange.Max))
            throw new ArgumentException("MinMaxScaler: the range minimum must be below its maximum, got " +
                $"({FeatureRange.Min}, {FeatureRange.Max}).", nameof(featureRange));
    }

    /// <summary>The target range.</summary>
    public (double Min, double Max) FeatureRange { get; }

    /// <summary>Per-feature minimum seen in fit (<c>data_min_</c>).</summary>
    public IReadOnlyList<double> DataMin => _dataMin ?? throw NotFitted();

    /// <summary>Per-feature maximum seen in fit (<c>data_max_</c>).</summary>
    public IReadOnlyList<double> DataMax => _dataMax ?? throw NotFitted();

    /// <summary>Per-feature multiplier (<c>scale_</c>).</summary>
    public IReadOnlyList<double> Scale => _scale ?? throw NotFitted();

    /// <summary>Per-feature offset added after scaling (<c>min_</c>).</summary>
    public IReadOnlyList<double> Min => _min ?? throw NotFitted();

    private static InvalidOperationException NotFitted() => new("MinMaxScaler is not fitted yet: call Fit(x) first.");

    /// <summary>Computes per-feature minima and maxima of <paramref name="x"/> (<c>double[rows,
    /// features]</c>).</summary>
    /// <returns>This scaler.</returns>
    public MinMaxScaler Fit(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), f = x.GetLength(1);
        if (n == 0) throw new ArgumentException("MinMaxScaler.Fit: no rows.", nameof(x));
        _dataMin = new double[f];
        _dataMax = new double[f];
        _scale = new double[f];
        _min = new double[f];
        const double Eps10 = 10 * 2.220446049250313e-16;
        for (int j = 0; j < f; j++)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                lo = Math.Min(lo, x[i, j]);
                hi = Math.Max(hi, x[i, j]);
            }
            double range = hi - lo;
            if (range < Eps10) range = 1;   // scikit-learn's _handle_zeros_in_scale
            _dataMin[j] = lo;
            _dataMax[j] = hi;
            _scale[j] = (FeatureRange.Max - FeatureRange.Min) / range;
            _min[j] = FeatureRange.Min - lo * _scale[j];
        }
        return this;
    }

    /// <summary>Returns <c>x * Scale + Min</c> as a new array.</summary>
    public double[,] Transform(double[,] x)
    {
        var (n, f) = Check(x);
        var r = new double[n, f];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < f; j++) r[i, j] = x[i, j] * _scale![j] + _min![j];
        return r;
    }

    /// <summary>Fits on <paramref name="x"/> and transforms it.</summary>
    public double[,] FitTransform(double[,] x) => Fit(x).Transform(x);

    /// <summary>Undoes <see cref="Transform"/>: <c>(z - Min) / Scale</c>.</summary>
    public double[,] InverseTransform(double[,] z)
    {
        var (n, f) = Check(z);
        var r = new double[n, f];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < f; j++) r[i, j] = (z[i, j] - _min![j]) / _scale![j];
        return r;
    }

    private (int, int) Check(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_scale is null) throw NotFitted();
        if (x.GetLength(1) != _scale.Length)
            throw new ArgumentException($"MinMaxScaler: fitted on {_scale.Length} features but x has {x.GetLength(1)}.",
                nameof(x));
        return (x.GetLength(0), x.GetLength(1));
    }
}

/// <summary>
/// Encodes labels as class indices 0..n-1 in sorted order (scikit-learn's <c>LabelEncoder</c>):
/// <c>["cat", "dog", "cat"]</c> → <c>[0, 1, 0]</c>, <see cref="Classes"/> = <c>["cat", "dog"]</c>.
/// </summary>
/// <typeparam name="T">The label type (strings compare ordinally).</typeparam>
public sealed class LabelEncoder<T> where T : notnull
{
    private T[]? _classes;
    private Dictionary<T, long>? _index;

    /// <summary>The classes in sorted order; a class's index is its code (<c>classes_</c>).</summary>
    public IReadOnlyList<T> Classes => _classes ?? throw NotFitted();

    private static InvalidOperationException NotFitted() =>
        new("LabelEncoder is not fitted yet: call Fit(labels) first.");

    private static IComparer<T> Comparer =>
        typeof(T) == typeof(string) ? (IComparer<T>)(object)StringComparer.Ordinal : Comparer<T>.Default;

    /// <summary>Learns the classes of <paramref name="labels"/>.</summary>
    /// <returns>This encoder.</returns>
    public LabelEncoder<T> Fit(IEnumerable<T> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var set = new SortedSet<T>(Comparer);
        foreach (T l in labels) set.Add(l);
        _classes = new T[set.Count];
        set.CopyTo(_classes);
        _index = new Dictionary<T, long>(_classes.Length);
        for (int i = 0; i < _classes.Length; i++) _index[_classes[i]] = i;
        return this;
    }

    /// <summary>The code of each label.</summary>
    /// <exception cref="ArgumentException">When a label was not seen in <see cref="Fit"/>.</exception>
    public long[] Transform(IReadOnlyList<T> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (_index is null) throw NotFitted();
        var r = new long[labels.Count];
        for (int i = 0; i < r.Length; i++)
            if (!_index.TryGetValue(labels[i], out r[i]))
                throw new ArgumentException($"LabelEncoder: label '{labels[i]}' at index {i} was not seen in Fit " +
                    $"(known: {string.Join(", ", _classes!)}).", nameof(labels));
        return r;
    }

    /// <summary>Fits on <paramref name="labels"/> and encodes them.</summary>
    public long[] FitTransform(IReadOnlyList<T> labels) => Fit(labels).Transform(labels);

    /// <summary>The label of each code.</summary>
    public T[] InverseTransform(IReadOnlyList<long> codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (_classes is null) throw NotFitted();
        var r = new T[codes.Count];
        for (int i = 0; i < r.Length; i++)
        {
            if (codes[i] < 0 || codes[i] >= _classes.Length)
                throw new ArgumentException($"LabelEncoder: code {codes[i]} at index {i} is outside " +
                    $"[0, {_classes.Length}).", nameof(codes));
            r[i] = _classes[codes[i]];
        }
        return r;
    }
}
