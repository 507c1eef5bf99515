using System;
using Ember.Data;
using Ember.Interop;
using Microsoft.Data.Analysis;

namespace Ember.DataFrame.Tests;

public class DataFrameTensorsTests
{
    private static Microsoft.Data.Analysis.DataFrame Flowers() => new(
        new DoubleDataFrameColumn("sepal", [5.1, 4.9, 6.3, 5.8]),
        new SingleDataFrameColumn("petal", [1.4f, 1.5f, 6.0f, 5.1f]),
        new Int32DataFrameColumn("count", [3, 1, 4, 1]),
        new BooleanDataFrameColumn("big", [false, false, true, true]),
        new StringDataFrameColumn("species", ["setosa", "setosa", "virginica", "versicolor"]));

    [Fact]
    public void NumericAndBooleanColumnsBecomeARowMajorMatrixSkippingStrings()
    {
        Tensor x = Flowers().ToTensor();
        Assert.Equal(DType.Float32, x.DType);
        Assert.Equal(new[] { 4, 4 }, x.Shape.ToArray());
        Assert.Equal(new[] { 5.1f, 1.4f, 3f, 0f, 4.9f, 1.5f, 1f, 0f, 6.3f, 6.0f, 4f, 1f, 5.8f, 5.1f, 1f, 1f },
            x.ToArray<float>());
    }

    [Fact]
    public void ChosenColumnsComeInTheGivenOrderAndDType()
    {
        Tensor x = Flowers().ToTensor(["count", "sepal"], DType.Float64);
        Assert.Equal(DType.Float64, x.DType);
        Assert.Equal(new[] { 4, 2 }, x.Shape.ToArray());
        Assert.Equal(new[] { 3.0, 5.1, 1.0, 4.9, 4.0, 6.3, 1.0, 5.8 }, x.ToArray<double>());

        Tensor counts = Flowers().ToTensor(["count", "big"], DType.Int64);
        Assert.Equal(DType.Int64, counts.DType);
        Assert.Equal(new long[] { 3, 0, 1, 0, 4, 1, 1, 1 }, counts.ToArray<long>());
        Assert.Equal(new[] { 3, 1, 4, 1 }, Flowers().ToTensor(["count"], DType.Int32).ToArray<int>());
    }

