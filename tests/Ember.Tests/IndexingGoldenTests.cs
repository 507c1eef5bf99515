using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>
/// Indexing, joins/splits, shape extras, batched matmul, einsum and deterministic creation against PyTorch 1.13
/// (tools/golden/ops_index.py): forward values, gradients, node names; and GradCheck on contiguous, transposed,
/// broadcast and sliced inputs.
/// </summary>
public class IndexingGoldenTests
{
    private static readonly JsonElement[] s_cases = Golden.Load("ops_index.json").GetProperty("cases").EnumerateArray().ToArray();

    public static IEnumerable<object[]> CaseNames() => s_cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => s_cases.First(c => c.GetProperty("name").GetString() == name);

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static TensorIndex[] Subscript(JsonElement spec, Tensor[] x) => spec.EnumerateArray().Select(e =>
    {
        if (e.TryGetProperty("int", out var i)) return (TensorIndex)i.GetInt32();
        if (e.TryGetProperty("slice", out var s))
        {
            var p = s.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (int?)null : v.GetInt32()).ToArray();
            return TensorIndex.Slice(p[0], p[1], p[2] ?? 1);
        }
        if (e.TryGetProperty("none", out _)) return TensorIndex.NewAxis;
        if (e.TryGetProperty("ellipsis", out _)) return TensorIndex.Ellipsis;
        return (TensorIndex)x[e.GetProperty("tensor").GetInt32()];
    }).ToArray();

    private static Tensor Pieces(JsonElement args, Tensor[] pieces)
    {
        var p = args.GetProperty("piece");
        return p.ValueKind == JsonValueKind.String ? Tensor.Cat(pieces.Select(t => t.Reshape(-1)).ToArray()) : pieces[p.GetInt32()];
    }

    private static DType DTypeArg(JsonElement args) =>
        args.TryGetProperty("dtype", out var d) && d.GetString() == "float64" ? DType.Float64 : DType.Float32;

    /// <summary>Runs a golden case's op on Ember tensors.</summary>
    internal static Tensor Run(JsonElement c, Tensor[] x)
    {
        JsonElement args = c.GetProperty("args");
        int Arg(string n) => args.GetProperty(n).GetInt32();
        return c.GetProperty("op").GetString() switch
        {
            "index" => x[0][Subscript(args.GetProperty("index"), x)],
            "narrow" => x[0].Narrow(Arg("dim"), Arg("start"), Arg("length")),
            "select" => x[0].Select(Arg("dim"), Arg("index")),
            "index_select" => x[0].IndexSelect(Arg("dim"), x[1]),
            "gather" => x[0].Gather(Arg("dim"), x[1]),
            "scatter" => x[0].Scatter(Arg("dim"), x[1], x[2]),
            "scatter_value" => x[0].Scatter(Arg("dim"), x[1], args.GetProperty("value").GetDouble()),
            "scatter_add" => x[0].ScatterAdd(Arg("dim"), x[1], x[2]),
            "masked_select" => x[0].MaskedSelect(x[1]),
            "masked_fill" => x[0].MaskedFill(x[1], args.GetProperty("value").GetDouble()),
            "masked_fill_tensor" => x[0].MaskedFill(x[1], x[2]),
            "where" => Tensor.Where(x[0], x[1], x[2]),
            "where_scalar" => Tensor.Where(x[0], x[1], args.GetProperty("other").GetDouble()),
            "diagonal" => x[0].Diagonal(Arg("offset"), Arg("dim1"), Arg("dim2")),
            "cat" => Tensor.Cat(x, Arg("dim")),
            "stack" => Tensor.Stack(x, Arg("dim")),
            "split" => Pieces(args, x[0].Split(Arg("size"), Arg("dim"))),
            "split_sizes" => Pieces(args, x[0].Split(Ints(args.GetProperty("sizes")), Arg("dim"))),
            "chunk" => Pieces(args, x[0].Chunk(Arg("chunks"), Arg("dim"))),
            "unbind" => Pieces(args, x[0].Unbind(Arg("dim"))),
            "unflatten" => x[0].Unflatten(Arg("dim"), Ints(args.GetProperty("sizes"))),
            "repeat" => x[0].Repeat(Ints(args.GetProperty("repeats"))),
            "tile" => x[0].Tile(Ints(args.GetProperty("reps"))),
            "flip" => x[0].Flip(Ints(args.GetProperty("dims"))),
            "roll" => x[0].Roll(Ints(args.GetProperty("shifts")), Ints(args.GetProperty("dims"))),
            "tril" => x[0].Tril(Arg("diagonal")),
            "triu" => x[0].Triu(Arg("diagonal")),
            "bmm" => x[0].Bmm(x[1]),
            "matmul" => x[0].MatMul(x[1]),
            "outer" => x[0].Outer(x[1]),
            "einsum" => Tensor.Einsum(args.GetProperty("equation").GetString()!, x),
            "linspace" => Tensor.Linspace(args.GetProperty("start").GetDouble(), args.GetProperty("end").GetDouble(), Arg("steps"), DTypeArg(args)),
            "eye" => Tensor.Eye(Arg("n"), args.GetProperty("m").ValueKind == JsonValueKind.Null ? null : Arg("m"), DTypeArg(args)),
            var op => throw new NotSupportedException(op),
        };
    }

    private static Tensor[] Inputs(JsonElement c) => GoldenCase.Inputs(c);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ForwardAndBackwardMatchPyTorch(string name) => CheckAgainstGolden(name, createGraph: false);

    /// <summary>With createGraph the backward formulas are recorded, so they must be differentiable ops too.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RecordedBackwardMatchesPyTorch(string name) => CheckAgainstGolden(name, createGraph: true);

    private static void CheckAgainstGolden(string name, bool createGraph)
    {
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        Tensor y = Run(c, x);
        GoldenCase.CheckForward(c, y, name);
        if (c.GetProperty("grad_output").ValueKind == JsonValueKind.Null) return;
        Assert.True(y.RequiresGrad, name + ": output should require grad");
        GoldenCase.CheckBackward(c, x, y, createGraph, name);
    }

    /// <summary>Einsum is built from permute/reshape/bmm in its own order, so its inner graph differs from PyTorch's (values agree).</summary>
    private static bool NamesFollowPyTorch(JsonElement c) => c.GetProperty("op").GetString() is not "einsum";

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void NodeNamesMatchPyTorch(string name)
    {
        JsonElement c = Case(name);
        if (!NamesFollowPyTorch(c)) return;
        Tensor y = Run(c, Inputs(c));
        string? expected = c.GetProperty("grad_fn").GetString();
        Assert.Equal(expected, y.GradFn?.Name);
        if (y.GradFn is null) return;
        var next = c.GetProperty("next").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(next, y.GradFn.NextFunctions.Select(e => e.Function?.Name).ToArray());
    }

    private static readonly HashSet<string> s_indexInputs = ["index_select", "gather", "scatter", "scatter_value", "scatter_add"];

    /// <summary>Which inputs to check: those that require grad (the others are indices and masks).</summary>
    private static bool Differentiable(JsonElement c, Tensor[] x) =>
        x.Any(t => t.RequiresGrad) && c.GetProperty("grad_output").ValueKind != JsonValueKind.Null;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckPasses(string name)
    {
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        if (!Differentiable(c, x)) return;
        Assert.True(Autograd.GradCheck(inputs => Run(c, inputs), x));
    }

    /// <summary>Inputs stored transposed and transposed back inside the function: equal values, other strides.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckPassesOnTransposedInputs(string name)
    {
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        if (!Differentiable(c, x)) return;
        bool Moves(int i) => x[i].Dim >= 2 && x[i].RequiresGrad;
        var stored = x.Select((t, i) => Moves(i) ? t.Transpose(0, -1).Contiguous().Detach().RequiresGrad_() : t).ToArray();
        Assert.True(Autograd.GradCheck(inputs => Run(c, inputs.Select((t, i) => Moves(i) ? t.Transpose(0, -1) : t).ToArray()), stored));
    }

    /// <summary>Inputs cut out of a larger tensor with a stepped slice: an offset and non-unit strides.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckPassesOnSlicedInputs(string name)
    {
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        if (!Differentiable(c, x)) return;
        bool Moves(int i) => x[i].Dim >= 1 && x[i].RequiresGrad;
        // Interleave each row's values with junk: big[..., 1::2] == x.
        var stored = x.Select((t, i) =>
        {
            if (!Moves(i)) return t;
            int[] shape = t.Shape.ToArray();
            shape[^1] = 2 * shape[^1] + 1;
            var big = Tensor.Full(shape, 7.0, DType.Float64);
            using (Autograd.NoGrad()) big[TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2)] = t.Detach();
            return big.RequiresGrad_();
        }).ToArray();
        Assert.True(Autograd.GradCheck(inputs => Run(c, inputs.Select((t, i) => Moves(i) ? t[TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2)] : t).ToArray()), stored));
    }

    /// <summary>Inputs broadcast from a smaller tensor (stride-0 dims): each row is the same stored vector.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheckPassesOnBroadcastInputs(string name)
    {
        JsonElement c = Case(name);
        Tensor[] x = Inputs(c);
        if (!Differentiable(c, x)) return;
        bool Moves(int i) => x[i].Dim >= 2 && x[i].RequiresGrad;
        var stored = x.Select((t, i) => Moves(i) ? t.Select(0, 0).Contiguous().Detach().RequiresGrad_() : t).ToArray();
        Assert.True(Autograd.GradCheck(inputs => Run(c, inputs.Select((t, i) => Moves(i) ? t.Unsqueeze(0).Expand(x[i].Shape.ToArray()) : t).ToArray()), stored));
    }
}
