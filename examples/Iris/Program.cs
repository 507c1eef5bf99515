// The seed program (a Keras user's first PyTorch model), line for line in Ember.
// Run: dotnet run --project examples/Iris -c Release
using System;
using System.Linq;
using Ember;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

Tensor.ManualSeed(0);
// Says so if a tensor kept across steps grows the graph (total = total + loss); see docs/memory.md.
Ember.Graph.GraphGrowth.Detected += (_, e) => Console.Error.WriteLine(e.Message);
var iris = Datasets.Iris();                 // embedded scikit-learn copy: double[150,4], long[150]
var X = Tensor.From(iris.Data);             // float64 goes straight into the float32 model
var y = Tensor.From(iris.Target);
var clf = new Clf();
var optimizer = new Adam(clf.Parameters(), lr: 0.01);
var lossFn = new CrossEntropyLoss();
Tensor yPred = null!;
Tensor loss = null!;
for (int i = 0; i < 1000; i++)
{
    yPred = clf.Call(X);
    loss = lossFn.Call(yPred, y);
    optimizer.ZeroGrad();
    loss.Backward();
    optimizer.Step();
}
Tensor predicted = yPred.Argmax(1);
Console.WriteLine(predicted);
double accuracy = predicted.Eq(y).To(DType.Float32).Mean().Item<float>();
Console.WriteLine($"loss: {loss.Item<float>():F4}");
Console.WriteLine($"accuracy: {accuracy:F4}");
// Module discovery's order (declaration order, also under NativeAOT): fc1.weight, fc1.bias, fc2.weight, fc2.bias.
Console.WriteLine($"parameters: {string.Join(", ", clf.NamedParameters().Select(p => p.Name))}");

/// <summary>The seed's classifier: 4 → 10 → ReLU → 3.</summary>
sealed class Clf : Module
{
    private readonly Linear fc1 = new(4, 10), fc2 = new(10, 3);

    public override Tensor Forward(Tensor x) => fc2.Call(F.ReLU(fc1.Call(x)));
}
