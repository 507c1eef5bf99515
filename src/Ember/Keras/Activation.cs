using System;
using Ember.NN;

namespace Ember.Keras;

/// <summary>
/// Keras's activation names as modules: <c>relu</c>, <c>sigmoid</c>, <c>tanh</c>, <c>softmax</c>,
/// <c>log_softmax</c>, <c>gelu</c>, <c>elu</c>, <c>selu</c>, <c>softplus</c>, <c>silu</c>/<c>swish</c>,
/// <c>leaky_relu</c>, <c>exponential</c> and <c>linear</c> (identity). Softmax is over the last axis, as in Keras.
/// </summary>
public static class Activations
{
    /// <summary>The module for Keras activation <paramref name="name"/>; null or <c>linear</c> gives null
    /// (identity).</summary>
    public static Module? Get(string? name) => name switch
    {
        null or "linear" or "" => null,
        "relu" => new ReLU(),
        "sigmoid" => new Sigmoid(),
        "tanh" => new Tanh(),
        "softmax" => new Softmax(-1),
        "log_softmax" => new LogSoftmax(-1),
        "gelu" => new GELU(),
        "elu" => new ELU(),
        "selu" => new Lambda("selu", static x => F.ELU(x, 1.6732632423543772) * 1.0507009873554805),
        "softplus" => new Softplus(),
        "silu" or "swish" => new SiLU(),
        "leaky_relu" => new LeakyReLU(0.2),
        "exponential" => new Lambda("exponential", static x => x.Exp()),
        _ => throw new ArgumentException($"Keras activation: unknown name '{name}'. Known: relu, sigmoid, tanh, " +
            "softmax, log_softmax, gelu, elu, selu, softplus, silu, swish, leaky_relu, exponential, linear.",
            nameof(name)),
    };

    private sealed class Lambda(string name, Func<Tensor, Tensor> fn) : Module
    {
        public override Tensor Forward(Tensor input) => fn(input);

        protected override string ExtraRepr() => name;
    }
}

/// <summary>Keras's <c>Activation</c> layer: applies an activation given by name or as a module.</summary>
public sealed class Activation : Module, IKerasLayer
{
    private readonly Module? _fn;

    /// <summary>Applies Keras activation <paramref name="activation"/> (e.g. <c>"relu"</c>).</summary>
    /// <param name="activation">A Keras activation name (see <see cref="Activations.Get"/>).</param>
    /// <param name="name">The layer name, or null for <c>activation</c>, <c>activation_1</c>, ...</param>
    public Activation(string activation, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(activation);
        _fn = Activations.Get(activation);
        ActivationName = activation;
        Name = name;
    }

    /// <summary>Applies <paramref name="activation"/>.</summary>
    /// <param name="activation">Any tensor-to-tensor module.</param>
    /// <param name="name">The layer name, or null for a generated one.</param>
    public Activation(Module activation, string? name = null)
    {
        _fn = activation ?? throw new ArgumentNullException(nameof(activation));
        Name = name;
    }

    /// <inheritdoc/>
    public string? Name { get; }

    /// <inheritdoc/>
    public string DefaultName => "activation";

    /// <summary>The Keras activation name given at construction (null for a module); whole-model saving records
    /// it.</summary>
    internal string? ActivationName { get; }

    /// <summary>The activation module (null for <c>linear</c>).</summary>
    internal Module? ActivationModule => _fn;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => _fn is null ? input : _fn.Call(input);
}
