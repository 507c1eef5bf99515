using System;
using System.Collections.Generic;

namespace Ember.Data;

/// <summary>
/// Tabular helpers with scikit-learn's semantics:
/// <see cref="TrainTestSplit(double[,], long[], double, bool, Generator?, bool)"/>
/// (seeded, optionally stratified) and <see cref="OneHot"/>. See also <see cref="StandardScaler"/>,
/// <see cref="MinMaxScaler"/> and <see cref="LabelEncoder{T}"/>.
/// </summary>
public static class Preprocessing
{
    /// <summary>
    /// Splits rows into train and test sets as scikit-learn's <c>train_test_split</c> does: the test set gets
    /// <c>ceil(testSize * n)</c> rows and the train set the rest. With <paramref name="stratify"/>, each class is
    /// split in proportion (scikit-learn's <c>StratifiedShuffleSplit</c> allocation, so the per-class counts match
    /// it). Random draws come from <paramref name="generator"/> (default <see cref="Generator.Default"/>); Ember's
    /// generator differs from NumPy's, so the chosen rows differ from scikit-learn's, the counts do not.
    /// </summary>
    /// <returns>(XTrain, XTest, YTrain, YTest), in scikit-learn's order.</returns>
    public static (double[,] XTrain, double[,] XTest, long[] YTrain, long[] YTest) TrainTestSplit(double[,] x, long[] y,
        double testSize = 0.25,
        bool shuffle = true, Generator? generator = null, bool stratify = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.GetLength(0) != y.Length)
            throw new ArgumentException($"TrainTestSplit: x has {x.GetLength(0)} rows but y has {y.Length} labels.");
        var (train, test) =
            TrainTestSplitIndices(y.Length, TestCount(y.Length, testSize), shuffle, generator, stratify ? y : null);
        return (Rows(x, train), Rows(x, test), Pick(y, train), Pick(y, test));
    }

    /// <summary>Splits a data set into train and test subsets (see
    /// <see cref="TrainTestSplit(double[,], long[], double, bool, Generator?, bool)"/>);
    /// <paramref name="stratify"/> gives each sample's class when the split should be stratified.</summary>
    public static (Subset<T> Train, Subset<T> Test) TrainTestSplit<T>(Dataset<T> dataset, double testSize = 0.25,
        bool shuffle = true,
        Generator? generator = null, IReadOnlyList<long>? stratify = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (train, test) =
            TrainTestSplitIndices(dataset.Count, TestCount(dataset.Count, testSize), shuffle, generator, stratify);
        return (new Subset<T>(dataset, train), new Subset<T>(dataset, test));
    }

    /// <summary>The test-set size for a fraction, as scikit-learn computes it: <c>ceil(testSize * n)</c>.</summary>
    public static int TestCount(int n, double testSize)
    {
        if (!(testSize > 0 && testSize < 1))
            throw new ArgumentOutOfRangeException(nameof(testSize),
                $"TrainTestSplit: testSize must be in (0, 1), got {testSize}.");
        int nTest = (int)Math.Ceiling(testSize * n);
        if (nTest >= n)
            throw new ArgumentException($"TrainTestSplit: with n={n} and testSize={testSize} the train set would be " +
                "empty.");
        return nTest;
    }

    /// <summary>
    /// Train and test row indices for <paramref name="n"/> rows and <paramref name="testCount"/> test rows.
    /// Without shuffling, the first rows are the train set (scikit-learn's <c>shuffle=False</c>).
    /// </summary>
    public static (int[] Train, int[] Test) TrainTestSplitIndices(int n, int testCount, bool shuffle = true,
        Generator? generator = null,
        IReadOnlyList<long>? stratify = null)
    {
        if (testCount <= 0 || testCount >= n)
            throw new ArgumentOutOfRangeException(nameof(testCount),
                $"TrainTestSplit: the test set needs between 1 and {n - 1} of the {n} rows, got {testCount}.");
        int nTrain = n - testCount;
        if (stratify is null)
        {
            int[] order;
            if (shuffle) order = Sampling.Permutation(n, generator ?? Generator.Default);
            else
            {
                // scikit-learn without shuffling: train = 0..nTrain-1, test = the rest.
                var tr = new int[nTrain];
                var te = new int[testCount];
                for (int i = 0; i < nTrain; i++) tr[i] = i;
                for (int i = 0; i < testCount; i++) te[i] = nTrain + i;
                return (tr, te);
            }
            // scikit-learn's ShuffleSplit: test = perm[:nTest], train = perm[nTest:].
            return (order[testCount..], order[..testCount]);
        }
        if (!shuffle)
            throw new ArgumentException("TrainTestSplit: stratified splitting needs shuffle: true (as in " +
                "scikit-learn).");
        if (stratify.Count != n)
            throw new ArgumentException($"TrainTestSplit: stratify has {stratify.Count} labels for {n} rows.",
                nameof(stratify));
        return StratifiedIndices(stratify, nTrain, testCount, generator ?? Generator.Default);
    }

    private static (int[] Train, int[] Test) StratifiedIndices(IReadOnlyList<long> y, int nTrain, int nTest,
        Generator g)
    {
        // Classes in sorted order, rows of each class in index order (np.unique + stable argsort).
        var classes = new SortedDictionary<long, List<int>>();
        for (int i = 0; i < y.Count; i++)
        {
            if (!classes.TryGetValue(y[i], out var rows)) classes[y[i]] = rows = [];
            rows.Add(i);
        }
        int k = classes.Count;
        var counts = new int[k];
        var members = new List<int>[k];
        int c = 0;
        foreach (var (label, rows) in classes)
        {
            if (rows.Count < 2)
                throw new ArgumentException($"TrainTestSplit: class {label} has only {rows.Count} member; " +
                    "stratification needs at least 2 per class.");
            counts[c] = rows.Count;
            members[c++] = rows;
        }
        if (nTrain < k || nTest < k)
            throw new ArgumentException($"TrainTestSplit: train ({nTrain}) and test ({nTest}) sets must each have at " +
                $"least one row per class ({k} classes).");
        int[] trainPerClass = ApproximateMode(counts, nTrain, g);
        var remaining = new int[k];
        for (int i = 0; i < k; i++) remaining[i] = counts[i] - trainPerClass[i];
        int[] testPerClass = ApproximateMode(remaining, nTest, g);
        var train = new List<int>(nTrain);
        var test = new List<int>(nTest);
        for (int i = 0; i < k; i++)
        {
            int[] perm = Sampling.Permutation(counts[i], g);
            for (int j = 0; j < trainPerClass[i]; j++) train.Add(members[i][perm[j]]);
            for (int j = 0; j < testPerClass[i]; j++) test.Add(members[i][perm[trainPerClass[i] + j]]);
        }
        int[] tr = train.ToArray(), te = test.ToArray();
        Shuffle(tr, g);
        Shuffle(te, g);
        return (tr, te);
    }

    /// <summary>
    /// scikit-learn's <c>_approximate_mode</c>: how many of <paramref name="draws"/> to take from each class so the
    /// split is proportional; the remainder goes to the largest fractional parts, ties broken at random.
    /// </summary>
    internal static int[] ApproximateMode(int[] classCounts, int draws, Generator g)
    {
        long total = 0;
        foreach (int v in classCounts) total += v;
        var floored = new int[classCounts.Length];
        var remainder = new double[classCounts.Length];
        long need = draws;
        for (int i = 0; i < classCounts.Length; i++)
        {
            double continuous = (double)classCounts[i] / total * draws;   // NumPy's order: counts / sum * draws
            floored[i] = (int)Math.Floor(continuous);
            remainder[i] = continuous - floored[i];
            need -= floored[i];
        }
        while (need > 0)
        {
            double best = double.NegativeInfinity;
            foreach (double r in remainder) if (r > best) best = r;
            var tied = new List<int>();
            for (int i = 0; i < remainder.Length; i++) if (remainder[i] == best) tied.Add(i);
            int take = (int)Math.Min(need, tied.Count);
            for (int t = 0; t < take; t++)
            {
                int j = t + (int)g.NextInt64(tied.Count - t);
                (tied[t], tied[j]) = (tied[j], tied[t]);
                floored[tied[t]]++;
            }
            foreach (int i in tied) remainder[i] = double.NegativeInfinity;
            need -= take;
        }
        return floored;
    }

    private static void Shuffle(int[] a, Generator g)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = (int)g.NextInt64(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }

    private static double[,] Rows(double[,] x, int[] rows)
    {
        int f = x.GetLength(1);
        var r = new double[rows.Length, f];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < f; j++) r[i, j] = x[rows[i], j];
        return r;
    }

    private static long[] Pick(long[] y, int[] rows)
    {
        var r = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++) r[i] = y[rows[i]];
        return r;
    }

    /// <summary>
    /// One-hot rows for class indices: <c>float[n, numClasses]</c> with a 1 at each label (Keras'
    /// <c>to_categorical</c>). With <paramref name="numClasses"/> 0, uses the largest label + 1.
    /// </summary>
    public static float[,] OneHot(ReadOnlySpan<long> labels, int numClasses = 0)
    {
        if (numClasses < 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses),
                $"OneHot: numClasses must be non-negative, got {numClasses}.");
        if (numClasses == 0)
            foreach (long l in labels) numClasses = (int)Math.Max(numClasses, Math.Min(l + 1, int.MaxValue));
        var r = new float[labels.Length, numClasses];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= numClasses)
                throw new ArgumentException($"OneHot: label {labels[i]} at index {i} is outside [0, {numClasses}).",
                    nameof(labels));
            r[i, labels[i]] = 1;
        }
        return r;
    }
}
