using Ember.Data;
using Ember.Keras;
using Ember.NN;

namespace Ember.Training.Tests;

/// <summary>The seed's models and data, shared by the tests.</summary>
internal static class TestModels
{
    /// <summary>The seed's Program 2, literally: 4 → 200 → 200 → 2 with RandomNormal(mean: 1) kernels.</summary>
    public static Keras.Sequential SeedSnippet() => new(
        new Input(4),
        new Dense(200, activation: "relu", kernelInitializer: new RandomNormal(mean: 1)),
        new Dense(200, activation: "relu", kernelInitializer: new RandomNormal(mean: 1)),
        new Dense(2, name: "output"));

    /// <summary>Iris standardized and split 80/20, stratified and shuffled with a fixed generator.</summary>
    public static (double[,] XTrain, double[,] XTest, long[] YTrain, long[] YTest) Iris()
    {
        var iris = Datasets.Iris();
        var (xTrain, xTest, yTrain, yTest) = Preprocessing.TrainTestSplit(iris.Data, iris.Target, testSize: 0.2,
            generator: new Generator(7), stratify: true);
        var scaler = new StandardScaler();
        return (scaler.FitTransform(xTrain), scaler.Transform(xTest), yTrain, yTest);
    }
}

/// <summary>The seed's PyTorch-style classifier: 4 → 10 → ReLU → 3.</summary>
internal sealed class Clf : Module
{
    private readonly Linear fc1 = new(4, 10), fc2 = new(10, 3);

    public override Tensor Forward(Tensor x) => fc2.Call(F.ReLU(fc1.Call(x)));
}
