using System;
using System.Collections.Generic;
using Ember.Core;

namespace Ember.Graph;

/// <summary>
/// Runs the backward pass: counts, from the roots, how many edges reach each node; then runs nodes whose
/// count has dropped to zero (Kahn's algorithm, no recursion, so graphs of any depth work), summing the
/// gradients that arrive at the same input. The engine, not each formula, reduces a broadcast gradient to
/// its input's shape, casts it to the input's dtype, and frees saved tensors as it goes.
/// </summary>
internal static class Engine
{
    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph, bool createGraph)
    {
        Edge rootEdge = root.GradientEdge();
        if (rootEdge.Function is null)
            throw new InvalidOperationException(
                "Backward: element 0 of tensors does not require grad and does not have a GradFn. " +
                "Set RequiresGrad = true on the parameters or inputs you want gradients for (and do not compute the loss under Autograd.NoGrad()).");
        if (gradient is null)
        {
            if (root.NumEl != 1)
                throw new InvalidOperationException(
                    $"Backward: grad can be implicitly created only for scalar outputs, but the output has shape {Shapes.Format(root.Raw.Shape)}. " +
                    "Reduce it first (e.g. loss.Sum() or loss.Mean()) or pass the gradient explicitly: Backward(gradient).");
            gradient = Tensor.OnesLike(root);
        }
        else if (!gradient.Raw.Shape.AsSpan().SequenceEqual(root.Raw.Shape))
            throw new ArgumentException(
                $"Backward: mismatch in shape: gradient has shape {Shapes.Format(gradient.Raw.Shape)} but the output has shape {Shapes.Format(root.Raw.Shape)}.");
        Run(rootEdge, gradient, retainGraph, createGraph);
    }

    private static void Run(Edge rootEdge, Tensor rootGrad, bool retainGraph, bool createGraph)
    {
        // 1. Dependency counts over the reachable graph.
        var deps = new Dictionary<Node, int>(32, NodeIdentity.Instance);
        var stack = new Stack<Node>();
        Node rootNode = rootEdge.Function!;
        deps[rootNode] = 0;
        stack.Push(rootNode);
        while (stack.Count > 0)
        {
            Node n = stack.Pop();
            for (int i = 0; i < n.NumInputs; i++)
            {
                Node? next = n.NextEdge(i).Function;
                if (next is null) continue;
                if (deps.TryGetValue(next, out int c)) deps[next] = c + 1;
                else { deps[next] = 1; stack.Push(next); }
            }
        }

        // 2. Kahn's algorithm; among ready nodes the most recently created runs first.
        var buffers = new Dictionary<Node, Tensor?[]>(32, NodeIdentity.Instance);
        var ready = new PriorityQueue<Node, long>();
        buffers[rootNode] = Accumulate(null, rootEdge.InputNr, 1, rootGrad);
        ready.Enqueue(rootNode, -rootNode.SequenceNr);
        using var mode = Autograd.SetGradEnabled(createGraph);
        while (ready.Count > 0)
        {
            Node node = ready.Dequeue();
            // A node that no gradient reached still releases its dependants.
            Tensor?[] outputs = buffers.Remove(node, out Tensor?[]? inputs) && Array.Exists(inputs, t => t is not null)
                ? node.Apply(inputs)
                : [];
            if (!retainGraph) node.ReleaseVariables();
            for (int i = 0; i < node.NumInputs; i++)
            {
                Edge e = node.NextEdge(i);
                if (e.Function is null) continue;
                Tensor? g = i < outputs.Length ? outputs[i] : null;
                if (g is not null)
                {
                    g = Validate(node, i, g);
                    buffers.TryGetValue(e.Function, out Tensor?[]? buf);
                    buffers[e.Function] = Accumulate(buf, e.InputNr, OutputCount(e.Function), g);
                }
                int left = deps[e.Function] - 1;
                deps[e.Function] = left;
                if (left == 0) ready.Enqueue(e.Function, -e.Function.SequenceNr);
            }
        }
    }

    private static int OutputCount(Node n) => 1;

    private static Tensor?[] Accumulate(Tensor?[]? buffer, int index, int size, Tensor g)
    {
        buffer ??= new Tensor?[Math.Max(size, index + 1)];
        buffer[index] = buffer[index] is Tensor old ? old + g : g;
        return buffer;
    }

    /// <summary>Brings a gradient to the shape and dtype of the input it belongs to (sums broadcast dims, casts).</summary>
    private static Tensor Validate(Node node, int i, Tensor g)
    {
        int[] shape = node.InputShape(i);
        if (!g.Raw.Shape.AsSpan().SequenceEqual(shape))
        {
            if (g.Raw.NumEl == Shapes.NumEl(shape) && g.Raw.Rank == shape.Length)
                throw new InvalidOperationException($"Function {node.Name} returned an invalid gradient at index {i}: got shape {Shapes.Format(g.Raw.Shape)} but expected {Shapes.Format(shape)}.");
            g = g.SumToShape(shape);
        }
        DType dt = node.InputDType(i);
        if (g.DType != dt) g = g.To(dt);
        return g;
    }

    /// <summary>Reference identity hashed by creation number: nodes are new every step, and the runtime's identity hash is slow on first use.</summary>
    private sealed class NodeIdentity : IEqualityComparer<Node>
    {
        public static readonly NodeIdentity Instance = new();
        public bool Equals(Node? x, Node? y) => ReferenceEquals(x, y);
        public int GetHashCode(Node n) => (int)n.SequenceNr ^ (int)(n.SequenceNr >> 32);
    }
}
