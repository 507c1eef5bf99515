using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using Ember.Data;
using Microsoft.Data.Analysis;

namespace Ember.Interop;

/// <summary>What <see cref="DataFrameTensors.ToTensor"/> does with a null (missing) value.</summary>
public enum DataFrameNulls
{
    /// <summary>Throw an <see cref="ArgumentException"/> naming the column and the row (the default).</summary>
    Throw,

    /// <summary>Write NaN (floating-point dtypes only; an integer dtype still throws).</summary>
    NaN,
}

/// <summary>
/// Conversions between <c>Microsoft.Data.Analysis.DataFrame</c> and <see cref="Tensor"/> (the package
/// <c>EmberML.DataFrame</c>; the core never depends on Microsoft.Data.Analysis). Every conversion copies: a
/// DataFrame stores each column in its own buffers, a tensor is one row-major block.
/// </summary>
public static class DataFrameTensors
{
    /// <summary>
    /// The numeric (and boolean, as 0/1) columns of <paramref name="frame"/> as a <c>[rows, columns]</c> tensor of
    /// <paramref name="dtype"/>, like <c>torch.tensor(df[columns].values)</c>.
    /// </summary>
    /// <param name="frame">The data frame.</param>
    /// <param name="columns">The columns, in this order; null: every numeric or boolean column, in frame order (string
    /// columns are skipped).</param>
    /// <param name="dtype">Float32 (the default, what models train in), Float64, Int64 or Int32.</param>
    /// <param name="nulls">A null value throws (the default) or becomes NaN.</param>
    /// <exception cref="ArgumentException">An unknown or non-numeric column, no columns at all, an unsupported
    /// dtype, a null value (unless <paramref name="nulls"/> is <see cref="DataFrameNulls.NaN"/> and the dtype is
    /// floating point), or a value an integer dtype cannot hold (NaN, infinite, out of range).</exception>
    public static Tensor ToTensor(this DataFrame frame, IReadOnlyList<string>? columns = null,
        DType dtype = DType.Float32, DataFrameNulls nulls = DataFrameNulls.Throw)
    {
        ArgumentNullException.ThrowIfNull(frame);
        List<DataFrameColumn> selected = Select(frame, columns);
        long rowCount = frame.Rows.Count;
        if (rowCount * selected.Count > Array.MaxLength)
            throw new ArgumentException(
                $"DataFrame.ToTensor: {rowCount} rows x {selected.Count} columns do not fit in one tensor.",
                nameof(frame));
        int rows = (int)rowCount;
        return dtype switch
        {
            DType.Float32 => Matrix<float>(selected, rows, nulls),
            DType.Float64 => Matrix<double>(selected, rows, nulls),
            DType.Int64 => Matrix<long>(selected, rows, nulls),
            DType.Int32 => Matrix<int>(selected, rows, nulls),
            _ => throw new ArgumentException(
                $"DataFrame.ToTensor: dtype {dtype} is not supported; expected Float32, Float64, Int64 or Int32.",
                nameof(dtype)),
        };
    }

    private static Tensor Matrix<T>(List<DataFrameColumn> selected, int rows, DataFrameNulls nulls)
        where T : unmanaged, INumber<T>
    {
        int cols = selected.Count;
        var data = new T[rows * cols];
        for (int c = 0; c < cols; c++) Fill(selected[c], data, c, cols, nulls);
        return Tensor.From<T>(data, [rows, cols]);
    }

    /// <summary>
    /// A label column as class indices (an int64 tensor of shape <c>[rows]</c>, what <c>CrossEntropyLoss</c> takes)
    /// and the encoder that holds the mapping (<see cref="LabelEncoder{T}.Classes"/>: the class of each index,
    /// sorted ordinally as scikit-learn's <c>LabelEncoder</c> does). Any column type works; values are compared as
    /// their invariant-culture strings.
    /// </summary>
    /// <param name="frame">The data frame.</param>
    /// <param name="column">The label column (e.g. a <see cref="StringDataFrameColumn"/> of species names).</param>
    /// <param name="encoder">A fitted encoder to reuse (e.g. the training split's, for the test split); null: a new
    /// one fitted on this column.</param>
    /// <exception cref="ArgumentException">An unknown column, a null label, or (with <paramref name="encoder"/>)
    /// a label the encoder has not seen.</exception>
    public static (Tensor Indices, LabelEncoder<string> Encoder) ToLabelTensor(this DataFrame frame, string column,
        LabelEncoder<string>? encoder = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(column);
        DataFrameColumn col = Column(frame, column, "ToLabelTensor");
        var labels = new string[col.Length];
        for (long r = 0; r < col.Length; r++)
        {
            object? value = col[r];
            labels[r] = value switch
            {
                null => throw new ArgumentException(
                    $"DataFrame.ToLabelTensor: column '{column}' has a null label at row {r}; drop or fill it first.",
                    nameof(column)),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
        }
        encoder ??= new LabelEncoder<string>().Fit(labels);
        long[] codes;
        try { codes = encoder.Transform(labels); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"DataFrame.ToLabelTensor: column '{column}': {e.Message}", nameof(column), e);
        }
        return (Tensor.From<long>(codes, [codes.Length]), encoder);
    }

