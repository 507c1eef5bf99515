using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.NN;

namespace Ember.Tests.Ops;

/// <summary>
/// The op table: one typed row per op of the golden files (tools/golden/ops*.py), grouped by family. The golden,
/// GradCheck and property tests all enumerate it; <see cref="OpTableTests"/> checks that every golden case has a row
/// and every row has golden cases.
/// </summary>
public static class OpCases
{
    private const string Indices = "returns int64 indices";
    private const string Booleans = "returns booleans";
    private const string IntegerOperands = "integer operands give an integer result";

    /// <summary>Every row, in family order.</summary>
    public static readonly OpCase[] All =
    [
        // Arithmetic
        new("add", OpFamily.Arithmetic, (x, a) => x[0] + x[1]),
        new("sub", OpFamily.Arithmetic, (x, a) => x[0] - x[1]),
        new("mul", OpFamily.Arithmetic, (x, a) => x[0] * x[1]),
        new("div", OpFamily.Arithmetic, (x, a) => x[0] / x[1]),
        new("add_scalar", OpFamily.Arithmetic, (x, a) => x[0] + a.Double("scalar")),
        new("sub_scalar", OpFamily.Arithmetic, (x, a) => x[0] - a.Double("scalar")),
        new("mul_scalar", OpFamily.Arithmetic, (x, a) => x[0] * a.Double("scalar")),
        new("div_scalar", OpFamily.Arithmetic, (x, a) => x[0] / a.Double("scalar")),
        new("rsub_scalar", OpFamily.Arithmetic, (x, a) => a.Double("scalar") - x[0]),
        new("rdiv_scalar", OpFamily.Arithmetic, (x, a) => a.Double("scalar") / x[0]),
        new("neg", OpFamily.Arithmetic, (x, a) => -x[0]),
        new("pow_scalar", OpFamily.Arithmetic, (x, a) => x[0].Pow(a.Double("exponent"))),
        new("pow_tensor", OpFamily.Arithmetic, (x, a) => x[0].Pow(x[1])),
        new("div_rounding", OpFamily.Arithmetic, (x, a) => x[0].Div(x[1], a.String("rounding_mode"))),
        new("div_rounding_scalar", OpFamily.Arithmetic,
            (x, a) => x[0].Div(a.Double("other"), a.String("rounding_mode"))),
        new("div_rounding_int", OpFamily.Arithmetic, (x, a) => x[0].Div(x[1], a.String("rounding_mode")))
            { NotDifferentiable = IntegerOperands },
        new("floor_divide", OpFamily.Arithmetic, (x, a) => x[0].FloorDivide(x[1]))
            { NotDifferentiable = "PyTorch 1.13 defines no derivative for floor_divide" },
        new("remainder", OpFamily.Arithmetic, (x, a) => x[0] % x[1]),
        new("remainder_scalar", OpFamily.Arithmetic, (x, a) => x[0].Remainder(a.Double("other"))),
        new("remainder_int", OpFamily.Arithmetic, (x, a) => x[0].Remainder(x[1]))
            { NotDifferentiable = IntegerOperands },
        new("fmod", OpFamily.Arithmetic, (x, a) => x[0].Fmod(x[1])),
        new("fmod_scalar", OpFamily.Arithmetic, (x, a) => x[0].Fmod(a.Double("other"))),
        new("fmod_int", OpFamily.Arithmetic, (x, a) => x[0].Fmod(x[1])) { NotDifferentiable = IntegerOperands },
        new("add_alpha", OpFamily.Arithmetic, (x, a) => x[0].Add(x[1], a.Double("alpha"))),
        new("sub_alpha", OpFamily.Arithmetic, (x, a) => x[0].Sub(x[1], a.Double("alpha"))),
        new("add_alpha_int", OpFamily.Arithmetic, (x, a) => x[0].Add(x[1], a.Double("alpha")))
            { NotDifferentiable = IntegerOperands },
        new("pow_scalar_base", OpFamily.Arithmetic, (x, a) => Tensor.Pow(a.Double("base"), x[0])),
        new("bool_add", OpFamily.Arithmetic, (x, a) => x[0] + x[1]) { NotDifferentiable = Booleans },
        new("bool_mul", OpFamily.Arithmetic, (x, a) => x[0] * x[1]) { NotDifferentiable = Booleans },

        // Comparison
        new("eq", OpFamily.Comparison, (x, a) => x[0].Eq(x[1])) { NotDifferentiable = Booleans },
        new("lt", OpFamily.Comparison, (x, a) => x[0] < x[1]) { NotDifferentiable = Booleans },
        new("gt", OpFamily.Comparison, (x, a) => x[0] > x[1]) { NotDifferentiable = Booleans },
        new("maximum", OpFamily.Comparison, (x, a) => x[0].Maximum(x[1])),
        new("minimum", OpFamily.Comparison, (x, a) => x[0].Minimum(x[1])),
        new("where", OpFamily.Comparison, (x, a) => Tensor.Where(x[0], x[1], x[2])),
        new("where_scalar", OpFamily.Comparison, (x, a) => Tensor.Where(x[0], x[1], a.Double("other"))),

        // Unary math
        new("exp", OpFamily.UnaryMath, (x, a) => x[0].Exp()),
        new("log", OpFamily.UnaryMath, (x, a) => x[0].Log()),
        new("sqrt", OpFamily.UnaryMath, (x, a) => x[0].Sqrt()),
        new("rsqrt", OpFamily.UnaryMath, (x, a) => x[0].Rsqrt()),
        new("abs", OpFamily.UnaryMath, (x, a) => x[0].Abs()),
        new("log1p", OpFamily.UnaryMath, (x, a) => x[0].Log1p()),
        new("expm1", OpFamily.UnaryMath, (x, a) => x[0].Expm1()),
        new("sin", OpFamily.UnaryMath, (x, a) => x[0].Sin()),
        new("cos", OpFamily.UnaryMath, (x, a) => x[0].Cos()),
        new("erf", OpFamily.UnaryMath, (x, a) => x[0].Erf()),
        new("square", OpFamily.UnaryMath, (x, a) => x[0].Square()),
        new("sign", OpFamily.UnaryMath, (x, a) => x[0].Sign()),
        new("round", OpFamily.UnaryMath, (x, a) => x[0].Round()),
        new("floor", OpFamily.UnaryMath, (x, a) => x[0].Floor()),
        new("ceil", OpFamily.UnaryMath, (x, a) => x[0].Ceil()),
        new("trunc", OpFamily.UnaryMath, (x, a) => x[0].Trunc()),
        new("frac", OpFamily.UnaryMath, (x, a) => x[0].Frac()),
        new("clamp", OpFamily.UnaryMath, (x, a) => x[0].Clamp(a.OptionalDouble("min"), a.OptionalDouble("max"))),
        new("atan2", OpFamily.UnaryMath, (x, a) => x[0].Atan2(x[1])),

        // Activations
        new("relu", OpFamily.Activations, (x, a) => x[0].ReLU()),
        new("sigmoid", OpFamily.Activations, (x, a) => x[0].Sigmoid()),
        new("tanh", OpFamily.Activations, (x, a) => x[0].Tanh()),
        new("gelu", OpFamily.Activations, (x, a) => F.GELU(x[0], a.String("approximate"))),
        new("silu", OpFamily.Activations, (x, a) => F.SiLU(x[0])),
        new("softplus", OpFamily.Activations, (x, a) => F.Softplus(x[0], a.Double("beta"), a.Double("threshold"))),
        new("leaky_relu", OpFamily.Activations, (x, a) => F.LeakyReLU(x[0], a.Double("slope"))),
        new("elu", OpFamily.Activations, (x, a) => F.ELU(x[0], a.Double("alpha"))),
        new("hardtanh", OpFamily.Activations, (x, a) => F.Hardtanh(x[0], a.Double("min"), a.Double("max"))),
        new("softmax", OpFamily.Activations, (x, a) => x[0].Softmax(a.Dim!.Value)),
        new("log_softmax", OpFamily.Activations, (x, a) => x[0].LogSoftmax(a.Dim!.Value)),

        // Reductions
        new("sum", OpFamily.Reductions, (x, a) => a.Dim is int d ? x[0].Sum(d, a.KeepDim) : x[0].Sum()),
        new("sum_dims", OpFamily.Reductions, (x, a) => x[0].Sum(a.Dims!, a.KeepDim)),
        new("mean", OpFamily.Reductions, (x, a) => a.Dim is int d ? x[0].Mean(d, a.KeepDim) : x[0].Mean()),
        new("mean_dims", OpFamily.Reductions, (x, a) => x[0].Mean(a.Dims!, a.KeepDim)),
        new("max", OpFamily.Reductions, (x, a) => a.Dim is int d ? x[0].Max(d, a.KeepDim) : x[0].Max())
           ,
        new("min", OpFamily.Reductions, (x, a) => a.Dim is int d ? x[0].Min(d, a.KeepDim) : x[0].Min())
           ,
        new("amax", OpFamily.Reductions, (x, a) => x[0].Amax(a.Dims, a.KeepDim)),
        new("amin", OpFamily.Reductions, (x, a) => x[0].Amin(a.Dims, a.KeepDim)),
        new("argmax", OpFamily.Reductions, (x, a) => x[0].Argmax(a.Dim!.Value, a.KeepDim))
            { NotDifferentiable = Indices },
        new("argmin", OpFamily.Reductions, (x, a) => x[0].Argmin(a.Dim, a.KeepDim)) { NotDifferentiable = Indices },
        new("prod", OpFamily.Reductions, (x, a) => a.Dim is int d ? x[0].Prod(d, a.KeepDim) : x[0].Prod())
            { RecordedBackwardRefusesZeros = true },
        new("cumsum", OpFamily.Reductions, (x, a) => x[0].Cumsum(a.Dim!.Value)),
        new("cumprod", OpFamily.Reductions, (x, a) => x[0].Cumprod(a.Dim!.Value))
            { RecordedBackwardRefusesZeros = true },
        new("logsumexp", OpFamily.Reductions, (x, a) => x[0].LogSumExp(a.Dims!, a.KeepDim)),
        new("var", OpFamily.Reductions, (x, a) => x[0].Var(a.Dims, a.Bool("unbiased"), a.KeepDim)),
        new("std", OpFamily.Reductions, (x, a) => x[0].Std(a.Dims, a.Bool("unbiased"), a.KeepDim))
        {
            NoBroadcastGradCheck = "equal rows have zero spread across them, where std is not differentiable (0/0)",
        },
        new("norm", OpFamily.Reductions, (x, a) => x[0].Norm(a.Double("p"), a.Dims, a.KeepDim))
           ,
        new("sort", OpFamily.Reductions, (x, a) => x[0].Sort(a.Dim!.Value, a.Bool("descending")))
           ,
        new("argsort", OpFamily.Reductions, (x, a) => x[0].Argsort(a.Dim!.Value, a.Bool("descending")))
            { NotDifferentiable = Indices },
        new("topk", OpFamily.Reductions, (x, a) => x[0].TopK(a.Int("k"), a.Dim!.Value, a.Bool("largest")))
           ,
        new("any", OpFamily.Reductions, (x, a) => x[0].Any(a.Dim)) { NotDifferentiable = Booleans },
        new("all", OpFamily.Reductions, (x, a) => x[0].All(a.Dim)) { NotDifferentiable = Booleans },

        // Linear algebra
        new("matmul", OpFamily.Linalg, (x, a) => (a.Has("transpose_first") ? x[0].T : x[0]).MatMul(x[1])),
        new("addmm", OpFamily.Linalg, (x, a) => Tensor.Addmm(x[0], x[1], x[2], a.Double("beta"), a.Double("alpha"))),
        new("bmm", OpFamily.Linalg, (x, a) => x[0].Bmm(x[1])),
        new("outer", OpFamily.Linalg, (x, a) => x[0].Outer(x[1])),
        new("dot", OpFamily.Linalg, (x, a) => x[0].Dot(x[1])),
        new("mv", OpFamily.Linalg, (x, a) => x[0].Mv(x[1])),
        new("einsum", OpFamily.Linalg, (x, a) => Tensor.Einsum(a.String("equation"), x))
        {
            NodeNamesDiffer = "einsum is built from permute/reshape/bmm in its own order (values agree)",
        },

        // Shape and views
        new("t", OpFamily.Shape, (x, a) => x[0].T),
        new("transpose", OpFamily.Shape, (x, a) => x[0].Transpose(a.Int("dim0"), a.Int("dim1"))),
        new("reshape", OpFamily.Shape, (x, a) => x[0].Reshape(a.Ints("shape"))),
        new("expand", OpFamily.Shape, (x, a) => x[0].Expand(a.Ints("size"))),
        new("unsqueeze", OpFamily.Shape, (x, a) => x[0].Unsqueeze(a.Dim!.Value)),
        new("squeeze", OpFamily.Shape, (x, a) => x[0].Squeeze(a.Dim!.Value)),
        new("unflatten", OpFamily.Shape, (x, a) => x[0].Unflatten(a.Int("dim"), a.Ints("sizes"))),
        new("repeat", OpFamily.Shape, (x, a) => x[0].Repeat(a.Ints("repeats"))),
        new("tile", OpFamily.Shape, (x, a) => x[0].Tile(a.Ints("reps"))),
        new("flip", OpFamily.Shape, (x, a) => x[0].Flip(a.Ints("dims"))),
        new("roll", OpFamily.Shape, (x, a) => x[0].Roll(a.Ints("shifts"), a.Ints("dims"))),
        new("tril", OpFamily.Shape, (x, a) => x[0].Tril(a.Int("diagonal"))),
        new("triu", OpFamily.Shape, (x, a) => x[0].Triu(a.Int("diagonal"))),
        new("diagonal", OpFamily.Shape, (x, a) => x[0].Diagonal(a.Int("offset"), a.Int("dim1"), a.Int("dim2"))),

        // Indexing, read and write
        new("index", OpFamily.Indexing, (x, a) => x[0][Subscript(a.Raw("index"), x)]),
        new("narrow", OpFamily.Indexing, (x, a) => x[0].Narrow(a.Int("dim"), a.Int("start"), a.Int("length"))),
        new("select", OpFamily.Indexing, (x, a) => x[0].Select(a.Int("dim"), a.Int("index"))),
        new("index_select", OpFamily.Indexing, (x, a) => x[0].IndexSelect(a.Int("dim"), x[1])),
        new("gather", OpFamily.Indexing, (x, a) => x[0].Gather(a.Int("dim"), x[1])),
        new("scatter", OpFamily.Indexing, (x, a) => x[0].Scatter(a.Int("dim"), x[1], x[2])),
        new("scatter_value", OpFamily.Indexing, (x, a) => x[0].Scatter(a.Int("dim"), x[1], a.Double("value"))),
        new("scatter_add", OpFamily.Indexing, (x, a) => x[0].ScatterAdd(a.Int("dim"), x[1], x[2])),
        new("masked_select", OpFamily.Indexing, (x, a) => x[0].MaskedSelect(x[1])),
        new("masked_fill", OpFamily.Indexing, (x, a) => x[0].MaskedFill(x[1], a.Double("value"))),
        new("masked_fill_tensor", OpFamily.Indexing, (x, a) => x[0].MaskedFill(x[1], x[2])),

        // Joins and splits
        new("cat", OpFamily.Joins, (x, a) => Tensor.Cat(x, a.Int("dim"))),
        new("stack", OpFamily.Joins, (x, a) => Tensor.Stack(x, a.Int("dim"))),
        new("split", OpFamily.Joins, (x, a) => Piece(a, x[0].Split(a.Int("size"), a.Int("dim")))),
        new("split_sizes", OpFamily.Joins, (x, a) => Piece(a, x[0].Split(a.Ints("sizes"), a.Int("dim")))),
        new("chunk", OpFamily.Joins, (x, a) => Piece(a, x[0].Chunk(a.Int("chunks"), a.Int("dim")))),
        new("unbind", OpFamily.Joins, (x, a) => Piece(a, x[0].Unbind(a.Int("dim")))),

        // Creation
        new("linspace", OpFamily.Creation,
            (x, a) => Tensor.Linspace(a.Double("start"), a.Double("end"), a.Int("steps"), a.DType))
            { NotDifferentiable = "creates a tensor from numbers" },
        new("eye", OpFamily.Creation, (x, a) => Tensor.Eye(a.Int("n"), a.OptionalInt("m"), a.DType))
            { NotDifferentiable = "creates a tensor from numbers" },
        new("one_hot", OpFamily.Creation, (x, a) => x[0].OneHot(a.Int("num_classes")))
            { NotDifferentiable = "maps int64 classes to int64 rows" },

        // Losses
        new("cross_entropy", OpFamily.Losses, (x, a) => F.CrossEntropy(x[0], x[1], a.Reduction)),
        new("mse_loss", OpFamily.Losses, (x, a) => F.MseLoss(x[0], x[1], a.Reduction)),
    ];

