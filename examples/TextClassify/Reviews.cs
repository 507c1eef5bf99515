using System;
using System.Collections.Generic;

/// <summary>
/// A generated sentiment corpus of short English reviews ("the plot was not very good , but the cast felt superb").
/// No Debian package ships a small labelled text corpus and the example must run offline, so the reviews are drawn
/// from a small grammar with a fixed seed. The label depends on word order, as real sentiment does: negation flips a
/// clause ("not good" is negative, "not bad" positive) and in "A , but B" the clause after "but" decides. A
/// bag-of-words model sees the same words in "good , but not bad" and "not good , but bad", so it cannot separate
/// them; a sequence model can. Every review also carries filler words that say nothing about the label.
/// </summary>
static class Reviews
{
    private static readonly string[] Subjects =
        ["the movie", "the film", "this show", "the plot", "the acting", "the ending", "the story", "the cast",
         "the music", "the script", "the dialogue", "the pacing"];

    private static readonly string[] Verbs = ["was", "is", "seemed", "felt", "looked", "turned out"];

    private static readonly string[] Intensifiers = ["", "", "really", "very", "quite", "rather", "truly", "so"];

    private static readonly string[] Positive =
        ["good", "great", "fun", "moving", "brilliant", "charming", "clever", "superb", "gripping", "lovely"];

    private static readonly string[] Negative =
        ["bad", "dull", "boring", "awful", "weak", "clumsy", "tedious", "bland", "messy", "silly"];

    private static readonly string[] Openers =
        ["", "", "", "honestly ,", "i think", "overall ,", "to be fair ,", "in my view", "well ,", "sadly ,",
         "luckily ,"];

    private static readonly string[] Closers =
        ["", "", "", ".", "!", "for me .", "in the end .", "if you ask me .", "all things considered ."];

    /// <summary>Draws <paramref name="count"/> labelled reviews (1 positive, 0 negative), balanced on average.
    /// </summary>
    public static List<(string Text, int Label)> Generate(int count, int seed)
    {
        var rng = new Random(seed);
        var reviews = new List<(string, int)>(count);
        for (int n = 0; n < count; n++)
        {
            string Pick(string[] words) => words[rng.Next(words.Length)];
            // One clause with the sentiment `positive`: a polar adjective, negated a third of the time.
            string Clause(bool positive)
            {
                bool negate = rng.Next(3) == 0;
                string adj = Pick(positive != negate ? Positive : Negative);
                string intens = Pick(Intensifiers);
                string text = $"{Pick(Subjects)} {Pick(Verbs)}{(negate ? " not" : "")}";
                return $"{text}{(intens.Length > 0 ? " " + intens : "")} {adj}";
            }
            bool label = rng.Next(2) == 1;
            string body = rng.Next(10) switch
            {
                < 5 => Clause(label),                                   // one clause
                < 8 => $"{Clause(!label)} , but {Clause(label)}",      // the clause after "but" decides
                _ => $"{Clause(label)} and {Clause(label)}",            // two clauses that agree
            };
            string opener = Pick(Openers), closer = Pick(Closers);
            string review = (opener.Length > 0 ? opener + " " : "") + body + (closer.Length > 0 ? " " + closer : "");
            reviews.Add((review, label ? 1 : 0));
        }
        return reviews;
    }
}
