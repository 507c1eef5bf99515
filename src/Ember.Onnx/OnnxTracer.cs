using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ember.NN;
using Ember.Onnx.Proto;
using Ember.Tracing;

namespace Ember.Onnx;

/// <summary>
/// The exporter's <see cref="OpTracer"/>: turns each reported op into ONNX nodes (<see cref="OpMappings"/>), takes
/// known layers whole (<see cref="ModuleMappings"/>), and keeps the module path for error messages.
/// </summary>
internal sealed class OnnxTracer : OpTracer
{
    private readonly Dictionary<object, string> _paths = new(ReferenceEqualityComparer.Instance);
    private readonly List<Frame> _stack = [];

    // One module call: whether the exporter took it whole, and whether its op is still to be emitted.
    private sealed class Frame(object module, bool claimed, bool swallowed)
    {
        public object Module { get; } = module;
        public bool Claimed { get; } = claimed;
        public bool Swallowed { get; } = swallowed;
        public bool Emitted { get; set; }

        // TransformerEncoder: its key-padding mask, whether the fast path read it, and whether its fill was emitted.
        public Tensor? PaddingMask { get; set; }
        public bool FastPathRead { get; set; }
        public bool FastPathEmitted { get; set; }
    }

    public OnnxTracer(GraphBuilder builder, ModuleBase root)
    {
        Builder = builder;
        foreach (var (name, module) in root.NamedModules()) _paths.TryAdd(module, name);
    }

    public GraphBuilder Builder { get; }

    /// <summary>The state-dict path of <paramref name="module"/> ("" for the root).</summary>
    public string PathOf(object module) => _paths.TryGetValue(module, out string? p) ? p : "";

    /// <summary>The module path of the innermost module call, for messages ("" is the root).</summary>
    public string CurrentPath
    {
        get
        {
            if (_stack.Count == 0) return "<no module>";
            object m = _stack[^1].Module;
            string path = _paths.TryGetValue(m, out string? p) ? p : "?";
            return $"'{(path.Length == 0 ? "<root>" : path)}' ({m.GetType().Name})";
        }
    }

    protected override bool OnModuleEnter(object module, object? input)
    {
        if (_stack.Count > 0 && _stack[^1] is { Claimed: true } outer)
        {
            // A Keras layer's activation module: the layer's own op ends at the activation's input.
            if (!outer.Swallowed && !outer.Emitted && ModuleMappings.HasActivation(outer.Module)
                && outer.Module is ModuleBase parent && IsChild(parent, module) && input is Tensor pre
                && _inputs.TryGetValue(outer, out Tensor? x))
            {
                ModuleMappings.Emit(outer.Module, x, pre, this);
                outer.Emitted = true;
                _stack.Add(new Frame(module, false, false));
                return false;
            }
            _stack.Add(new Frame(module, true, swallowed: true));
            return true;
        }
        bool claimed = ModuleMappings.Claims(module) || RecurrentMappings.Claims(module)
            || AttentionMappings.Claims(module);
        var frame = new Frame(module, claimed, false);
        if (claimed && input is Tensor t) _inputs[frame] = t;
        if (module is TransformerEncoder && input is ITuple args) frame.PaddingMask = args[2] as Tensor;
        _stack.Add(frame);
        return claimed;
    }

    private readonly Dictionary<Frame, Tensor> _inputs = [];

    private static bool IsChild(ModuleBase parent, object module)
    {
        foreach (ModuleBase c in parent.Children())
            if (ReferenceEquals(c, module)) return true;
        return false;
    }

    protected override void OnModuleExit(object module, object? input, object? output, bool claimed)
    {
        Frame frame = _stack[^1];
        try
        {
            if (frame.Claimed && !frame.Swallowed && !frame.Emitted)
            {
                if (RecurrentMappings.Claims(module)) RecurrentMappings.Emit(module, input, output, this);
                else if (AttentionMappings.Claims(module)) AttentionMappings.Emit(module, input, output, this);
                else if (input is Tensor x && output is Tensor y) ModuleMappings.Emit(module, x, y, this);
            }
            // The fast path read the example mask and found it not left-aligned: the graph would lack the zeroing.
            if (frame.FastPathRead && !frame.FastPathEmitted && output is not null)
                throw Unsupported("TransformerEncoder's fast path on this example",
                    " (export with a left-aligned srcKeyPaddingMask, false up to each length then true, so the " +
                    "graph holds the zeroing of padded positions, applied there when the mask is left-aligned)");
        }
        finally
        {
            _stack.RemoveAt(_stack.Count - 1);
            _inputs.Remove(frame);
        }
    }

    protected override void OnOp(TracedOp op)
    {
        // An op with no autograd node (lowercase aten name) on constants alone is a constant: freezing it is exact.
        if (!OpMappings.IsAutogradNode(op.Name) && !AnyTraced(op)) return;
        // An op on created constants alone (a causal mask built in Forward) is a constant too; ops on parameters stay
        // in the graph so the initializers keep their state-dict names.
        if (!AnyTraced(op) && !AnyState(op)) return;
        if (op.Name == "MaskedFillBackward0" && _stack.Count > 0 && _stack[^1] is { PaddingMask: { } kpm } enc
            && enc.FastPathRead)
        {
            Builder.Bind(op.Output, AttentionMappings.EncoderFastPath(this, op.Inputs[0]!, kpm),
                Builder.IsBatched(op.Inputs[0]));
            enc.FastPathEmitted = true;
            return;
        }
        OpMappings.Emit(op, this);
    }

