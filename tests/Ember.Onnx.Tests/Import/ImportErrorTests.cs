using System;
using System.IO;
using Ember.Onnx.Proto;
using Google.Protobuf;
using AttrType = Ember.Onnx.Proto.AttributeProto.Types.AttributeType;
using DataType = Ember.Onnx.Proto.TensorProto.Types.DataType;

namespace Ember.Onnx.Tests.Import;

/// <summary>Bad files and unsupported models fail at load (or at the node that runs) with the node and op named.
/// </summary>
public class ImportErrorTests
{
    /// <summary>A model with one float input <c>x</c> of shape [batch, 4], the given nodes, output <c>y</c>.</summary>
    internal static ModelProto Model(int opset, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "g" };
        graph.Input.Add(Value("x", "batch", 4));
        graph.Output.Add(new ValueInfoProto { Name = "y" });
        graph.Node.AddRange(nodes);
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    internal static ValueInfoProto Value(string name, string batch, params long[] rest)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (long d in rest) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } },
        };
    }

    internal static NodeProto Node(string op, string[] inputs, string output, string name = "",
        params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        n.Attribute.AddRange(attributes);
        return n;
    }

    internal static TensorProto Int64s(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
    }

    private static T Throws<T>(ModelProto model, params string[] fragments) where T : Exception
    {
        var e = Assert.Throws<T>(() =>
        {
            OnnxModule m = OnnxImporter.Load(model.ToByteArray());
            m.Call(Tensor.Randn(2, 4));
        });
        foreach (string f in fragments) Assert.Contains(f, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void Unsupported_op_names_the_node_and_op()
    {
        Throws<NotSupportedException>(Model(17, Node("Hardmax", ["x"], "y", "head/Hardmax")),
            "'head/Hardmax' (Hardmax)", "op 'Hardmax' is not supported", "Supported ops:");
    }

    [Fact]
    public void Other_domain_and_opset_out_of_range_are_rejected()
    {
        ModelProto m = Model(17, Node("Relu", ["x"], "y", "r"));
        m.Graph.Node[0].Domain = "com.microsoft";
        Throws<NotSupportedException>(m, "'r' (Relu)", "com.microsoft");
        Throws<NotSupportedException>(Model(9, Node("Relu", ["x"], "y")), "opset 9", "11 to 21");
    }

    [Fact]
    public void Attribute_of_the_wrong_type_or_out_of_range_names_node_and_attribute()
    {
        var wrongType = new AttributeProto { Name = "alpha", Type = AttrType.Int, I = 2 };
        Throws<InvalidDataException>(Model(17, Node("LeakyRelu", ["x"], "y", "lr", wrongType)),
            "'lr' (LeakyRelu)", "attribute 'alpha' is INT, expected FLOAT");
        var axis = new AttributeProto { Name = "axis", Type = AttrType.Int, I = 5 };
        Throws<InvalidDataException>(Model(17, Node("Softmax", ["x"], "y", "sm", axis)), "'sm' (Softmax)",
            "axis 5 is out of range");
    }

    [Fact]
    public void Value_used_before_definition_and_missing_output_are_rejected()
    {
        Throws<InvalidDataException>(Model(17, Node("Relu", ["z"], "y", "r")), "'r' (Relu)", "uses 'z' before");
        Throws<InvalidDataException>(Model(17, Node("Relu", ["x"], "w")), "graph output 'y' is never computed");
    }

    [Fact]
    public void Initializer_whose_data_does_not_match_its_dims_is_rejected_before_allocating()
    {
        ModelProto m = Model(17, Node("Add", ["x", "w"], "y"));
        var w = new TensorProto
        {
            Name = "w", DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(new byte[8]),
        };
        w.Dims.AddRange([1_000_000, 1_000_000]);
        m.Graph.Initializer.Add(w);
        Throws<InvalidDataException>(m, "initializer 'w'", "too large");
        w.Dims.Clear();
        w.Dims.AddRange([4, 4]);
        Throws<InvalidDataException>(m, "initializer 'w'", "holds 8 bytes");
        var ext = new TensorProto { Name = "w", DataType = (int)DataType.Float, DataLocation = 1 };
        m.Graph.Initializer[0] = ext;
        Throws<NotSupportedException>(m, "external file");
        m.Graph.Initializer[0] = new TensorProto { Name = "w", DataType = (int)DataType.String };
        Throws<NotSupportedException>(m, "element type STRING");
    }

    [Fact]
    public void Hostile_shapes_and_strides_fail_instead_of_allocating()
    {
        ModelProto expand = Model(17, Node("Expand", ["x", "s"], "y", "ex"));
        expand.Graph.Initializer.Add(Int64s("s", 1 << 20, 1 << 20, 1, 4));
        Throws<InvalidDataException>(expand, "'ex' (Expand)", "more than this model may allocate");

        ModelProto pad = Model(17, Node("Pad", ["x", "p"], "y", "pad"));
        pad.Graph.Initializer.Add(Int64s("p", 0, 0, int.MaxValue, int.MaxValue));
        Throws<InvalidDataException>(pad, "'pad' (Pad)", "more than this model may allocate");

        ModelProto reshape = Model(17, Node("Reshape", ["x", "s"], "y", "rs"));
        reshape.Graph.Initializer.Add(Int64s("s", 3, -1, -1));
        Throws<InvalidDataException>(reshape, "'rs' (Reshape)", "more than one -1");
    }

    [Fact]
    public void Wrong_input_dtype_or_shape_names_the_input()
    {
        OnnxModule m = OnnxImporter.Load(Model(17, Node("Relu", ["x"], "y")).ToByteArray());
        var e = Assert.Throws<ArgumentException>(() => m.Call(Tensor.Randn(2, 5)));
        Assert.Contains("input 'x' expects shape [?, 4], got [2, 5]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => m.Call(Tensor.Zeros([2, 4], DType.Int64)));
    }

    [Fact]
    public void Ember_errors_inside_an_op_come_out_naming_the_node()
    {
        // MatMul of [batch, 4] by a [3, 2] weight: Ember's own shape error, wrapped with the node.
        ModelProto m = Model(17, Node("MatMul", ["x", "w"], "y", "mm"));
        var w = new TensorProto { Name = "w", DataType = (int)DataType.Float };
        w.Dims.AddRange([3, 2]);
        w.FloatData.AddRange(new float[6]);
        m.Graph.Initializer.Add(w);
        var e = Throws<ArgumentException>(m, "node 'mm' (MatMul) failed");
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public void Several_inputs_need_load_graph_which_takes_them_in_order()
    {
        ModelProto m = Model(17, Node("Sub", ["x", "z"], "y"));
        m.Graph.Input.Add(Value("z", "batch", 4));
        Throws<NotSupportedException>(m, "LoadGraph");
        OnnxGraphModule g = OnnxImporter.LoadGraph(m.ToByteArray());
        Assert.Equal(["x", "z"], g.InputNames);
        Tensor a = Tensor.Randn(2, 4), b = Tensor.Randn(2, 4);
        Tensor[] r = g.Call([a, b]);
        Assert.Single(r);
        ImportHarness.AssertClose(a - b, r[0], "x - z", 0, 0);
    }

    [Fact]
    public void Garbage_is_not_a_model()
    {
        Assert.Throws<InvalidDataException>(() => OnnxImporter.Load([0xff, 0xff, 0xff, 0xff, 0x0f]));
        Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(Array.Empty<byte>()));
    }
}
