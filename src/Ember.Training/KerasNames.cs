using System;
using System.Collections.Generic;
using Ember.NN;
using Ember.Optim;
using Ember.Training.Metrics;

namespace Ember.Training;

/// <summary>
/// Keras's string identifiers for optimizers, losses and metrics, resolved with Keras's defaults (not PyTorch's).
/// </summary>
public static class KerasNames
{
    /// <summary>Keras's epsilon for the adaptive optimizers (PyTorch uses 1e-8).</summary>
    public const double Epsilon = 1e-7;

    /// <summary>
    /// An optimizer by Keras name with Keras's defaults: <c>adam</c> (lr 1e-3, betas 0.9/0.999, eps 1e-7),
    /// <c>adamw</c> (lr 1e-3, weight decay 0.004, eps 1e-7), <c>sgd</c> (lr 0.01, no momentum), <c>rmsprop</c>
    /// (lr 1e-3, rho 0.9 as <c>alpha</c>, eps 1e-7), <c>adagrad</c> (lr 1e-3, initial accumulator 0.1, eps 1e-7),
    /// <c>adamax</c> (lr 1e-3, eps 1e-7). The update rules are Ember's (PyTorch's).
    /// </summary>
    public static Optimizer Optimizer(string name, IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "ADAM" => new Adam(parameters, lr: 1e-3, eps: Epsilon),
            "ADAMW" => new AdamW(parameters, lr: 1e-3, eps: Epsilon, weightDecay: 0.004),
            "SGD" => new SGD(parameters, lr: 0.01),
            "RMSPROP" => new RMSprop(parameters, lr: 1e-3, alpha: 0.9, eps: Epsilon),
            "ADAGRAD" => new Adagrad(parameters, lr: 1e-3, initialAccumulatorValue: 0.1, eps: Epsilon),
            "ADAMAX" => new Adamax(parameters, lr: 1e-3, eps: Epsilon),
            _ => throw new ArgumentException($"Compile: unknown optimizer '{name}'. Known: adam, adamw, sgd, " +
                "rmsprop, adagrad, adamax; or pass an Ember.Optim optimizer.", nameof(name)),
        };
    }

    /// <summary>
    /// A loss by Keras name: <c>mse</c>/<c>mean_squared_error</c>, <c>mae</c>/<c>mean_absolute_error</c>,
    /// <c>binary_crossentropy</c>, <c>categorical_crossentropy</c>, <c>sparse_categorical_crossentropy</c>; the
    /// cross-entropies expect probabilities (<c>fromLogits: false</c>, Keras's default).
    /// </summary>
    public static Loss Loss(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "mse" or "mean_squared_error" => new Losses.MeanSquaredError(),
            "mae" or "mean_absolute_error" => new Losses.MeanAbsoluteError(),
            "binary_crossentropy" => new Losses.BinaryCrossentropy(),
            "categorical_crossentropy" => new Losses.CategoricalCrossentropy(),
            "sparse_categorical_crossentropy" => new Losses.SparseCategoricalCrossentropy(),
            _ => throw new ArgumentException($"Compile: unknown loss '{name}'. Known: mse, mean_squared_error, mae, " +
                "mean_absolute_error, binary_crossentropy, categorical_crossentropy, " +
                "sparse_categorical_crossentropy; or pass an Ember.NN loss.", nameof(name)),
        };
    }

    /// <summary>Whether <paramref name="name"/> is Keras's shape-dependent <c>"accuracy"</c>/<c>"acc"</c>.</summary>
    public static bool IsAccuracy(string name) => name is "accuracy" or "acc";

    /// <summary>
    /// A metric by Keras name, named as given (as Keras logs it): <c>binary_accuracy</c>,
    /// <c>categorical_accuracy</c>, <c>sparse_categorical_accuracy</c>, <c>mse</c>/<c>mean_squared_error</c>,
    /// <c>mae</c>/<c>mean_absolute_error</c>, <c>top_k_categorical_accuracy</c> and
    /// <c>sparse_top_k_categorical_accuracy</c> (k = 5), <c>root_mean_squared_error</c>, <c>precision</c>,
    /// <c>recall</c>, <c>f1_score</c> (macro; Keras's default is per class), <c>auc</c> (ROC, 200 thresholds); the
    /// class names (<c>"AUC"</c>, <c>"Precision"</c>, ...) work too. For <c>accuracy</c> use
    /// <see cref="ResolveAccuracy"/>.
    /// </summary>
    public static Metric Metric(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "binary_accuracy" => new BinaryAccuracy(name),
            "categorical_accuracy" => new CategoricalAccuracy(name),
            "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(name),
            "mse" or "mean_squared_error" => new Metrics.MeanSquaredError(name),
            "mae" or "mean_absolute_error" => new Metrics.MeanAbsoluteError(name),
            "top_k_categorical_accuracy" => new TopKCategoricalAccuracy(name: name),
            "sparse_top_k_categorical_accuracy" => new SparseTopKCategoricalAccuracy(name: name),
            "root_mean_squared_error" or "RootMeanSquaredError" => new RootMeanSquaredError(name),
            "precision" or "Precision" => new Precision(name: name),
            "recall" or "Recall" => new Recall(name: name),
            "f1_score" or "F1Score" => new F1Score(name: name),
            "auc" or "AUC" => new AUC(name: name),
            _ => throw new ArgumentException($"Compile: unknown metric '{name}'. Known: accuracy, acc, " +
                "binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, mse, mean_squared_error, mae, " +
                "mean_absolute_error, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, " +
                "root_mean_squared_error, precision, recall, f1_score, auc; or pass a Metric object.", nameof(name)),
        };
    }

    /// <summary>
    /// Keras 3's rule for <c>"accuracy"</c>: predictions with one column → <see cref="BinaryAccuracy"/>; targets of
    /// lower rank than the predictions (class ids), or one target column for several prediction columns →
    /// <see cref="SparseCategoricalAccuracy"/>; otherwise (one-hot) → <see cref="CategoricalAccuracy"/>. The metric
    /// keeps the name given (<c>accuracy</c>).
    /// </summary>
    /// <param name="name">The name to log it under.</param>
    /// <param name="targetShape">The target batch's shape.</param>
    /// <param name="predictionShape">The prediction batch's shape.</param>
    public static Metric ResolveAccuracy(string name, ReadOnlySpan<int> targetShape, ReadOnlySpan<int> predictionShape)
    {
        int tRank = targetShape.Length, pRank = predictionShape.Length;
        int tLast = tRank > 0 ? targetShape[^1] : 1, pLast = pRank > 0 ? predictionShape[^1] : 1;
        if (pLast == 1 || pRank <= 1) return new BinaryAccuracy(name);
        if (tRank < pRank || (tLast == 1 && pLast > 1)) return new SparseCategoricalAccuracy(name);
        return new CategoricalAccuracy(name);
    }
}
