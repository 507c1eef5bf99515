using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using Ember.NN;
using Ember.Onnx.Proto;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// Exports a module to an ONNX file by tracing one forward pass on an example input, as <c>torch.onnx.export</c>
/// does: the module runs in eval mode under no-grad, every op it executes becomes ONNX nodes, parameters and buffers
/// become initializers under their state-dict names, and control flow in C# <c>Forward</c> is unrolled for that input.
/// The first dim of the inputs and outputs is a symbolic batch dim (<c>"batch"</c>) unless
/// <c>dynamicAxes</c> says otherwise. Modules with tuple inputs or outputs export with
/// <see cref="ExportModule{TIn, TOut}"/>.
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
    /// Per input/output name, its symbolic dims (dim index to name; any dim, e.g. a sequence length). Null: dim 0 of
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

    /// <summary>
    /// Exports a module whose input or output is a tuple (<see cref="MultiheadAttention"/>, the transformer modules, a
    /// recurrent layer) to the file <paramref name="path"/>. Every tensor in <paramref name="exampleInputs"/>
    /// (a tensor or a tuple, nested tuples flattened in order) becomes a graph input, the same tensor object once,
    /// and so does an <c>int[]</c> (an RNN's per-sequence lengths, as int32); other items (null masks, flags) are
    /// fixed at their example values. Every tensor in the output becomes a graph output (null items are skipped).
    /// </summary>
    /// <typeparam name="TIn">The module's input: a tensor or a tuple.</typeparam>
    /// <typeparam name="TOut">The module's output: a tensor or a tuple.</typeparam>
    /// <param name="module">The model.</param>
    /// <param name="exampleInputs">An input of the real shapes and dtypes.</param>
    /// <param name="path">The <c>.onnx</c> file to write (replaced if present).</param>
    /// <param name="opset">The opset version, <see cref="MinOpset"/> to <see cref="MaxOpset"/>.</param>
    /// <param name="inputNames">The graph inputs' names in order (default <c>input</c>, <c>input_1</c>, ...).</param>
    /// <param name="outputNames">The graph outputs' names (default <c>output</c>, <c>output_1</c>, ...).</param>
    /// <param name="dynamicAxes">
    /// Per input/output name, its symbolic dims (dim index to name; any dim). Null: dim 0 of every input and output
    /// is <c>batch</c>. A name left out, or an empty map: every dim fixed.
    /// </param>
    public static void ExportModule<TIn, TOut>(Module<TIn, TOut> module, TIn exampleInputs, string path,
        int opset = DefaultOpset, IReadOnlyList<string>? inputNames = null, IReadOnlyList<string>? outputNames = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = ExportModuleToBytes(module, exampleInputs, opset, inputNames, outputNames, dynamicAxes);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// As <see cref="ExportModule{TIn, TOut}"/>, returning the serialized model instead of writing a file.
    /// </summary>
    /// <typeparam name="TIn">The module's input: a tensor or a tuple.</typeparam>
    /// <typeparam name="TOut">The module's output: a tensor or a tuple.</typeparam>
    /// <returns>The ONNX model (protobuf bytes).</returns>
    public static byte[] ExportModuleToBytes<TIn, TOut>(Module<TIn, TOut> module, TIn exampleInputs,
        int opset = DefaultOpset, IReadOnlyList<string>? inputNames = null, IReadOnlyList<string>? outputNames = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null) =>
        Build(module, exampleInputs, opset, inputNames, outputNames, dynamicAxes).ToByteArray();

    internal static ModelProto Build(Module module, Tensor exampleInput, int opset,
        IReadOnlyList<string>? inputNames, IReadOnlyList<string>? outputNames,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes)
    {
        ArgumentNullException.ThrowIfNull(exampleInput);
        return Build<Tensor, Tensor>(module, exampleInput, opset, inputNames, outputNames, dynamicAxes);
    }

    internal static ModelProto Build<TIn, TOut>(Module<TIn, TOut> module, TIn exampleInputs, int opset,
        IReadOnlyList<string>? inputNames, IReadOnlyList<string>? outputNames,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (opset < MinOpset || opset > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), opset,
                $"ONNX export: opset must be {MinOpset} to {MaxOpset}, got {opset}.");
        var inputs = new List<object>();
        Flatten(exampleInputs, inputs, distinct: true);
        if (inputs.Count == 0)
            throw new ArgumentException("ONNX export: the example input holds no tensor.", nameof(exampleInputs));

        var builder = new GraphBuilder(opset);
        foreach (var (name, p) in module.NamedParameters()) builder.AddState(name, p);
        foreach (var (name, buffer) in module.NamedBuffers()) builder.AddState(name, buffer);
        for (int i = 0; i < inputs.Count; i++)
        {
            string name = NameAt(inputNames, i, "input");
            if (inputs[i] is int[] lengths) builder.AddInput(lengths, name, Axes(dynamicAxes, name, 1));
            else builder.AddInput((Tensor)inputs[i], name, Axes(dynamicAxes, name, ((Tensor)inputs[i]).Dim));
        }

        bool wasTraining = module.Training;
        module.Eval();
        TOut output;
        try
        {
            var tracer = new OnnxTracer(builder, module);
            using (Autograd.NoGrad())
            using (tracer.Begin())
                output = module.Call(exampleInputs);
        }
        finally
        {
            module.Train(wasTraining);
        }
        var outputs = new List<object>();
        Flatten(output, outputs, distinct: false);
        for (int i = 0; i < outputs.Count; i++)
        {
            string name = NameAt(outputNames, i, "output");
            if (outputs[i] is not Tensor y)
                throw new NotSupportedException($"ONNX export: output {i} is an int array, not a tensor.");
            builder.AddOutput(y, name, Axes(dynamicAxes, name, y.Dim));
        }

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

    private static string NameAt(IReadOnlyList<string>? names, int i, string stem) =>
        names is not null && i < names.Count ? names[i] : i == 0 ? stem : $"{stem}_{i}";

    // The tensors (and int arrays: an RNN's lengths) of a tensor or a (nested) tuple, in order; the same object once
    // when distinct.
    private static void Flatten(object? value, List<object> into, bool distinct)
    {
        switch (value)
        {
            case Tensor or int[]:
                if (!distinct || !into.Exists(u => ReferenceEquals(u, value))) into.Add(value);
                break;
            case ITuple tuple:
                for (int i = 0; i < tuple.Length; i++) Flatten(tuple[i], into, distinct);
                break;
        }
    }

    private static IReadOnlyDictionary<int, string>? Axes(
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? axes, string name, int rank)
    {
        if (axes is null) return rank > 0 ? new Dictionary<int, string> { [0] = "batch" } : null;
        if (!axes.TryGetValue(name, out var dims) || dims.Count == 0) return null;
        foreach (var (dim, param) in dims)
        {
            if (dim < 0 || dim >= rank)
                throw new ArgumentOutOfRangeException(nameof(axes), dim,
                    $"ONNX export: dynamic axis {dim} ('{param}') of '{name}' is outside its {rank} dims.");
        }
        return dims;
    }
}
