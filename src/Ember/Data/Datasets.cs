using System;
using System.Globalization;
using System.IO;

namespace Ember.Data;

/// <summary>The Iris data set: 150 flowers, 4 measurements (cm), 3 species.</summary>
/// <param name="Data">Features, <c>double[150, 4]</c>: sepal length, sepal width, petal length, petal width.</param>
/// <param name="Target">Species index per row, <c>long[150]</c> (0 setosa, 1 versicolor, 2 virginica).</param>
/// <param name="FeatureNames">Names of the four columns.</param>
/// <param name="TargetNames">Names of the three species.</param>
public sealed record IrisDataset(double[,] Data, long[] Target, string[] FeatureNames, string[] TargetNames);

/// <summary>Built-in and on-disk data sets.</summary>
public static partial class Datasets
{
    /// <summary>
    /// The Iris data set, embedded in the assembly (no download). It is scikit-learn's copy, which corrects two
    /// rows of the UCI file (35 and 38), so results match <c>sklearn.datasets.load_iris()</c>.
    /// </summary>
    public static IrisDataset Iris()
    {
        using Stream stream = typeof(Datasets).Assembly.GetManifestResourceStream("Ember.Data.iris.csv")
            ?? throw new InvalidOperationException("The embedded Iris data (Ember.Data.iris.csv) is missing from the " +
                "Ember assembly.");
        using var reader = new StreamReader(stream);
        string header = reader.ReadLine() ?? throw new InvalidDataException("Iris: empty resource.");
        string[] columns = header.Split(',');
        var data = new double[150, 4];
        var target = new long[150];
        int row = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.Length == 0) continue;
            if (row >= 150) throw new InvalidDataException("Iris: more than 150 rows in the embedded data.");
            string[] f = line.Split(',');
            for (int j = 0; j < 4; j++) data[row, j] = double.Parse(f[j], CultureInfo.InvariantCulture);
            target[row] = long.Parse(f[4], CultureInfo.InvariantCulture);
            row++;
        }
        if (row != 150) throw new InvalidDataException($"Iris: expected 150 rows, found {row}.");
        // scikit-learn's names ("sepal length (cm)"); the CSV header spells them in snake_case.
        var featureNames = new string[4];
        for (int j = 0; j < 4; j++) featureNames[j] = columns[j].Replace('_', ' ') + " (cm)";
        return new IrisDataset(data, target, featureNames, ["setosa", "versicolor", "virginica"]);
    }
}