    private bool AnyState(TracedOp op)
    {
        foreach (Tensor? i in op.Inputs)
            if (Builder.IsState(i)) return true;
        return false;
    }

    private bool AnyTraced(TracedOp op)
    {
        foreach (Tensor? i in op.Inputs)
            if (Builder.IsTraced(i)) return true;
        return false;
    }

    // Values read on the host and turned back into tensors would be frozen: fail instead of a silently wrong graph.
    protected override void OnHostRead(Tensor tensor, string api)
    {
        if (!Builder.IsTraced(tensor)) return;
        // TransformerEncoder's fast path checks its mask's alignment on the host: the graph repeats that check.
        if (_stack.Count > 0 && _stack[^1] is { PaddingMask: { } kpm } enc && ReferenceEquals(kpm, tensor))
        {
            enc.FastPathRead = true;
            return;
        }
        throw new NotSupportedException(
            $"ONNX export: {api} reads the values of a traced tensor (shape " +
            $"[{string.Join(", ", tensor.Shape.ToArray())}]) in " +
            $"module {CurrentPath}; anything computed from them on the host would be frozen into the graph as " +
            "constants of the example input. Use tensor ops instead (see docs/onnx.md, Limits).");
    }

    /// <summary>The error for an op or layer with no mapping.</summary>
    public NotSupportedException Unsupported(string what, string? detail = null) =>
        new($"ONNX export: {what} has no ONNX mapping (opset {Builder.Opset}){detail}; used in module " +
            $"{CurrentPath}. Supported ops and layers are listed in docs/onnx.md.");

    /// <summary>Binds <paramref name="output"/> to <paramref name="name"/> (batched if it keeps the batch).</summary>
    public void Bind(Tensor output, string name, Tensor? batchSource) =>
        Builder.Bind(output, name, KeepsBatch(batchSource, output));

    /// <summary>Whether <paramref name="output"/> still leads with <paramref name="source"/>'s batch.</summary>
    public bool KeepsBatch(Tensor? source, Tensor output) =>
        Builder.IsBatched(source) && output.Dim > 0 && output.Shape[0] == source!.Shape[0];

    /// <summary>A reduction node: axes as an attribute before opset 18 (13 for ReduceSum), as an input after.</summary>
    public string Reduce(string op, string x, long[]? axes, bool keepDims)
    {
        var keep = GraphBuilder.Int("keepdims", keepDims ? 1 : 0);
        if (axes is null) return Builder.Node(op, [x], null, keep);
        bool axesInput = Builder.Opset >= 18 || op == "ReduceSum";
        return axesInput
            ? Builder.Node(op, [x, Builder.ConstInt64(axes)], null, keep)
            : Builder.Node(op, [x], null, keep, GraphBuilder.Ints("axes", axes));
    }

    /// <summary>A Reshape of <paramref name="x"/> to <paramref name="target"/>'s shape, the batch dim kept symbolic.
    /// </summary>
    public string Reshape(Tensor source, string x, Tensor target)
    {
        RequireStaticInnerDims("Reshape (view)");
        long[] shape = new long[target.Dim];
        for (int i = 0; i < shape.Length; i++) shape[i] = target.Shape[i];
        if (Builder.IsBatched(source) && shape.Length > 0)
        {
            // Same leading size: copy it from the input (0); the batch folded into dim 0: infer it (-1).
            if (shape[0] == source.Shape[0]) shape[0] = 0;
            else if (CarriesAfterReshape(source, target)) shape[0] = -1;
        }
        return Builder.Node("Reshape", [x, Builder.ConstInt64(shape)]);
    }

    /// <summary>
    /// Whether a reshape of batch-carrying <paramref name="source"/> to <paramref name="target"/> keeps the batch
    /// folded into dim 0 (e.g. <c>[N, T, F]</c> to <c>[N*T, F]</c> and back).
    /// </summary>
    public bool CarriesAfterReshape(Tensor source, Tensor target) =>
        Builder.IsBatched(source) && target.Dim > 0 && Builder.BatchSize > 0
        && target.Shape[0] % Builder.BatchSize == 0;

    /// <summary>
    /// Fails when a graph input has a symbolic dim beyond dim 0: the shape constant an op would write holds the
    /// example's sizes of every dim but the batch.
    /// </summary>
    public void RequireStaticInnerDims(string what)
    {
        if (Builder.HasDynamicInnerAxes)
            throw Unsupported(what, " with a symbolic dim beyond dim 0 in dynamicAxes (its shape constant would " +
                "hold the example's sizes); declare only dim 0 dynamic, or keep the op out of the exported module");
    }

    /// <summary>Transpose with <paramref name="perm"/>.</summary>
    public string Transpose(string x, params long[] perm) =>
        Builder.Node("Transpose", [x], null, GraphBuilder.Ints("perm", perm));

    /// <summary>The element type attribute value for Cast.</summary>
    public static long OnnxType(DType dtype) => (long)GraphBuilder.ElementType(dtype);

    /// <summary>Guards against attributes outside the given opset.</summary>
    public void RequireOpset(int min, string what)
    {
        if (Builder.Opset < min) throw Unsupported(what, $" before opset {min}");
    }

    internal static AttributeProto Axis(long axis) => GraphBuilder.Int("axis", axis);
}
