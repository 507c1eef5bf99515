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
