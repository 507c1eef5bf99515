using System;
using System.Collections.Generic;
using System.IO;
using Ember.Onnx.Proto;
using Google.Protobuf;

namespace Ember.Onnx.Import;

/// <summary>How an initializer lives in the imported module.</summary>
internal enum StateKind
{
    /// <summary>A trainable <see cref="Parameter"/> (a float initializer an op differentiates through).</summary>
    Parameter,

    /// <summary>A buffer: saved in the state dict, no gradient (BatchNormalization's running mean and variance).
    /// </summary>
    Buffer,

    /// <summary>A constant of the graph (integer data, or floats read on the host such as a Reshape's shape).</summary>
    Constant,
}

/// <summary>An initializer: its name in the file, its state-dict path, its kind and its values as read.</summary>
internal sealed record StateEntry(string Name, string Path, StateKind Kind, Tensor Value);

/// <summary>A graph input: its name, dtype (null when the file does not say) and dims (null where symbolic).</summary>
internal sealed record GraphInput(string Name, DType? DType, int?[]? Dims);

/// <summary>
/// A parsed and validated ONNX model: the default-domain opset, graph inputs and outputs, nodes in order, and the
/// initializers with the module paths they get. Validation happens here, once, so a bad file fails at load with the
/// node and op named: unsupported ops and domains, values used before they are defined or defined twice, tensors whose
/// data does not match their dims.
/// </summary>
internal sealed class ImportedGraph
{
    /// <summary>The oldest default-domain opset the importer reads.</summary>
    public const int MinOpset = 11;

    /// <summary>The newest default-domain opset the importer reads.</summary>
    public const int MaxOpset = 21;

    // Inputs an op reads on the host (shapes, axes, bounds): float initializers there are constants, not weights.
    private static readonly Dictionary<string, int[]> s_hostInputs = new()
    {
        ["Reshape"] = [1], ["Expand"] = [1], ["Slice"] = [1, 2, 3, 4], ["Squeeze"] = [1], ["Unsqueeze"] = [1],
        ["Clip"] = [1, 2], ["Dropout"] = [1, 2], ["Pad"] = [1, 2, 3], ["Tile"] = [1], ["ReduceSum"] = [1],
        ["ReduceMean"] = [1], ["ReduceMax"] = [1], ["ReduceMin"] = [1], ["ReduceProd"] = [1],
        ["ReduceLogSumExp"] = [1], ["ReduceL1"] = [1], ["ReduceL2"] = [1], ["ReduceSumSquare"] = [1],
        ["ConstantOfShape"] = [0],
    };

    private ImportedGraph(ModelProto model, int opset, long fileLength)
    {
        Model = model;
        Opset = opset;
        FileLength = fileLength;
    }

    /// <summary>The parsed model.</summary>
    public ModelProto Model { get; }

    /// <summary>The opset of the default domain.</summary>
    public int Opset { get; }

    /// <summary>The file's length in bytes: sizes the file can make the importer allocate are bounded by it.</summary>
    public long FileLength { get; }

    /// <summary>The graph inputs that are not initializers, in order.</summary>
    public List<GraphInput> Inputs { get; } = [];

    /// <summary>The graph output names, in order.</summary>
    public List<string> Outputs { get; } = [];

    /// <summary>The nodes in execution (file) order.</summary>
    public IList<NodeProto> Nodes => Model.Graph.Node;

    /// <summary>Every initializer, in file order.</summary>
    public List<StateEntry> State { get; } = [];

