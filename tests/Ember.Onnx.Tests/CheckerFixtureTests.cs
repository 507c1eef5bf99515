using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Ember.Keras;
using Ember.NN;
using static Ember.Onnx.Tests.OrtHarness;

namespace Ember.Onnx.Tests;

/// <summary>
/// The models whose exported files ONNX's own checker (Debian's python3-onnx 1.12) accepted: tools/golden/onnx_check.py
/// checks the files this test writes (to $EMBER_ONNX_EXPORT_DIR) and records the result in Golden/onnx_checker.json;
/// .ci/run repeats the check. Here the fixture must list every model the test exports, each as "ok".
/// </summary>
public class CheckerFixtureTests
{
    internal static IEnumerable<(string Name, Func<Module> Model, Func<int, Tensor> Input, int Opset)> Models()
    {
        yield return ("mlp_opset13", ModelExportTests.Mlp, Randn(4), 13);
        yield return ("mlp_opset17", ModelExportTests.Mlp, Randn(4), 17);
        yield return ("cnn_bn_dropout", () => new NN.Sequential(
            new Conv2d(1, 4, 3, padding: 1, generator: new Generator(1)), new BatchNorm2d(4), new ReLU(),
            new MaxPool2d(2), new NN.Dropout(0.25), new NN.Flatten(), new Linear(64, 5)), Randn(1, 8, 8), 17);
        yield return ("keras_cnn", () => new Keras.Sequential(
            new Conv2D(4, 3, padding: "same", activation: "relu", generator: new Generator(1)),
            new MaxPooling2D(), new BatchNormalization(), new Keras.Flatten(), new Dense(3, activation: "softmax")),
            Randn(6, 6, 1), 17);
        yield return ("lstm_gru", () => new Fn2(), Randn(5, 4), 17);
        foreach (var (name, (input, model)) in OpExportTests.Cases)
            yield return ("op_" + name, model, input, 17);
        foreach (string name in DataDependentExportTests.CaseNames)
        {
            var (input, model) = DataDependentExportTests.Case(name);
            yield return ("dd_" + name, () => model, input, 17);
        }
    }

