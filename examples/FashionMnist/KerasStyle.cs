using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Ember;
using Ember.Data;
using Ember.IO;
using Ember.Keras;
using Ember.Keras.Saving;
using Ember.Plots;
using Ember.Training;
using Ember.Training.Callbacks;

/// <summary>
/// <c>--style keras</c>: the same networks as Keras-style <see cref="Sequential"/> models, trained by <c>Fit</c> with
/// <see cref="EarlyStopping"/> and <see cref="ModelCheckpoint"/>. As Keras's <c>validation_split</c> does, the last
/// 5,000 training images are held out for validation (1,000 with <c>--max-batches</c>).
/// </summary>
static class KerasStyle
{
    /// <summary>The CNN of <c>Cnn.cs</c> (channels-first, as the loader gives it), ending in a softmax.</summary>
    public static Sequential Cnn() => new(
        new Input(1, 28, 28),
        new Conv2D(16, 5, padding: "same", dataFormat: DataFormat.ChannelsFirst, activation: "relu"),
        new MaxPooling2D(2, dataFormat: DataFormat.ChannelsFirst),
        new Conv2D(32, 5, dataFormat: DataFormat.ChannelsFirst, activation: "relu"),
        new MaxPooling2D(2, dataFormat: DataFormat.ChannelsFirst),
        new Flatten(),
        new Dense(120, activation: "relu"),
        new Dense(84, activation: "relu"),
        new Dense(10, activation: "softmax"));

    /// <summary>The MLP of <c>Program.cs</c>: 784-256-128-10.</summary>
    public static Sequential Mlp() => new(
        new Input(1, 28, 28),
        new Flatten(),
        new Dense(256, activation: "relu"),
        new Dense(128, activation: "relu"),
        new Dense(10, activation: "softmax"));

    public static int Run(string model, MnistDataset train, MnistDataset test, int epochs, int batchSize,
        int maxBatches, long seed, string checkpointDir)
    {
        var net = model == "cnn" ? Cnn() : Mlp();
        net.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        net.Summary();

        int valCount = maxBatches > 0 ? 1000 : 5000;
        int trainCount = train.Count - valCount;
        if (maxBatches > 0) trainCount = Math.Min(trainCount, maxBatches * batchSize);
        var trainPart = new Subset<(Image Image, long Label)>(train, Range(0, trainCount));
        var valPart = new Subset<(Image Image, long Label)>(train, Range(train.Count - valCount, valCount));
        var collate = Collate.Images(mean: [0.2860], std: [0.3530]);
        var trainLoader = DataLoader.Create(trainPart, batchSize, collate, shuffle: true,
            generator: new Generator(seed), prefetch: 2);
        var valLoader = DataLoader.Create(valPart, 1000, collate);
        var testLoader = DataLoader.Create(test, 1000, collate);

        string dir = checkpointDir.Length > 0 ? checkpointDir
            : Path.Combine(Path.GetTempPath(), "ember-fashion-mnist-keras");
        string best = Path.Combine(dir, "best.safetensors");
        var checkpoint = new ModelCheckpoint(best, monitor: "val_accuracy", saveBestOnly: true, verbose: 1);
        var early = new EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true, verbose: 1);
        Console.WriteLine($"training on {trainCount} images, validating on {valCount}");
        var history = net.Fit(trainLoader, epochs, validationData: valLoader, callbacks: [checkpoint, early]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epochs run: {history.Epochs.Count}, best val_accuracy {checkpoint.Best:F4} saved to {best}"));
        string plot = Path.Combine(dir, "history.png");
        history.Plot(plot);
        Console.WriteLine($"history plotted to {plot}");

        var result = net.Evaluate(testLoader, verbose: 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test loss: {result["loss"]:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {result["accuracy"]:F4}"));

        // The checkpoint holds the weights of the best validation epoch; it loads into a fresh model.
        var reloaded = model == "cnn" ? Cnn() : Mlp();
        reloaded.LoadWeights(best);
        reloaded.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        var again = reloaded.Evaluate(valLoader, verbose: 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"reloaded checkpoint: val_accuracy {again["accuracy"]:F4}"));

        // The whole model (architecture and weights in one file) rebuilds without the code that defined it.
        string whole = Path.Combine(dir, "model.safetensors");
        net.Save(whole);
        var rebuilt = KerasModel.Load(whole);
        rebuilt.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        var same = rebuilt.Evaluate(testLoader, verbose: 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"whole model saved to {whole} and reloaded: test accuracy {same["accuracy"]:F4}"));
        return 0;
    }

    private static List<int> Range(int start, int count)
    {
        var list = new List<int>(count);
        for (int i = 0; i < count; i++) list.Add(start + i);
        return list;
    }
}
