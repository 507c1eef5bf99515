using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Ember.Core;

namespace Ember.Graph;

/// <summary>
/// Shows the backward graph that lives in a tensor: as an indented tree (<see cref="Format"/>) or as Graphviz DOT
/// (<see cref="ToDot"/>). Leaves print as <c>AccumulateGrad</c> with the parameter's name and shape when names are
/// given (pass <c>model.NamedParameters()</c>); an input that needs no gradient prints as <c>None</c>, as in PyTorch's
/// <c>next_functions</c>.
/// </summary>
public static class GraphPrinter
{
    private const int MaxIndent = 3 * 40;

    /// <summary>
    /// The graph below <paramref name="root"/>'s <c>GradFn</c> as a tree, one node per line. A node reached a second
    /// time (a shared subgraph) is printed once and referred to afterwards; indentation stops growing at depth 40.
    /// </summary>
    public static string Format(Tensor root, IEnumerable<(string Name, Parameter Parameter)>? names = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.GradFn is not Node top)
            return root.RequiresGrad
                ? "AccumulateGrad (a leaf: the graph starts at it)"
                : "(no graph: the tensor does not require grad)";
        var labels = Labels(names);
        var shared = SharedNodes(top);
        var sb = new StringBuilder();
        var seen = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        // Explicit stack of (node, prefix, is-last) so deep graphs print without recursion.
        var stack = new Stack<(Node? Node, string Prefix, bool Last, bool Root)>();
        stack.Push((top, "", true, true));
        while (stack.Count > 0)
        {
            var (node, prefix, last, isRoot) = stack.Pop();
            string branch = isRoot ? "" : prefix + (last ? "└─ " : "├─ ");
            if (node is null)
            {
                sb.Append(branch).AppendLine("None");
                continue;
            }
            if (seen.TryGetValue(node, out int id))
            {
                sb.Append(branch).Append(node.Name).Append(" (#").Append(id.ToString(CultureInfo.InvariantCulture))
                    .AppendLine(", shown above)");
                continue;
            }
            id = seen.Count + 1;
            seen[node] = id;
            sb.Append(branch).Append(Describe(node, labels));
            if (shared.Contains(node)) sb.Append(" #").Append(id.ToString(CultureInfo.InvariantCulture));
            sb.AppendLine();
            // Indentation stops growing after 40 levels, so a very deep chain prints in linear space.
            string childPrefix = isRoot ? "" : prefix.Length >= MaxIndent ? prefix : prefix + (last ? "   " : "│  ");
            for (int i = node.NumInputs - 1; i >= 0; i--)
                stack.Push((node.NextEdge(i).Function, childPrefix, i == node.NumInputs - 1, false));
        }
        return sb.ToString().TrimEnd('\n', '\r');
    }

    /// <summary>
    /// The graph in Graphviz's DOT language (render with <c>dot -Tpng</c>); edges point from each node to where its
    /// gradients go.
    /// </summary>
    public static string ToDot(Tensor root, IEnumerable<(string Name, Parameter Parameter)>? names = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        var labels = Labels(names);
        var sb = new StringBuilder("digraph backward {\n  node [shape=box, fontname=\"Helvetica\"];\n");
        if (root.GradFn is Node top)
        {
            var ids = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance) { [top] = 0 };
            var queue = new Queue<Node>();
            queue.Enqueue(top);
            int noneCount = 0;
            while (queue.Count > 0)
            {
                Node n = queue.Dequeue();
                int id = ids[n];
                string fill = n is AccumulateGrad ? ", style=filled, fillcolor=lightblue" : "";
                sb.Append("  n").Append(id.ToString(CultureInfo.InvariantCulture))
                    .Append(" [label=\"").Append(Escape(Describe(n, labels))).Append('"').Append(fill).AppendLine("];");
                for (int i = 0; i < n.NumInputs; i++)
                {
                    Node? next = n.NextEdge(i).Function;
                    if (next is null)
                    {
                        string none = "none" + (noneCount++).ToString(CultureInfo.InvariantCulture);
                        sb.Append("  ").Append(none).AppendLine(" [label=\"None\", shape=plaintext];");
                        sb.Append("  n").Append(id.ToString(CultureInfo.InvariantCulture))
                            .Append(" -> ").Append(none).AppendLine(";");
                        continue;
                    }
                    if (!ids.TryGetValue(next, out int nid))
                    {
                        nid = ids.Count;
                        ids[next] = nid;
                        queue.Enqueue(next);
                    }
                    sb.Append("  n").Append(id.ToString(CultureInfo.InvariantCulture))
                        .Append(" -> n").Append(nid.ToString(CultureInfo.InvariantCulture)).AppendLine(";");
                }
            }
        }
        return sb.Append('}').ToString();
    }

    private static Dictionary<Tensor, string> Labels(IEnumerable<(string Name, Parameter Parameter)>? names)
    {
        var labels = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        if (names is not null)
            foreach (var (name, p) in names) labels.TryAdd(p, name);
        return labels;
    }

    private static string Describe(Node node, Dictionary<Tensor, string> labels)
    {
        if (node is not AccumulateGrad acc) return node.Name;
        string shape = Shapes.Format(acc.Variable.Shape);
        return labels.TryGetValue(acc.Variable, out string? name)
            ? $"AccumulateGrad ({name} {shape})"
            : $"AccumulateGrad ({shape})";
    }

    /// <summary>Nodes that more than one edge leads to (they print once, then by reference).</summary>
    private static HashSet<Node> SharedNodes(Node top)
    {
        var count = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance) { [top] = 1 };
        var stack = new Stack<Node>();
        stack.Push(top);
        while (stack.Count > 0)
        {
            Node n = stack.Pop();
            for (int i = 0; i < n.NumInputs; i++)
            {
                if (n.NextEdge(i).Function is not Node next) continue;
                if (count.TryGetValue(next, out int c)) count[next] = c + 1;
                else { count[next] = 1; stack.Push(next); }
            }
        }
        var shared = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var (node, c) in count) if (c > 1) shared.Add(node);
        return shared;
    }

    private static string Escape(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
