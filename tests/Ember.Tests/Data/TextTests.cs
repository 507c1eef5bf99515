using System;
using Ember.Data;
using Ember.NN;

namespace Ember.Tests.Data;

/// <summary>The text helpers: tokenizer, vocabulary and padding collate (feeding an Embedding + LSTM).</summary>
public class TextTests
{
    [Fact]
    public void TokenizerSplitsWordsAndPunctuation()
    {
        Assert.Equal(["don't", "stop", ",", "it's", "3", "pm", "!", "ok", "'", "x"],
            SimpleTokenizer.Tokenize("Don't STOP, it's 3 pm!  ok 'x"));
        Assert.Equal(["Hello", "."], SimpleTokenizer.Tokenize("Hello.", lowercase: false));
        Assert.Empty(SimpleTokenizer.Tokenize("   "));
    }

    [Fact]
    public void VocabularyOrdersByFrequencyWithSpecialsFirst()
    {
        string[][] docs = [["b", "a", "c"], ["a", "b", "a"], ["d"]];
        var v = Vocabulary.Build(docs, minFreq: 2);
        Assert.Equal(4, v.Count);
        Assert.Equal(["<pad>", "<unk>", "a", "b"], [v.Token(0), v.Token(1), v.Token(2), v.Token(3)]);
        Assert.Equal([2, 3, 1, 0], v.Encode(["a", "b", "zzz", "<pad>"]));
        Assert.False(v.Contains("c"));
        var all = Vocabulary.Build(docs, maxSize: 3);
        Assert.Equal(3, all.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Token(4));
        Assert.Throws<ArgumentException>(() => Vocabulary.Build(docs, minFreq: 0));
    }

    [Fact]
    public void PadCollateFeedsAnEmbeddingAndLstmWithLengths()
    {
        int[][] seqs = [[5, 6, 7], [8], [9, 4]];
        var (tokens, lengths) = TextCollate.Pad(seqs);
        Assert.Equal([3, 3], tokens.Shape.ToArray());
        Assert.Equal(DType.Int64, tokens.DType);
        Assert.Equal([5L, 6, 7, 8, 0, 0, 9, 4, 0], tokens.ToArray<long>());
        Assert.Equal([3, 1, 2], lengths);
        var (seqFirst, _) = TextCollate.Pad(seqs, padIndex: 1, batchFirst: false, maxLength: 2);
        Assert.Equal([5L, 8, 9, 6, 1, 4], seqFirst.ToArray<long>());
        var emb = new Embedding(10, 4);
        var lstm = new LSTM(4, 3, batchFirst: true);
        var (output, (h, _)) = lstm.Call(emb.Call(tokens), lengths);
        Assert.Equal([3, 3, 3], output.Shape.ToArray());
        Assert.Equal([1, 3, 3], h.Shape.ToArray());
        Assert.Throws<ArgumentException>(() => TextCollate.Pad([[1], []]));
    }
}
