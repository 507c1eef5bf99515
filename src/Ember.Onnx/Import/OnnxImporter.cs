using System;
using System.Globalization;
using System.IO;
using Ember.NN;
using Ember.Onnx.Import;

namespace Ember.Onnx;

/// <summary>
/// Imports ONNX files (e.g. from <c>torch.onnx.export</c> or <see cref="OnnxExporter"/>) as Ember modules that run
/// and fine-tune in Ember: <see cref="Load(string)"/> for one input and one output, <see cref="LoadGraph(string)"/>
/// for any number. Opsets <see cref="MinOpset"/> to <see cref="MaxOpset"/> of the default domain and the op set of
/// the exporter are supported (see docs/onnx.md). A file with an unsupported op fails with a
/// <see cref="NotSupportedException"/> naming the node and op; a malformed, truncated or hostile file with an
/// <see cref="InvalidDataException"/>; sizes are checked against the file's length before anything is allocated.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The oldest opset of the default domain the importer reads.</summary>
    public const int MinOpset = ImportedGraph.MinOpset;

    /// <summary>The newest opset of the default domain the importer reads.</summary>
    public const int MaxOpset = ImportedGraph.MaxOpset;

    /// <summary>Imports the one-input, one-output model in the file <paramref name="path"/>.</summary>
    /// <returns>The model, in eval mode.</returns>
    public static OnnxModule Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(File.ReadAllBytes(path));
    }

    /// <summary>Imports the one-input, one-output model read from <paramref name="stream"/> (to its end).</summary>
    /// <returns>The model, in eval mode.</returns>
    public static OnnxModule Load(Stream stream) => Load(ReadAll(stream));

    /// <summary>Imports the one-input, one-output model in <paramref name="model"/> (the file's bytes).</summary>
    /// <returns>The model, in eval mode.</returns>
    public static OnnxModule Load(byte[] model)
    {
        var runner = new GraphRunner(Parse(model));
        var g = runner.Graph;
        if (g.Inputs.Count != 1 || g.Outputs.Count != 1)
            throw new NotSupportedException(
                $"ONNX import: the model has {g.Inputs.Count} inputs and {g.Outputs.Count} outputs; Load takes one " +
                "of each. Use OnnxImporter.LoadGraph, whose module takes and returns arrays of tensors.");
        return new OnnxModule(runner);
    }

    /// <summary>Imports the model in the file <paramref name="path"/>, with any number of inputs and outputs.</summary>
    /// <returns>The model, in eval mode.</returns>
    public static OnnxGraphModule LoadGraph(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return LoadGraph(File.ReadAllBytes(path));
    }

    /// <summary>Imports the model read from <paramref name="stream"/>, with any number of inputs and outputs.</summary>
    /// <returns>The model, in eval mode.</returns>
    public static OnnxGraphModule LoadGraph(Stream stream) => LoadGraph(ReadAll(stream));

    /// <summary>Imports the model in <paramref name="model"/>, with any number of inputs and outputs.</summary>
    /// <returns>The model, in eval mode.</returns>
    public static OnnxGraphModule LoadGraph(byte[] model) => new(new GraphRunner(Parse(model)));

    private static ImportedGraph Parse(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ImportedGraph.Parse(model);
    }

    private static byte[] ReadAll(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    internal static string ProducerOf(ImportedGraph g) =>
        $"{g.Model.ProducerName} {g.Model.ProducerVersion}".Trim();

    internal static string Describe(ImportedGraph g) => string.Format(CultureInfo.InvariantCulture,
        "opset={0}, nodes={1}, producer='{2}'", g.Opset, g.Nodes.Count, ProducerOf(g));

    // The dtype a floating input is cast to: the one the file declares.
    internal static DType? InputDType(ImportedGraph g) =>
        g.Inputs[0].DType is DType d && d.IsFloatingPoint() ? d : null;
}
