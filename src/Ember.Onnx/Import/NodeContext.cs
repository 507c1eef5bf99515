using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Ember.Onnx.Proto;
using AttrType = Ember.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace Ember.Onnx.Import;

/// <summary>
/// One node while the graph runs: its inputs (already computed), its attributes read with type checks and defaults,
/// values it reads on the host (shapes, axes), and errors that name the node and its op.
/// </summary>
internal sealed class NodeContext(ImportedGraph graph, NodeProto node, int index, Tensor?[] inputs, bool training,
    long elementBudget)
{
    /// <summary>The op type (<c>Conv</c>).</summary>
    public string Op => node.OpType;

    /// <summary>The default-domain opset.</summary>
    public int Opset => graph.Opset;

    /// <summary>Whether the module runs in training mode (Dropout drops, BatchNormalization uses batch statistics).
    /// </summary>
    public bool Training => training;

    /// <summary>How many inputs the node lists (omitted optional ones included).</summary>
    public int InputCount => inputs.Length;

    /// <summary>Whether output <paramref name="i"/> is asked for (listed with a non-empty name).</summary>
    public bool WantsOutput(int i) => i < node.Output.Count && node.Output[i].Length > 0;

    /// <summary>A node's name for messages: <c>'conv1/Conv' (Conv)</c>, or its position when unnamed.</summary>
    public static string Label(NodeProto node, int index) =>
        node.Name.Length > 0 ? $"'{node.Name}' ({node.OpType})" : $"#{index} ({node.OpType})";

    /// <summary>An error in the file's data for this node.</summary>
    public InvalidDataException Error(string message) =>
        new($"ONNX import: node {Label(node, index)}: {message}");

    /// <summary>A valid use of the op that Ember does not support.</summary>
    public NotSupportedException Unsupported(string message) =>
        new($"ONNX import: node {Label(node, index)}: {message}");

    /// <summary>Required input <paramref name="i"/>.</summary>
    public Tensor In(int i) => Opt(i) ?? throw Error($"input {i} is required but missing.");

    /// <summary>Optional input <paramref name="i"/> (null when omitted).</summary>
    public Tensor? Opt(int i) => i < inputs.Length ? inputs[i] : null;

    /// <summary>Every input, all required.</summary>
    public Tensor[] All()
    {
        if (inputs.Length == 0) throw Error("expected at least one input.");
        var r = new Tensor[inputs.Length];
        for (int i = 0; i < r.Length; i++) r[i] = In(i);
        return r;
    }

    private AttributeProto? Attr(string name, AttrType type)
    {
        foreach (AttributeProto a in node.Attribute)
        {
            if (a.Name != name) continue;
            if (a.Type != type && a.Type != AttrType.Undefined)
                throw Error($"attribute '{name}' is {a.Type.ToString().ToUpperInvariant()}, expected " +
                    $"{type.ToString().ToUpperInvariant()}.");
            return a;
        }
        return null;
    }

    /// <summary>Whether the node has attribute <paramref name="name"/>.</summary>
    public bool Has(string name)
    {
        foreach (AttributeProto a in node.Attribute)
            if (a.Name == name) return true;
        return false;
    }

    /// <summary>An INT attribute.</summary>
    public long Int(string name, long fallback) => Attr(name, AttrType.Int)?.I ?? fallback;

    /// <summary>An INT attribute that must lie in <c>[min, max]</c>.</summary>
    public int Int(string name, long fallback, long min, long max)
    {
        long v = Int(name, fallback);
        if (v < min || v > max) throw Error($"attribute '{name}' = {v} is out of range [{min}, {max}].");
        return (int)v;
    }

    /// <summary>A FLOAT attribute.</summary>
    public double Float(string name, double fallback) => Attr(name, AttrType.Float)?.F ?? fallback;

    /// <summary>A STRING attribute (UTF-8).</summary>
    public string Str(string name, string fallback) =>
        Attr(name, AttrType.String) is { } a ? Encoding.UTF8.GetString(a.S.Span) : fallback;

    /// <summary>An INTS attribute, or null when absent.</summary>
    public long[]? Ints(string name)
    {
        if (Attr(name, AttrType.Ints) is not { } a) return null;
        var r = new long[a.Ints.Count];
        a.Ints.CopyTo(r, 0);
        return r;
    }

    /// <summary>An INTS attribute of exactly <paramref name="count"/> values in <c>[min, max]</c>, or the fallback.
    /// </summary>
    public int[] Ints(string name, int count, int fallback, long min, long max)
    {
        long[]? v = Ints(name);
        var r = new int[count];
        if (v is null)
        {
            Array.Fill(r, fallback);
            return r;
        }
        if (v.Length != count) throw Error($"attribute '{name}' has {v.Length} values, expected {count}.");
        for (int i = 0; i < count; i++)
        {
            if (v[i] < min || v[i] > max)
                throw Error($"attribute '{name}' value {v[i]} is out of range [{min}, {max}].");
            r[i] = (int)v[i];
        }
        return r;
    }

    /// <summary>A FLOATS attribute, or null when absent.</summary>
    public float[]? Floats(string name)
    {
        if (Attr(name, AttrType.Floats) is not { } a) return null;
        var r = new float[a.Floats.Count];
        a.Floats.CopyTo(r, 0);
        return r;
    }

    /// <summary>A TENSOR attribute, or null when absent.</summary>
    public Tensor? TensorAttr(string name) => Attr(name, AttrType.Tensor) is { } a
        ? TensorProtoReader.Read(a.T ?? throw Error($"attribute '{name}' holds no tensor."),
            $"node {Label(node, index)} attribute '{name}'")
        : null;

    /// <summary>The attribute names the node carries.</summary>
    public IEnumerable<string> AttributeNames()
    {
        foreach (AttributeProto a in node.Attribute) yield return a.Name;
    }

    /// <summary>Integer input <paramref name="i"/>'s values, read on the host (shapes, axes, pads).</summary>
    public long[] HostInts(int i)
    {
        Tensor t = In(i);
        if (t.DType is not (DType.Int64 or DType.Int32))
            throw Error($"input {i} must be int64 (or int32), got {t.DType.TorchName()}.");
        if (t.Dim > 1) throw Error($"input {i} must be 1-D, got shape [{string.Join(", ", t.Shape.ToArray())}].");
        return t.To(DType.Int64).ToArray<long>();
    }

    /// <summary>Input <paramref name="i"/>'s single value, read on the host, or <paramref name="fallback"/> when
    /// omitted.</summary>
    public double HostScalar(int i, double fallback)
    {
        if (Opt(i) is not { } t) return fallback;
        if (t.NumEl != 1) throw Error($"input {i} must hold one value, got {t.NumEl}.");
        return t.To(DType.Float64).ToArray<double>()[0];
    }

    /// <summary>Axis <paramref name="axis"/> of a rank-<paramref name="rank"/> tensor, negative counting from the end.
    /// </summary>
    public int Axis(long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= Math.Max(rank, 1))
            throw Error($"{what} {axis} is out of range for a rank-{rank} tensor.");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Dims converted from int64, each in <c>[min, int.MaxValue]</c>.</summary>
    public int[] ToInts(long[] values, long min, string what)
    {
        var r = new int[values.Length];
        for (int i = 0; i < r.Length; i++)
        {
            if (values[i] < min || values[i] > int.MaxValue)
                throw Error($"{what} value {values[i]} is out of range.");
            r[i] = (int)values[i];
        }
        return r;
    }

    /// <summary>
    /// Rejects an output of <paramref name="shape"/> whose element count exceeds the budget the file and inputs allow
    /// (a hostile stride, pad or shape must not make Ember allocate gigabytes).
    /// </summary>
    public void CheckSize(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw Error($"computed a negative dim {d}.");
            n = d == 0 ? 0 : n > elementBudget / d ? elementBudget + 1 : n * d;
        }
        if (n > elementBudget)
            throw Error($"its output would have over {elementBudget} elements, more than this model may allocate (a " +
                "bound set by the file's size and the inputs').");
    }

    /// <summary>As <see cref="CheckSize(ReadOnlySpan{long})"/> for int dims.</summary>
    public void CheckSize(ReadOnlySpan<int> shape)
    {
        Span<long> l = shape.Length <= 16 ? stackalloc long[shape.Length] : new long[shape.Length];
        for (int i = 0; i < shape.Length; i++) l[i] = shape[i];
        CheckSize(l);
    }
}
