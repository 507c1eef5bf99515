using System;
namespace Ember.NN;

/// <summary>Applies <c>max(x, 0)</c> element-wise. Input and output <c>(*)</c>.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.ReLU();
}

/// <summary>Applies the logistic sigmoid element-wise.</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}

/// <summary>Applies tanh element-wise.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Tanh();
}

/// <summary>Applies softmax along <see cref="Dim"/>.</summary>
public sealed class Softmax(int dim) : Module
{
    /// <summary>The dimension softmax is taken over.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Softmax(Dim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Applies log-softmax along <see cref="Dim"/>.</summary>
public sealed class LogSoftmax(int dim) : Module
{
    /// <summary>The dimension log-softmax is taken over.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.LogSoftmax(Dim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>GELU: <c>x·Φ(x)</c> (exact, or PyTorch's tanh approximation with <c>approximate: "tanh"</c>).</summary>
public sealed class GELU(string approximate = "none") : Module
{
    /// <summary>"none" or "tanh".</summary>
    public string Approximate { get; } = approximate is "none" or "tanh" ? approximate
        : throw new System.ArgumentException(
            $"GELU: approximate must be 'none' or 'tanh', got '{approximate}'.", nameof(approximate));

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.GELU(input, Approximate);

    /// <inheritdoc/>
    protected override string ExtraRepr() => Approximate == "none" ? "approximate='none'" : "approximate='tanh'";
}

/// <summary>SiLU (swish): <c>x·σ(x)</c>.</summary>
public sealed class SiLU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.SiLU(input);
}

/// <summary>LeakyReLU: <c>x</c> for positive x, <c>NegativeSlope·x</c> otherwise.</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.LeakyReLU(input, NegativeSlope);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"negative_slope={NegativeSlope}");
}

/// <summary>ELU: <c>x</c> for positive x, <c>Alpha·(eˣ - 1)</c> otherwise.</summary>
public sealed class ELU(double alpha = 1) : Module
{
    /// <summary>The saturation value for negative inputs.</summary>
    public double Alpha { get; } = alpha;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.ELU(input, Alpha);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"alpha={Alpha}");
}

/// <summary>Softplus: <c>ln(1 + e^(βx))/β</c>.</summary>
public sealed class Softplus(double beta = 1, double threshold = 20) : Module
{
    /// <summary>β.</summary>
    public double Beta { get; } = beta;
    /// <summary>Above β·x &gt; threshold the function is linear.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Softplus(input, Beta, Threshold);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"beta={Beta}, threshold={Threshold}");
}

/// <summary>Hardtanh: clamps to [MinVal, MaxVal].</summary>
public sealed class Hardtanh(double minVal = -1, double maxVal = 1) : Module
{
    /// <summary>Lower bound.</summary>
    public double MinVal { get; } = minVal;
    /// <summary>Upper bound.</summary>
    public double MaxVal { get; } = maxVal;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Hardtanh(input, MinVal, MaxVal);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"min_val={MinVal}, max_val={MaxVal}");
}
