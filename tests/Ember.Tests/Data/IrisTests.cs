using System.IO;
using System.Linq;
using System.Security.Cryptography;
using Ember.Data;
using Ember.Tests.Support;

namespace Ember.Tests.Data;

public class IrisTests
{
    [Fact]
    public void EmbeddedCsvIsScikitLearnsCopyByChecksum()
    {
        var meta = Golden.Load("iris_meta.json");
        using Stream s = typeof(Datasets).Assembly.GetManifestResourceStream("Ember.Data.iris.csv")!;
        string sha = System.Convert.ToHexStringLower(SHA256.HashData(s));
        Assert.Equal(meta.GetProperty("sha256").GetString(), sha);
    }

    [Fact]
    public void ShapesNamesSumsAndTheTwoCorrectedRows()
    {
        var meta = Golden.Load("iris_meta.json");
        var iris = Datasets.Iris();
        Assert.Equal(150, iris.Data.GetLength(0));
        Assert.Equal(4, iris.Data.GetLength(1));
        Assert.Equal(new[] { 50, 50, 50 },
            Enumerable.Range(0, 3).Select(c => iris.Target.Count(t => t == c)).ToArray());
        Assert.Equal(meta.GetProperty("feature_names").EnumerateArray().Select(e => e.GetString()).ToArray(),
            iris.FeatureNames);
        Assert.Equal(meta.GetProperty("target_names").EnumerateArray().Select(e => e.GetString()).ToArray(),
            iris.TargetNames);
        var sums = meta.GetProperty("feature_sums").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int j = 0; j < 4; j++)
        {
            double s = 0;
            for (int i = 0; i < 150; i++) s += iris.Data[i, j];
            Assert.Equal(sums[j], s, 1e-9);
        }
        // scikit-learn corrects UCI rows 35 and 38 (1-based).
        Assert.Equal(new[] { 4.9, 3.1, 1.5, 0.2 }, Enumerable.Range(0, 4).Select(j => iris.Data[34, j]).ToArray());
        Assert.Equal(new[] { 4.9, 3.6, 1.4, 0.1 }, Enumerable.Range(0, 4).Select(j => iris.Data[37, j]).ToArray());
    }
}
