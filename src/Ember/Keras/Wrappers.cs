using System;
using Ember.NN;

namespace Ember.Keras;

/// <summary>Keras's <c>Flatten</c>: <c>(N, *)</c> to <c>(N, prod(*))</c>, a thin constructor over
/// <c>Ember.NN.Flatten</c>.</summary>
/// <param name="name">The layer name, or null for <c>flatten</c>, <c>flatten_1</c>, ...</param>
public sealed class Flatten(string? name = null) : NN.Flatten(1, -1), IKerasLayer
{
    /// <inheritdoc/>
    public string? Name { get; } = name;

    /// <inheritdoc/>
    public string DefaultName => "flatten";
}

/// <summary>
/// Keras's <c>Dropout</c>: zeroes a <paramref name="rate"/> fraction of inputs in training and scales the rest by
/// 1/(1-rate); identity in evaluation. A thin constructor over <c>Ember.NN.Dropout</c>.
/// </summary>
/// <param name="rate">The fraction of inputs to drop.</param>
/// <param name="name">The layer name, or null for a generated one.</param>
/// <param name="generator">Random source for the masks.</param>
public sealed class Dropout(double rate, string? name = null, Generator? generator = null)
    : NN.Dropout(rate, generator), IKerasLayer
{
    /// <inheritdoc/>
    public string? Name { get; } = name;

    /// <inheritdoc/>
    public string DefaultName => "dropout";
}

/// <summary>
/// Keras's <c>Embedding</c>: token ids <c>(N, *)</c> to vectors <c>(N, *, outputDim)</c>. A thin constructor over
/// <c>Ember.NN.Embedding</c> that draws the table with Keras's default, U(-0.05, 0.05).
/// </summary>
public sealed class Embedding : NN.Embedding, IKerasLayer
{
    /// <summary>Creates the table.</summary>
    /// <param name="inputDim">Vocabulary size.</param>
    /// <param name="outputDim">Vector size.</param>
    /// <param name="embeddingsInitializer">The table's initializer (uniform ±0.05 by default).</param>
    /// <param name="name">The layer name, or null for a generated one.</param>
    /// <param name="dtype">Table dtype.</param>
    /// <param name="generator">Random source for the initializer.</param>
    public Embedding(int inputDim, int outputDim, Initializer? embeddingsInitializer = null, string? name = null,
        DType dtype = DType.Float32, Generator? generator = null)
        : base(inputDim, outputDim, null, dtype, generator)
    {
        Name = name;
        (embeddingsInitializer ?? new RandomUniform()).Fill(Weight, generator);
    }

    /// <inheritdoc/>
    public string? Name { get; }

    /// <inheritdoc/>
    public string DefaultName => "embedding";
}
