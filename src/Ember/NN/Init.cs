using System;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// In-place initializers (PyTorch's <c>torch.nn.init</c>). They write without recording a graph node and take
/// an optional generator for reproducibility (the default generator otherwise).
/// </summary>
public static class Init
{
    /// <summary>Fills with samples from U(<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform_(Tensor tensor, double low = 0, double high = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CopyRaw(Tensor.Uniform(tensor.Shape, low, high, generator, tensor.DType));
        return tensor;
    }

    /// <summary>Fills with samples from N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CopyRaw(Tensor.Normal(tensor.Shape, mean, std, generator, tensor.DType));
        return tensor;
    }

    /// <summary>Fills with a constant.</summary>
    public static Tensor Constant_(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CopyRaw(Tensor.Full(tensor.Shape, value, tensor.DType));
        return tensor;
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);

    /// <summary>The recommended gain for a nonlinearity (PyTorch's <c>calculate_gain</c>).</summary>
    /// <param name="nonlinearity">linear, conv*, sigmoid, tanh, relu, leaky_relu or selu.</param>
    /// <param name="param">The negative slope for leaky_relu (default 0.01).</param>
    public static double CalculateGain(string nonlinearity, double? param = null) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d"
            or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException(
            $"CalculateGain: unsupported nonlinearity '{nonlinearity}'.", nameof(nonlinearity)),
    };

    /// <summary>(fan_in, fan_out) of a weight: dims 1 and 0 times the receptive field size.</summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Dim < 2)
            throw new ArgumentException(
                "Fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape " +
                $"{Shapes.Format(tensor.Shape)}).");
        int receptive = 1;
        for (int i = 2; i < tensor.Dim; i++) receptive *= tensor.Shape[i];
        return (tensor.Shape[1] * receptive, tensor.Shape[0] * receptive);
    }

    /// <summary>The fan of <paramref name="tensor"/> for <paramref name="mode"/> "fan_in" or "fan_out".</summary>
    private static int Fan(Tensor tensor, string mode, string op)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return mode switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            _ => throw new ArgumentException($"{op}: mode must be 'fan_in' or 'fan_out', got '{mode}'.", nameof(mode)),
        };
    }

    /// <summary>
    /// He/Kaiming uniform: U(-b, b) with <c>b = gain · √(3 / fan)</c>, <c>gain = CalculateGain(nonlinearity, a)</c>.
    /// With <paramref name="a"/> = √5 and leaky_relu this is PyTorch's default <c>Linear</c>/<c>Conv</c> weight init
    /// (b = 1/√fan_in).
    /// </summary>
    /// <param name="tensor">At least 2-D.</param>
    /// <param name="a">Negative slope of the rectifier after this layer (leaky_relu only).</param>
    /// <param name="mode">"fan_in" (preserves forward variance) or "fan_out" (backward).</param>
    /// <param name="nonlinearity">"relu" or "leaky_relu" (as PyTorch recommends), or any <see cref="CalculateGain"/>
    /// name.</param>
    /// <param name="generator">Random source.</param>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, string mode = "fan_in",
        string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        int fan = Fan(tensor, mode, "KaimingUniform_");
        if (fan == 0) return tensor;
        double bound = Math.Sqrt(3.0) * (CalculateGain(nonlinearity, a) / Math.Sqrt(fan));
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>He/Kaiming normal: N(0, std²) with <c>std = gain / √fan</c>.</summary>
    /// <param name="tensor">At least 2-D.</param>
    /// <param name="a">Negative slope of the rectifier after this layer (leaky_relu only).</param>
    /// <param name="mode">"fan_in" or "fan_out".</param>
    /// <param name="nonlinearity">"relu", "leaky_relu", or any <see cref="CalculateGain"/> name.</param>
    /// <param name="generator">Random source.</param>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, string mode = "fan_in",
        string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        int fan = Fan(tensor, mode, "KaimingNormal_");
        if (fan == 0) return tensor;
        return Normal_(tensor, 0, CalculateGain(nonlinearity, a) / Math.Sqrt(fan), generator);
    }

    /// <summary>Glorot/Xavier uniform: U(-b, b) with <c>b = gain · √(6 / (fan_in + fan_out))</c>.</summary>
    /// <param name="tensor">At least 2-D.</param>
    /// <param name="gain">Scaling factor (see <see cref="CalculateGain"/>).</param>
    /// <param name="generator">Random source.</param>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double bound = gain * Math.Sqrt(6.0 / Math.Max(fanIn + fanOut, 1));
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>Glorot/Xavier normal: N(0, std²) with <c>std = gain · √(2 / (fan_in + fan_out))</c>.</summary>
    /// <param name="tensor">At least 2-D.</param>
    /// <param name="gain">Scaling factor.</param>
    /// <param name="generator">Random source.</param>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal_(tensor, 0, gain * Math.Sqrt(2.0 / Math.Max(fanIn + fanOut, 1)), generator);
    }

    /// <summary>
    /// Fills with samples of N(mean, std²) conditioned on [<paramref name="a"/>, <paramref name="b"/>] (absolute
    /// bounds, as in PyTorch), by inverting the normal CDF of a uniform sample between the bounds' CDF values.
    /// </summary>
    /// <param name="tensor">Any shape.</param>
    /// <param name="mean">Mean of the underlying normal.</param>
    /// <param name="std">Standard deviation of the underlying normal.</param>
    /// <param name="a">Lower bound.</param>
    /// <param name="b">Upper bound.</param>
    /// <param name="generator">Random source.</param>
    public static Tensor TruncNormal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(a < b) || !(std > 0))
            throw new ArgumentException($"TruncNormal_: expected a < b and std > 0, got a={a}, b={b}, std={std}.");
        generator ??= Generator.Default;
        double lo = NormalCdf((a - mean) / std), hi = NormalCdf((b - mean) / std);
        var values = new double[tensor.NumEl];
        for (int i = 0; i < values.Length; i++)
        {
            double u = lo + (hi - lo) * generator.NextDouble();
            values[i] = Math.Clamp(mean + std * InverseNormalCdf(Math.Clamp(u, 1e-300, 1 - 1e-16)), a, b);
        }
        tensor.CopyRaw(Tensor.From(values, tensor.Shape));
        return tensor;
    }

    /// <summary>
    /// Fills with a (semi-)orthogonal matrix scaled by <paramref name="gain"/> (Saxe et al.): the Q of the QR
    /// decomposition of a standard normal matrix, with R's diagonal made positive, as PyTorch does. Dims after the
    /// first are flattened.
    /// </summary>
    /// <param name="tensor">At least 2-D.</param>
    /// <param name="gain">Scaling factor.</param>
    /// <param name="generator">Random source.</param>
    public static Tensor Orthogonal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Dim < 2)
            throw new ArgumentException(
                "Orthogonal_: only tensors with 2 or more dimensions are supported, got " +
                $"{Shapes.Format(tensor.Shape)}.");
        if (tensor.NumEl == 0) return tensor;
        int rows = tensor.Shape[0], cols = tensor.NumEl / rows;
        double[] flat = Tensor.Randn([rows, cols], generator, DType.Float64).ToArray<double>();
        bool transpose = rows < cols;
        int m = transpose ? cols : rows, n = transpose ? rows : cols;   // QR of an m×n matrix, m ≥ n
        var q = new double[m * n];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                q[transpose ? j * n + i : i * n + j] = flat[i * cols + j];
        // Modified Gram-Schmidt, twice per column for stability; R's diagonal comes out positive.
        for (int j = 0; j < n; j++)
        {
            for (int pass = 0; pass < 2; pass++)
                for (int k = 0; k < j; k++)
                {
                    double dot = 0;
                    for (int i = 0; i < m; i++) dot += q[i * n + k] * q[i * n + j];
                    for (int i = 0; i < m; i++) q[i * n + j] -= dot * q[i * n + k];
                }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += q[i * n + j] * q[i * n + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < m; i++) q[i * n + j] /= norm;
        }
        var result = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                result[i * cols + j] = gain * q[transpose ? j * n + i : i * n + j];
        tensor.CopyRaw(Tensor.From(result, tensor.Shape));
        return tensor;
    }

    private static double NormalCdf(double x) => 0.5 * (1 + Ember.Kernels.SpecialFunctions.Erf(x / Math.Sqrt(2)));

    /// <summary>The standard normal quantile (Acklam's algorithm, refined by one Halley step).</summary>
    private static double InverseNormalCdf(double p)
    {
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        double x;
        if (p < 0.02425)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p > 1 - 0.02425)
        {
            double q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else
        {
            double q = p - 0.5, r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        double e = NormalCdf(x) - p, u = e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }
}
