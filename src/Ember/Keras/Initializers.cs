using System;
using Ember.Core;
using Ember.NN;

namespace Ember.Keras;

/// <summary>
/// A Keras-style weight initializer (<c>keras.initializers</c>). It fills a tensor in place, outside the graph. Fans
/// are read from PyTorch's layout (<c>[out, in, *kernel]</c>), which gives the same numbers Keras computes from its own
/// <c>[*kernel, in, out]</c> layout; a 1-D tensor has fan-in = fan-out = its length, as in Keras. A string converts
/// to the initializer of that Keras name (<c>"glorot_uniform"</c>, <c>"zeros"</c>, ...).
/// </summary>
public abstract class Initializer
{
    /// <summary>The Keras name of this initializer (e.g. <c>glorot_uniform</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Fills <paramref name="tensor"/> in place and returns it.</summary>
    /// <param name="tensor">The tensor to fill (a parameter).</param>
    /// <param name="generator">Random source (the default generator otherwise).</param>
    public abstract Tensor Fill(Tensor tensor, Generator? generator = null);

    /// <summary>The initializer of Keras name <paramref name="name"/> (see <see cref="FromName"/>).</summary>
    public static implicit operator Initializer(string name) => FromName(name);

    /// <summary>
    /// The initializer of a Keras name with Keras's defaults: <c>zeros</c>, <c>ones</c>, <c>random_normal</c>,
    /// <c>random_uniform</c>, <c>glorot_uniform</c>, <c>glorot_normal</c>, <c>he_normal</c>, <c>he_uniform</c>,
    /// <c>lecun_normal</c>, <c>orthogonal</c> (CamelCase class names are accepted too).
    /// </summary>
    public static Initializer FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant() switch
        {
            "ZEROS" => new Zeros(),
            "ONES" => new Ones(),
            "RANDOMNORMAL" => new RandomNormal(),
            "RANDOMUNIFORM" => new RandomUniform(),
            "GLOROTUNIFORM" => new GlorotUniform(),
            "GLOROTNORMAL" => new GlorotNormal(),
            "HENORMAL" => new HeNormal(),
            "HEUNIFORM" => new HeUniform(),
            "LECUNNORMAL" => new LecunNormal(),
            "ORTHOGONAL" => new Orthogonal(),
            _ => throw new ArgumentException($"Initializer: unknown Keras initializer '{name}'. Known: zeros, ones, " +
                "random_normal, random_uniform, glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, " +
                "orthogonal.", nameof(name)),
        };
    }

    /// <summary>(fan_in, fan_out) as Keras computes them, read from PyTorch's layout.</summary>
    public static (int FanIn, int FanOut) Fans(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Dim == 0) return (1, 1);
        if (tensor.Dim == 1) return (tensor.Shape[0], tensor.Shape[0]);
        return Init.CalculateFanInAndFanOut(tensor);
    }

    /// <summary>Keras's truncated normal: N(mean, std²) cut at two standard deviations.</summary>
    private protected static Tensor TruncatedNormal(Tensor tensor, double mean, double std, Generator? generator) =>
        Init.TruncNormal_(tensor, mean, std, mean - 2 * std, mean + 2 * std, generator);

    /// <summary>The standard deviation of N(0,1) truncated at ±2, by which Keras's variance-scaling divides.</summary>
    private protected const double TruncatedStd = 0.87962566103423978;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Fills with N(<see cref="Mean"/>, <see cref="Stddev"/>²); Keras's defaults are mean 0, stddev
/// 0.05.</summary>
/// <param name="mean">Mean of the normal.</param>
/// <param name="stddev">Its standard deviation.</param>
public sealed class RandomNormal(double mean = 0, double stddev = 0.05) : Initializer
{
    /// <summary>Mean of the normal.</summary>
    public double Mean { get; } = mean;

    /// <summary>Standard deviation of the normal.</summary>
    public double Stddev { get; } = stddev;

    /// <inheritdoc/>
    public override string Name => "random_normal";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null) =>
        Init.Normal_(tensor, Mean, Stddev, generator);
}

/// <summary>Fills with U(<see cref="Minval"/>, <see cref="Maxval"/>); Keras's defaults are -0.05 and 0.05.</summary>
/// <param name="minval">Lower bound.</param>
/// <param name="maxval">Upper bound.</param>
public sealed class RandomUniform(double minval = -0.05, double maxval = 0.05) : Initializer
{
    /// <summary>Lower bound.</summary>
    public double Minval { get; } = minval;

