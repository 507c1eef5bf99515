using System;
using System.Collections.Generic;
using Ember.Core;

namespace Ember;

public partial class Tensor
{
    /// <summary>
    /// Einstein summation, e.g. <c>"ij,jk->ik"</c> (matrix product), <c>"bij,bjk->bik"</c> (batched), <c>"ij->ji"</c>,
    /// <c>"ii->"</c> (trace), <c>"ii->i"</c> (diagonal), <c>"i,j->ij"</c> (outer), <c>"ij,ij->i"</c>, <c>"ij->"</c>,
    /// with <c>...</c> for broadcast leading dims and implicit output (labels seen once, sorted) when <c>-&gt;</c> is
    /// absent. Built from Diagonal, Sum, Permute, Reshape and Bmm, so it is differentiable to any order; operands are
    /// contracted left to right. Size-1 dims broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The equation does not fit the operands (the message names the subscript and
    /// shapes).</exception>
    public static Tensor Einsum(string equation, params Tensor[] operands)
    {
        ArgumentNullException.ThrowIfNull(equation);
        ArgumentNullException.ThrowIfNull(operands);
        string eq = equation.Replace(" ", "", StringComparison.Ordinal);
        int arrow = eq.IndexOf("->", StringComparison.Ordinal);
        string lhs = arrow >= 0 ? eq[..arrow] : eq;
        string[] terms = lhs.Split(',');
        if (terms.Length != operands.Length)
            throw new ArgumentException(
                $"einsum: the equation '{equation}' has {terms.Length} operand subscripts but {operands.Length} " +
                "operands were given.");

        int maxEllipsis = 0;
        for (int i = 0; i < terms.Length; i++)
            if (terms[i].Contains("...", StringComparison.Ordinal))
                maxEllipsis = Math.Max(maxEllipsis, operands[i].Dim - (terms[i].Length - 3));
        var labels = new List<char>[terms.Length];
        var counts = new Dictionary<char, int>();
        for (int i = 0; i < terms.Length; i++)
        {
            labels[i] = ParseSubscripts(terms[i], operands[i].Dim, maxEllipsis, equation, i, operands[i]);
            foreach (char c in labels[i]) counts[c] = counts.GetValueOrDefault(c) + 1;
        }

        List<char> output;
        if (arrow >= 0) output = ParseSubscripts(eq[(arrow + 2)..], -1, maxEllipsis, equation, -1, null);
        else
        {
            output = [];
            for (int e = 0; e < maxEllipsis; e++) output.Add(EllipsisLabel(e));
            var once = new List<char>();
            foreach (var (c, n) in counts) if (n == 1 && c < '\u0100') once.Add(c);
            once.Sort();
            output.AddRange(once);
        }
        for (int i = 0; i < output.Count; i++)
        {
            if (!counts.ContainsKey(output[i]))
                throw new ArgumentException(
                    $"einsum: output subscript '{output[i]}' in '{equation}' does not appear in the input subscripts.");
            if (output.IndexOf(output[i]) != i)
                throw new ArgumentException(
                    $"einsum: output subscript '{output[i]}' appears more than once in '{equation}'.");
        }

        Tensor result = operands[0];
        List<char> current = labels[0];
        if (operands.Length == 1)
            (result, current) = ReduceOperand(result, current, new HashSet<char>(output));
        for (int i = 1; i < operands.Length; i++)
        {
            var keep = new HashSet<char>(output);
            for (int j = i + 1; j < operands.Length; j++) keep.UnionWith(labels[j]);
            (result, current) = Contract(result, current, operands[i], labels[i], keep, equation);
        }

        var perm = new int[output.Count];
        bool identity = true;
        for (int i = 0; i < perm.Length; i++) { perm[i] = current.IndexOf(output[i]); identity &= perm[i] == i; }
        return identity ? result : result.Permute(perm);
    }

    private static char EllipsisLabel(int i) => (char)('\u0100' + i);

    private static List<char> ParseSubscripts(string term, int rank, int maxEllipsis, string equation, int operand,
        Tensor? t)
    {
        var result = new List<char>();
        int ell = term.IndexOf("...", StringComparison.Ordinal);
        string before = ell >= 0 ? term[..ell] : term, after = ell >= 0 ? term[(ell + 3)..] : "";
        foreach (char c in before + after)
            if (!char.IsAsciiLetter(c))
                throw new ArgumentException(
                    $"einsum: invalid subscript '{c}' in '{equation}'; subscripts must be letters a-z or A-Z (and " +
                    "'...').");
        int nEll = ell < 0 ? 0 : rank < 0 ? maxEllipsis : rank - before.Length - after.Length;
        if (rank >= 0 && (nEll < 0 || (ell < 0 && term.Length != rank)))
            throw new ArgumentException(
                $"einsum: the subscripts '{term}' of operand {operand} in '{equation}' do not match its {rank} " +
                $"dimensions (shape {Shapes.Format(t!.Raw.Shape)}).");
        result.AddRange(before);
        for (int e = maxEllipsis - nEll; e < maxEllipsis; e++) result.Add(EllipsisLabel(e));
        result.AddRange(after);
        return result;
    }

