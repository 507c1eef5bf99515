using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Ember.Onnx.Proto;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// Accumulates an ONNX graph while a forward pass is traced: names the values (graph inputs, parameters and buffers
/// under their state-dict names, constants, op outputs), and emits nodes and initializers. It also tracks which values
/// carry the batch dimension first, so shape constants (Reshape, Expand) keep the batch dimension symbolic.
/// </summary>
internal sealed class GraphBuilder
{
    private readonly Dictionary<Tensor, string> _names = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, string> _stateNames = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _batched = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _traced = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _used = [];
    private int _counter;

    public GraphBuilder(int opset) => Opset = opset;

    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; } = new() { Name = "ember" };

    /// <summary>The example input's batch size (0 when the batch dim is fixed).</summary>
    public int BatchSize { get; private set; }

    /// <summary>The target opset version of the default domain.</summary>
    public int Opset { get; }

    /// <summary>Registers a parameter or buffer under its state-dict name (an initializer once used).</summary>
    public void AddState(string name, Tensor t) => _stateNames.TryAdd(t, name);

    /// <summary>
    /// Whether some graph input has a symbolic dim other than dim 0 (a sequence length, say): shape constants that
    /// op mappings would write (Reshape, Expand) cannot follow such a dim.
    /// </summary>
    public bool HasDynamicInnerAxes { get; private set; }

    /// <summary>Whether any graph input has a symbolic dim.</summary>
    public bool HasSymbolicInputs { get; private set; }

    private readonly Dictionary<int[], string> _arrays = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Declares an int array of the example input (an RNN's per-sequence lengths) a 1-D int32 graph input.
    /// </summary>
    public void AddInput(int[] values, string name, IReadOnlyDictionary<int, string>? dims)
    {
        Tensor t = Tensor.From<int>(values, [values.Length]);
        AddInput(t, name, dims);
        _arrays[values] = name;
    }

    /// <summary>The graph input holding <paramref name="values"/>, or null when it is not one.</summary>
    public string? ArrayInput(int[] values) => _arrays.TryGetValue(values, out string? name) ? name : null;

    /// <summary>Declares a graph input bound to <paramref name="t"/>; dim 0 is symbolic if batched.</summary>
    public void AddInput(Tensor t, string name, string? batchParam) =>
        AddInput(t, name, batchParam is null ? null : new Dictionary<int, string> { [0] = batchParam });

    /// <summary>
    /// Declares a graph input bound to <paramref name="t"/> with the symbolic dims <paramref name="dims"/> (dim
    /// index to name); a symbolic dim 0 is the tracked batch.
    /// </summary>
    public void AddInput(Tensor t, string name, IReadOnlyDictionary<int, string>? dims)
    {
        Graph.Input.Add(ValueInfo(name, t, dims));
        bool batched = dims is not null && dims.ContainsKey(0) && t.Dim > 0;
        if (dims is { Count: > 0 }) HasSymbolicInputs = true;
        if (batched && BatchSize == 0) BatchSize = t.Shape[0];
        if (dims is not null)
            foreach (int d in dims.Keys)
                if (d != 0) HasDynamicInnerAxes = true;
        _used.Add(name);
        Bind(t, name, batched);
    }

    /// <summary>Declares <paramref name="t"/> a graph output named <paramref name="name"/>.</summary>
    public void AddOutput(Tensor t, string name, string? batchParam) =>
        AddOutput(t, name, batchParam is null ? null : new Dictionary<int, string> { [0] = batchParam });

    /// <summary>Declares <paramref name="t"/> a graph output <paramref name="name"/> with symbolic dims.</summary>
    public void AddOutput(Tensor t, string name, IReadOnlyDictionary<int, string>? dims)
    {
        string inner = Name(t);
        if (inner != name) Node("Identity", [inner], name);
        _used.Add(name);
        Graph.Output.Add(ValueInfo(name, t, dims));
    }

    /// <summary>Whether <paramref name="t"/> is a registered parameter or buffer.</summary>
    public bool IsState(Tensor? t) => t is not null && _stateNames.ContainsKey(t);

    /// <summary>Associates an op's output tensor with the value name that holds it in the graph.</summary>
    public void Bind(Tensor t, string name, bool batched)
    {
        _names[t] = name;
        _traced.Add(t);
        if (batched) _batched.Add(t);
        else _batched.Remove(t);
    }

    /// <summary>Whether <paramref name="t"/> is a graph input or an op's output (not a constant or parameter).
    /// </summary>
    public bool IsTraced(Tensor? t) => t is not null && _traced.Contains(t);

    /// <summary>Whether <paramref name="t"/> carries the symbolic batch in dim 0, alone or folded.</summary>
    public bool IsBatched(Tensor? t) => t is not null && _batched.Contains(t);

    /// <summary>
    /// The graph name of <paramref name="t"/>: the value an op produced, a parameter or buffer (added as an
    /// initializer under its state-dict name on first use), or else a constant captured with its current values.
    /// </summary>
    public string Name(Tensor t)
    {
        if (_names.TryGetValue(t, out string? name)) return name;
        if (_stateNames.TryGetValue(t, out string? state))
        {
            Graph.Initializer.Add(ToTensorProto(t, state));
            _used.Add(state);
            _names[t] = state;
            return state;
        }
        string c = Fresh("const");
        Graph.Initializer.Add(ToTensorProto(t, c));
        _names[t] = c;
        return c;
    }

    /// <summary>A unique value name starting with <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name;
        do name = $"{hint}_{_counter++}";
        while (!_used.Add(name));
        return name;
    }

    /// <summary>Adds a node; returns its (first) output name.</summary>
    public string Node(string op, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        output ??= Fresh(op);
        _used.Add(output);
        var node = new NodeProto { OpType = op, Name = Fresh(op + "_node") };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Adds a node with several outputs (empty names for unused optional outputs).</summary>
    public void NodeMulti(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(op + "_node") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        foreach (string o in outputs) _used.Add(o);
    }

    /// <summary>A 1-D int64 constant initializer.</summary>
    public string ConstInt64(params long[] values)
    {
        string name = Fresh("const");
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>An initializer from raw little-endian data of <paramref name="data"/>'s dtype.</summary>
    public string AddInitializer(string name, (byte[] Bytes, DType DType) data, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)ElementType(data.DType) };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(data.Bytes);
        Graph.Initializer.Add(t);
        _used.Add(name);
        return name;
    }

    /// <summary>A 0-d int64 constant (an index that drops its dim in Gather).</summary>
    public string ConstInt64Scalar(long value)
    {
        string name = Fresh("const");
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.RawData = ByteString.CopyFrom(BitConverter.GetBytes(value));
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A scalar (0-d) constant of <paramref name="dtype"/>.</summary>
    public string ConstScalar(double value, DType dtype)
    {
        string name = Fresh("const");
        var t = new TensorProto { Name = name, DataType = (int)ElementType(dtype) };
        t.RawData = dtype switch
        {
            DType.Float32 => ByteString.CopyFrom(BitConverter.GetBytes((float)value)),
            DType.Float64 => ByteString.CopyFrom(BitConverter.GetBytes(value)),
            DType.Int64 => ByteString.CopyFrom(BitConverter.GetBytes((long)value)),
            DType.Int32 => ByteString.CopyFrom(BitConverter.GetBytes((int)value)),
            _ => throw new NotSupportedException($"ONNX export: a {dtype} scalar constant is not supported."),
        };
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>The ONNX element type of <paramref name="dtype"/>.</summary>
    public static TensorProto.Types.DataType ElementType(DType dtype) => dtype switch
    {
        DType.Float32 => TensorProto.Types.DataType.Float,
        DType.Float64 => TensorProto.Types.DataType.Double,
        DType.Float16 => TensorProto.Types.DataType.Float16,
        DType.BFloat16 => TensorProto.Types.DataType.Bfloat16,
        DType.Int64 => TensorProto.Types.DataType.Int64,
        DType.Int32 => TensorProto.Types.DataType.Int32,
        DType.Int16 => TensorProto.Types.DataType.Int16,
        DType.Int8 => TensorProto.Types.DataType.Int8,
        DType.UInt8 => TensorProto.Types.DataType.Uint8,
        DType.Bool => TensorProto.Types.DataType.Bool,
        _ => throw new NotSupportedException($"ONNX export: dtype {dtype} has no ONNX element type."),
    };

    /// <summary>A tensor's values as an initializer (raw little-endian data).</summary>
    public static TensorProto ToTensorProto(Tensor t, string name)
    {
        var p = new TensorProto { Name = name, DataType = (int)ElementType(t.DType) };
        foreach (int d in t.Shape) p.Dims.Add(d);
        p.RawData = t.DType switch
        {
            DType.Float32 => Bytes(t.ToArray<float>()),
            DType.Float64 => Bytes(t.ToArray<double>()),
            DType.Float16 => Bytes(t.ToArray<Half>()),
            DType.BFloat16 => Bytes(t.ToArray<BFloat16>()),
            DType.Int64 => Bytes(t.ToArray<long>()),
            DType.Int32 => Bytes(t.ToArray<int>()),
            DType.Int16 => Bytes(t.ToArray<short>()),
            DType.Int8 => Bytes(t.ToArray<sbyte>()),
            DType.UInt8 => Bytes(t.ToArray<byte>()),
            DType.Bool => Bytes(t.ToArray<bool>()),
            _ => throw new NotSupportedException($"ONNX export: dtype {t.DType} cannot be stored."),
        };
        return p;
    }

    private static ByteString Bytes<T>(T[] values) where T : unmanaged =>
        ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));

    private static ValueInfoProto ValueInfo(string name, Tensor t, IReadOnlyDictionary<int, string>? dims)
    {
        var shape = new TensorShapeProto();
        for (int i = 0; i < t.Dim; i++)
        {
            shape.Dim.Add(dims is not null && dims.TryGetValue(i, out string? param)
                ? new TensorShapeProto.Types.Dimension { DimParam = param }
                : new TensorShapeProto.Types.Dimension { DimValue = t.Shape[i] });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType(t.DType), Shape = shape },
            },
        };
    }

    /// <summary>An int attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A string attribute.</summary>
    public static AttributeProto Str(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>A strings attribute.</summary>
    public static AttributeProto Strs(string name, params string[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        foreach (string v in values) a.Strings.Add(ByteString.CopyFromUtf8(v));
        return a;
    }
}