    private static readonly Dictionary<string, OpCase> s_byOp = All.ToDictionary(c => c.Op);

    /// <summary>The row of an op named as in the golden JSON, or null when the table has none.</summary>
    public static OpCase? Find(string op) => s_byOp.GetValueOrDefault(op);

    /// <summary>A subscript spelled in JSON: ints, slices, new axes, ellipses, tensors (inputs by position).</summary>
    private static TensorIndex[] Subscript(JsonElement spec, Tensor[] x) => spec.EnumerateArray().Select(e =>
    {
        if (e.TryGetProperty("int", out var i)) return (TensorIndex)i.GetInt32();
        if (e.TryGetProperty("slice", out var s))
        {
            var p = s.EnumerateArray()
                .Select(v => v.ValueKind == JsonValueKind.Null ? (int?)null : v.GetInt32()).ToArray();
            return TensorIndex.Slice(p[0], p[1], p[2] ?? 1);
        }
        if (e.TryGetProperty("none", out _)) return TensorIndex.NewAxis;
        if (e.TryGetProperty("ellipsis", out _)) return TensorIndex.Ellipsis;
        return (TensorIndex)x[e.GetProperty("tensor").GetInt32()];
    }).ToArray();

    /// <summary>One piece of a split, or (piece "all") every piece flattened and joined: all gradients flow.</summary>
    private static Tensor Piece(OpArgs a, Tensor[] pieces)
    {
        JsonElement p = a.Raw("piece");
        return p.ValueKind == JsonValueKind.String
            ? Tensor.Cat(pieces.Select(t => t.Reshape(-1)).ToArray())
            : pieces[p.GetInt32()];
    }
}
