using System;
using System.Globalization;
using Ember.NN;

namespace Ember.Keras;

/// <summary>
/// Keras's <c>Dense</c>: <c>activation(x Wᵀ + b)</c> with the input size learned on first use. The weight keeps
/// PyTorch's layout <c>[Units, in]</c> (state dict keys <c>weight</c>, <c>bias</c>, loadable into <c>Linear</c>);
/// Keras's defaults: glorot-uniform weight, zero bias, no activation.
/// </summary>
/// <example><code>new Dense(200, activation: "relu", kernelInitializer: new RandomNormal(mean: 1))</code></example>
public sealed class Dense : LazyLayer
{
    private readonly Module? _activation;

    /// <summary>Creates the layer with an activation given by Keras name.</summary>
    /// <param name="units">Output size.</param>
    /// <param name="activation">A Keras activation name (<c>"relu"</c>, <c>"softmax"</c>, ...) or null for
    /// none.</param>
    /// <param name="useBias">Whether to learn a bias.</param>
    /// <param name="kernelInitializer">The weight initializer (glorot-uniform by default).</param>
    /// <param name="biasInitializer">The bias initializer (zeros by default).</param>
    /// <param name="name">The layer name, or null for <c>dense</c>, <c>dense_1</c>, ...</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initializers (the default generator otherwise).</param>
    public Dense(int units, string? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, string? name = null, DType dtype = DType.Float32,
        Generator? generator = null)
        : this(units, Activations.Get(activation), useBias, kernelInitializer, biasInitializer, name, dtype,
            generator) => ActivationName = activation ?? "linear";

    /// <summary>Creates the layer with an activation module.</summary>
    /// <param name="units">Output size.</param>
    /// <param name="activation">A tensor-to-tensor module applied to the output, or null.</param>
    /// <param name="useBias">Whether to learn a bias.</param>
    /// <param name="kernelInitializer">The weight initializer (glorot-uniform by default).</param>
    /// <param name="biasInitializer">The bias initializer (zeros by default).</param>
    /// <param name="name">The layer name, or null for a generated one.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random source for the initializers.</param>
    public Dense(int units, Module? activation, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, string? name = null, DType dtype = DType.Float32,
        Generator? generator = null)
        : base(name, dtype)
    {
        if (units <= 0) throw new ArgumentException($"Dense: units must be positive, got {units}.", nameof(units));
        Units = units;
        UseBias = useBias;
        _activation = activation;
        ActivationName = activation is null ? "linear" : null;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        Generator = generator;
        Weight = Parameter.Uninitialized(dtype);
        Bias = useBias ? Parameter.Uninitialized(dtype) : null;
    }

    /// <summary>Output size.</summary>
    public int Units { get; }

    /// <summary>The Keras activation name given at construction (null for an activation module); whole-model saving
    /// records it.</summary>
    internal string? ActivationName { get; }

    /// <summary>The activation applied to the output, or null.</summary>
    internal Module? ActivationModule => _activation;

    /// <summary>Whether the layer learns a bias.</summary>
    public bool UseBias { get; }

    /// <summary>The weight initializer.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>The bias initializer.</summary>
    public Initializer BiasInitializer { get; }

    private Generator? Generator { get; }

    /// <summary>The weight, <c>[Units, in]</c> (an empty placeholder until built).</summary>
    public Parameter Weight { get; private set; }

    /// <summary>The bias, <c>[Units]</c>, or null.</summary>
    public Parameter? Bias { get; private set; }

    /// <inheritdoc/>
    public override string DefaultName => "dense";

    /// <inheritdoc/>
    protected override void CreateParameters(int[] inputShape)
    {
        if (inputShape.Length == 0)
            throw new ArgumentException(
                "Dense: expected inputs with at least one feature dim, got per-sample shape ().");
        int inFeatures = inputShape[^1];
        Weight = new Parameter(Tensor.Zeros([Units, inFeatures], DType));
        KernelInitializer.Fill(Weight, Generator);
        if (UseBias)
        {
            Bias = new Parameter(Tensor.Zeros([Units], DType));
            BiasInitializer.Fill(Bias, Generator);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        EnsureBuilt();
        CheckLastDim(input, Weight.Shape[1]);
        Tensor y = F.Linear(input, Weight, Bias);
        return _activation is null ? y : _activation.Call(y);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"units={Units}, in_features={(Built ? Weight.Shape[1].ToString(CultureInfo.InvariantCulture) : "?")}" +
        $", activation={_activation?.GetType().Name ?? "linear"}";
}