    /// <summary>Takes diagonals of repeated labels and sums labels not in <paramref name="keep"/>.</summary>
    private static (Tensor, List<char>) ReduceOperand(Tensor t, List<char> labels, HashSet<char> keep)
    {
        labels = [.. labels];
        for (int p = 0; p < labels.Count; p++)
        {
            int q = labels.IndexOf(labels[p], p + 1);
            if (q < 0) continue;
            char c = labels[p];
            t = t.Diagonal(0, p, q);
            labels.RemoveAt(q);
            labels.RemoveAt(p);
            labels.Add(c);
            p = -1;
        }
        for (int d = labels.Count - 1; d >= 0; d--)
        {
            if (keep.Contains(labels[d])) continue;
            t = t.Sum(d);
            labels.RemoveAt(d);
        }
        return (t, labels);
    }

    /// <summary>Contracts two operands into one with labels batch + left + right, via permute/reshape/bmm.</summary>
    private static (Tensor, List<char>) Contract(Tensor a, List<char> la, Tensor b, List<char> lb, HashSet<char> keep,
        string equation)
    {
        (a, la) = ReduceOperand(a, la, [.. keep, .. lb]);
        (b, lb) = ReduceOperand(b, lb, [.. keep, .. la]);
        List<char> batch = [], left = [], contracted = [], right = [];
        foreach (char c in la)
        {
            if (lb.Contains(c)) (keep.Contains(c) ? batch : contracted).Add(c);
            else left.Add(c);
        }
        foreach (char c in lb) if (!la.Contains(c)) right.Add(c);

        // Broadcast size-1 dims of shared labels.
        int[] expandA = [.. a.Raw.Shape];
        int[] expandB = [.. b.Raw.Shape];
        foreach (char c in (List<char>)[.. batch, .. contracted])
        {
            int ia = la.IndexOf(c), ib = lb.IndexOf(c), sa = expandA[ia], sb = expandB[ib];
            if (sa == sb) continue;
            if (sa != 1 && sb != 1)
                throw new ArgumentException(
                    $"einsum: subscript '{c}' has size {sa} in one operand and {sb} in another, which do not " +
                    $"broadcast (shapes {Shapes.Format(a.Raw.Shape)} and {Shapes.Format(b.Raw.Shape)}) in " +
                    $"'{equation}'.");
            if (sa == 1) expandA[ia] = sb; else expandB[ib] = sa;
        }
        if (!a.Raw.Shape.AsSpan().SequenceEqual(expandA)) a = a.Expand(expandA);
        if (!b.Raw.Shape.AsSpan().SequenceEqual(expandB)) b = b.Expand(expandB);

        Tensor a3 = PermuteTo(a, la, [.. batch, .. left, .. contracted]).Reshape(Prod(a, la, batch), Prod(a, la, left),
            Prod(a, la, contracted));
        Tensor b3 = PermuteTo(b, lb, [.. batch, .. contracted, .. right]).Reshape(Prod(b, lb, batch),
            Prod(b, lb, contracted), Prod(b, lb, right));
        var shape = new List<int>();
        foreach (char c in batch) shape.Add(a.Raw.Shape[la.IndexOf(c)]);
        foreach (char c in left) shape.Add(a.Raw.Shape[la.IndexOf(c)]);
        foreach (char c in right) shape.Add(b.Raw.Shape[lb.IndexOf(c)]);
        return (a3.Bmm(b3).Reshape([.. shape]), [.. batch, .. left, .. right]);
    }

    private static int Prod(Tensor t, List<char> labels, List<char> subset)
    {
        int p = 1;
        foreach (char c in subset) p *= t.Raw.Shape[labels.IndexOf(c)];
        return p;
    }

    private static Tensor PermuteTo(Tensor t, List<char> labels, List<char> order)
    {
        var perm = new int[order.Count];
        bool identity = true;
        for (int i = 0; i < perm.Length; i++) { perm[i] = labels.IndexOf(order[i]); identity &= perm[i] == i; }
        return identity ? t : t.Permute(perm);
    }
}