    /// <summary>
    /// A 1-D or 2-D tensor as a data frame, one column per tensor column (a 1-D tensor is one column), like
    /// <c>pd.DataFrame(t.numpy())</c>. Float32, Float64, Int64, Int32, Int16, UInt8 and Bool become the
    /// matching primitive columns; other dtypes throw.
    /// </summary>
    /// <param name="tensor">The tensor (any layout; it is read in row-major order).</param>
    /// <param name="columnNames">One name per column; null: "0", "1", ... as pandas numbers them.</param>
    /// <exception cref="ArgumentException">More than 2 dimensions, an unsupported dtype, or a wrong number of
    /// column names.</exception>
    public static DataFrame ToDataFrame(this Tensor tensor, IReadOnlyList<string>? columnNames = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Dim is not (1 or 2))
            throw new ArgumentException(
                $"Tensor.ToDataFrame: expected a 1-D or 2-D tensor, got {tensor.Dim} dimensions " +
                $"(shape [{string.Join(", ", tensor.Shape.ToArray())}]).", nameof(tensor));
        int rows = tensor.Shape[0], cols = tensor.Dim == 2 ? tensor.Shape[1] : 1;
        if (columnNames is not null && columnNames.Count != cols)
            throw new ArgumentException(
                $"Tensor.ToDataFrame: expected {cols} column names, got {columnNames.Count}.", nameof(columnNames));
        string[] names = new string[cols];
        for (int c = 0; c < cols; c++) names[c] = columnNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
        return tensor.DType switch
        {
            DType.Float32 => Build<float>(tensor, rows, names, (n, v) => new SingleDataFrameColumn(n, v)),
            DType.Float64 => Build<double>(tensor, rows, names, (n, v) => new DoubleDataFrameColumn(n, v)),
            DType.Int64 => Build<long>(tensor, rows, names, (n, v) => new Int64DataFrameColumn(n, v)),
            DType.Int32 => Build<int>(tensor, rows, names, (n, v) => new Int32DataFrameColumn(n, v)),
            DType.Int16 => Build<short>(tensor, rows, names, (n, v) => new Int16DataFrameColumn(n, v)),
            DType.UInt8 => Build<byte>(tensor, rows, names, (n, v) => new ByteDataFrameColumn(n, v)),
            DType.Bool => Build<bool>(tensor, rows, names, (n, v) => new BooleanDataFrameColumn(n, v)),
            _ => throw new ArgumentException(
                $"Tensor.ToDataFrame: dtype {tensor.DType} is not supported; expected Float32, Float64, Int64, " +
                "Int32, Int16, UInt8 or Bool.", nameof(tensor)),
        };
    }

    private static DataFrame Build<T>(Tensor tensor, int rows, string[] names,
        Func<string, T[], DataFrameColumn> make) where T : unmanaged
    {
        // ToArray reads any layout (views, transposes) in row-major order; each column then gets its own array.
        T[] all = tensor.ToArray<T>();
        int cols = names.Length;
        var frame = new DataFrame();
        for (int c = 0; c < cols; c++)
        {
            var column = new T[rows];
            for (int r = 0; r < rows; r++) column[r] = all[r * cols + c];
            frame.Columns.Add(make(names[c], column));
        }
        return frame;
    }

    private static List<DataFrameColumn> Select(DataFrame frame, IReadOnlyList<string>? columns)
    {
        var selected = new List<DataFrameColumn>();
        if (columns is null)
        {
            foreach (DataFrameColumn col in frame.Columns)
                if (IsConvertible(col)) selected.Add(col);
            if (selected.Count == 0)
                throw new ArgumentException(
                    "DataFrame.ToTensor: the frame has no numeric or boolean columns (string columns are skipped; " +
                    "use ToLabelTensor for a label column).", nameof(frame));
            return selected;
        }
        if (columns.Count == 0)
            throw new ArgumentException("DataFrame.ToTensor: expected at least one column, got none.",
                nameof(columns));
        foreach (string name in columns)
        {
            DataFrameColumn col = Column(frame, name, "ToTensor");
            if (!IsConvertible(col))
                throw new ArgumentException(
                    $"DataFrame.ToTensor: column '{name}' holds {col.DataType.Name}; expected a numeric or boolean " +
                    "column (use ToLabelTensor for labels).", nameof(columns));
            selected.Add(col);
        }
        return selected;
    }

    private static DataFrameColumn Column(DataFrame frame, string name, string op)
    {
        int index = frame.Columns.IndexOf(name);
        if (index < 0)
        {
            var names = new List<string>();
            foreach (DataFrameColumn col in frame.Columns) names.Add(col.Name);
            throw new ArgumentException(
                $"DataFrame.{op}: no column '{name}'; the frame has: {string.Join(", ", names)}.", nameof(name));
        }
        return frame.Columns[index];
    }

    private static bool IsConvertible(DataFrameColumn col) => col.IsNumericColumn() || col is BooleanDataFrameColumn;

    private static void Fill<TOut>(DataFrameColumn col, TOut[] data, int c, int cols, DataFrameNulls nulls)
        where TOut : unmanaged, INumber<TOut>
    {
        switch (col)
        {
            case PrimitiveDataFrameColumn<float> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<double> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<long> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<int> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<short> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<sbyte> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<byte> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<ushort> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<uint> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<ulong> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<decimal> f: FillFrom(f, data, c, cols, nulls); break;
            case PrimitiveDataFrameColumn<bool> b:
                for (long r = 0; r < b.Length; r++)
                {
                    bool? v = b[r];
                    data[r * cols + c] = v is bool x ? (x ? TOut.One : TOut.Zero) : Missing<TOut>(col, r, nulls);
                }
                break;
            default:
                throw new ArgumentException(
                    $"DataFrame.ToTensor: column '{col.Name}' holds {col.DataType.Name}, which has no tensor " +
                    "conversion.", nameof(col));
        }
    }

    private static void FillFrom<TIn, TOut>(PrimitiveDataFrameColumn<TIn> col, TOut[] data, int c, int cols,
        DataFrameNulls nulls)
        where TIn : unmanaged, INumber<TIn>
        where TOut : unmanaged, INumber<TOut>
    {
        bool integral = typeof(TOut) == typeof(long) || typeof(TOut) == typeof(int);
        for (long r = 0; r < col.Length; r++)
        {
            TIn? v = col[r];
            if (v is not TIn x)
            {
                data[r * cols + c] = Missing<TOut>(col, r, nulls);
                continue;
            }
            if (!integral)
            {
                data[r * cols + c] = TOut.CreateTruncating(x);
                continue;
            }
            if (!TIn.IsFinite(x) || !TIn.IsInteger(x))
                throw new ArgumentException(
                    $"DataFrame.ToTensor: column '{col.Name}' row {r} holds {x}, which is not an integer; " +
                    $"expected whole numbers for dtype {(typeof(TOut) == typeof(long) ? "Int64" : "Int32")}.",
                    nameof(col));
            try { data[r * cols + c] = TOut.CreateChecked(x); }
            catch (OverflowException)
            {
                throw new ArgumentException(
                    $"DataFrame.ToTensor: column '{col.Name}' row {r} holds {x}, outside the range of " +
                    $"{(typeof(TOut) == typeof(long) ? "Int64" : "Int32")}.", nameof(col));
            }
        }
    }

    private static TOut Missing<TOut>(DataFrameColumn col, long row, DataFrameNulls nulls)
        where TOut : unmanaged, INumber<TOut>
    {
        bool floating = typeof(TOut) == typeof(float) || typeof(TOut) == typeof(double);
        if (nulls == DataFrameNulls.NaN && floating) return TOut.CreateTruncating(double.NaN);
        throw new ArgumentException(
            $"DataFrame.ToTensor: column '{col.Name}' has a null at row {row}; " +
            (floating
                ? "pass nulls: DataFrameNulls.NaN to read it as NaN, or fill or drop it first."
                : "an integer dtype has no NaN: fill or drop it first."), nameof(nulls));
    }
}
