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
        "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"CalculateGain: unsupported nonlinearity '{nonlinearity}'.", nameof(nonlinearity)),
    };

    /// <summary>(fan_in, fan_out) of a weight: dims 1 and 0 times the receptive field size.</summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Dim < 2)
            throw new ArgumentException($"Fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape {Shapes.Format(tensor.Shape)}).");
        int receptive = 1;
        for (int i = 2; i < tensor.Dim; i++) receptive *= tensor.Shape[i];
        return (tensor.Shape[1] * receptive, tensor.Shape[0] * receptive);
    }

    /// <summary>
    /// He/Kaiming uniform: U(-b, b) with <c>b = gain * sqrt(3 / fan)</c>. With <paramref name="a"/> = √5 and
    /// leaky_relu this is PyTorch's default <c>Linear</c>/<c>Conv</c> weight init (b = 1/√fan_in).
    /// </summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        int fan = mode switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            _ => throw new ArgumentException($"KaimingUniform_: mode must be 'fan_in' or 'fan_out', got '{mode}'.", nameof(mode)),
        };
        double gain = CalculateGain(nonlinearity, a);
        double bound = Math.Sqrt(3.0) * (gain / Math.Sqrt(fan));
        return Uniform_(tensor, -bound, bound, generator);
    }
}
