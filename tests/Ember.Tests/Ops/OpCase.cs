using System;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace Ember.Tests.Ops;

/// <summary>The op families of <c>src/Ember/Ops</c>; a row's family says where its forward and backward live.</summary>
public enum OpFamily
{
    /// <summary>Element-wise +, -, *, /, pow and their scalar forms.</summary>
    Arithmetic,
    /// <summary>eq, lt, gt, maximum, minimum, where.</summary>
    Comparison,
    /// <summary>exp, log, trigonometry, rounding, clamp.</summary>
    UnaryMath,
    /// <summary>relu, sigmoid, gelu, softmax, ...</summary>
    Activations,
    /// <summary>sum, mean, min/max, arg-reductions, scans, sort, norms.</summary>
    Reductions,
    /// <summary>mm, addmm, bmm, matmul, outer, einsum.</summary>
    Linalg,
    /// <summary>Views and layout: transpose, reshape, expand, flip, roll, tril, ...</summary>
    Shape,
    /// <summary>Reading and writing by index, mask and gather/scatter.</summary>
    Indexing,
    /// <summary>cat, stack, split, chunk, unbind.</summary>
    Joins,
    /// <summary>Deterministic creation: linspace, eye, one_hot.</summary>
    Creation,
    /// <summary>The loss functions of <c>F</c>.</summary>
    Losses,
}

/// <summary>What an op returns: its values, and indices for ops that return them (sort, topk, max/min).</summary>
public readonly record struct OpOutput(Tensor Values, Tensor? Indices = null)
{
    /// <summary>An op that returns one tensor.</summary>
    public static implicit operator OpOutput(Tensor values) => new(values);

    /// <summary>An op that returns values and their int64 indices.</summary>
    public static implicit operator OpOutput((Tensor Values, Tensor Indices) pair) => new(pair.Values, pair.Indices);
}

/// <summary>Runs an op on Ember tensors with the PyTorch arguments of one golden case.</summary>
public delegate OpOutput OpRun(Tensor[] x, OpArgs a);

/// <summary>
/// One row of the op table (<see cref="OpCases"/>): the op's name as the golden JSON spells it (its <c>op</c>
/// field), how to run it on Ember tensors, and what the golden, GradCheck and property tests may expect of it.
/// </summary>
public sealed record OpCase(string Op, OpFamily Family, OpRun Run)
{
    /// <summary>Why the op has no gradient (null when it is differentiable in its floating-point inputs).</summary>
    public string? NotDifferentiable { get; init; }

    /// <summary>Whether GradCheck and the golden backward apply.</summary>
    public bool IsDifferentiable => NotDifferentiable is null;

    /// <summary>Relative tolerance of the forward values against PyTorch.</summary>
    public double ForwardRtol { get; init; } = 1e-10;

    /// <summary>Absolute tolerance of the forward values against PyTorch.</summary>
    public double ForwardAtol { get; init; } = 1e-12;

    /// <summary>Relative tolerance of the input gradients against PyTorch.</summary>
    public double GradRtol { get; init; } = 1e-9;

    /// <summary>Absolute tolerance of the input gradients against PyTorch.</summary>
    public double GradAtol { get; init; } = 1e-12;

    /// <summary>Why Ember's graph has other node names than PyTorch's (null: the names must match).</summary>
    public string? NodeNamesDiffer { get; init; }

    /// <summary>
    /// Why GradCheck on inputs broadcast from one row does not apply (null: it does), e.g. equal rows put the op at a
    /// point where it has no derivative.
    /// </summary>
    public string? NoBroadcastGradCheck { get; init; }

    /// <summary>
    /// Products: the fused backward is exact with zeros in the input, the recorded (createGraph) one refuses rather
    /// than divide by zero.
    /// </summary>
    public bool RecordedBackwardRefusesZeros { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Op;
}

/// <summary>Typed reads of a golden case's <c>args</c> object (PyTorch's keyword arguments).</summary>
public readonly struct OpArgs(JsonElement args)
{
    /// <summary>Whether the argument is present and not null.</summary>
    public bool Has(string name) => args.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>A required integer argument.</summary>
    public int Int(string name) => args.GetProperty(name).GetInt32();

    /// <summary>An integer argument that may be absent or null.</summary>
    public int? OptionalInt(string name) =>
        args.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    /// <summary>A required number; the strings "inf" and "-inf" are infinities.</summary>
    public double Double(string name) => ReadDouble(args.GetProperty(name));

    /// <summary>A number that may be absent or null.</summary>
    public double? OptionalDouble(string name) => Has(name) ? Double(name) : null;

    /// <summary>A boolean argument; absent is false.</summary>
    public bool Bool(string name) => args.TryGetProperty(name, out var v) && v.GetBoolean();

    /// <summary>A required string argument.</summary>
    public string String(string name) => args.GetProperty(name).GetString()!;

    /// <summary>A required list of integers.</summary>
    public int[] Ints(string name) => args.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>The raw argument, for structured ones (subscripts).</summary>
    public JsonElement Raw(string name) => args.GetProperty(name);

    /// <summary>PyTorch's <c>dim</c> (null when absent: the op reduces over everything).</summary>
    public int? Dim => OptionalInt("dim");

    /// <summary>PyTorch's <c>dim</c> list (null when absent).</summary>
    public int[]? Dims => args.TryGetProperty("dims", out var d) && d.ValueKind == JsonValueKind.Array
        ? d.EnumerateArray().Select(e => e.GetInt32()).ToArray()
        : null;

    /// <summary>PyTorch's <c>keepdim</c>.</summary>
    public bool KeepDim => Bool("keepdim");

    /// <summary>The loss reduction ("mean" when absent).</summary>
    public Reduction Reduction => args.TryGetProperty("reduction", out var r) ? r.GetString() switch
    {
        "sum" => Reduction.Sum,
        "none" => Reduction.None,
        _ => Reduction.Mean,
    } : Reduction.Mean;

    /// <summary>The creation dtype (float32 unless "float64").</summary>
    public DType DType => args.TryGetProperty("dtype", out var d) && d.GetString() == "float64"
        ? DType.Float64
        : DType.Float32;

    private static double ReadDouble(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            var s => double.Parse(s!, CultureInfo.InvariantCulture),
        }
        : e.GetDouble();
}
