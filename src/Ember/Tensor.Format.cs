using System;
using System.Globalization;
using System.Text;
using Ember.Core;

namespace Ember;

public partial class Tensor
{
    private const int PrintPrecision = 4, PrintThreshold = 1000, PrintEdgeItems = 3, PrintLineWidth = 80;

    /// <summary>
    /// PyTorch-style text: <c>tensor([[0.1000, 2.0000]], dtype=torch.float64, grad_fn=&lt;AddBackward0&gt;)</c>.
    /// Floats print with 4 decimals, switching to scientific notation when the magnitudes span more than 1000×
    /// or leave [1e-4, 1e8); integer-valued floats print as <c>1.</c>; more than 1000 elements are summarized
    /// with <c>...</c> (3 items at each edge); lines wrap at 80 characters. The dtype is shown unless it is
    /// float32 or int64 (the defaults).
    /// </summary>
    public override string ToString()
    {
        var c = RawOps.Contiguous(Raw);
        bool summarize = c.NumEl > PrintThreshold;
        var fmt = ElementFormatter.Create(c, summarize);
        var sb = new StringBuilder("tensor(");
        if (c.NumEl == 0 && c.Rank <= 1) sb.Append("[]");
        else AppendBlock(sb, c, fmt, 0, 0, "tensor(".Length, summarize);
        if (DType is not (DType.Float32 or DType.Int64 or DType.Bool) || (c.NumEl == 0 && DType != DType.Float32))
            sb.Append(", dtype=").Append(DType.TorchName());
        if (GradFn is not null) sb.Append(", grad_fn=<").Append(GradFn.Name).Append('>');
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private static void AppendBlock(StringBuilder sb, RawTensor c, ElementFormatter fmt, int dim, int offset,
        int indent, bool summarize)
    {
        if (c.Rank == 0) { sb.Append(fmt.Format(c, 0)); return; }
        int n = c.Shape[dim];
        int stride = c.Strides[dim];
        bool cut = summarize && n > 2 * PrintEdgeItems;
        sb.Append('[');
        if (dim == c.Rank - 1)
        {
            // PyTorch breaks rows after a fixed number of elements: (linewidth - indent) / (width + 2).
            int perLine = Math.Max(1, (PrintLineWidth - indent) / (fmt.Width + 2));
            int onLine = 0;
            for (int i = 0; i < n; i++)
            {
                string item;
                if (cut && i == PrintEdgeItems) { item = " ..."; i = n - PrintEdgeItems - 1; }
                else item = fmt.Format(c, offset + i * stride);
                if (onLine == perLine)
                {
                    sb.Append(",\n").Append(' ', indent + 1);
                    onLine = 0;
                }
                else if (onLine > 0) sb.Append(", ");
                sb.Append(item);
                onLine++;
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                if (cut && i == PrintEdgeItems)
                {
                    sb.Append("...,").Append('\n', c.Rank - dim - 1).Append(' ', indent + 1);
                    i = n - PrintEdgeItems;
                }
                AppendBlock(sb, c, fmt, dim + 1, offset + i * stride, indent + 1, summarize);
                if (i < n - 1) sb.Append(',').Append('\n', c.Rank - dim - 1).Append(' ', indent + 1);
            }
        }
        sb.Append(']');
    }

    private sealed class ElementFormatter
    {
        private DType _dtype;
        private bool _intMode, _sci;
        private int _width;

        public int Width => _width;

        public static ElementFormatter Create(RawTensor c, bool summarize)
        {
            var f = new ElementFormatter { _dtype = c.DType };
            if (c.DType.IsFloatingPoint())
            {
                double maxAbs = 0, minAbs = double.PositiveInfinity;
                bool allInt = true, any = false;
                for (int i = 0; i < c.NumEl; i++)
                {
                    double v = c.GetAsDouble(i);
                    if (!double.IsFinite(v)) continue;
                    double a = Math.Abs(v);
                    if (a != 0) { any = true; maxAbs = Math.Max(maxAbs, a); minAbs = Math.Min(minAbs, a); }
                    if (v != Math.Floor(v)) allInt = false;
                }
                if (allInt) { f._intMode = true; f._sci = any && (maxAbs / minAbs > 1000 || maxAbs > 1e8); }
                else f._sci = any && (maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4);
            }
            for (int i = 0; i < c.NumEl; i++)
            {
                if (summarize && !IsEdge(c, i)) continue;
                f._width = Math.Max(f._width, f.Raw(c.GetAsDouble(i)).Length);
            }
            return f;
        }

        private static bool IsEdge(RawTensor c, int flat)
        {
            for (int d = c.Rank - 1; d >= 0; d--)
            {
                int i = flat % c.Shape[d];
                flat /= c.Shape[d];
                if (c.Shape[d] > 2 * PrintEdgeItems && i >= PrintEdgeItems && i < c.Shape[d] - PrintEdgeItems)
                    return false;
            }
            return true;
        }

        private string Raw(double v)
        {
            var inv = CultureInfo.InvariantCulture;
            if (_dtype == DType.Bool) return v != 0 ? "True" : "False";
            if (_dtype.IsInteger()) return ((long)v).ToString(inv);
            if (double.IsNaN(v)) return "nan";
            if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
            if (_sci)
            {
                string s = v.ToString("0.0000e+00", inv);
                return s;
            }
            if (_intMode) return v.ToString("0", inv) + ".";
            return v.ToString("F" + PrintPrecision, inv);
        }

        public string Format(RawTensor c, int physical)
        {
            double v = c.GetAsDouble(PhysicalToFlat(c, physical));
            return Raw(v).PadLeft(_width);
        }

        // The printer walks physical offsets of a contiguous tensor, which equal flat indices.
        private static int PhysicalToFlat(RawTensor c, int physical) => physical - c.Offset;
    }
}
