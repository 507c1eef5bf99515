using System;
using System.Collections.Generic;
using System.IO;
using Ember.Onnx.Proto;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// Checks an ONNX model's structure, as a first line before ONNX's own checker or a runtime: the opset imports, that
/// every value is defined (a graph input, an initializer or an earlier node's output) before a node uses it and
/// defined once, that inputs and outputs declare an element type and a valid shape, and that each initializer's data
/// matches its declared type and shape. It does not infer shapes through ops.
/// </summary>
public static class OnnxChecker
{
    /// <summary>Checks the model file at <paramref name="path"/>.</summary>
    /// <returns>The problems found, one sentence each; empty when the structure is sound.</returns>
    public static IReadOnlyList<string> CheckFile(string path) => Check(File.ReadAllBytes(path));

    /// <summary>Checks a serialized ONNX model.</summary>
    /// <returns>The problems found, one sentence each; empty when the structure is sound.</returns>
    public static IReadOnlyList<string> Check(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelProto m;
        try
        {
            m = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException e)
        {
            return [$"not an ONNX model: {e.Message}"];
        }
        return Check(m);
    }

    internal static List<string> Check(ModelProto m)
    {
        var problems = new List<string>();
        if (m.IrVersion < 3) problems.Add($"ir_version {m.IrVersion} is missing or older than 3.");
        var opsets = new Dictionary<string, long>();
        foreach (var o in m.OpsetImport)
        {
            if (!opsets.TryAdd(o.Domain, o.Version)) problems.Add($"opset domain '{o.Domain}' is imported twice.");
            if (o.Version < 1) problems.Add($"opset domain '{o.Domain}' has version {o.Version}.");
        }
        if (!opsets.ContainsKey("")) problems.Add("no opset is imported for the default ONNX domain.");
        if (m.Graph is not { } g)
        {
            problems.Add("the model has no graph.");
            return problems;
        }

        var defined = new HashSet<string>();
        foreach (var i in g.Initializer)
        {
            if (!defined.Add(i.Name)) problems.Add($"initializer '{i.Name}' is defined twice.");
            CheckTensorData(i, problems);
        }
        foreach (var i in g.Input)
        {
            CheckValueInfo(i, "input", problems);
            // An input may share its name with an initializer (a default value): defined either way.
            defined.Add(i.Name);
        }
        for (int n = 0; n < g.Node.Count; n++)
        {
            NodeProto node = g.Node[n];
            string label = $"node {n} ({node.OpType} '{node.Name}')";
            if (string.IsNullOrEmpty(node.OpType)) problems.Add($"{label} has no op_type.");
            if (!opsets.ContainsKey(node.Domain))
                problems.Add($"{label} uses domain '{node.Domain}', which is not imported.");
            foreach (string input in node.Input)
            {
                if (input.Length > 0 && !defined.Contains(input))
                    problems.Add($"{label} uses '{input}' before it is defined.");
            }
            foreach (string output in node.Output)
            {
                if (output.Length > 0 && !defined.Add(output))
                    problems.Add($"{label} redefines '{output}'.");
            }
            foreach (var a in node.Attribute)
            {
                if (a.Type == AttributeProto.Types.AttributeType.Undefined)
                    problems.Add($"{label}: attribute '{a.Name}' has no type.");
            }
        }
        if (g.Output.Count == 0) problems.Add("the graph has no outputs.");
        foreach (var o in g.Output)
        {
            CheckValueInfo(o, "output", problems);
            if (!defined.Contains(o.Name)) problems.Add($"graph output '{o.Name}' is never defined.");
        }
        return problems;
    }

    private static void CheckValueInfo(ValueInfoProto v, string kind, List<string> problems)
    {
        if (string.IsNullOrEmpty(v.Name)) problems.Add($"a graph {kind} has no name.");
        if (v.Type?.TensorType is not { } t)
        {
            problems.Add($"graph {kind} '{v.Name}' declares no tensor type.");
            return;
        }
        if (t.ElemType == 0 || ElementSize(t.ElemType) == 0)
            problems.Add($"graph {kind} '{v.Name}' has element type {t.ElemType}, which is not a known type.");
        if (t.Shape is null) return;
        foreach (var d in t.Shape.Dim)
        {
            if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue < 0)
                problems.Add($"graph {kind} '{v.Name}' has a negative dim {d.DimValue}.");
        }
    }

    private static void CheckTensorData(TensorProto t, List<string> problems)
    {
        int size = ElementSize(t.DataType);
        if (size == 0)
        {
            problems.Add($"initializer '{t.Name}' has element type {t.DataType}, which is not a known type.");
            return;
        }
        long count = 1;
        foreach (long d in t.Dims)
        {
            if (d < 0) problems.Add($"initializer '{t.Name}' has a negative dim {d}.");
            count *= d;
        }
        long have = !t.RawData.IsEmpty ? t.RawData.Length / size
            : t.FloatData.Count + t.Int32Data.Count + t.Int64Data.Count + t.DoubleData.Count;
        if (!t.RawData.IsEmpty && t.RawData.Length % size != 0)
            problems.Add($"initializer '{t.Name}' has {t.RawData.Length} bytes, not a multiple of {size}.");
        if (have != count)
            problems.Add($"initializer '{t.Name}' holds {have} elements but its shape " +
                $"[{string.Join(", ", t.Dims)}] needs {count}.");
    }

    // Bytes per element of an ONNX data type (0: unknown or not fixed-size).
    private static int ElementSize(int type) => (TensorProto.Types.DataType)type switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32
            or TensorProto.Types.DataType.Uint32 => 4,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64
            or TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Complex64 => 8,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Uint16 => 2,
        TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool => 1,
        TensorProto.Types.DataType.Complex128 => 16,
        _ => 0,
    };
}
