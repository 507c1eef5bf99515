using System;
using System.Text;
using Ember.Core;

namespace Ember;

public static partial class Autograd
{
    /// <summary>
    /// Checks the gradients that backward computes for <paramref name="function"/> against central finite
    /// differences, element by element (PyTorch's <c>gradcheck</c>). Inputs must be float64 tensors; those with
    /// <c>RequiresGrad</c> are checked. Every output element is back-propagated separately, so keep inputs small.
    /// </summary>
    /// <returns>True when every Jacobian entry agrees within <c>|a - n| &lt;= atol + rtol·|n|</c>.</returns>
    /// <exception cref="GradCheckException">An entry disagrees and <paramref name="raiseException"/> is true; the
    /// message lists the worst entries.</exception>
    public static bool GradCheck(Func<Tensor[], Tensor> function, Tensor[] inputs, double eps = 1e-6,
        double atol = 1e-5, double rtol = 1e-3, bool raiseException = true)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var x in inputs)
            if (x.RequiresGrad && x.DType != DType.Float64)
                throw new ArgumentException(
                    "GradCheck: inputs that require grad must be float64 (finite differences in float32 are too " +
                    $"coarse), got {x.DType.TorchName()}.");

        Tensor reference = function(inputs);
        int nOut = reference.NumEl;
        var report = new StringBuilder();
        int failures = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            Tensor x = inputs[i];
            if (!x.RequiresGrad) continue;
            if (!x.IsContiguous)
                throw new ArgumentException(
                    "GradCheck: inputs that require grad must be contiguous (pass views through the function " +
                    "instead).");
            int nIn = x.NumEl;
            double[] data = x.Raw.Data<double>();
            int off = x.Raw.Offset;

            // Numerical Jacobian, one input element at a time.
            var numeric = new double[nIn, nOut];
            for (int k = 0; k < nIn; k++)
            {
                double orig = data[off + k];
                data[off + k] = orig + eps;
                double[] plus = Evaluate(function, inputs);
                data[off + k] = orig - eps;
                double[] minus = Evaluate(function, inputs);
                data[off + k] = orig;
                for (int j = 0; j < nOut; j++) numeric[k, j] = (plus[j] - minus[j]) / (2 * eps);
            }

            // Analytical Jacobian, one output element at a time.
            for (int j = 0; j < nOut; j++)
            {
                foreach (var t in inputs) t.Grad = null;
                Tensor y = function(inputs);
                if (!y.RequiresGrad)
                {
                    report.AppendLine($"output does not require grad (no GradFn); nothing flows back to input {i}.");
                    failures++;
                    break;
                }
                var onehot = RawOps.Full(y.Raw.Shape, 0, y.DType);
                RawOps.SetFlat(onehot, j, 1);
                y.Backward(new Tensor(onehot));
                double[] g = x.Grad is null ? new double[nIn] : x.Grad.ToArray<double>();
                for (int k = 0; k < nIn; k++)
                {
                    double a = g[k], n = numeric[k, j];
                    if (!(Math.Abs(a - n) <= atol + rtol * Math.Abs(n)))
                    {
                        if (failures < 8)
                            report.AppendLine(
                                $"input {i} element {k}, output element {j}: analytical {a:G10}, numerical {n:G10}");
                        failures++;
                    }
                }
            }
        }
        foreach (var t in inputs) t.Grad = null;
        if (failures == 0) return true;
        if (raiseException)
            throw new GradCheckException(
                $"GradCheck: {failures} Jacobian entries disagree (output " +
                $"{reference.GradFn?.Name ?? "<no grad_fn>"}):\n{report}");
        return false;
    }

    private static double[] Evaluate(Func<Tensor[], Tensor> function, Tensor[] inputs)
    {
        using var _ = NoGrad();
        return function(inputs).ToArray<double>();
    }
}

/// <summary>Thrown by <see cref="Autograd.GradCheck"/> when analytical and numerical gradients disagree.</summary>
public sealed class GradCheckException(string message) : Exception(message);
