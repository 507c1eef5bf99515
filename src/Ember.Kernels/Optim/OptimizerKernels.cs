using System;
using System.Numerics;

namespace Ember.Kernels;

/// <summary>
/// Fused per-parameter optimizer updates: one pass over the elements, no temporaries. The arithmetic follows
/// PyTorch 1.13's single-tensor implementations step by step, with the scalar hyper-parameters rounded to
/// the element type as PyTorch's CPU kernels do.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>
    /// SGD: <c>d = g + wd·p</c>; with momentum <c>buf = μ·buf + (1-τ)·d</c> (or <c>buf = d</c> on the first step),
    /// <c>d = nesterov ? d + μ·buf : buf</c>; then <c>p -= lr·d</c> (<c>+=</c> when maximizing).
    /// </summary>
    public static void Sgd<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> momentumBuffer, bool firstStep,
        double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T wd = T.CreateTruncating(weightDecay), mu = T.CreateTruncating(momentum), damp = T.CreateTruncating(1 - dampening);
        T alpha = T.CreateTruncating(maximize ? lr : -lr);
        bool useMomentum = momentum != 0;
        for (int i = 0; i < param.Length; i++)
        {
            T d = grad[i];
            if (weightDecay != 0) d += wd * param[i];
            if (useMomentum)
            {
                T buf = firstStep ? d : mu * momentumBuffer[i] + damp * d;
                momentumBuffer[i] = buf;
                d = nesterov ? d + mu * buf : buf;
            }
            param[i] += alpha * d;
        }
    }

    /// <summary>
    /// Adam (L2 weight decay in the gradient): <c>m = lerp(m, g, 1-β1)</c>, <c>v = β2·v + (1-β2)·g²</c>,
    /// <c>v̂max = max(v̂max, v)</c> with amsgrad, <c>p -= (lr / bc1) · m / (√v / √bc2 + ε)</c>, where
    /// <c>bcᵢ = 1 - βᵢ^step</c>. With <paramref name="decoupledWeightDecay"/> the decay is AdamW's <c>p *= 1 - lr·wd</c> instead.
    /// </summary>
    public static void Adam<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, Span<T> maxExpAvgSq,
        long step, double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize,
        bool decoupledWeightDecay = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bc1 = 1 - Math.Pow(beta1, step);
        double bc2 = 1 - Math.Pow(beta2, step);
        T stepSize = T.CreateTruncating(lr / bc1);
        T bc2Sqrt = T.CreateTruncating(Math.Sqrt(bc2));
        T w1 = T.CreateTruncating(1 - beta1), b2 = T.CreateTruncating(beta2), w2 = T.CreateTruncating(1 - beta2);
        T epsT = T.CreateTruncating(eps), wd = T.CreateTruncating(weightDecay), decay = T.CreateTruncating(1 - lr * weightDecay);
        T half = T.CreateTruncating(0.5);
        for (int i = 0; i < param.Length; i++)
        {
            T g = maximize ? -grad[i] : grad[i];
            T p = param[i];
            if (weightDecay != 0)
            {
                if (decoupledWeightDecay) p *= decay;
                else g += wd * p;
            }
            // torch.lerp: self + w·(end - self) for w < 0.5, else end - (end - self)·(1 - w).
            T m = expAvg[i];
            m = w1 < half ? m + w1 * (g - m) : g - (g - m) * (T.One - w1);
            expAvg[i] = m;
            T v = expAvgSq[i] * b2 + w2 * g * g;
            expAvgSq[i] = v;
            if (amsgrad)
            {
                v = T.Max(maxExpAvgSq[i], v);
                maxExpAvgSq[i] = v;
            }
            T denom = T.Sqrt(v) / bc2Sqrt + epsT;
            param[i] = p + -stepSize * m / denom;
        }
    }
}
