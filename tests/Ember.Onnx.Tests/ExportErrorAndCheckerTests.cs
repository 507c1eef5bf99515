using System;
using System.IO;
using Ember.NN;
using Ember.Onnx.Proto;
using Google.Protobuf;
using static Ember.Onnx.Tests.OrtHarness;

namespace Ember.Onnx.Tests;

public class ExportErrorTests
{
    private sealed class Block : Module
    {
        public Linear Fc { get; } = new(4, 4, generator: new Generator(1));
        public Fn Scan { get; } = new(x => x.Cumsum(1));
        public override Tensor Forward(Tensor input) => Scan.Call(Fc.Call(input));
    }

    private sealed class Net : Module
    {
        public Block Body { get; } = new();
        public override Tensor Forward(Tensor input) => Body.Call(input).ReLU();
    }

    [Fact]
    public void Unsupported_op_names_the_op_and_the_module_path()
    {
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new Net(), Tensor.Randn(2, 4)));
        Assert.Contains("'CumsumBackward0'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'body.scan' (Fn)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_layer_configuration_names_the_module()
    {
        var model = new NN.Sequential(new AvgPool2d(2, divisorOverride: 3));
        var e = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.ExportToBytes(model, Tensor.Randn(2, 1, 4, 4)));
        Assert.Contains("divisorOverride", e.Message, StringComparison.Ordinal);
        Assert.Contains("'0' (AvgPool2d)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opset_out_of_range_is_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            OnnxExporter.ExportToBytes(new ReLU(), Tensor.Randn(2, 4), opset: 12));
        Assert.Contains("13 to 21", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_restores_training_mode_and_leaves_no_tracer_behind()
    {
        var model = new NN.Sequential(new Linear(4, 2), new NN.Dropout(0.5));
        model.Train();
        OnnxExporter.ExportToBytes(model, Tensor.Randn(2, 4));
        Assert.True(model.Training);
        var x = Tensor.Randn([2, 4], requiresGrad: true);
        Assert.NotNull(model.Call(x).GradFn);
    }

    [Fact]
    public void Export_writes_a_file_with_names_and_fixed_axes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ember-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            var model = new Linear(4, 2, generator: new Generator(3));
            OnnxExporter.Export(model, Tensor.Randn(3, 4), path, inputNames: ["features"], outputNames: ["logits"],
                dynamicAxes: new System.Collections.Generic.Dictionary<string,
                    System.Collections.Generic.IReadOnlyDictionary<int, string>>());
            ModelProto m = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.Equal(8, m.IrVersion);
            Assert.Equal(17, m.OpsetImport[0].Version);
            Assert.Equal("features", m.Graph.Input[0].Name);
            Assert.Equal("logits", m.Graph.Output[0].Name);
            Assert.Equal(3, m.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue);
            Assert.Contains(m.Graph.Initializer, i => i.Name == "weight");
            Assert.Contains(m.Graph.Initializer, i => i.Name == "bias");
            Assert.Empty(OnnxChecker.CheckFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parameters_become_initializers_under_state_dict_names()
    {
        var model = new NN.Sequential(new Linear(4, 3), new BatchNorm1d(3));
        ModelProto m = ModelProto.Parser.ParseFrom(OnnxExporter.ExportToBytes(model, Tensor.Randn(2, 4)));
        string[] names = [.. System.Linq.Enumerable.Select(m.Graph.Initializer, i => i.Name)];
        foreach (string n in new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var" })
            Assert.Contains(n, names);
        Assert.DoesNotContain("1.num_batches_tracked", names);
    }
}

public class OnnxCheckerTests
{
    private static ModelProto Valid() =>
        ModelProto.Parser.ParseFrom(OnnxExporter.ExportToBytes(new Linear(4, 2), Tensor.Randn(2, 4)));

    [Fact]
    public void Exported_model_is_clean() => Assert.Empty(OnnxChecker.Check(Valid()));

    [Fact]
    public void Use_before_definition_is_reported()
    {
        ModelProto m = Valid();
        m.Graph.Node[0].Input[0] = "nowhere";
        Assert.Contains(OnnxChecker.Check(m), p => p.Contains("uses 'nowhere' before it is defined",
            StringComparison.Ordinal));
    }

    [Fact]
    public void Nodes_out_of_order_are_reported()
    {
        var m = ModelProto.Parser.ParseFrom(OnnxExporter.ExportToBytes(
            new NN.Sequential(new Linear(4, 3), new ReLU()), Tensor.Randn(2, 4)));
        var first = m.Graph.Node[0];
        m.Graph.Node.RemoveAt(0);
        m.Graph.Node.Add(first);
        Assert.Contains(OnnxChecker.Check(m), p => p.Contains("before it is defined", StringComparison.Ordinal));
    }

    [Fact]
    public void Initializer_shape_mismatch_is_reported()
    {
        ModelProto m = Valid();
        m.Graph.Initializer[0].Dims[0] += 1;
        Assert.Contains(OnnxChecker.Check(m), p => p.Contains("holds", StringComparison.Ordinal)
            && p.Contains("needs", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_opset_and_bad_types_are_reported()
    {
        ModelProto m = Valid();
        m.OpsetImport.Clear();
        m.Graph.Output[0].Type.TensorType.ElemType = 0;
        m.Graph.Initializer[0].DataType = 99;
        var problems = OnnxChecker.Check(m);
        Assert.Contains(problems, p => p.Contains("no opset", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("element type 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("element type 99", StringComparison.Ordinal));
    }

    [Fact]
    public void Redefinition_and_undefined_output_are_reported()
    {
        ModelProto m = Valid();
        m.Graph.Node.Add(m.Graph.Node[0].Clone());
        m.Graph.Output[0].Name = "ghost";
        var problems = OnnxChecker.Check(m);
        Assert.Contains(problems, p => p.Contains("redefines", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'ghost' is never defined", StringComparison.Ordinal));
    }

    [Fact]
    public void Garbage_is_not_a_model() =>
        Assert.NotEmpty(OnnxChecker.Check([0xff, 0xff, 0xff, 0x01]));
}