    /// <summary>Parses and validates <paramref name="bytes"/>.</summary>
    public static ImportedGraph Parse(byte[] bytes)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"ONNX import: the file is not a valid ONNX model ({e.Message})", e);
        }
        if (model.Graph is null || (model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0))
            throw new InvalidDataException("ONNX import: the file holds no graph (is it an ONNX model?).");
        var g = new ImportedGraph(model, DefaultOpset(model), bytes.LongLength);
        g.Validate();
        return g;
    }

    private static int DefaultOpset(ModelProto model)
    {
        foreach (OperatorSetIdProto o in model.OpsetImport)
        {
            if (o.Domain is not ("" or "ai.onnx")) continue;
            if (o.Version < MinOpset || o.Version > MaxOpset)
                throw new NotSupportedException(
                    $"ONNX import: the model uses opset {o.Version} of the default domain; Ember imports opsets " +
                    $"{MinOpset} to {MaxOpset} (re-export with e.g. torch.onnx.export(..., opset_version=17)).");
            return (int)o.Version;
        }
        throw new InvalidDataException("ONNX import: the model imports no opset of the default ONNX domain.");
    }

    private void Validate()
    {
        GraphProto graph = Model.Graph;
        var defined = new HashSet<string>(StringComparer.Ordinal);
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (TensorProto t in graph.Initializer)
        {
            if (string.IsNullOrEmpty(t.Name))
                throw new InvalidDataException("ONNX import: an initializer has no name.");
            if (!initializers.TryAdd(t.Name, t))
                throw new InvalidDataException($"ONNX import: initializer '{t.Name}' is defined twice.");
            defined.Add(t.Name);
        }
        foreach (ValueInfoProto v in graph.Input)
        {
            if (initializers.ContainsKey(v.Name)) continue; // IR < 4 lists initializers as inputs too
            if (string.IsNullOrEmpty(v.Name) || !defined.Add(v.Name))
                throw new InvalidDataException($"ONNX import: graph input '{v.Name}' is unnamed or defined twice.");
            Inputs.Add(ToInput(v));
        }
        var uses = new Dictionary<string, (bool Differentiable, bool Host, bool Stat)>(StringComparer.Ordinal);
        for (int k = 0; k < graph.Node.Count; k++)
        {
            NodeProto node = graph.Node[k];
            string label = NodeContext.Label(node, k);
            if (node.Domain is not ("" or "ai.onnx"))
                throw new NotSupportedException(
                    $"ONNX import: node {label} is in domain '{node.Domain}'; only the default ONNX domain is " +
                    "supported.");
            if (!ImportOps.IsSupported(node.OpType))
                throw new NotSupportedException(
                    $"ONNX import: node {label}: op '{node.OpType}' is not supported. Supported ops: " +
                    $"{string.Join(", ", ImportOps.Supported)}.");
            for (int i = 0; i < node.Input.Count; i++)
            {
                string name = node.Input[i];
                if (name.Length == 0) continue; // an omitted optional input
                if (!defined.Contains(name))
                    throw new InvalidDataException(
                        $"ONNX import: node {label} uses '{name}' before it is defined (or it is never defined).");
                if (initializers.ContainsKey(name))
                {
                    uses.TryGetValue(name, out var u);
                    bool host = s_hostInputs.TryGetValue(node.OpType, out int[]? hostInputs)
                        && Array.IndexOf(hostInputs, i) >= 0;
                    bool stat = node.OpType == "BatchNormalization" && i >= 3;
                    uses[name] = (u.Differentiable || (!host && !stat), u.Host || host, u.Stat || stat);
                }
            }
            foreach (string o in node.Output)
                if (o.Length > 0 && !defined.Add(o))
                    throw new InvalidDataException(
                        $"ONNX import: node {label} defines '{o}', which is already defined.");
        }
        foreach (ValueInfoProto o in graph.Output)
        {
            if (!defined.Contains(o.Name))
                throw new InvalidDataException($"ONNX import: graph output '{o.Name}' is never computed.");
            Outputs.Add(o.Name);
        }
        if (Outputs.Count == 0) throw new InvalidDataException("ONNX import: the graph has no outputs.");
        var paths = new StatePaths();
        foreach (TensorProto t in graph.Initializer)
        {
            Tensor value = TensorProtoReader.Read(t, $"initializer '{t.Name}'");
            uses.TryGetValue(t.Name, out var u);
            // A 0-d float is a number in the graph (a scale, an epsilon), not a weight.
            StateKind kind = !value.DType.IsFloatingPoint() || value.Dim == 0 ? StateKind.Constant
                : u.Stat ? StateKind.Buffer
                : u.Differentiable || !u.Host ? StateKind.Parameter
                : StateKind.Constant;
            State.Add(new StateEntry(t.Name, kind == StateKind.Constant ? t.Name : paths.Add(t.Name), kind, value));
        }
    }

    private static GraphInput ToInput(ValueInfoProto v)
    {
        if (v.Type?.TensorType is not { } tt) return new GraphInput(v.Name, null, null);
        DType? dtype = tt.ElemType == 0 ? null : TensorProtoReader.ToDType(tt.ElemType) ??
            throw new NotSupportedException(
                $"ONNX import: graph input '{v.Name}' has element type {TensorProtoReader.TypeName(tt.ElemType)}, " +
                "which Ember does not support.");
        if (tt.Shape is null) return new GraphInput(v.Name, dtype, null);
        var dims = new int?[tt.Shape.Dim.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            var d = tt.Shape.Dim[i];
            if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                if (d.DimValue < 0 || d.DimValue > int.MaxValue)
                    throw new InvalidDataException($"ONNX import: graph input '{v.Name}' has dim {d.DimValue}.");
                dims[i] = (int)d.DimValue;
            }
        }
        return new GraphInput(v.Name, dtype, dims);
    }
}

/// <summary>
/// Module paths for initializer names: a name whose dot-separated parts are all non-empty keeps its path
/// (<c>fc1.weight</c> is parameter <c>weight</c> of child <c>fc1</c>, as in the PyTorch model it came from); any other
/// name, or one that clashes with a path already taken, gets its dots replaced by <c>_</c> (and a numeric suffix if
/// still taken).
/// </summary>
internal sealed class StatePaths
{
    private readonly HashSet<string> _leaves = new(StringComparer.Ordinal);
    private readonly HashSet<string> _modules = new(StringComparer.Ordinal);

    /// <summary>The path for <paramref name="name"/>, now taken.</summary>
    public string Add(string name)
    {
        string path = IsValid(name) && Free(name) ? name : Fallback(name);
        _leaves.Add(path);
        for (int i = path.IndexOf('.', StringComparison.Ordinal); i >= 0;
             i = path.IndexOf('.', i + 1))
            _modules.Add(path[..i]);
        return path;
    }

    private string Fallback(string name)
    {
        string flat = name.Replace('.', '_');
        if (flat.Length == 0) flat = "_";
        string path = flat;
        for (int k = 1; !Free(path); k++) path = $"{flat}_{k}";
        return path;
    }

    private static bool IsValid(string name)
    {
        if (name.Length == 0) return false;
        foreach (string part in name.Split('.'))
            if (part.Length == 0) return false;
        return true;
    }

    private bool Free(string path)
    {
        if (_leaves.Contains(path) || _modules.Contains(path)) return false;
        for (int i = path.IndexOf('.', StringComparison.Ordinal); i >= 0; i = path.IndexOf('.', i + 1))
            if (_leaves.Contains(path[..i])) return false;
        return true;
    }
}
