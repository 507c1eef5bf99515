using System;
using Ember;
using Ember.NN;

/// <summary>
/// A classifier of padded token batches <c>(B, T)</c> with each sentence's length; returns logits (B, 2).
/// </summary>
abstract class TextModel : Module<(Tensor Tokens, int[] Lengths), Tensor>
{
}

/// <summary>Embedding → LSTM over each sentence's real length → the final hidden state → Linear.</summary>
sealed class LstmClassifier(int vocabSize, int embedDim, int hiddenSize, Generator generator) : TextModel
{
    private readonly Embedding embedding = new(vocabSize, embedDim, paddingIdx: 0, generator: generator);
    private readonly LSTM lstm = new(embedDim, hiddenSize, batchFirst: true, generator: generator);
    private readonly Linear fc = new(hiddenSize, 2, generator: generator);

    public override Tensor Forward((Tensor Tokens, int[] Lengths) input)
    {
        var (_, (h, _)) = lstm.Call(embedding.Call(input.Tokens), input.Lengths);
        return fc.Call(h.Select(0, 0));   // h_n: (layers, B, H); the last real step of each sentence
    }
}

/// <summary>
/// Token + learned position embeddings → one Transformer encoder layer (padding masked out) → the mean over each
/// sentence's tokens → Linear.
/// </summary>
sealed class TransformerClassifier(int vocabSize, int dModel, int nhead, int dimFeedforward, int maxLength,
    Generator generator) : TextModel
{
    private readonly Embedding embedding = new(vocabSize, dModel, paddingIdx: 0, generator: generator);
    private readonly Embedding position = new(maxLength, dModel, generator: generator);
    private readonly TransformerEncoderLayer encoder = new(dModel, nhead, dimFeedforward, dropout: 0.0,
        batchFirst: true, generator: generator);
    private readonly Linear fc = new(dModel, 2, generator: generator);

    public override Tensor Forward((Tensor Tokens, int[] Lengths) input)
    {
        int batch = input.Tokens.Size(0), steps = input.Tokens.Size(1);
        if (steps > position.NumEmbeddings)
            throw new ArgumentException(
                $"TransformerClassifier: sentences of {steps} tokens exceed {position.NumEmbeddings} positions.");
        var positions = new long[batch * steps];
        var padded = new bool[batch * steps];
        var keep = new float[batch * steps];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
            {
                positions[b * steps + t] = t;
                padded[b * steps + t] = t >= input.Lengths[b];
                keep[b * steps + t] = t < input.Lengths[b] ? 1f / input.Lengths[b] : 0f;
            }
        Tensor x = embedding.Call(input.Tokens) + position.Call(Tensor.From(positions, [batch, steps]));
        Tensor y = encoder.Call(x, srcKeyPaddingMask: Tensor.From(padded, [batch, steps]));
        Tensor pooled = (y * Tensor.From(keep, [batch, steps, 1])).Sum(1);   // mean over real tokens
        return fc.Call(pooled);
    }
}
