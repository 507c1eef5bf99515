using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Ember.Data;
using Ember.Tests.Support;

namespace Ember.Tests.Data;

/// <summary>CSV reading, scalers, split and label encoding; scikit-learn goldens from
/// tools/golden/sklearn_preprocessing.py.</summary>
public class TabularTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("ember-csv-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string Csv(string text, string name = "t.csv")
    {
        string p = Path.Combine(_tmp, name);
        File.WriteAllText(p, text);
        return p;
    }

    private static double[,] Mat(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var m = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < rows[0].Length; j++) m[i, j] = rows[i][j];
        return m;
    }

    private static double[] Vec(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void Close(double expected, double actual, double rtol = 1e-12, double atol = 1e-12) =>
        Assert.True(Math.Abs(actual - expected) <= atol + rtol * Math.Abs(expected),
            $"expected {expected}, got {actual}");

    private static void Close(double[] e, System.Collections.Generic.IReadOnlyList<double> a, double atol = 1e-12)
    {
        Assert.Equal(e.Length, a.Count);
        for (int i = 0; i < e.Length; i++) Close(e[i], a[i], atol: atol);
    }

    private static void Close(double[,] e, double[,] a, double atol)
    {
        Assert.Equal(e.GetLength(0), a.GetLength(0));
        Assert.Equal(e.GetLength(1), a.GetLength(1));
        for (int i = 0; i < e.GetLength(0); i++) for (int j = 0; j < e.GetLength(1); j++)
            Close(e[i, j], a[i, j], 1e-9, atol);
    }

    [Fact]
    public void CsvWithHeaderQuotesAndTextLabels()
    {
        string p = Csv("a,\"b, quoted\",species\n1.5,2,setosa\n\n-3e2, 4 ,virginica\n0,\"5\",setosa\n");
        var ds = Datasets.Csv(p, "species");
        Assert.Equal(3, ds.Count);
        Assert.Equal(new[] { "a", "b, quoted" }, ds.FeatureNames);
        Assert.Equal("species", ds.LabelName);
        Assert.Equal(new[] { "setosa", "virginica" }, ds.Classes);
        Assert.Equal(new long[] { 0, 1, 0 }, ds.Labels);
        Assert.Equal(-300.0, ds.Features[1, 0]);
        Assert.Equal(5.0, ds.Features[2, 1]);
        Assert.Equal(new[] { -300.0, 4 }, ds[1].Features);
        Assert.Equal(1L, ds[1].Label);
        var (x, y) = DataLoader.Create(ds, 8, Collate.Tabular).First();
        Assert.Equal(new[] { 3, 2 }, x.Shape.ToArray());
        Assert.Equal(new long[] { 0, 1, 0 }, y.ToArray<long>());
    }

    [Fact]
    public void CsvWithoutHeaderOtherDelimiterAndNumericTarget()
    {
        var ds = Datasets.Csv(Csv("1;2;0.5\n3;4;1.25\n"), delimiter: ';', hasHeader: false);
        Assert.Equal(new[] { "0", "1" }, ds.FeatureNames);
        Assert.Equal(new[] { 0.5, 1.25 }, ds.Target);
        Assert.Null(ds.Labels);   // regression target
        Assert.Contains("regression", Assert.Throws<InvalidOperationException>(() => ds[0]).Message);
        var ints = Datasets.Csv(Csv("x,y\n1,2\n3,0\n"), "y");
        Assert.Equal(new long[] { 2, 0 }, ints.Labels);
        Assert.Null(ints.Classes);
    }

    [Fact]
    public void CsvCategoricalFeatureColumns()
    {
        var ds = Datasets.Csv(Csv("color,size,label\nred,1,0\nblue,2,1\nred,3,1\n"), "label", categorical: ["color"]);
        Assert.Equal(new[] { "blue", "red" }, ds.Categories["color"]);
        Assert.Equal(new[] { 1.0, 0, 1 }, Enumerable.Range(0, 3).Select(i => ds.Features[i, 0]));
    }

    [Fact]
    public void CsvBadRowsCarryLineNumbers()
    {
        InvalidDataException Bad(string text) =>
            Assert.Throws<InvalidDataException>(() => Datasets.Csv(Csv(text, "bad.csv"), "y"));
        var e = Bad("a,b,y\n1,2,0\n\n1,2\n");
        Assert.Contains("bad.csv:4:", e.Message);
        Assert.Contains("expected 3 fields", e.Message);
        Assert.Contains("found 2", e.Message);
        e = Bad("a,b,y\n1,2,0\n1,x7,1\n");
        Assert.Contains("bad.csv:3:", e.Message);
        Assert.Contains("column 'b'", e.Message);
        Assert.Contains("'x7'", e.Message);
        Assert.Contains("bad.csv:2:", Bad("a,b,y\n1,,0\n").Message);
        Assert.Contains("bad.csv:3: unterminated", Bad("a,b,y\n1,2,0\n\"1,2,0\n").Message);
        Assert.Contains("no column named 'z'",
            Assert.Throws<ArgumentException>(() => Datasets.Csv(Csv("a,b\n1,2\n"), "z")).Message);
    }

    [Fact]
    public void StandardScalerMatchesScikitLearn()
    {
        var g = Golden.Load("sklearn_preprocessing.json");
        var x = Mat(g.GetProperty("X"));
        var s = g.GetProperty("standard_scaler");
        var scaler = new StandardScaler();
        var z = scaler.FitTransform(x);
        Close(Vec(s.GetProperty("mean")), scaler.Mean, atol: 1e-12);
        Close(Vec(s.GetProperty("var")), scaler.Var, atol: 1e-18);
        Close(Vec(s.GetProperty("scale")), scaler.Scale, atol: 1e-15);
        Assert.Equal(1.0, scaler.Scale[2]);   // the constant column
        Close(Mat(s.GetProperty("transform")), z,
            atol: 1e-7);   // column 3 has std 1e-6: its z-scores are ill-conditioned
        Close(x, scaler.InverseTransform(z), atol: 1e-9);
        Assert.Contains("not fitted",
            Assert.Throws<InvalidOperationException>(() => new StandardScaler().Transform(x)).Message);
        Assert.Contains("5 features",
            Assert.Throws<ArgumentException>(() => scaler.Transform(new double[2, 3])).Message);
    }

    [Fact]
    public void MinMaxScalerMatchesScikitLearn()
    {
        var g = Golden.Load("sklearn_preprocessing.json");
        var x = Mat(g.GetProperty("X"));
        foreach (var m in g.GetProperty("minmax_scaler").EnumerateArray())
        {
            double[] range = Vec(m.GetProperty("range"));
            var scaler = new MinMaxScaler((range[0], range[1]));
            var z = scaler.FitTransform(x);
            Close(Vec(m.GetProperty("data_min")), scaler.DataMin);
            Close(Vec(m.GetProperty("data_max")), scaler.DataMax);
            Close(Vec(m.GetProperty("scale")), scaler.Scale, atol: 1e-9);
            Close(Vec(m.GetProperty("min")), scaler.Min, atol: 1e-9);
            Close(Mat(m.GetProperty("transform")), z, atol: 1e-9);
            Close(x, scaler.InverseTransform(z), atol: 1e-9);
        }
    }

    [Fact]
    public void LabelEncoderMatchesScikitLearn()
    {
        var g = Golden.Load("sklearn_preprocessing.json").GetProperty("label_encoder");
        string[] labels = g.GetProperty("labels").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var enc = new LabelEncoder<string>();
        long[] codes = enc.FitTransform(labels);
        Assert.Equal(g.GetProperty("classes").EnumerateArray().Select(e => e.GetString()), enc.Classes);
        Assert.Equal(g.GetProperty("codes").EnumerateArray().Select(e => e.GetInt64()), codes);
        Assert.Equal(labels, enc.InverseTransform(codes));
        Assert.Contains("'dog'", Assert.Throws<ArgumentException>(() => enc.Transform(["dog"])).Message);
        Assert.Equal(new long[] { 1, 0, 1 }, new LabelEncoder<int>().FitTransform([7, 3, 7]));
    }

    [Fact]
    public void SplitSizesMatchScikitLearn()
    {
        foreach (var c in Golden.Load("sklearn_preprocessing.json").GetProperty("split_sizes").EnumerateArray())
        {
            int n = c.GetProperty("n").GetInt32();
            double ts = c.GetProperty("test_size").GetDouble();
            var x = new double[n, 1];
            var y = new long[n];
            for (int i = 0; i < n; i++) { x[i, 0] = i; y[i] = i; }
            var (xTrain, xTest, yTrain, yTest) = Preprocessing.TrainTestSplit(x, y, ts, generator: new Generator(0));
            Assert.Equal(c.GetProperty("train").GetInt32(), yTrain.Length);
            Assert.Equal(c.GetProperty("test").GetInt32(), yTest.Length);
            Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), yTrain.Concat(yTest).Order());
            for (int i = 0; i < yTrain.Length; i++) Assert.Equal(yTrain[i], (long)xTrain[i, 0]);   // rows stay paired
            for (int i = 0; i < yTest.Length; i++) Assert.Equal(yTest[i], (long)xTest[i, 0]);
        }
    }

    [Fact]
    public void StratifiedSplitCountsMatchScikitLearn()
    {
        foreach (var c in Golden.Load("sklearn_preprocessing.json").GetProperty("stratified").EnumerateArray())
        {
            int[] counts = c.GetProperty("class_counts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            long[] y = counts.SelectMany((k, cls) => Enumerable.Repeat((long)cls, k)).ToArray();
            var x = new double[y.Length, 1];
            for (int seed = 0; seed < 5; seed++)
            {
                var (_, _, yTrain, yTest) =
                    Preprocessing.TrainTestSplit(x, y, c.GetProperty("test_size").GetDouble(),
                    generator: new Generator(seed), stratify: true);
                Assert.Equal(c.GetProperty("train_counts").EnumerateArray().Select(e => e.GetInt32()),
                    Enumerable.Range(0, counts.Length).Select(k => yTrain.Count(v => v == k)));
                Assert.Equal(c.GetProperty("test_counts").EnumerateArray().Select(e => e.GetInt32()),
                    Enumerable.Range(0, counts.Length).Select(k => yTest.Count(v => v == k)));
            }
        }
    }

    [Fact]
    public void SplitIsSeededAndUnshuffledSplitKeepsOrder()
    {
        var iris = Datasets.Iris();
        var a = Preprocessing.TrainTestSplit(iris.Data, iris.Target, 0.2, generator: new Generator(5), stratify: true);
        var b = Preprocessing.TrainTestSplit(iris.Data, iris.Target, 0.2, generator: new Generator(5), stratify: true);
        Assert.Equal(a.YTest, b.YTest);
        Assert.Equal(a.XTest, b.XTest);
        var (train, test) = Preprocessing.TrainTestSplitIndices(10, 3, shuffle: false);
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6 }, train);
        Assert.Equal(new[] { 7, 8, 9 }, test);
        Assert.Contains("only 1 member", Assert.Throws<ArgumentException>(() =>
            Preprocessing.TrainTestSplit(new double[5, 1], [0, 0, 1, 1, 2], 0.4, stratify: true)).Message);
        var (trainSet, testSet) =
            Preprocessing.TrainTestSplit(new TensorDataset(Tensor.From(iris.Data)), 0.2, generator: new Generator(1),
            stratify: iris.Target);
        Assert.Equal((120, 30), (trainSet.Count, testSet.Count));
    }

    [Fact]
    public void OneHotRows()
    {
        var r = Preprocessing.OneHot([2, 0, 1]);
        Assert.Equal(new float[,] { { 0, 0, 1 }, { 1, 0, 0 }, { 0, 1, 0 } }, r);
        Assert.Equal(5, Preprocessing.OneHot([1], 5).GetLength(1));
        Assert.Throws<ArgumentException>(() => Preprocessing.OneHot([3], 3));
    }
}
