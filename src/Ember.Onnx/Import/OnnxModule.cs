using System;
using System.Collections.Generic;
using System.Globalization;
using Ember.NN;
using Ember.Onnx.Import;

namespace Ember.Onnx;

/// <summary>
/// An ONNX graph imported as an Ember module (<see cref="OnnxImporter.Load(string)"/>): one input tensor to one output
/// tensor. The graph runs with Ember ops, so autograd records it and the model fine-tunes; its float initializers are
/// <see cref="Parameter"/>s named after them (<c>fc1.weight</c> stays <c>fc1.weight</c>), BatchNormalization's running
/// statistics are buffers, so <c>StateDict</c>, optimizers and saving work as for any module. It starts in eval mode
/// (the file's inference graph, as ONNX Runtime runs it); <c>Train()</c> makes Dropout drop and BatchNormalization use
/// and update batch statistics, as the PyTorch model would.
/// </summary>
public sealed class OnnxModule : Module
{
    private readonly GraphRunner _runner;

    internal OnnxModule(GraphRunner runner)
    {
        _runner = runner;
        runner.Attach(RegisterParameter, (n, t) => RegisterBuffer(n, t), RegisterModule);
        Eval();
    }

    /// <summary>The graph input's name.</summary>
    public string InputName => _runner.Graph.Inputs[0].Name;

    /// <summary>The graph output's name.</summary>
    public string OutputName => _runner.Graph.Outputs[0];

    /// <summary>The opset of the default ONNX domain the file uses.</summary>
    public int Opset => _runner.Graph.Opset;

    /// <summary>The tool that wrote the file (e.g. <c>pytorch 1.13.1</c>), or empty.</summary>
    public string Producer => OnnxImporter.ProducerOf(_runner.Graph);

    /// <summary>Runs the graph on <paramref name="input"/> (the shape and dtype the file declares).</summary>
    public override Tensor Forward(Tensor input) => _runner.Run(this, [input])[0];

    /// <inheritdoc/>
    protected override bool AcceptsIntegerInput => _runner.Graph.Inputs[0].DType is DType d && !d.IsFloatingPoint();

    /// <inheritdoc/>
    protected override DType? ParameterDType => OnnxImporter.InputDType(_runner.Graph);

    /// <inheritdoc/>
    protected override string ExtraRepr() => OnnxImporter.Describe(_runner.Graph);
}

/// <summary>
/// An ONNX graph with any number of inputs and outputs imported as an Ember module
/// (<see cref="OnnxImporter.LoadGraph(string)"/>): <c>Call</c> takes the graph inputs in order and returns the outputs
/// in order. Otherwise as <see cref="OnnxModule"/>.
/// </summary>
public sealed class OnnxGraphModule : Module<Tensor[], Tensor[]>
{
    private readonly GraphRunner _runner;

    internal OnnxGraphModule(GraphRunner runner)
    {
        _runner = runner;
        runner.Attach(RegisterParameter, (n, t) => RegisterBuffer(n, t), RegisterModule);
        Eval();
    }

    /// <summary>The graph input names, in the order <c>Call</c> takes them.</summary>
    public IReadOnlyList<string> InputNames => _runner.Graph.Inputs.ConvertAll(i => i.Name);

    /// <summary>The graph output names, in the order <c>Call</c> returns them.</summary>
    public IReadOnlyList<string> OutputNames => _runner.Graph.Outputs;

    /// <summary>The opset of the default ONNX domain the file uses.</summary>
    public int Opset => _runner.Graph.Opset;

    /// <summary>Runs the graph: one tensor per graph input, in order; returns one per graph output.</summary>
    public override Tensor[] Forward(Tensor[] input) => _runner.Run(this, input);

    /// <inheritdoc/>
    protected override string ExtraRepr() => OnnxImporter.Describe(_runner.Graph);
}
