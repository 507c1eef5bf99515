using System;
using Ember.NN;
using static Ember.Onnx.Tests.OrtHarness;

namespace Ember.Onnx.Tests;

/// <summary>
/// Ops with no autograd node whose result depends on the input (comparisons, argmax, integer casts): exported as ONNX
/// ops, or the export fails naming the op and the module path; never a graph frozen on the example input's values.
/// </summary>
public class DataDependentExportTests
{
    private static readonly Tensor Threshold = Tensor.Randn([4], new Generator(9));

    internal static readonly string[] CaseNames =
    [
        "where_gt_scalar", "where_lt_tensor", "where_ge_le", "where_eq_ne", "argmax_dim", "argmax_keepdim",
        "argmin_dim", "argmax_all", "int_cast", "isnan_isinf",
    ];

    public static TheoryData<string> Names() => [.. CaseNames];

    internal static (Func<int, Tensor> Input, Module Model) Case(string name) => name switch
    {
        "where_gt_scalar" => (Randn(4), new Fn(x => Tensor.Where(x.Gt(0), x, 0))),
        "where_lt_tensor" => (Randn(4), new Fn(x => Tensor.Where(x < Threshold, x * 2.0, x.Exp()))),
        "where_ge_le" => (Randn(4), new Fn(x => Tensor.Where(x >= 0.25, x, -x) + Tensor.Where(x <= -0.5, 1.0, x))),
        "where_eq_ne" => (n => Tensor.RandInt(3, [n, 6], new Generator(n)).To(DType.Float32),
            new Fn(x => Tensor.Where(x.Eq(1), x, 5.0) + Tensor.Where(x.Ne(x * 0.0 + 1.0), 1.0, x))),
        "argmax_dim" => (Randn(5), new Fn(x => x.Argmax(1))),
        "argmax_keepdim" => (Randn(3, 4), new Fn(x => x.Argmax(-1, keepDim: true))),
        "argmin_dim" => (Randn(5), new Fn(x => x.Argmin(1))),
        "argmax_all" => (Randn(5), new Fn(x => x.Argmax())),
        "int_cast" => (Randn(4), new Fn(x => (x * 3.0).To(DType.Int64).To(DType.Float32) + x)),
        "isnan_isinf" => (Randn(4), new Fn(x => Tensor.Where(x.Log().IsNaN(), 0.0, x) + Tensor.Where(
            (x * 1e39).IsInf(), x, 0.0))),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Data_dependent_op_matches_ember_at_two_batch_sizes(string name)
    {
        var (input, model) = Case(name);
        AssertExportMatches(model, input);
    }

    [Fact]
    public void Where_mask_follows_the_input_not_the_example()
    {
        // The frozen-mask bug: the example input is all positive, the run input all negative.
        var model = new Fn(x => Tensor.Where(x.Gt(0), x, 0));
        byte[] bytes = OnnxExporter.ExportToBytes(model, Tensor.Ones(3, 4));
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(bytes);
        float[] y = Run(session, -Tensor.Ones(5, 4), out long[] shape);
        Assert.Equal([5L, 4L], shape);
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Argmax_exports_as_the_onnx_op()
    {
        byte[] bytes = AssertExportMatches(new Fn(x => x.Argmax(1)), Randn(6));
        var graph = Proto.ModelProto.Parser.ParseFrom(bytes).Graph;
        Assert.Contains(graph.Node, n => n.OpType == "ArgMax");
        Assert.Equal((int)Proto.TensorProto.Types.DataType.Int64, graph.Output[0].Type.TensorType.ElemType);
    }

    private sealed class Head(Func<Tensor, Tensor> f) : Module
    {
        public Fn Rank { get; } = new(f);
        public override Tensor Forward(Tensor input) => Rank.Call(input);
    }

    private sealed class Net(Func<Tensor, Tensor> f) : Module
    {
        public Linear Fc { get; } = new(4, 4, generator: new Generator(1));
        public Head Head { get; } = new(f);
        public override Tensor Forward(Tensor input) => Head.Call(Fc.Call(input));
    }

    private static Func<Tensor, Tensor> Untraceable(string op) => op switch
    {
        "argsort" => x => x.Argsort(1).To(DType.Float32),
        "any" => x => Tensor.Where(x.Gt(0).Any(1, keepDim: true), x, 0),
        "floor_divide" => x => x.FloorDivide(x.Abs() + 1.0),
        "TopkBackward0" => x => x.TopK(2, 1).Indices.To(DType.Float32),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [InlineData("argsort")]
    [InlineData("any")]
    [InlineData("floor_divide")]
    [InlineData("TopkBackward0")]
    public void Untraceable_data_dependent_op_fails_naming_the_op_and_the_module_path(string op)
    {
        var e = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.ExportToBytes(new Net(Untraceable(op)), Tensor.Randn(2, 4)));
        Assert.Contains($"'{op}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'head.rank' (Fn)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_read_of_a_traced_value_fails_naming_the_module_path()
    {
        // Values copied out and back in would be the example input's: a constant in the graph.
        var model = new NN.Sequential(new Fn(x => x + Tensor.From(x.ToArray<float>()).Reshape(x.Shape.ToArray())));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(model, Tensor.Randn(2, 4)));
        Assert.Contains("ToArray", e.Message, StringComparison.Ordinal);
        Assert.Contains("'0' (Fn)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_independent_untraced_ops_stay_constants()
    {
        // argsort of a constant is a constant: exact to freeze, so the export succeeds.
        var order = Tensor.Randn([4], new Generator(3));
        AssertExportMatches(new Fn(x => x * order.Argsort().To(DType.Float32)), Randn(4));
    }
}
