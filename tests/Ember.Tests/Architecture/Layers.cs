using System;
using System.Collections.Generic;
using System.Linq;

namespace Ember.Tests.Architecture;

/// <summary>
/// One layer of DESIGN.md's diagram: the namespaces (or, in the root <c>Ember</c> namespace, which mixes layers,
/// the top-level type names) it owns, and the layers its code may refer to. Anything else is a violation.
/// </summary>
/// <param name="Name">Short name used in <paramref name="MayUse"/> lists and messages.</param>
/// <param name="Members">Namespaces (sub-namespaces included) or full names of top-level types.</param>
/// <param name="MayUse">Names of the other layers this one may refer to (a layer may always use itself).</param>
public sealed record Layer(string Name, string[] Members, string[] MayUse);

/// <summary>Which assemblies an assembly may reference, by name or by prefix ending in <c>*</c>.</summary>
public sealed record AssemblyRule(string Assembly, string[] MayReference)
{
    /// <summary>Whether <paramref name="referenced"/> is on this assembly's allow-list.</summary>
    public bool Allows(string referenced) => MayReference.Any(p => p.EndsWith('*')
        ? referenced.StartsWith(p[..^1], StringComparison.Ordinal)
        : referenced == p);
}

/// <summary>
/// The allow-lists the architecture test enforces (DESIGN.md, "Layers"; the table is repeated in
/// docs/design-notes.md, "Layering"). Adding a layer or an assembly is one line here.
/// </summary>
public static class Layers
{
    /// <summary>BCL namespaces; <c>System.Numerics.Tensors</c> is its own layer (see <see cref="All"/>).</summary>
    public const string Bcl = "BCL";

    /// <summary>
    /// Every layer, bottom first. A referenced type belongs to the layer with the most specific matching member
    /// (a listed type beats its namespace; <c>System.Numerics.Tensors</c> beats <c>System</c>).
    /// </summary>
    public static readonly Layer[] All =
    [
        new(Bcl, ["System"], []),
        // DESIGN.md: only Ember.Interop may name these types in the Ember assembly.
        new("Numerics.Tensors", ["System.Numerics.Tensors"], [Bcl]),
        new("Kernels", ["Ember.Kernels"], [Bcl, "Numerics.Tensors"]),
        // The user-facing thread settings: a facade over the kernels' worker pool.
        new("Threading", ["Ember.Threading"], [Bcl, "Kernels"]),
        // Root-namespace value types that every layer may use; they know nothing of tensors. The dtype dispatch
        // (one switch from DType to a CLR element type) belongs to the dtypes, not to the tensor core.
        new("Values", ["Ember.DType", "Ember.DTypes", "Ember.BFloat16", "Ember.Device", "Ember.DeviceType",
            "Ember.Generator", "Ember.Reduction", "Ember.DTypeDispatch", "Ember.IStoredFunc`1",
            "Ember.INumericFunc`1", "Ember.IFloatFunc`1"], [Bcl]),
        new("Core", ["Ember.Core"], [Bcl, "Kernels", "Values"]),
        // The public, autograd-aware tensor and the graph under it.
        // Ember.Tracing is the export seam the ops report to.
        new("Tensor", ["Ember.Tensor", "Ember.TensorIndex", "Ember.Parameter", "Ember.Autograd", "Ember.Scope",
            "Ember.GradModeScope", "Ember.GradCheckException", "Ember.Graph", "Ember.Tracing"],
            [Bcl, "Kernels", "Values", "Core"]),
        new("NN", ["Ember.NN"], [Bcl, "Kernels", "Values", "Core", "Tensor"]),
        new("Optim", ["Ember.Optim"], [Bcl, "Kernels", "Values", "Core", "Tensor"]),
        new("Data", ["Ember.Data"], [Bcl, "Values", "Core", "Tensor"]),
        // Keras-style layers and initializers: modules over Ember.NN, in the core assembly (DESIGN.md).
        new("Keras", ["Ember.Keras"], [Bcl, "Values", "Core", "Tensor", "NN"]),
        // Files: safetensors, PyTorch .pt reading, checkpoints. Above NN/Optim/Data (their Save/Load entry points
        // are extension methods here), so none of them may use IO.
        new("IO", ["Ember.IO"], [Bcl, "Values", "Core", "Tensor", "NN", "Optim", "Data"]),
        // The Ember.Training assembly: Compile/Fit over the core's public API only (no Core, no Kernels); IO for the
        // checkpoint callbacks.
        new("Training", ["Ember.Training"], [Bcl, "Values", "Tensor", "NN", "Keras", "Optim", "Data", "IO"]),
        // Whole-model saving of Keras-style models: the architecture (Keras) written through IO's safetensors.
        new("KerasSaving", ["Ember.Keras.Saving"], [Bcl, "Values", "Tensor", "NN", "Keras", "IO"]),
        // Third-party plotting (ScottPlot over SkiaSharp, native code): only Ember.Plots may name them.
        new("Plotting", ["ScottPlot", "SkiaSharp"], [Bcl]),
        // The Ember.Plots assembly: History and confusion-matrix plots over the public API and Ember.Training.
        new("Plots", ["Ember.Plots"], [Bcl, "Values", "Tensor", "Training", "Plotting"]),
        // Conversions to System.Numerics.Tensors' types: the only namespace of the Ember assembly that names them.
        new("Interop", ["Ember.Interop"], [Bcl, "Numerics.Tensors", "Values", "Core", "Tensor"]),
        // The protobuf runtime the ONNX export writes with (its generated message classes live in Ember.Onnx.Proto).
        new("Protobuf", ["Google.Protobuf"], [Bcl]),
        // The Ember.Onnx assembly: export over the public API and the tracing seam (no Core, no Kernels).
        new("Onnx", ["Ember.Onnx"], [Bcl, "Protobuf", "Values", "Tensor", "NN", "Keras"]),
        // The Ember.Distributed assembly: process groups and DDP over the public API (no Core, no Kernels); it plugs
        // into Fit through Ember.Training's synchronizer seam.
        new("Distributed", ["Ember.Distributed"], [Bcl, "Values", "Tensor", "NN", "Optim", "Data", "Training"]),
        // Microsoft.Data.Analysis (DataFrame, over Apache.Arrow): only the Ember.DataFrame assembly may name it.
        new("DataAnalysis", ["Microsoft.Data.Analysis"], [Bcl]),
        // The Ember.DataFrame assembly: DataFrame <-> tensor over the public API (no Core); its types live in the
        // Ember.Interop namespace for users, so they are listed by name (a type beats its namespace).
        new("DataFrameInterop", ["Ember.Interop.DataFrameTensors", "Ember.Interop.DataFrameNulls"],
            [Bcl, "Values", "Tensor", "Data", "DataAnalysis"]),
    ];

