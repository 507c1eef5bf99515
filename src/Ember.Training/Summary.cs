using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Ember.Graph;
using Ember.Keras;
using Ember.NN;

namespace Ember.Training;

/// <summary>Keras's <c>model.summary()</c> for any module (what torchinfo gives PyTorch users).</summary>
public static class SummaryExtensions
{
    private const int NameWidth = 33, ShapeWidth = 24, ParamWidth = 15;

    /// <summary>
    /// Keras's summary table: one row per direct child (its name and type, output shape with <c>None</c> for the batch,
    /// parameter count), then total, trainable and non-trainable counts. Output shapes come from running one zero
    /// sample of <paramref name="inputShape"/> through the model (no graph, evaluation mode, flags restored); a
    /// Keras-style <c>Sequential</c> knows its own input shape. Floating-point buffers (batch-norm running statistics)
    /// count as non-trainable parameters, as Keras counts them. Returns the text and prints it.
    /// </summary>
    /// <param name="model">Any module.</param>
    /// <param name="inputShape">The per-sample input shape (without the batch dim); optional for a built Keras-style
    /// <c>Sequential</c>.</param>
    /// <param name="inputDType">The input's element type (float32; int64 for token ids).</param>
    /// <param name="output">Where to print (the console by default; <see cref="TextWriter.Null"/> to only get the
    /// text).</param>
    public static string Summary(this Module model, int[]? inputShape = null, DType? inputDType = null,
        TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var seq = model as Keras.Sequential;
        inputShape ??= seq?.InputShape;
        DType dtype = inputDType ?? seq?.InputDType ?? DType.Float32;
        var children = model.NamedChildren().Select(c => (c.Name, Module: c.Module)).ToList();
        if (children.Count == 0) children.Add((LazyLayer.SnakeCase(model.GetType().Name), model));
        var shapes = new Dictionary<ModuleBase, string>(ReferenceEqualityComparer.Instance);
        if (inputShape is not null) TraceShapes(model, inputShape, dtype, children.Select(c => c.Module), shapes);
        else if (!CompiledModel.IsBuilt(model))
            throw new InvalidOperationException($"Summary: {model.GetType().Name} is not built; give its input shape " +
                "(model.Summary(inputShape: [4])) or start the Sequential with new Input(shape).");

        string modelName = seq?.Name ?? LazyLayer.SnakeCase(model.GetType().Name);
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(modelName).Append("\"\n");
        sb.Append(Border('┏', '━', '┳', '┓'));
        sb.Append(Row('┃', "Layer (type)", "Output Shape", "Param #"));
        sb.Append(Border('┡', '━', '╇', '┩'));
        for (int i = 0; i < children.Count; i++)
        {
            var (name, child) = children[i];
            string shape = shapes.TryGetValue(child, out var s) ? s : "?";
            long count = Count(child, trainable: null);
            sb.Append(Row('│', $"{name} ({child.GetType().Name})", shape, Thousands(count)));
            if (i < children.Count - 1) sb.Append(Border('├', '─', '┼', '┤'));
        }
        sb.Append(Border('└', '─', '┴', '┘'));
        long total = Count(model, null), trainable = Count(model, true);
        int elementSize = ElementSize(model);
        sb.Append(" Total params: ").Append(Thousands(total)).Append(Bytes(total * elementSize)).Append('\n');
        sb.Append(" Trainable params: ").Append(Thousands(trainable)).Append(Bytes(trainable * elementSize))
            .Append('\n');
        sb.Append(" Non-trainable params: ").Append(Thousands(total - trainable))
            .Append(Bytes((total - trainable) * elementSize)).Append('\n');
        string text = sb.ToString();
        (output ?? Console.Out).Write(text);
        return text;
    }

    private static void TraceShapes(Module model, int[] inputShape, DType dtype, IEnumerable<ModuleBase> children,
        Dictionary<ModuleBase, string> shapes)
    {
        var handles = new List<RemovableHandle>();
        foreach (var child in children)
        {
            if (child is not Module m) continue;
            handles.Add(m.RegisterForwardHook((mod, _, output) =>
            {
                shapes.TryAdd(mod, FormatShape(output.Shape));
                return output;
            }));
        }
        var modes = model.NamedModules().Select(m => (m.Module, m.Module.Training)).ToList();
        model.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            var shape = new int[inputShape.Length + 1];
            shape[0] = 1;
            inputShape.CopyTo(shape, 1);
            Tensor output = model.Call(Tensor.Zeros(shape, dtype));
            shapes.TryAdd(model, FormatShape(output.Shape));
        }
        finally
        {
            foreach (var h in handles) h.Remove();
            foreach (var (m, training) in modes) m.Train(training);
        }
    }

    /// <summary>Parameters (all, trainable or frozen) plus floating-point buffers as non-trainable ones.</summary>
    private static long Count(ModuleBase module, bool? trainable)
    {
        long n = 0;
        foreach (var p in module.Parameters())
            if (!p.IsUninitialized && (trainable is null || p.RequiresGrad == trainable)) n += p.NumEl;
        if (trainable != true)
            foreach (var b in module.Buffers())
                if (b.DType.IsFloatingPoint()) n += b.NumEl;
        return n;
    }

    private static int ElementSize(ModuleBase model)
    {
        var p = model.Parameters().FirstOrDefault(p => !p.IsUninitialized);
        return p?.DType switch { DType.Float64 => 8, DType.Float16 or DType.BFloat16 => 2, _ => 4 };
    }

    /// <summary><c>(None, 200)</c>: the batch dim shown as Keras's <c>None</c>.</summary>
    internal static string FormatShape(ReadOnlySpan<int> shape)
    {
        var parts = new List<string> { "None" };
        for (int i = 1; i < shape.Length; i++) parts.Add(shape[i].ToString(CultureInfo.InvariantCulture));
        return parts.Count == 1 ? "(None,)" : "(" + string.Join(", ", parts) + ")";
    }

    private static string Thousands(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Keras's size note: <c> (162.51 KB)</c>.</summary>
    private static string Bytes(long bytes)
    {
        var inv = CultureInfo.InvariantCulture;
        if (bytes < 1024) return string.Create(inv, $" ({bytes:0.00} B)");
        if (bytes < 1024 * 1024) return string.Create(inv, $" ({bytes / 1024.0:0.00} KB)");
        if (bytes < 1024L * 1024 * 1024) return string.Create(inv, $" ({bytes / (1024.0 * 1024):0.00} MB)");
        return string.Create(inv, $" ({bytes / (1024.0 * 1024 * 1024):0.00} GB)");
    }

    private static string Border(char left, char fill, char mid, char right) =>
        left + new string(fill, NameWidth) + mid + new string(fill, ShapeWidth) + mid + new string(fill, ParamWidth)
        + right + "\n";

    private static string Row(char bar, string name, string shape, string parameters) =>
        bar + " " + Fit(name, NameWidth - 2).PadRight(NameWidth - 2) + " " + bar + " "
        + Fit(shape, ShapeWidth - 2).PadRight(ShapeWidth - 2) + " " + bar + " "
        + parameters.PadLeft(ParamWidth - 2) + " " + bar + "\n";

    private static string Fit(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";
}
