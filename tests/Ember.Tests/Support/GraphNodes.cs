using System;
using System.Collections.Generic;
using Ember.Graph;

namespace Ember.Tests.Support;

/// <summary>Looking up nodes of a recorded graph in tests.</summary>
internal static class GraphNodes
{
    /// <summary>The first node reachable from <paramref name="output"/>'s <c>GradFn</c> (itself included) that
    /// <paramref name="match"/> accepts; throws when there is none.</summary>
    public static Node Find(Tensor output, Func<Node, bool> match)
    {
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        stack.Push(output.GradFn!);
        while (stack.Count > 0)
        {
            Node n = stack.Pop();
            if (!seen.Add(n)) continue;
            if (match(n)) return n;
            foreach (Edge e in n.NextFunctions)
                if (e.Function is { } f) stack.Push(f);
        }
        throw new InvalidOperationException("no such node");
    }
}
