using System;
using System.Collections.Generic;
using Ember.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using static Ember.Onnx.Tests.Import.ImportErrorTests;
using AttrType = Ember.Onnx.Proto.AttributeProto.Types.AttributeType;
using DataType = Ember.Onnx.Proto.TensorProto.Types.DataType;

namespace Ember.Onnx.Tests.Import;

/// <summary>
/// Ops as other producers write them (attributes and forms Ember's exporter never emits), each in a hand-built model
/// run by ONNX Runtime and by the imported module at two batch sizes: the outputs must agree, and backward must run.
/// </summary>
public class OrtOpImportTests
{
    private sealed record Case(int Opset, long[] Rest, NodeProto[] Nodes, TensorProto[] Initializers);

    private static AttributeProto Ai(string name, long v) => new() { Name = name, Type = AttrType.Int, I = v };
    private static AttributeProto Af(string name, float v) => new() { Name = name, Type = AttrType.Float, F = v };
    private static AttributeProto As(string name, string v) =>
        new() { Name = name, Type = AttrType.String, S = ByteString.CopyFromUtf8(v) };

    private static AttributeProto Ais(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttrType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    private static TensorProto Fl(string name, int seed, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        int n = 1;
        foreach (long d in dims) n *= (int)d;
        t.FloatData.AddRange(Tensor.Randn([n], new Generator(seed)).ToArray<float>());
        return t;
    }

    private static TensorProto Scalar(string name, float v) =>
        new() { Name = name, DataType = (int)DataType.Float, FloatData = { v } };

    private static NodeProto N(string op, string[] inputs, string output, params AttributeProto[] attrs) =>
        Node(op, inputs, output, "", attrs);

    private static NodeProto ToFloat(string input) =>
        N("Cast", [input], "y", Ai("to", (long)DataType.Float));

    private static readonly long[] Image = [3, 6, 6];
    private static readonly long[] Flat = [4];

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["flatten_axis2"] = new(17, Image, [N("Flatten", ["x"], "y", Ai("axis", 2))], []),
        ["pad_constant"] = new(17, Image, [N("Pad", ["x", "p", "v"], "y", As("mode", "constant"))],
            [Int64s("p", 0, 0, 1, 2, 0, 0, 2, 1), Scalar("v", 1.5f)]),
        ["pad_negative_crops"] = new(17, Image, [N("Pad", ["x", "p"], "y")], [Int64s("p", 0, 0, -1, 0, 0, 0, 0, -2)]),
        ["conv_same_upper_stride2"] = new(17, Image, [N("Conv", ["x", "w", "b"], "y", As("auto_pad", "SAME_UPPER"),
            Ais("strides", 2, 2), Ais("kernel_shape", 3, 3))], [Fl("w", 1, 2, 3, 3, 3), Fl("b", 2, 2)]),
        ["conv_asymmetric_pads"] = new(17, Image, [N("Conv", ["x", "w"], "y", Ais("pads", 0, 1, 2, 0))],
            [Fl("w", 1, 4, 3, 2, 2)]),
        ["maxpool_asymmetric_pads"] = new(17, Image, [N("MaxPool", ["x"], "y", Ais("kernel_shape", 3, 3),
            Ais("strides", 2, 2), Ais("pads", 1, 0, 0, 1))], []),
        ["maxpool_dilation_ceil"] = new(17, Image, [N("MaxPool", ["x"], "y", Ais("kernel_shape", 2, 2),
            Ais("dilations", 2, 2), Ai("ceil_mode", 1), Ais("strides", 2, 2))], []),
        ["avgpool_count_include_pad"] = new(17, Image, [N("AveragePool", ["x"], "y", Ais("kernel_shape", 3, 3),
            Ais("pads", 1, 1, 1, 1), Ai("count_include_pad", 1))], []),
        ["avgpool_exclude_pad_default"] = new(17, Image, [N("AveragePool", ["x"], "y", Ais("kernel_shape", 3, 3),
            Ais("pads", 1, 1, 1, 1), Ais("strides", 2, 2))], []),
        ["avgpool_1d"] = new(17, [3, 8], [N("AveragePool", ["x"], "y", Ais("kernel_shape", 3), Ais("strides", 2))],
            []),
        ["conv_transpose_1d"] = new(17, [3, 5], [N("ConvTranspose", ["x", "w", "b"], "y", Ais("strides", 2),
            Ais("pads", 1, 1), Ais("output_padding", 1))], [Fl("w", 3, 3, 2, 3), Fl("b", 4, 2)]),
        ["global_max_pool"] = new(17, Image, [N("GlobalMaxPool", ["x"], "y")], []),
        ["prelu"] = new(17, Image, [N("PRelu", ["x", "s"], "y")], [Fl("s", 5, 3, 1, 1)]),
        ["hard_sigmoid"] = new(17, Flat, [N("HardSigmoid", ["x"], "y", Af("alpha", 0.3f), Af("beta", 0.4f))], []),
        ["reduce_prod_l1_l2_13"] = new(13, Image, [N("ReduceProd", ["x"], "a", Ais("axes", 2, 3), Ai("keepdims", 0)),
            N("ReduceL1", ["x"], "b", Ais("axes", 2, 3), Ai("keepdims", 0)),
            N("ReduceL2", ["x"], "c", Ais("axes", -1, 2), Ai("keepdims", 0)), N("Sum", ["a", "b", "c"], "y")], []),
        ["reduce_sumsquare_18"] = new(18, Image, [N("ReduceSumSquare", ["x", "ax"], "y")], [Int64s("ax", 1)]),
        ["reduce_mean_all_18"] = new(18, Image, [N("ReduceMean", ["x"], "y", Ai("keepdims", 0))], []),
        ["softmax_opset11_coerced"] = new(11, Image, [N("Softmax", ["x"], "y", Ai("axis", 2))], []),
        ["logsoftmax_opset11_default"] = new(11, Flat, [N("LogSoftmax", ["x"], "y")], []),
        ["unsqueeze_squeeze_all_11"] = new(11, Flat, [N("Unsqueeze", ["x"], "u", Ais("axes", 1, -1)),
            N("Squeeze", ["u"], "y")], []),
        ["gather_2d_negative_indices"] = new(17, Flat, [N("Gather", ["x", "i"], "y", Ai("axis", 1))],
            [new TensorProto
            {
                Name = "i", DataType = (int)DataType.Int64, Dims = { 2, 2 }, Int64Data = { 0, -1, 2, 1 },
            }]),
        ["gather_embedding"] = new(17, Flat, [N("Gather", ["e", "i"], "g"), N("Add", ["g", "x"], "y")],
            [Fl("e", 6, 5, 4), new TensorProto { Name = "i", DataType = (int)DataType.Int64, Int64Data = { 3 } }]),
        ["tile"] = new(17, Flat, [N("Tile", ["x", "r"], "y")], [Int64s("r", 2, 3)]),
        ["constant_of_shape"] = new(17, Image, [N("Shape", ["x"], "s"), N("ConstantOfShape", ["s"], "c",
            new AttributeProto
            {
                Name = "value", Type = AttrType.Tensor,
                T = new TensorProto { DataType = (int)DataType.Float, Dims = { 1 }, FloatData = { 2f } },
            }),
            N("Mul", ["x", "c"], "y")], []),
        ["shape_slice_reshape"] = new(17, Image, [N("Shape", ["x"], "s", Ai("start", 0), Ai("end", 2)),
            N("Concat", ["s", "m"], "t", Ai("axis", 0)), N("Reshape", ["x", "t"], "y")], [Int64s("m", -1)]),
        ["clip_opset11_inputs"] = new(11, Flat, [N("Clip", ["x", "lo", "hi"], "y")],
            [Scalar("lo", -0.2f), Scalar("hi", 0.7f)]),
        ["variadic_mean_max_min"] = new(17, Flat, [N("Exp", ["x"], "e"), N("Mean", ["x", "e", "k"], "a"),
            N("Max", ["x", "e", "k"], "b"), N("Min", ["x", "e"], "c"), N("Sum", ["a", "b", "c"], "y")],
            [Scalar("k", 0.5f)]),
        ["integer_div_cast"] = new(17, Flat, [N("Mul", ["x", "t"], "m"), N("Cast", ["m"], "i",
            Ai("to", (long)DataType.Int64)), N("Div", ["i", "two"], "d"), ToFloat("d")],
            [Scalar("t", 7f), Int64s("two", 2)]),
        ["not_isinf_where"] = new(17, Flat, [N("Div", ["one", "x"], "r"), N("Mul", ["r", "big"], "b"),
            N("IsInf", ["b"], "inf", Ai("detect_negative", 0)), N("Not", ["inf"], "fin"),
            N("Where", ["fin", "x", "one"], "y")], [Scalar("one", 1f), Scalar("big", 3e38f)]),
        ["compare_cast"] = new(17, Flat, [N("GreaterOrEqual", ["x", "z"], "g"), N("Cast", ["g"], "y",
            Ai("to", (long)DataType.Float))], [Scalar("z", 0.1f)]),
        ["expand_broadcast"] = new(17, Flat, [N("Unsqueeze", ["x", "a"], "u"), N("Expand", ["u", "s"], "y")],
            [Int64s("a", 1), Int64s("s", 1, 3, 1)]),
        ["layernorm_axis1"] = new(17, Image, [N("LayerNormalization", ["x", "g", "b"], "y", Ai("axis", 1),
            Af("epsilon", 1e-3f))], [Fl("g", 7, 3, 6, 6), Fl("b", 8, 3, 6, 6)]),
        ["layernorm_broadcast_scale"] = new(17, Image, [N("LayerNormalization", ["x", "g"], "y", Ai("axis", 2))],
            [Fl("g", 7, 6)]),
        ["gemm_transA_alpha_beta"] = new(17, Flat, [N("Transpose", ["x"], "xt"), N("Gemm", ["xt", "w", "c"], "y",
            Ai("transA", 1), Af("alpha", 0.5f), Af("beta", 2f))], [Fl("w", 9, 4, 3), Fl("c", 10, 3)]),
        ["batchnorm_4d"] = new(17, Image, [N("BatchNormalization", ["x", "g", "b", "m", "v"], "y",
            Af("epsilon", 1e-3f))], [Fl("g", 1, 3), Fl("b", 2, 3), Fl("m", 3, 3),
            new TensorProto { Name = "v", DataType = (int)DataType.Float, Dims = { 3 }, FloatData = { 0.5f, 1, 2 } }]),
        ["argmax_keepdims0"] = new(17, Image, [N("ArgMax", ["x"], "a", Ai("axis", 2), Ai("keepdims", 0)),
            ToFloat("a")], []),
        ["slice_steps_negative_starts"] = new(17, Image, [N("Slice", ["x", "st", "en", "ax", "sp"], "y")],
            [Int64s("st", -5, 0), Int64s("en", long.MaxValue, -1), Int64s("ax", -1, 2), Int64s("sp", 2, 1)]),
        ["dropout_opset12_ratio"] = new(17, Flat, [N("Dropout", ["x", "r"], "y")], [Scalar("r", 0.3f)]),
        ["constant_value_floats"] = new(17, Flat, [N("Constant", [], "c",
            new AttributeProto { Name = "value_floats", Type = AttrType.Floats, Floats = { 1, 2, 3, 4 } }),
            N("Add", ["x", "c"], "y")], []),
        ["gelu_opset20"] = new(20, Flat, [N("Gelu", ["x"], "y", As("approximate", "tanh"))], []),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Imported_op_matches_onnx_runtime(string name)
    {
        Case c = Cases[name];
        ModelProto model = Model(c.Opset, c.Nodes);
        model.Graph.Input[0] = Value("x", "batch", c.Rest);
        model.Graph.Initializer.AddRange(c.Initializers);
        byte[] bytes = model.ToByteArray();
        OnnxModule imported = OnnxImporter.Load(bytes);
        using var session = new InferenceSession(bytes);
        foreach (int n in new[] { 3, 5 })
        {
            int[] shape = [n, .. Array.ConvertAll(c.Rest, d => (int)d)];
            Tensor x = Tensor.Randn(shape, new Generator(n));
            float[] expected = OrtHarness.Run(session, x, out long[] expectedShape);
            Tensor actual = imported.Call(x);
            Assert.Equal(expectedShape, OrtHarness.ToLongs(actual.Shape));
            float[] a = actual.To(DType.Float32).ToArray<float>();
            for (int i = 0; i < a.Length; i++)
            {
                double tol = ImportHarness.Atol + ImportHarness.Rtol * Math.Abs(expected[i]);
                if (!(Math.Abs(a[i] - expected[i]) <= tol))
                    Assert.Fail($"batch {n}, element {i}: Ember {a[i]}, ONNX Runtime {expected[i]}");
            }
            if (actual.RequiresGrad) actual.Sum().Backward();
        }
    }
}
