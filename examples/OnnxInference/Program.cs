// Classifies the Fashion-MNIST test set with a model exported from Ember, running it in ONNX Runtime.
// Run: dotnet run --project examples/FashionMnist -c Release -- --model cnn --epochs 1 --export model.onnx
//      dotnet run --project examples/OnnxInference -c Release -- model.onnx
// It prints "test accuracy: X" as examples/FashionMnist does; the two numbers agree.
// Data: Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist) or --root DIR.
using System;
using Ember;
using Ember.Data;
using Microsoft.ML.OnnxRuntime;

string path = "", root = "";
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--root" && i + 1 < args.Length) root = args[++i];
    else if (!args[i].StartsWith("--", StringComparison.Ordinal)) path = args[i];
    else
    {
        Console.Error.WriteLine($"unknown argument {args[i]}\nusage: MODEL.onnx [--root DIR]");
        return 2;
    }
}
if (path.Length == 0)
{
    Console.Error.WriteLine("usage: MODEL.onnx [--root DIR]");
    return 2;
}

using var session = new InferenceSession(path);
string inputName = session.InputNames[0], outputName = session.OutputNames[0];
var inputMeta = session.InputMetadata[inputName];
// A symbolic dim has a name and -1 as its size; a fixed one has its size and an empty name.
var dims = new string[inputMeta.Dimensions.Length];
for (int d = 0; d < dims.Length; d++)
{
    dims[d] = inputMeta.Dimensions[d] >= 0
        ? inputMeta.Dimensions[d].ToString(System.Globalization.CultureInfo.InvariantCulture)
        : inputMeta.SymbolicDimensions[d];
}
Console.WriteLine($"{path}: input '{inputName}' [{string.Join(", ", dims)}], output '{outputName}'");

var test = Datasets.FashionMnist(root.Length > 0 ? root : null, train: false);
// The same preprocessing as training: float32 (B, 1, 28, 28), normalized with the training set's mean and std.
var loader = DataLoader.Create(test, 1000, Collate.Images(mean: [0.2860], std: [0.3530]));
long correct = 0, total = 0;
using var options = new RunOptions();
foreach (var (x, y) in loader)
{
    long[] shape = [x.Size(0), x.Size(1), x.Size(2), x.Size(3)];
    using OrtValue input = OrtValue.CreateTensorValueFromMemory(x.ToArray<float>(), shape);
    using var outputs = session.Run(options, [inputName], [input], [outputName]);
    ReadOnlySpan<float> logits = outputs[0].GetTensorDataAsSpan<float>();
    long[] labels = y.To(DType.Int64).ToArray<long>();
    int classes = logits.Length / labels.Length;
    for (int n = 0; n < labels.Length; n++)
    {
        ReadOnlySpan<float> row = logits.Slice(n * classes, classes);
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (row[c] > row[best]) best = c;
        if (best == labels[n]) correct++;
    }
    total += labels.Length;
}
Console.WriteLine($"test accuracy: {(double)correct / total:F4}");
return 0;