    [Fact]
    public void BadColumnsAndDTypesAreClearErrors()
    {
        var unknown = Assert.Throws<ArgumentException>(() => Flowers().ToTensor(["width"]));
        Assert.Contains("ToTensor: no column 'width'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("sepal, petal, count, big, species", unknown.Message, StringComparison.Ordinal);

        var text = Assert.Throws<ArgumentException>(() => Flowers().ToTensor(["species"]));
        Assert.Contains("column 'species' holds String", text.Message, StringComparison.Ordinal);

        var dtype = Assert.Throws<ArgumentException>(() => Flowers().ToTensor(dtype: DType.Float16));
        Assert.Contains("dtype Float16 is not supported", dtype.Message, StringComparison.Ordinal);

        var fraction = Assert.Throws<ArgumentException>(() => Flowers().ToTensor(["sepal"], DType.Int64));
        Assert.Contains("column 'sepal' row 0", fraction.Message, StringComparison.Ordinal);
        Assert.Contains("not an integer", fraction.Message, StringComparison.Ordinal);

        var none = Assert.Throws<ArgumentException>(() =>
            new Microsoft.Data.Analysis.DataFrame(new StringDataFrameColumn("s", ["a"])).ToTensor());
        Assert.Contains("no numeric or boolean columns", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullsThrowByDefaultOrBecomeNaN()
    {
        var frame = new Microsoft.Data.Analysis.DataFrame(
            new DoubleDataFrameColumn("a", [1.0, null, 3.0]), new Int64DataFrameColumn("b", [1L, 2L, null]));

        var thrown = Assert.Throws<ArgumentException>(() => frame.ToTensor());
        Assert.Contains("column 'a' has a null at row 1", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("DataFrameNulls.NaN", thrown.Message, StringComparison.Ordinal);

        float[] values = frame.ToTensor(nulls: DataFrameNulls.NaN).ToArray<float>();
        Assert.Equal(new[] { 1f, 1f, float.NaN, 2f, 3f, float.NaN }, values);

        // An integer dtype has no NaN, so the option cannot apply.
        var integral = Assert.Throws<ArgumentException>(() => frame.ToTensor(["b"], DType.Int64, DataFrameNulls.NaN));
        Assert.Contains("column 'b' has a null at row 2", integral.Message, StringComparison.Ordinal);
        Assert.Contains("integer dtype has no NaN", integral.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelColumnBecomesSortedClassIndicesWithTheMapping()
    {
        var (y, encoder) = Flowers().ToLabelTensor("species");
        Assert.Equal(DType.Int64, y.DType);
        Assert.Equal(new long[] { 0, 0, 2, 1 }, y.ToArray<long>());
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, encoder.Classes);
        Assert.Equal(new[] { "virginica", "versicolor" }, encoder.InverseTransform([2, 1]));

        // The training split's encoder applied to another frame keeps the same codes.
        var test = new Microsoft.Data.Analysis.DataFrame(new StringDataFrameColumn("species", ["virginica"]));
        Assert.Equal(new long[] { 2 }, test.ToLabelTensor("species", encoder).Indices.ToArray<long>());

        var unseen = new Microsoft.Data.Analysis.DataFrame(new StringDataFrameColumn("species", ["iris"]));
        var error = Assert.Throws<ArgumentException>(() => unseen.ToLabelTensor("species", encoder));
        Assert.Contains("label 'iris'", error.Message, StringComparison.Ordinal);

        // Numeric label columns work too (compared as invariant strings).
        var (codes, numeric) = Flowers().ToLabelTensor("count");
        Assert.Equal(new long[] { 1, 0, 2, 0 }, codes.ToArray<long>());
        Assert.Equal(new[] { "1", "3", "4" }, numeric.Classes);
    }

    [Fact]
    public void NullLabelIsAClearError()
    {
        var frame = new Microsoft.Data.Analysis.DataFrame(new StringDataFrameColumn("y", ["a", null]));
        var error = Assert.Throws<ArgumentException>(() => frame.ToLabelTensor("y"));
        Assert.Contains("column 'y' has a null label at row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TensorToDataFrameRoundTrips()
    {
        Tensor x = Tensor.From(new float[,] { { 1f, 2f, 3f }, { 4f, 5f, 6f } });
        Microsoft.Data.Analysis.DataFrame frame = x.ToDataFrame(["a", "b", "c"]);
        Assert.Equal(2, frame.Rows.Count);
        Assert.Equal(new[] { "a", "b", "c" }, new[] { frame.Columns[0].Name, frame.Columns[1].Name,
            frame.Columns[2].Name });
        Assert.IsType<SingleDataFrameColumn>(frame.Columns["b"]);
        Assert.Equal(5f, frame.Columns["b"][1]);
        Assert.Equal(x.ToArray<float>(), frame.ToTensor().ToArray<float>());

        // A transposed view is read in its logical (row-major) order; default names are "0", "1", ...
        Microsoft.Data.Analysis.DataFrame t = x.T.ToDataFrame();
        Assert.Equal(new[] { "0", "1" }, new[] { t.Columns[0].Name, t.Columns[1].Name });
        Assert.Equal(new[] { 1f, 4f, 2f, 5f, 3f, 6f }, t.ToTensor().ToArray<float>());

        Microsoft.Data.Analysis.DataFrame labels = Tensor.From(new long[] { 2, 0 }).ToDataFrame(["y"]);
        Assert.IsType<Int64DataFrameColumn>(labels.Columns["y"]);
        Assert.Equal(new long[] { 2, 0 }, labels.ToTensor(dtype: DType.Int64).ToArray<long>());

        Assert.IsType<DoubleDataFrameColumn>(Tensor.From(new[] { 1.5, 2.5 }).ToDataFrame().Columns[0]);
        Assert.IsType<BooleanDataFrameColumn>(Tensor.From(new[] { true, false }).ToDataFrame().Columns[0]);
    }

    [Fact]
    public void TensorToDataFrameRejectsWhatItCannotHold()
    {
        var threeD = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 2, 2).ToDataFrame());
        Assert.Contains("expected a 1-D or 2-D tensor, got 3 dimensions", threeD.Message, StringComparison.Ordinal);

        var names = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).ToDataFrame(["a"]));
        Assert.Contains("expected 3 column names, got 1", names.Message, StringComparison.Ordinal);

        var dtype = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2).To(DType.Float16).ToDataFrame());
        Assert.Contains("dtype Float16 is not supported", dtype.Message, StringComparison.Ordinal);
    }
}
