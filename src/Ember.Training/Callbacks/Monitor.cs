using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Ember.Training.Callbacks;

/// <summary>Whether a monitored quantity should decrease or increase (Keras's <c>mode</c>).</summary>
public enum MonitorMode
{
    /// <summary>Inferred: <c>loss</c>/<c>val_loss</c> decrease; a compiled metric goes the way its
    /// <see cref="Metrics.Metric.HigherIsBetter"/> says; anything else is an error asking for an explicit
    /// mode.</summary>
    Auto,
    /// <summary>The quantity should decrease (a loss, an error).</summary>
    Min,
    /// <summary>The quantity should increase (an accuracy, an AUC).</summary>
    Max,
}

/// <summary>Shared rules of the monitoring callbacks: the direction of a quantity, reading it from the logs.</summary>
internal static class Monitor
{
    /// <summary>Keras 3's <c>_set_monitor_op</c>: true when higher values are better.</summary>
    public static bool HigherIsBetter(string who, string monitor, MonitorMode mode, CompiledModel compiled)
    {
        if (mode == MonitorMode.Min) return false;
        if (mode == MonitorMode.Max) return true;
        string name = monitor.StartsWith("val_", StringComparison.Ordinal) ? monitor[4..] : monitor;
        if (name == "loss") return false;
        if (compiled.Metrics is { } metrics)
            foreach (var m in metrics)
                if (m.Name == name && m.HigherIsBetter is bool up) return up;
        throw new InvalidOperationException($"{who}: cannot tell whether '{monitor}' should be minimized or " +
            "maximized (it is not the loss nor a compiled metric with a known direction); pass mode: " +
            "MonitorMode.Min or MonitorMode.Max.");
    }

    /// <summary>The monitored value; a missing key is an error naming the keys there are.</summary>
    public static double Read(string who, string monitor, IReadOnlyDictionary<string, double> logs)
    {
        if (logs.TryGetValue(monitor, out double v)) return v;
        throw new InvalidOperationException($"{who}: the logs have no '{monitor}' (available: " +
            $"{string.Join(", ", logs.Keys)}). 'val_' keys need validation data or a validationSplit in Fit.");
    }

    public static void Validate(string who, string monitor, MonitorMode mode)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"{who}: unknown mode {mode}.", nameof(mode));
    }
}