    /// <summary>Upper bound.</summary>
    public double Maxval { get; } = maxval;

    /// <inheritdoc/>
    public override string Name => "random_uniform";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null) =>
        Init.Uniform_(tensor, Minval, Maxval, generator);
}

/// <summary>Glorot (Xavier) uniform, Keras's default kernel initializer: U(-b, b), b = √(6 / (fan_in +
/// fan_out)).</summary>
public sealed class GlorotUniform : Initializer
{
    /// <inheritdoc/>
    public override string Name => "glorot_uniform";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null)
    {
        var (fanIn, fanOut) = Fans(tensor);
        double bound = Math.Sqrt(6.0 / Math.Max(fanIn + fanOut, 1));
        return Init.Uniform_(tensor, -bound, bound, generator);
    }
}

/// <summary>Glorot normal as Keras draws it: truncated normal, std = √(2 / (fan_in + fan_out)) / 0.8796.</summary>
public sealed class GlorotNormal : Initializer
{
    /// <inheritdoc/>
    public override string Name => "glorot_normal";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null)
    {
        var (fanIn, fanOut) = Fans(tensor);
        return TruncatedNormal(tensor, 0, Math.Sqrt(2.0 / Math.Max(fanIn + fanOut, 1)) / TruncatedStd, generator);
    }
}

/// <summary>He normal as Keras draws it: truncated normal, std = √(2 / fan_in) / 0.8796.</summary>
public sealed class HeNormal : Initializer
{
    /// <inheritdoc/>
    public override string Name => "he_normal";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null) =>
        TruncatedNormal(tensor, 0, Math.Sqrt(2.0 / Math.Max(Fans(tensor).FanIn, 1)) / TruncatedStd, generator);
}

/// <summary>He uniform: U(-b, b), b = √(6 / fan_in).</summary>
public sealed class HeUniform : Initializer
{
    /// <inheritdoc/>
    public override string Name => "he_uniform";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null)
    {
        double bound = Math.Sqrt(6.0 / Math.Max(Fans(tensor).FanIn, 1));
        return Init.Uniform_(tensor, -bound, bound, generator);
    }
}

/// <summary>LeCun normal as Keras draws it: truncated normal, std = √(1 / fan_in) / 0.8796.</summary>
public sealed class LecunNormal : Initializer
{
    /// <inheritdoc/>
    public override string Name => "lecun_normal";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null) =>
        TruncatedNormal(tensor, 0, Math.Sqrt(1.0 / Math.Max(Fans(tensor).FanIn, 1)) / TruncatedStd, generator);
}

/// <summary>Fills with zeros (Keras's default bias initializer).</summary>
public sealed class Zeros : Initializer
{
    /// <inheritdoc/>
    public override string Name => "zeros";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null) => Init.Zeros_(tensor);
}

/// <summary>Fills with ones.</summary>
public sealed class Ones : Initializer
{
    /// <inheritdoc/>
    public override string Name => "ones";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null) => Init.Ones_(tensor);
}

/// <summary>Fills with <see cref="Value"/>.</summary>
/// <param name="value">The constant.</param>
public sealed class Constant(double value = 0) : Initializer
{
    /// <summary>The constant.</summary>
    public double Value { get; } = value;

    /// <inheritdoc/>
    public override string Name => "constant";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null) => Init.Constant_(tensor, Value);
}

/// <summary>A (semi-)orthogonal matrix times <see cref="Gain"/> (rows of PyTorch's layout orthonormal).</summary>
/// <param name="gain">Scaling factor.</param>
public sealed class Orthogonal(double gain = 1) : Initializer
{
    /// <summary>Scaling factor.</summary>
    public double Gain { get; } = gain;

    /// <inheritdoc/>
    public override string Name => "orthogonal";

    /// <inheritdoc/>
    public override Tensor Fill(Tensor tensor, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Dim < 2)
            throw new ArgumentException(
                $"Orthogonal: expected a tensor of 2 or more dims, got {Shapes.Format(tensor.Shape)}.");
        return Init.Orthogonal_(tensor, Gain, generator);
    }
}
