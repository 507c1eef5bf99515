using System;
using System.Linq;

namespace Ember.Tests.Ops.Indexing;

/// <summary>Documented errors (asserted by message), in-place write rules, and autograd semantics of the indexing and
/// join ops.</summary>
public class IndexingSemanticsTests
{
    private static Tensor X(params int[] shape) =>
        Tensor.Arange(0, shape.Aggregate(1, (a, b) => a * b), 1, DType.Float64).Reshape(shape);

    private static void Throws<TException>(Action action, params string[] fragments) where TException : Exception
    {
        var e = Assert.Throws<TException>(action);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void IndexErrorsNameTheOpAndShapes()
    {
        Throws<ArgumentOutOfRangeException>(() => _ = X(3, 4)[3],
            "index 3 is out of bounds for dimension 0 with size 3", "[3, 4]");
        Throws<ArgumentOutOfRangeException>(() => _ = X(3, 4)[.., ^5],
            "index -5 is out of bounds for dimension 1 with size 4");
        Throws<ArgumentOutOfRangeException>(() => _ = X(3, 4)[0, 0, 0], "too many indices for tensor of dimension 2",
            "[3, 4]");
        Throws<ArgumentException>(() => _ = X(3, 4)[TensorIndex.Ellipsis, 0, TensorIndex.Ellipsis], "single ellipsis");
        Throws<ArgumentOutOfRangeException>(() => _ = X(3, 4)[Tensor.From(new long[] { 0, 3 })],
            "index: index 3 is out of bounds for dimension 0 with size 3");
        Throws<ArgumentOutOfRangeException>(() => _ = X(3, 4)[Tensor.From(new[] { true, false })],
            "shape of the mask [2]", "[3, 4]");
        Throws<ArgumentException>(() => _ = X(3, 4)[Tensor.From(new[] { 0.5 })], "must be int64, int32 or bool",
            "torch.float64");
        Throws<ArgumentException>(() =>
            _ = X(3, 4)[Tensor.From(new long[] { 0, 1 }), Tensor.From(new long[] { 0, 1, 2 })], "index (index tensors)",
            "[2]", "[3]");
        Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0, 3, 0), "step must be greater than zero");
    }

    [Fact]
    public void NamedOpErrorsNameTheOpAndShapes()
    {
        Throws<ArgumentOutOfRangeException>(() => X(3, 4).Narrow(1, 2, 3),
            "narrow: start (2) + length (3) exceeds dimension size (4)", "[3, 4]");
        Throws<ArgumentOutOfRangeException>(() => X(3, 4).Select(1, 4),
            "select: index 4 is out of bounds for dimension 1 with size 4");
        Throws<ArgumentOutOfRangeException>(() => X(3, 4).Select(2, 0), "select: dimension out of range");
        Throws<ArgumentException>(() => X(3, 4).IndexSelect(0, Tensor.From(new long[,] { { 0 } })),
            "index_select: index should have 1 dimension", "[1, 1]");
        Throws<ArgumentException>(() => X(3, 4).Gather(1, Tensor.From(new long[] { 0 })),
            "gather: index tensor must have the same number of dimensions", "[3, 4]", "[1]");
        Throws<ArgumentOutOfRangeException>(() => X(3, 4).Gather(1, Tensor.From(new long[,] { { 4 } })),
            "gather: index 4 is out of bounds for dimension 1 with size 4");
        Throws<ArgumentOutOfRangeException>(() => X(3, 4).Gather(1, Tensor.From(new long[,] { { -1 } })),
            "gather: index -1 is out of bounds");
        Throws<ArgumentException>(() => X(3, 4).Gather(0, Tensor.Zeros([2, 5], DType.Int64)),
            "gather: size of index [2, 5] does not match input [3, 4] at dimension 1");
        Throws<ArgumentException>(() => X(3, 4).Scatter(1, Tensor.Zeros([3, 2], DType.Int64), X(3, 1)),
            "scatter: size of index [3, 2] exceeds src [3, 1]");
        Throws<ArgumentException>(() =>
            X(3, 4).ScatterAdd(1, Tensor.Zeros([3, 2], DType.Int64), X(3, 2).To(DType.Float32)),
            "scatter_add: expected self and src to have the same dtype");
        Throws<ArgumentException>(() => X(3, 4).MaskedSelect(Tensor.Ones([3, 4])),
            "masked_select: expected a bool mask");
        Throws<ArgumentException>(() => X(3, 4).MaskedSelect(Tensor.Zeros([2, 4], DType.Bool)), "masked_select",
            "[3, 4]", "[2, 4]");
        Throws<ArgumentException>(() => X(3, 1).MaskedFill(Tensor.Zeros([3, 4], DType.Bool), 1.0),
            "masked_fill: mask of shape [3, 4] cannot be broadcast to the input's shape [3, 1]");
        Throws<ArgumentException>(() => X(3, 4).MaskedFill(Tensor.Zeros([3, 4], DType.Bool), X(1)),
            "masked_fill: only supports a 0-dimensional value tensor", "[1]");
        Throws<ArgumentException>(() => Tensor.Where(Tensor.Ones([3]), X(3), X(3)), "where: expected a bool condition");
        Throws<ArgumentException>(() => Tensor.Where(Tensor.Zeros([2], DType.Bool), X(3), X(3)), "where", "[2]", "[3]");
        Throws<ArgumentException>(() => X(3, 4).Diagonal(0, 1, 1), "diagonal: dimensions cannot be identical");
    }

    [Fact]
    public void JoinAndShapeErrorsNameTheOpAndShapes()
    {
        Throws<ArgumentException>(() => Tensor.Cat([X(2, 3), X(2, 4)], 0),
            "cat: sizes of tensors must match except in dimension 0", "size 3 but got size 4 for tensor number 1",
            "[2, 3]", "[2, 4]");
        Throws<ArgumentException>(() => Tensor.Cat([X(2, 3), X(3)], 0),
            "cat: tensors must have the same number of dimensions", "[2, 3]", "[3]");
        Throws<ArgumentException>(() => Tensor.Cat([X(2).Sum(), X(2).Sum()]), "cat: zero-dimensional tensor");
        Throws<ArgumentException>(() => Tensor.Cat(System.Array.Empty<Tensor>()), "cat: expected a non-empty list");
        Throws<ArgumentException>(() => Tensor.Stack([X(2, 3), X(3, 2)]), "stack: expects each tensor to be equal size",
            "[2, 3]", "[3, 2]");
        Throws<ArgumentException>(() => X(5).Split([2, 2]), "split_with_sizes: expects split_sizes to sum exactly to 5",
            "[5]", "[2, 2]");
        Throws<ArgumentOutOfRangeException>(() => X(5).Chunk(0), "chunk: number of chunks must be greater than 0");
        Throws<ArgumentException>(() => X(2, 6).Unflatten(1, 4, -1),
            "unflatten: provided sizes [4, -1] don't multiply up to the size of dim 1 (6)", "[2, 6]");
        Throws<ArgumentException>(() => X(2, 3).Repeat(2),
            "repeat: number of repeat dims (1, [2]) can not be smaller than number of dimensions of tensor (2, shape " +
            "[2, 3])");
        Throws<ArgumentException>(() => X(3).Flip(0, 0), "flip: dim 0 appears multiple times");
        Throws<ArgumentException>(() => X(3, 4).Roll([1, 2], [0]), "roll: shifts and dims must align", "[1, 2]", "[0]");
        Throws<ArgumentException>(() => X(3).Tril(), "tril: input tensor must have at least 2 dimensions", "[3]");
        Throws<ArgumentException>(() => X(2, 3, 4).Bmm(X(2, 3, 4)),
            "bmm: batch1 and batch2 shapes cannot be multiplied ([2, 3, 4] and [2, 3, 4])");
        Throws<ArgumentException>(() => X(2, 3, 4).MatMul(X(2, 5, 4)),
            "matmul: shapes [2, 3, 4] and [2, 5, 4] cannot be multiplied");
        Throws<ArgumentException>(() => X(2, 3, 4).MatMul(X(3, 4, 5)), "matmul", "[2]", "[3]");
        Throws<ArgumentException>(() => X(3).Outer(X(2, 2)), "outer: expected two 1-D tensors", "[3]", "[2, 2]");
        Throws<ArgumentException>(() => Tensor.Einsum("ij,jk->ik", X(2, 3), X(4, 5)),
            "einsum: subscript 'j' has size 3 in one operand and 4 in another", "[2, 3]", "[4, 5]");
        Throws<ArgumentException>(() => Tensor.Einsum("ijk->i", X(2, 3)), "einsum: the subscripts 'ijk' of operand 0",
            "[2, 3]");
        Throws<ArgumentException>(() => Tensor.Einsum("ij->k", X(2, 3)), "einsum: output subscript 'k'");
        Throws<ArgumentException>(() => Tensor.Einsum("ij,jk->ik", X(2, 3)),
            "einsum: the equation 'ij,jk->ik' has 2 operand subscripts but 1 operands");
    }

    [Fact]
    public void AssignmentWritesIntoPlainTensorsAndViews()
    {
        var x = Tensor.Zeros([3, 4], DType.Float64);
        x[1..3, ^1] = Tensor.From(new[] { 5.0, 6.0 });
        x[0] = Tensor.From(1.0);
        x[.., 0] = Tensor.From(new[] { 7.0, 8.0, 9.0 });
        Assert.Equal(new double[] { 7, 1, 1, 1, 8, 0, 0, 5, 9, 0, 0, 6 }, x.ToArray<double>());
        // Writing through a view writes into the base; int64 index tensors and masks write too.
        var row = x[2];
        row[TensorIndex.Slice(null, null, 2)] = Tensor.From(-1.0);
        x[Tensor.From(new long[] { 0, 0 }), Tensor.From(new long[] { 1, 2 })] = Tensor.From(new[] { 3.0, 4.0 });
        Assert.Equal(new double[] { 7, 3, 4, 1, 8, 0, 0, 5, -1, 0, -1, 6 }, x.ToArray<double>());
        int version = x.Version;
        x[x.Lt(0)] = Tensor.From(0.0);
        Assert.True(x.Version > version);
        Assert.Equal(0, x.ToArray<double>().Count(v => v < 0));
        Throws<ArgumentException>(() => x[0] = Tensor.Zeros(3),
            "index assignment: a value of shape [3] cannot be broadcast to the indexed shape [4]");
        Throws<ArgumentException>(() => x[Tensor.From(new long[] { 0, 1 })] = Tensor.Zeros(3),
            "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 4]");
    }

    [Fact]
    public void AssignmentFollowsPyTorchsInPlaceRules()
    {
        var w = Tensor.Zeros([3], DType.Float64, requiresGrad: true);
        Throws<InvalidOperationException>(() => w[0] = Tensor.From(1.0),
            "a view of a leaf Variable that requires grad is being used in an in-place operation");
        // A computed tensor may be assigned into; the write is recorded through its base (CopySlices).
        var y = w * 2.0;
        y[0] = Tensor.From(1.0);
        Assert.Equal("CopySlices", y.GradFn!.Name);
        y.Sum().Backward();
        Assert.Equal(new[] { 0.0, 2.0, 2.0 }, w.Grad!.ToArray<double>());
        // Detached aliases are plain tensors: the write lands in w's storage and bumps its version.
        int version = w.Version;
        w.Detach()[0] = Tensor.From(7.0);
        Assert.Equal(7.0, w.ToArray<double>()[0]);
        Assert.True(w.Version > version);
        // Under NoGrad a leaf's values may be set, as in PyTorch (how initializers work).
        using (Autograd.NoGrad()) w[0] = Tensor.From(4.0);
        Assert.Equal(4.0, w.ToArray<double>()[0]);
        // Plain tensors that fed a graph stay writable; the version counter guards saved ones.
        var a = Tensor.Ones([3], DType.Float64);
        var z = (a * w).Sum();
        a[0] = Tensor.From(2.0);
        Throws<InvalidOperationException>(() => z.Backward(), "modified by an inplace operation");
    }

    [Fact]
    public void SplitPiecesSumTheirGradientsIntoTheInput()
    {
        var x = X(6).Detach().RequiresGrad_();
        var pieces = x.Split([1, 2, 3]);
        Assert.All(pieces, p => Assert.Equal("SplitWithSizesBackward0", p.GradFn!.Name));
        (pieces[0].Sum() * 1.0 + pieces[1].Sum() * 2.0 + pieces[2].Sum() * 3.0).Backward();
        Assert.Equal(new double[] { 1, 2, 2, 3, 3, 3 }, x.Grad!.ToArray<double>());
        var u = X(2, 3).Detach().RequiresGrad_();
        var rows = u.Unbind(1);
        (rows[0] * 1.0 + rows[2] * 5.0).Sum().Backward();
        Assert.Equal(new double[] { 1, 0, 5, 1, 0, 5 }, u.Grad!.ToArray<double>());
        Assert.All(X(7).Detach().RequiresGrad_().Chunk(3), p => Assert.Equal("SplitBackward0", p.GradFn!.Name));
    }

    [Fact]
    public void ViewsShareStorageAndCopiesDoNot()
    {
        var x = X(3, 4);
        Assert.Same(x.Raw.Storage, x[1..].Raw.Storage);
        Assert.Same(x.Raw.Storage, x.Narrow(1, 1, 2).Raw.Storage);
        Assert.Same(x.Raw.Storage, x.Diagonal().Raw.Storage);
        Assert.Same(x.Raw.Storage, x.Split(2, 1)[1].Raw.Storage);
        Assert.Same(x.Raw.Storage, x.Unbind(0)[2].Raw.Storage);
        Assert.Same(x.Raw.Storage, x[TensorIndex.Ellipsis].Raw.Storage);
        Assert.NotSame(x.Raw.Storage, x[Tensor.From(new long[] { 0 })].Raw.Storage);
        Assert.NotSame(x.Raw.Storage, x.Flip(0).Raw.Storage);
        Assert.NotSame(x.Raw.Storage, x.Repeat(1, 1).Raw.Storage);
    }

    [Fact]
    public void SecondDerivativesFlowThroughIndexingBackward()
    {
        // d/dx of (x[idx]²).sum() is 2x scattered; differentiating that again gives 2 at each gathered position.
        var x = Tensor.From(new[] { 1.0, 2.0, 3.0 }, requiresGrad: true);
        var idx = Tensor.From(new long[] { 0, 2, 2 });
        x[idx].Pow(2).Sum().Backward(createGraph: true);
        Tensor g = x.Grad!;
        Assert.Equal(new double[] { 2, 0, 12 }, g.ToArray<double>());
        x.Grad = null;
        g.Sum().Backward();
        Assert.Equal(new double[] { 2, 0, 4 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void BatchedMatMulMatchesPerBatchMm()
    {
        var g = new Generator(7);
        var a = Tensor.Randn([2, 3, 4, 5], g, DType.Float64);
        var b = Tensor.Randn([3, 5, 2], g, DType.Float64);
        var c = a.MatMul(b);
        Assert.Equal(new[] { 2, 3, 4, 2 }, c.Shape.ToArray());
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(a[i, j].Mm(b[j]).ToArray<double>(), c[i, j].ToArray<double>());
        Assert.Equal(c.ToArray<double>(), Tensor.Einsum("...ij,...jk->...ik", a, b).ToArray<double>(),
            new Comparer(1e-12));
    }

    private sealed class Comparer(double tol) : System.Collections.Generic.IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tol * (1 + Math.Abs(x));
        public int GetHashCode(double obj) => 0;
    }
}
