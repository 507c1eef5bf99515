using System;
using Ember.Data;
using Ember.NN;

namespace Ember.Tests;

/// <summary>The casting rule of DESIGN.md and the error messages a user meets first.</summary>
public class CastingAndErrorTests
{
    [Fact]
    public void DoubleMatrixFlowsIntoAFloat32Model()
    {
        var iris = Datasets.Iris();
        var X = Tensor.From(iris.Data);
        Assert.Equal(DType.Float64, X.DType);
        var y = new Clf().Call(X);
        Assert.Equal(DType.Float32, y.DType);
        Assert.Equal(new[] { 150, 3 }, y.Shape.ToArray());
    }

    [Fact]
    public void IntAndLongLabelsBothWorkAsTargets()
    {
        var iris = Datasets.Iris();
        var clf = new Clf();
        var logits = clf.Call(Tensor.From(iris.Data));
        int[] intLabels = Array.ConvertAll(iris.Target, v => (int)v);
        var a = new CrossEntropyLoss().Call(logits, Tensor.From(iris.Target)).Item<float>();
        var b = new CrossEntropyLoss().Call(logits, Tensor.From(intLabels)).Item<float>();
        Assert.Equal(a, b);
    }

    [Fact]
    public void IntegerInputIntoLinearSaysHowToConvert()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Linear(2, 3).Call(Tensor.From(new long[,] { { 1, 2 } })));
        Assert.Equal(
            "Linear expected floating-point input (torch.float32) but got a torch.int64 tensor of shape [1, 2]. " +
            "Convert it with x.To(DType.Float32) (integer class labels belong in the loss's target, not the model's " +
            "input).",
            ex.Message);
    }

    [Fact]
    public void WrongFeatureCountNamesTheExpectedAndActualShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Linear(4, 10).Call(Tensor.Zeros(150, 5)));
        Assert.Equal("Linear(in_features=4, out_features=10) expected input of shape (*, 4) but got [150, 5].",
            ex.Message);
    }

    [Fact]
    public void FloatTargetsForCrossEntropySayWhatIsExpected()
    {
        var ex =
            Assert.Throws<ArgumentException>(() => new CrossEntropyLoss().Call(Tensor.Zeros(4, 3), Tensor.Zeros(4)));
        Assert.Contains("expected class-index targets of dtype int64 or int32, got torch.float32 [4]", ex.Message);
        var shape =
            Assert.Throws<ArgumentException>(() =>
            new CrossEntropyLoss().Call(Tensor.Zeros(4, 3), Tensor.From(new long[] { 0, 1, 2 })));
        Assert.Contains("got input [4, 3] and target [3]", shape.Message);
    }

    [Fact]
    public void BroadcastErrorsNameTheOpAndBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 4) + Tensor.Zeros(3));
        Assert.Equal("add: the size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension " +
            "1; shapes [3, 4] and [3] cannot be broadcast together.", ex.Message);
        var mm = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", mm.Message);
    }

    [Fact]
    public void TypePromotionFollowsPyTorch()
    {
        var f32 = Tensor.Ones(2);
        var f64 = Tensor.Ones([2], DType.Float64);
        var i64 = Tensor.Ones([2], DType.Int64);
        Assert.Equal(DType.Float64, (f32 + f64).DType);
        Assert.Equal(DType.Float32, (f32 + 2.5).DType);            // a C# double does not promote float32
        Assert.Equal(DType.Float32,
            (i64 + 2.5).DType);            // a floating number turns int64 into the default float
        Assert.Equal(DType.Int64, (i64 + 2).DType);
        Assert.Equal(DType.Float32, (i64 / i64).DType);            // true division
        Assert.Equal(DType.Float32, (f32 + Tensor.From(1.0)).DType); // a 0-dim float64 does not promote float32
        Assert.Equal(DType.Float64, (i64 + Tensor.From(1.0)).DType); // but it does promote an integer tensor
        Assert.Equal(DType.Bool, (f32 > 0.5).DType);
    }

    [Fact]
    public void RequiresGradOnlyOnFloatingLeaves()
    {
        Assert.Contains("floating-point",
            Assert.Throws<InvalidOperationException>(() => Tensor.Zeros([2], DType.Int64).RequiresGrad = true).Message);
        var x = Tensor.Ones(2).RequiresGrad_();
        var y = x * 2.0;
        Assert.Contains("leaf", Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false).Message);
    }

    [Fact]
    public void BackwardOnANonScalarNeedsAGradient()
    {
        var x = Tensor.Ones(3).RequiresGrad_();
        var ex = Assert.Throws<InvalidOperationException>(() => (x * 2.0).Backward());
        Assert.Contains("only for scalar outputs", ex.Message);
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("does not require grad",
            Assert.Throws<InvalidOperationException>(() => Tensor.Ones(1).Sum().Backward()).Message);
    }

    [Fact]
    public void InPlaceChangeOfASavedTensorIsDetected()
    {
        var w = new Parameter(Tensor.Ones(3));
        var x = Tensor.From(new float[] { 1, 2, 3 });
        var loss = (w * x).Sum();
        x.CopyRaw(Tensor.Zeros(3));
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("modified by an inplace operation", ex.Message);
        Assert.Contains("MulBackward0", ex.Message);
    }
}