    /// <summary>
    /// Assembly-level allow-lists, one line per assembly of the library; the layer test scans the types of each.
    /// </summary>
    public static readonly AssemblyRule[] Assemblies =
    [
        new("Ember.Kernels", ["System", "System.*", "netstandard"]),
        new("Ember", ["Ember.Kernels", "System", "System.*", "netstandard"]),
        new("Ember.Training", ["Ember", "System", "System.*", "netstandard"]),
        new("Ember.Plots", ["Ember", "Ember.Training", "ScottPlot", "SkiaSharp", "System", "System.*", "netstandard"]),
        new("Ember.Onnx", ["Ember", "Google.Protobuf", "System", "System.*", "netstandard"]),
        new("Ember.Distributed", ["Ember", "Ember.Training", "System", "System.*", "netstandard"]),
        new("Ember.DataFrame", ["Ember", "Microsoft.Data.Analysis", "System", "System.*", "netstandard"]),
    ];

    /// <summary>DESIGN.md's optional assemblies above the core: no core assembly may reference them.</summary>
    public static readonly string[] OptionalAssemblies = ["Ember.Training", "Ember.Onnx", "Ember.Plots",
        "Ember.Distributed", "Ember.DataFrame"];

    /// <summary>
    /// References that break the layering today, as "Type -> Type", to be fixed on other branches. The test fails
    /// on any violation not listed here AND on any listed one that no longer occurs, so fixing one means deleting
    /// its line. Empty this list; never add to it to make a new reference pass.
    /// </summary>
    public static readonly string[] KnownViolations = [];

    /// <summary>The layer named <paramref name="name"/>.</summary>
    public static Layer Named(string name) => All.Single(l => l.Name == name);

    /// <summary>Layers of <paramref name="layers"/> by name, for lookups.</summary>
    public static IReadOnlyDictionary<string, Layer> ByName(IEnumerable<Layer> layers) =>
        layers.ToDictionary(l => l.Name);
}