    /// <summary>Models with tuple inputs or outputs, exported with <see cref="OnnxExporter.ExportModuleToBytes"/>.
    /// </summary>
    internal static IEnumerable<(string Name, Func<byte[]> Export)> TupleModels()
    {
        yield return ("mha_kpm_weights", MhaWithPadding);
        yield return ("mha_cross_3d_mask", CrossAttention);
        yield return ("encoder_fast_path", () => OnnxExporter.ExportModuleToBytes(
            new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, batchFirst: true,
                generator: new Generator(5)), 2, new LayerNorm([8])),
            (X(5, true, 6), (Tensor?)null, (Tensor?)TransformerExportTests.Padding(3, 5))));
        yield return ("encoder_norm_first_gelu", () => OnnxExporter.ExportModuleToBytes(
            new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, activation: "gelu", normFirst: true,
                generator: new Generator(6)), 2),
            (X(5, false, 8), (Tensor?)TransformerExportTests.Causal(5, false), (Tensor?)null)));
        yield return ("transformer", WholeTransformer);
        var seqAxes = new Axes().Add("input", (0, "len"), (1, "batch")).Add("input_1", (1, "batch"))
            .Add("input_2", (1, "batch")).Add("output", (0, "len"), (1, "batch")).Add("output_1", (1, "batch"))
            .Add("output_2", (1, "batch"));
        yield return ("lstm_seq_first_state", () => OnnxExporter.ExportModuleToBytes(
            new LSTM(4, 5, numLayers: 2, generator: new Generator(6)),
            (Tensor.Randn(6, 3, 4), ((Tensor, Tensor)?)(Tensor.Randn(2, 3, 5), Tensor.Randn(2, 3, 5)), (int[]?)null),
            dynamicAxes: seqAxes));
        yield return ("lstm_projection", () => OnnxExporter.ExportModuleToBytes(
            new LSTM(4, 5, bidirectional: true, projSize: 3, generator: new Generator(8)),
            (Tensor.Randn(4, 3, 4), ((Tensor, Tensor)?)(Tensor.Randn(2, 3, 3), Tensor.Randn(2, 3, 5)), (int[]?)null),
            dynamicAxes: new Axes().Add("input", (1, "batch"))));
        yield return ("lstm_lengths", () => OnnxExporter.ExportModuleToBytes(
            new LSTM(4, 5, batchFirst: true, bidirectional: true, generator: new Generator(9)),
            (Tensor.Randn(3, 6, 4), ((Tensor, Tensor)?)null, (int[]?)[6, 4, 1]),
            dynamicAxes: new Axes().Add("input", (0, "batch"), (1, "len")).Add("input_1", (0, "batch"))));
    }

    private static Tensor X(int len, bool batchFirst, int seed) =>
        TransformerExportTests.X(3, len, 8, batchFirst, seed);

    private static byte[] MhaWithPadding()
    {
        var m = new MultiheadAttention(8, 2, generator: new Generator(1));
        Tensor x = X(5, false, 1);
        return OnnxExporter.ExportModuleToBytes(m,
            (x, x, x, (Tensor?)TransformerExportTests.Padding(3, 5), (Tensor?)null, true, true));
    }

    private static byte[] CrossAttention()
    {
        var m = new MultiheadAttention(8, 4, kdim: 6, vdim: 5, batchFirst: true, generator: new Generator(2));
        return OnnxExporter.ExportModuleToBytes(m, (X(5, true, 2), TransformerExportTests.X(3, 5, 6, true, 3),
            TransformerExportTests.X(3, 5, 5, true, 4), (Tensor?)null, (Tensor?)Tensor.Randn(12, 5, 5), true, false));
    }

    private static byte[] WholeTransformer()
    {
        var m = new Transformer(8, 2, 1, 1, 16, batchFirst: true, generator: new Generator(12));
        return OnnxExporter.ExportModuleToBytes(m, (X(6, true, 13), X(5, true, 14), (Tensor?)null,
            (Tensor?)TransformerExportTests.Causal(5, true), (Tensor?)null,
            (Tensor?)TransformerExportTests.Padding(3, 6), (Tensor?)null, (Tensor?)null));
    }

    private sealed class Fn2 : Module
    {
        public LSTM Lstm { get; } = new(4, 6, numLayers: 2, batchFirst: true, bidirectional: true);
        public GRU Gru { get; } = new(12, 3, batchFirst: true);
        public override Tensor Forward(Tensor input) => Gru.Call((Lstm.Call(input).Output, null, null)).Item1;
    }

    [Fact]
    public void Every_exported_model_passed_onnx_checker()
    {
        string dir = Environment.GetEnvironmentVariable("EMBER_ONNX_EXPORT_DIR") is { Length: > 0 } d ? d
            : Path.Combine(Path.GetTempPath(), $"ember-onnx-check-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        using var fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden",
            "onnx_checker.json")));
        JsonElement checkedFiles = fixture.RootElement.GetProperty("checked");
        var names = new List<string>();
        foreach (var (name, model, input, opset) in Models())
        {
            Module m = model();
            m.Eval();
            byte[] bytes = OnnxExporter.ExportToBytes(m, input(3), opset);
            File.WriteAllBytes(Path.Combine(dir, name + ".onnx"), bytes);
            Assert.Empty(OnnxChecker.Check(bytes));
            names.Add(name);
        }
        foreach (var (name, export) in TupleModels())
        {
            byte[] bytes = export();
            File.WriteAllBytes(Path.Combine(dir, name + ".onnx"), bytes);
            Assert.Empty(OnnxChecker.Check(bytes));
            names.Add(name);
        }
        // Written first, then compared, so a new model's file is there for the script to check.
        foreach (string name in names)
        {
            Assert.True(checkedFiles.TryGetProperty(name + ".onnx", out JsonElement result),
                $"{name}.onnx is not in Golden/onnx_checker.json: rerun tools/golden/onnx_check.py (see its header).");
            Assert.Equal("ok", result.GetString());
        }
    }
}
