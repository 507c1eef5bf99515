using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Ember.Data;

/// <summary>
/// A simple word tokenizer: runs of letters and digits (with inner apostrophes, as in <c>don't</c>) are tokens,
/// every other non-space character is a token of its own, whitespace separates. For subword tokenizers (BPE,
/// WordPiece) use a maintained library such as <c>Microsoft.ML.Tokenizers</c> and feed its token strings (or ids)
/// to <see cref="Vocabulary"/> / <see cref="TextCollate"/>; Ember does not reimplement them.
/// </summary>
public static class SimpleTokenizer
{
    /// <summary>The tokens of <paramref name="text"/>, lower-cased (invariant culture) unless told otherwise.</summary>
    public static List<string> Tokenize(string text, bool lowercase = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var word = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            bool inner = ch == '\'' && word.Length > 0 && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]);
            if (char.IsLetterOrDigit(ch) || inner)
            {
                word.Append(lowercase ? char.ToLowerInvariant(ch) : ch);
                continue;
            }
            Flush();
            if (!char.IsWhiteSpace(ch)) tokens.Add(ch.ToString());
        }
        Flush();
        return tokens;

        void Flush()
        {
            if (word.Length == 0) return;
            tokens.Add(word.ToString());
            word.Clear();
        }
    }
}

/// <summary>
/// A token ↔ index mapping built from a corpus: the padding token is index 0, the unknown token index 1, then the
/// tokens seen at least <c>minFreq</c> times, most frequent first (ties in ordinal order), so the mapping is
/// deterministic. Unknown tokens map to <see cref="UnkIndex"/>.
/// </summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _tokens = [];

    private Vocabulary(string padToken, string unkToken)
    {
        Add(padToken);
        Add(unkToken);
    }

    private void Add(string token)
    {
        if (_index.ContainsKey(token)) return;
        _index[token] = _tokens.Count;
        _tokens.Add(token);
    }

    /// <summary>Builds the vocabulary from tokenized documents.</summary>
    /// <param name="documents">The token sequences (e.g. <see cref="SimpleTokenizer.Tokenize"/> of each text).</param>
    /// <param name="minFreq">Keep tokens seen at least this many times.</param>
    /// <param name="maxSize">At most this many entries, specials included (null: no limit).</param>
    /// <param name="padToken">The padding token (index 0).</param>
    /// <param name="unkToken">The unknown token (index 1).</param>
    public static Vocabulary Build(IEnumerable<IEnumerable<string>> documents, int minFreq = 1, int? maxSize = null,
        string padToken = "<pad>", string unkToken = "<unk>")
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (minFreq < 1) throw new ArgumentException($"Vocabulary.Build: minFreq must be at least 1, got {minFreq}.");
        if (maxSize is < 2)
            throw new ArgumentException($"Vocabulary.Build: maxSize must be at least 2, got {maxSize}.");
        if (padToken == unkToken) throw new ArgumentException("Vocabulary.Build: padToken and unkToken must differ.");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var doc in documents)
            foreach (var token in doc)
                counts[token] = counts.TryGetValue(token, out int c) ? c + 1 : 1;
        var kept = new List<KeyValuePair<string, int>>();
        foreach (var kv in counts)
            if (kv.Value >= minFreq && kv.Key != padToken && kv.Key != unkToken) kept.Add(kv);
        kept.Sort(static (a, b) =>
            a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        var vocab = new Vocabulary(padToken, unkToken);
        foreach (var kv in kept)
        {
            if (maxSize is int max && vocab.Count >= max) break;
            vocab.Add(kv.Key);
        }
        return vocab;
    }

    /// <summary>The number of entries (specials included).</summary>
    public int Count => _tokens.Count;

    /// <summary>The index of the padding token (0).</summary>
    public int PadIndex => 0;

    /// <summary>The index of the unknown token (1).</summary>
    public int UnkIndex => 1;

    /// <summary>The index of <paramref name="token"/>, or <see cref="UnkIndex"/> when it has no entry.</summary>
    public int this[string token] => _index.TryGetValue(token, out int i) ? i : UnkIndex;

    /// <summary>Whether <paramref name="token"/> has its own entry.</summary>
    public bool Contains(string token) => _index.ContainsKey(token);

    /// <summary>The token at <paramref name="index"/>.</summary>
    public string Token(int index) => index >= 0 && index < _tokens.Count ? _tokens[index]
        : throw new ArgumentOutOfRangeException(nameof(index),
            $"Vocabulary: index {index} is outside [0, {_tokens.Count}).");

    /// <summary>The indices of <paramref name="tokens"/> (unknown ones map to <see cref="UnkIndex"/>).</summary>
    public int[] Encode(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var ids = new List<int>();
        foreach (var t in tokens) ids.Add(this[t]);
        return ids.ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Vocabulary({Count} tokens)");
}

/// <summary>Batches variable-length token sequences for embeddings and recurrent layers.</summary>
public static class TextCollate
{
    /// <summary>
    /// Pads index sequences to the longest one (or truncates them to <paramref name="maxLength"/>) with
    /// <paramref name="padIndex"/>: returns int64 tokens <c>(B, T)</c> (<c>(T, B)</c> unless
    /// <paramref name="batchFirst"/>) and each sequence's length, ready for <c>LSTM.Call(x, lengths)</c>.
    /// </summary>
    /// <param name="sequences">Token indices per sample; each must be non-empty.</param>
    /// <param name="padIndex">The value of padded positions.</param>
    /// <param name="batchFirst">Whether the batch is the first dimension.</param>
    /// <param name="maxLength">Truncate longer sequences (null: no limit).</param>
    public static (Tensor Tokens, int[] Lengths) Pad(IReadOnlyList<int[]> sequences, int padIndex = 0,
        bool batchFirst = true, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) throw new ArgumentException("TextCollate.Pad: empty batch.", nameof(sequences));
        if (maxLength is < 1)
            throw new ArgumentException($"TextCollate.Pad: maxLength must be positive, got {maxLength}.");
        var lengths = new int[sequences.Count];
        int t = 0;
        for (int b = 0; b < lengths.Length; b++)
        {
            int n = sequences[b]?.Length ?? throw new ArgumentException($"TextCollate.Pad: sequence {b} is null.");
            if (n == 0)
                throw new ArgumentException($"TextCollate.Pad: sequence {b} is empty; every sample needs a token.");
            lengths[b] = maxLength is int m ? Math.Min(n, m) : n;
            t = Math.Max(t, lengths[b]);
        }
        int bsz = lengths.Length;
        var data = new long[bsz * t];
        Array.Fill(data, padIndex);
        for (int b = 0; b < bsz; b++)
            for (int i = 0; i < lengths[b]; i++)
                data[batchFirst ? b * t + i : i * bsz + b] = sequences[b][i];
        return (Tensor.From(data, batchFirst ? [bsz, t] : [t, bsz]), lengths);
    }
}
