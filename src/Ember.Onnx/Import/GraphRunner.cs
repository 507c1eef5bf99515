using System;
using System.Collections.Generic;
using System.IO;
using Ember.NN;
using Ember.Onnx.Proto;

namespace Ember.Onnx.Import;

/// <summary>
/// Runs an imported graph eagerly with Ember ops: binds the inputs, the module's current parameters and buffers (looked
/// up by path on every call, so <c>LoadStateDict</c>, optimizers and <c>To</c> act on what runs) and the constants,
/// then runs the nodes in order. Errors from an op come out naming the node and its op.
/// </summary>
internal sealed class GraphRunner
{
    private readonly ImportedGraph _graph;

    public GraphRunner(ImportedGraph graph) => _graph = graph;

    public ImportedGraph Graph => _graph;

    /// <summary>Registers every parameter and buffer, under its path, through the owner's registration methods.
    /// </summary>
    public void Attach(Action<string, Parameter> addParameter, Action<string, Tensor> addBuffer,
        Action<string, ModuleBase> addModule)
    {
        var scopes = new Dictionary<string, OnnxScope>(StringComparer.Ordinal);
        foreach (StateEntry e in _graph.State)
        {
            if (e.Kind == StateKind.Constant) continue;
            int dot = e.Path.LastIndexOf('.');
            string leaf = e.Path[(dot + 1)..];
            if (dot < 0)
            {
                if (e.Kind == StateKind.Parameter) addParameter(leaf, new Parameter(e.Value));
                else addBuffer(leaf, e.Value);
                continue;
            }
            OnnxScope scope = Scope(e.Path[..dot], scopes, addModule);
            if (e.Kind == StateKind.Parameter) scope.AddParameter(leaf, new Parameter(e.Value));
            else scope.AddBuffer(leaf, e.Value);
        }
    }

    private static OnnxScope Scope(string path, Dictionary<string, OnnxScope> scopes,
        Action<string, ModuleBase> addModule)
    {
        if (scopes.TryGetValue(path, out OnnxScope? s)) return s;
        s = new OnnxScope();
        int dot = path.LastIndexOf('.');
        if (dot < 0) addModule(path, s);
        else Scope(path[..dot], scopes, addModule).AddChild(path[(dot + 1)..], s);
        scopes[path] = s;
        return s;
    }

    /// <summary>Checks the inputs against the graph's declared inputs, then runs the graph.</summary>
    public Tensor[] Run(ModuleBase owner, IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        List<GraphInput> declared = _graph.Inputs;
        if (inputs.Count != declared.Count)
            throw new ArgumentException(
                $"ONNX model: expected {declared.Count} input(s) ({Names(declared)}), got {inputs.Count}.");
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        long inputElements = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            Tensor x = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"input {i} is null.");
            CheckInput(declared[i], x);
            values[declared[i].Name] = x;
            inputElements += x.NumEl;
        }
        BindState(owner, values);
        // What a hostile file can make Ember allocate per op: generous for real models, far from exhausting memory.
        long budget = Math.Max(1L << 24, 64 * (_graph.FileLength + inputElements));
        IList<NodeProto> nodes = _graph.Nodes;
        for (int k = 0; k < nodes.Count; k++)
        {
            NodeProto node = nodes[k];
            var args = new Tensor?[node.Input.Count];
            for (int i = 0; i < args.Length; i++)
                args[i] = node.Input[i].Length == 0 ? null : values[node.Input[i]];
            var c = new NodeContext(_graph, node, k, args, owner.Training, budget);
            Tensor?[] outputs;
            try
            {
                outputs = ImportOps.Run(c);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException
                                          or NotSupportedException or InvalidDataException
                                          && !e.Message.StartsWith("ONNX import: node", StringComparison.Ordinal))
            {
                throw Wrap(e, node, k);
            }
            for (int i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i].Length == 0) continue;
                values[node.Output[i]] = i < outputs.Length && outputs[i] is { } o ? o
                    : throw c.Unsupported($"output {i} ('{node.Output[i]}') is not supported.");
            }
        }
        var result = new Tensor[_graph.Outputs.Count];
        for (int i = 0; i < result.Length; i++) result[i] = values[_graph.Outputs[i]];
        return result;
    }

    private static Exception Wrap(Exception e, NodeProto node, int k)
    {
        string message = $"ONNX model: node {NodeContext.Label(node, k)} failed: {e.Message}";
        return e is ArgumentException ? new ArgumentException(message, e) : new InvalidOperationException(message, e);
    }

    private void BindState(ModuleBase owner, Dictionary<string, Tensor> values)
    {
        var byPath = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in owner.NamedParameters()) byPath[name] = p;
        foreach (var (name, b) in owner.NamedBuffers()) byPath[name] = b;
        foreach (StateEntry e in _graph.State)
        {
            values[e.Name] = e.Kind == StateKind.Constant ? e.Value
                : byPath.TryGetValue(e.Path, out Tensor? t) ? t
                : throw new InvalidOperationException($"ONNX model: its state '{e.Path}' was removed from the module.");
        }
    }

    private static void CheckInput(GraphInput g, Tensor x)
    {
        if (g.DType is DType dt && x.DType != dt)
            throw new ArgumentException(
                $"ONNX model: input '{g.Name}' expects {dt.TorchName()}, got {x.DType.TorchName()}.");
        if (g.Dims is not { } dims) return;
        bool ok = dims.Length == x.Dim;
        for (int i = 0; ok && i < dims.Length; i++) ok = dims[i] is not int d || d == x.Shape[i];
        if (!ok)
            throw new ArgumentException(
                $"ONNX model: input '{g.Name}' expects shape [{Format(dims)}], got " +
                $"[{string.Join(", ", x.Shape.ToArray())}].");
    }

    private static string Format(int?[] dims)
    {
        var parts = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            parts[i] = dims[i]?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
        return string.Join(", ", parts);
    }

    private static string Names(List<GraphInput> inputs)
    {
        var names = new string[inputs.Count];
        for (int i = 0; i < names.Length; i++) names[i] = $"'{inputs[i].Name}'";
        return string.Join(", ", names);
    }
}

/// <summary>A node of the imported module's tree that only holds parameters and buffers (the <c>fc1</c> of
/// <c>fc1.weight</c>); the graph runs from the root module.</summary>
internal sealed class OnnxScope : Module
{
    public void AddParameter(string name, Parameter p) => RegisterParameter(name, p);

    public void AddBuffer(string name, Tensor t) => RegisterBuffer(name, t);

    public void AddChild(string name, ModuleBase m) => RegisterModule(name, m);

    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("This module only holds imported parameters; call the imported model itself.");
}