/// <summary>Python's <c>str.format</c> and <c>repr</c> for numbers, as Keras uses them in file names and CSV
/// files.</summary>
internal static class PyFormat
{
    /// <summary>
    /// Keras's <c>filepath.format(epoch=epoch + 1, **logs)</c>: <c>{name}</c> or <c>{name:spec}</c> with a format spec
    /// <c>[0][width][.precision][type]</c> (types <c>d f F e E g G %</c>); <c>{{</c> and <c>}}</c> are braces.
    /// </summary>
    public static string Format(string template, int epoch, IReadOnlyDictionary<string, double> logs, string who)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                sb.Append('}');
                i++;
                continue;
            }
            if (c != '{')
            {
                sb.Append(c);
                continue;
            }
            if (i + 1 < template.Length && template[i + 1] == '{')
            {
                sb.Append('{');
                i++;
                continue;
            }
            int close = template.IndexOf('}', i);
            if (close < 0) throw new ArgumentException($"{who}: unmatched '{{' in the path '{template}'.");
            string field = template[(i + 1)..close];
            int colon = field.IndexOf(':', StringComparison.Ordinal);
            string name = colon < 0 ? field : field[..colon], spec = colon < 0 ? "" : field[(colon + 1)..];
            if (name == "epoch") sb.Append(Number(epoch, isInt: true, spec, who));
            else if (logs.TryGetValue(name, out double v)) sb.Append(Number(v, isInt: false, spec, who));
            else
                throw new ArgumentException($"{who}: the path '{template}' names '{{{name}}}', which is neither " +
                    $"'epoch' nor a log key (available: {string.Join(", ", logs.Keys)}).");
            i = close;
        }
        return sb.ToString();
    }

    private static string Number(double value, bool isInt, string spec, string who)
    {
        int p = 0;
        bool zero = false;
        if (p < spec.Length && spec[p] == '0') { zero = true; p++; }
        int width = 0;
        while (p < spec.Length && char.IsAsciiDigit(spec[p])) width = width * 10 + (spec[p++] - '0');
        int? precision = null;
        if (p < spec.Length && spec[p] == '.')
        {
            p++;
            int q = 0, start = p;
            while (p < spec.Length && char.IsAsciiDigit(spec[p])) q = q * 10 + (spec[p++] - '0');
            if (p == start) throw new ArgumentException($"{who}: format spec '{spec}' has no digits after '.'.");
            precision = q;
        }
        char type = p < spec.Length ? spec[p++] : '\0';
        if (p != spec.Length || (type != '\0' && "dfFeEgG%".IndexOf(type, StringComparison.Ordinal) < 0))
            throw new ArgumentException($"{who}: unsupported format spec '{spec}' (supported: [0][width][.precision]" +
                "[d|f|e|g|%]).");
        if (type == 'd' && !isInt)
            throw new ArgumentException($"{who}: format spec '{spec}' is for integers, but the value {Repr(value)} " +
                "is a float (use e.g. '.4f').");
        var inv = CultureInfo.InvariantCulture;
        string s = type switch
        {
            'd' => ((long)value).ToString(inv),
            'f' or 'F' => Fixed(value, precision ?? 6),
            'e' or 'E' => Exp(value, precision ?? 6, type),
            'g' or 'G' => General(value, precision ?? 6),
            '%' => Fixed(value * 100, precision ?? 6) + "%",
            _ => isInt ? ((long)value).ToString(inv) : precision is int g ? General(value, g) : Repr(value),
        };
        if (s.Length >= width) return s;
        if (!zero) return s.PadLeft(width);
        bool neg = s.StartsWith('-');
        return (neg ? "-" : "") + s[(neg ? 1 : 0)..].PadLeft(width - (neg ? 1 : 0), '0');
    }

    private static string Special(double v) =>
        double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";

    /// <summary>Python's <c>{:.Nf}</c>: fixed decimals, <c>nan</c>, <c>inf</c>, <c>-inf</c>.</summary>
    public static string Fixed(double v, int precision) =>
        double.IsFinite(v) ? v.ToString("F" + precision.ToString(CultureInfo.InvariantCulture),
            CultureInfo.InvariantCulture) : Special(v);

    private static string Exp(double v, int precision, char type)
    {
        if (!double.IsFinite(v)) return Special(v);
        string fmt = (precision == 0 ? "0" : "0." + new string('0', precision)) + "e+00";
        string s = v.ToString(fmt, CultureInfo.InvariantCulture);
        return type == 'E' ? s.ToUpperInvariant() : s;
    }

    private static string General(double v, int precision)
    {
        if (!double.IsFinite(v)) return Special(v);
        if (precision == 0) precision = 1;
        if (v == 0) return "0";
        string e = v.ToString("E" + (precision - 1).ToString(CultureInfo.InvariantCulture),
            CultureInfo.InvariantCulture);
        int exp = int.Parse(e[(e.IndexOf('E', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        if (exp >= -4 && exp < precision) return StripZeros(Fixed(v, precision - 1 - exp));
        string mantissa = StripZeros(e[..e.IndexOf('E', StringComparison.Ordinal)]);
        return mantissa + (exp < 0 ? "e-" : "e+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string StripZeros(string s) => s.Contains('.', StringComparison.Ordinal)
        ? s.TrimEnd('0').TrimEnd('.') : s;

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, <c>1.0</c> not <c>1</c>,
    /// <c>1e-05</c>, <c>nan</c>, <c>inf</c>.</summary>
    public static string Repr(double v)
    {
        if (!double.IsFinite(v)) return Special(v);
        if (v == 0) return double.IsNegative(v) ? "-0.0" : "0.0";
        // Shortest round-trip digits and the decimal exponent, from .NET's scientific round-trip form.
        string shortest = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exp; // value = 0.d1d2d3... × 10^exp style: d1.d2d3 × 10^(exp)
        int ePos = shortest.IndexOf('E', StringComparison.Ordinal);
        if (ePos >= 0)
        {
            string mant = shortest[..ePos];
            exp = int.Parse(shortest[(ePos + 1)..], CultureInfo.InvariantCulture);
            digits = mant.Replace(".", "", StringComparison.Ordinal);
        }
        else
        {
            int dot = shortest.IndexOf('.', StringComparison.Ordinal);
            string intPart = dot < 0 ? shortest : shortest[..dot], frac = dot < 0 ? "" : shortest[(dot + 1)..];
            string all = (intPart + frac).TrimStart('0');
            int leadingZeros = (intPart + frac).Length - all.Length;
            exp = intPart.Length - 1 - leadingZeros;
            digits = all;
        }
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        string sign = v < 0 ? "-" : "";
        if (exp < -4 || exp >= 16)
        {
            string m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return sign + m + (exp < 0 ? "e-" : "e+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        if (exp < 0) return sign + "0." + new string('0', -exp - 1) + digits;
        if (digits.Length <= exp + 1) return sign + digits + new string('0', exp + 1 - digits.Length) + ".0";
        return sign + digits[..(exp + 1)] + "." + digits[(exp + 1)..];
    }
}
