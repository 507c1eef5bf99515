using System;
using System.Collections.Generic;
using System.IO;
using Ember.NN;
using Ember.Onnx.Proto;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// Exports a module to an ONNX file by tracing one forward pass on an example input, as <c>torch.onnx.export</c>
/// does: the module runs in eval mode under no-grad, every op it executes becomes ONNX nodes, parameters and buffers
/// become initializers under their state-dict names, and control flow in C# <c>Forward</c> is unrolled for that input.
/// The first dim of the inputs and outputs is a symbolic batch dim (<c>"batch"</c>) unless
/// <c>dynamicAxes</c> says otherwise.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The default opset of the ONNX default domain.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The oldest opset the exporter writes.</summary>
    public const int MinOpset = 13;

    /// <summary>The newest opset the exporter writes.</summary>
    public const int MaxOpset = 21;

    /// <summary>Exports <paramref name="module"/> to the file <paramref name="path"/>.</summary>
    /// <param name="module">The model: one input tensor to one output tensor.</param>
    /// <param name="exampleInput">An input of the real shape and dtype (e.g. a batch of two or more samples).</param>
    /// <param name="path">The <c>.onnx</c> file to write (replaced if present).</param>
    /// <param name="opset">The opset version, <see cref="MinOpset"/> to <see cref="MaxOpset"/>.</param>
    /// <param name="inputNames">The graph input's name (default <c>input</c>).</param>
    /// <param name="outputNames">The graph output's name (default <c>output</c>).</param>
    /// <param name="dynamicAxes">
    /// Per input/output name, its symbolic dims (dim index to name); only dim 0 may be symbolic. Null: dim 0 of
    /// every input and output is <c>batch</c>. An empty map: every dim fixed.
    /// </param>
    public static void Export(Module module, Tensor exampleInput, string path, int opset = DefaultOpset,
        IReadOnlyList<string>? inputNames = null, IReadOnlyList<string>? outputNames = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = ExportToBytes(module, exampleInput, opset, inputNames, outputNames, dynamicAxes);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>As <see cref="Export"/>, returning the serialized model instead of writing a file.</summary>
    /// <returns>The ONNX model (protobuf bytes).</returns>
    public static byte[] ExportToBytes(Module module, Tensor exampleInput, int opset = DefaultOpset,
        IReadOnlyList<string>? inputNames = null, IReadOnlyList<string>? outputNames = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null) =>
        Build(module, exampleInput, opset, inputNames, outputNames, dynamicAxes).ToByteArray();

    internal static ModelProto Build(Module module, Tensor exampleInput, int opset,
        IReadOnlyList<string>? inputNames, IReadOnlyList<string>? outputNames,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(exampleInput);
        if (opset < MinOpset || opset > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), opset,
                $"ONNX export: opset must be {MinOpset} to {MaxOpset}, got {opset}.");
        string inputName = inputNames is { Count: > 0 } ? inputNames[0] : "input";
        string outputName = outputNames is { Count: > 0 } ? outputNames[0] : "output";
        string? inBatch = BatchParam(dynamicAxes, inputName), outBatch = BatchParam(dynamicAxes, outputName);

        var builder = new GraphBuilder(opset);
        foreach (var (name, p) in module.NamedParameters()) builder.AddState(name, p);
        foreach (var (name, buffer) in module.NamedBuffers()) builder.AddState(name, buffer);
        builder.AddInput(exampleInput, inputName, inBatch);

        bool wasTraining = module.Training;
        module.Eval();
        Tensor output;
        try
        {
            var tracer = new OnnxTracer(builder, module);
            using (Autograd.NoGrad())
            using (tracer.Begin())
                output = module.Call(exampleInput);
        }
        finally
        {
            module.Train(wasTraining);
        }
        builder.AddOutput(output, outputName, outBatch);

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Ember",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = builder.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    private static string? BatchParam(IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? axes,
        string name)
    {
        if (axes is null) return "batch";
        if (!axes.TryGetValue(name, out var dims) || dims.Count == 0) return null;
        foreach (var (dim, param) in dims)
        {
            if (dim != 0)
                throw new NotSupportedException(
                    $"ONNX export: only dim 0 may be dynamic, got dim {dim} ('{param}') for '{name}'.");
        }
        return dims[0];
    }
}
