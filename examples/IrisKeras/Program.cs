// The seed's second program: Iris the Keras way, on the same engine as examples/Iris.
// Run: dotnet run --project examples/IrisKeras -c Release
using System;
using Ember;
using Ember.Data;
using Ember.Keras;
using Ember.Keras.Saving;
using Ember.Optim;
using Ember.Plots;
using Ember.Training;

Tensor.ManualSeed(0);

// 1. The post's snippet, literally. It is an illustration (2 outputs for 3 classes, RandomNormal(mean: 1) kernels,
//    SGD on MSE diverges on raw Iris), so it is only compiled and summarized: 1,000 + 40,200 + 402 = 41,602 params.
var snippet = new Sequential(
    new Input(4),
    new Dense(200, activation: "relu", kernelInitializer: new RandomNormal(mean: 1)),
    new Dense(200, activation: "relu", kernelInitializer: new RandomNormal(mean: 1)),
    new Dense(2, name: "output"));
snippet.Compile(new SGD(snippet.Parameters(), lr: 0.001), new Ember.Training.Losses.MeanSquaredError(),
    [new Ember.Training.Metrics.MeanSquaredError()]);
snippet.Summary();
Console.WriteLine();

// 2. The practical model: 3 softmax outputs, a stratified shuffled 80/20 split, standardized features.
var iris = Datasets.Iris();
var (xTrain, xTest, yTrain, yTest) = Preprocessing.TrainTestSplit(iris.Data, iris.Target, testSize: 0.2,
    generator: new Generator(0), stratify: true);
var scaler = new StandardScaler();
xTrain = scaler.FitTransform(xTrain);
xTest = scaler.Transform(xTest);

var model = new Sequential(
    new Input(4),
    new Dense(16, activation: "relu"),
    new Dense(3, activation: "softmax"));
model.Compile(new Adam(model.Parameters(), lr: 0.01), "sparse_categorical_crossentropy", ["accuracy"]);
model.Summary();
// validationSplit holds out the last 20% of the (already shuffled) training rows, as Keras does.
var history = model.Fit(xTrain, yTrain, epochs: 60, batchSize: 16, validationSplit: 0.2);
Console.WriteLine($"final val_accuracy: {history["val_accuracy"][^1]:F2}");
var result = model.Evaluate(xTest, yTest);
Console.WriteLine($"test loss: {result["loss"]:F4}");
Console.WriteLine($"test accuracy: {result["accuracy"]:F2}");

// 3. Pictures (Ember.Plots): the history, and the confusion matrix of the test predictions.
history.Plot("history.png");
var predictions = model.Predict(xTest);
ConfusionMatrix.Plot(Tensor.From(yTest), predictions, ["setosa", "versicolor", "virginica"], "confusion_matrix.png");
Console.WriteLine("wrote history.png and confusion_matrix.png");

// 4. The whole model in one file, and back: same layers, same weights, same predictions.
model.Save("iris_model.safetensors");
var reloaded = KerasModel.Load("iris_model.safetensors");
bool same = reloaded.Predict(xTest).Eq(predictions).All().Item<bool>();
Console.WriteLine($"reloaded iris_model.safetensors: {(same ? "identical" : "DIFFERENT")} predictions");
