using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ember.Kernels;

/// <summary>
/// Fused per-parameter optimizer updates: one pass over the elements, no temporaries. The arithmetic follows
/// PyTorch 1.13's single-tensor implementations op by op (each tensor op rounds to the element type), with the
/// scalar hyper-parameters rounded to the element type as PyTorch's CPU kernels do. Notation used below:
/// <c>addcmul(s, a, b, v) = s + v·a·b</c>, <c>addcdiv(s, a, b, v) = s + v·a/b</c>.
/// </summary>
/// <remarks>
/// Each kernel runs the same operation sequence over <see cref="Vector{T}"/> lanes and then over the scalar tail;
/// every step (add, multiply, divide, square root, max) is an IEEE-754 correctly rounded operation in both forms and
/// the JIT never contracts them into fused multiply-adds, so an element's result does not depend on whether it falls
/// in a vector or in the tail. Callers may therefore update any slice of a parameter (with the matching slices of its
/// gradient and state) independently: results are bit-identical however the elements are split over threads.
/// </remarks>
public static class OptimizerKernels
{
    /// <summary>
    /// SGD: <c>d = ±g + wd·p</c> (the gradient negated when maximizing); with momentum <c>buf = μ·buf + (1-τ)·d</c>
    /// (or <c>buf = d</c> on the first step), <c>d = nesterov ? d + μ·buf : buf</c>; then <c>p -= lr·d</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgd<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> momentumBuffer, bool firstStep,
        double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T wd = T.CreateTruncating(weightDecay), mu = T.CreateTruncating(momentum),
            damp = T.CreateTruncating(1 - dampening);
        T alpha = T.CreateTruncating(-lr);
        bool useMomentum = momentum != 0;
        int n = param.Length;
        CheckLength(grad, n, nameof(grad));
        if (useMomentum) CheckLength(momentumBuffer, n, nameof(momentumBuffer));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            ref T pr = ref MemoryMarshal.GetReference(param);
            ref T gr = ref MemoryMarshal.GetReference(grad);
            ref T br = ref MemoryMarshal.GetReference(momentumBuffer);
            Vector<T> vWd = new(wd), vMu = new(mu), vDamp = new(damp), vAlpha = new(alpha);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint k = (nuint)i;
                Vector<T> p = Vector.LoadUnsafe(ref pr, k), d = Vector.LoadUnsafe(ref gr, k);
                if (maximize) d = -d;
                if (weightDecay != 0) d += vWd * p;
                if (useMomentum)
                {
                    Vector<T> buf = firstStep ? d : vMu * Vector.LoadUnsafe(ref br, k) + vDamp * d;
                    buf.StoreUnsafe(ref br, k);
                    d = nesterov ? d + vMu * buf : buf;
                }
                (p + vAlpha * d).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            T d = maximize ? -grad[i] : grad[i];
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
    /// Adam: <c>g = ±g (+ wd·p)</c>, <c>m = β1·m + (1-β1)·g</c>, <c>v = β2·v + (1-β2)·g²</c>, <c>v̂ = max(v̂, v)</c>
    /// with amsgrad, <c>p -= (lr / bc1) · m / (√v / √bc2 + ε)</c>, where <c>bcᵢ = 1 - βᵢ^step</c>. With
    /// <paramref name="decoupledWeightDecay"/> (AdamW) the decay is <c>p *= 1 - lr·wd</c> instead of the L2 term.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adam<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq,
        Span<T> maxExpAvgSq, long step, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, bool decoupledWeightDecay = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bc1 = 1 - Math.Pow(beta1, step);
        double bc2 = 1 - Math.Pow(beta2, step);
        T stepSize = T.CreateTruncating(lr / bc1);
        T bc2Sqrt = T.CreateTruncating(Math.Sqrt(bc2));
        T b1 = T.CreateTruncating(beta1), w1 = T.CreateTruncating(1 - beta1), b2 = T.CreateTruncating(beta2),
            w2 = T.CreateTruncating(1 - beta2);
        T epsT = T.CreateTruncating(eps), wd = T.CreateTruncating(weightDecay),
            decay = T.CreateTruncating(1 - lr * weightDecay);
        int n = param.Length;
        CheckLength(grad, n, nameof(grad));
        CheckLength(expAvg, n, nameof(expAvg));
        CheckLength(expAvgSq, n, nameof(expAvgSq));
        if (amsgrad) CheckLength(maxExpAvgSq, n, nameof(maxExpAvgSq));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            ref T pr = ref MemoryMarshal.GetReference(param);
            ref T gr = ref MemoryMarshal.GetReference(grad);
            ref T mr = ref MemoryMarshal.GetReference(expAvg);
            ref T vr = ref MemoryMarshal.GetReference(expAvgSq);
            ref T xr = ref MemoryMarshal.GetReference(maxExpAvgSq);
            Vector<T> vB1 = new(b1), vW1 = new(w1), vB2 = new(b2), vW2 = new(w2), vEps = new(epsT), vWd = new(wd),
                vDecay = new(decay), vBc2Sqrt = new(bc2Sqrt), vNegStep = new(-stepSize);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint k = (nuint)i;
                Vector<T> g = Vector.LoadUnsafe(ref gr, k), p = Vector.LoadUnsafe(ref pr, k);
                if (maximize) g = -g;
                if (decoupledWeightDecay) p *= vDecay;
                else if (weightDecay != 0) g += vWd * p;
                Vector<T> m = Vector.LoadUnsafe(ref mr, k) * vB1 + vW1 * g;
                m.StoreUnsafe(ref mr, k);
                Vector<T> v = Vector.LoadUnsafe(ref vr, k) * vB2 + vW2 * g * g;
                v.StoreUnsafe(ref vr, k);
                if (amsgrad)
                {
                    v = Vector.Max(Vector.LoadUnsafe(ref xr, k), v);
                    v.StoreUnsafe(ref xr, k);
                }
                Vector<T> denom = Vector.SquareRoot(v) / vBc2Sqrt + vEps;
                (p + vNegStep * m / denom).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            T g = maximize ? -grad[i] : grad[i];
            T p = param[i];
            if (decoupledWeightDecay) p *= decay;
            else if (weightDecay != 0) g += wd * p;
            T m = expAvg[i] * b1 + w1 * g;
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

    /// <summary>
    /// RMSprop: <c>g = ±g (+ wd·p)</c>, <c>s = α·s + (1-α)·g²</c>; centered: <c>ḡ = α·ḡ + (1-α)·g</c>,
    /// <c>avg = √(s - ḡ²) + ε</c>, else <c>avg = √s + ε</c>; with momentum <c>buf = μ·buf + g/avg</c>,
    /// <c>p -= lr·buf</c>, else <c>p -= lr·g/avg</c>. <paramref name="gradAvg"/> is empty unless centered,
    /// <paramref name="momentumBuffer"/>
    /// empty unless <paramref name="momentum"/> &gt; 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsProp<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> squareAvg, Span<T> gradAvg,
        Span<T> momentumBuffer, double lr, double alpha, double eps, double weightDecay, double momentum, bool centered,
        bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T a = T.CreateTruncating(alpha), wa = T.CreateTruncating(1 - alpha), epsT = T.CreateTruncating(eps);
        T wd = T.CreateTruncating(weightDecay), mu = T.CreateTruncating(momentum), negLr = T.CreateTruncating(-lr);
        bool useMomentum = momentum > 0;
        int n = param.Length;
        CheckLength(grad, n, nameof(grad));
        CheckLength(squareAvg, n, nameof(squareAvg));
        if (centered) CheckLength(gradAvg, n, nameof(gradAvg));
        if (useMomentum) CheckLength(momentumBuffer, n, nameof(momentumBuffer));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            ref T pr = ref MemoryMarshal.GetReference(param);
            ref T gr = ref MemoryMarshal.GetReference(grad);
            ref T sr = ref MemoryMarshal.GetReference(squareAvg);
            ref T ar = ref MemoryMarshal.GetReference(gradAvg);
            ref T br = ref MemoryMarshal.GetReference(momentumBuffer);
            Vector<T> vA = new(a), vWa = new(wa), vEps = new(epsT), vWd = new(wd), vMu = new(mu), vNegLr = new(negLr),
                vNegOne = new(-T.One), vOne = Vector<T>.One;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint k = (nuint)i;
                Vector<T> g = Vector.LoadUnsafe(ref gr, k), p = Vector.LoadUnsafe(ref pr, k);
                if (maximize) g = -g;
                if (weightDecay != 0) g += vWd * p;
                Vector<T> sq = Vector.LoadUnsafe(ref sr, k) * vA + vWa * g * g;
                sq.StoreUnsafe(ref sr, k);
                Vector<T> avg;
                if (centered)
                {
                    Vector<T> ga = Vector.LoadUnsafe(ref ar, k) * vA + vWa * g;
                    ga.StoreUnsafe(ref ar, k);
                    avg = Vector.SquareRoot(sq + vNegOne * ga * ga) + vEps;
                }
                else avg = Vector.SquareRoot(sq) + vEps;
                if (useMomentum)
                {
                    Vector<T> buf = Vector.LoadUnsafe(ref br, k) * vMu + vOne * g / avg;
                    buf.StoreUnsafe(ref br, k);
                    (p + vNegLr * buf).StoreUnsafe(ref pr, k);
                }
                else (p + vNegLr * g / avg).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            T g = maximize ? -grad[i] : grad[i];
            T p = param[i];
            if (weightDecay != 0) g += wd * p;
            T s = squareAvg[i] * a + wa * g * g;
            squareAvg[i] = s;
            T avg;
            if (centered)
            {
                T ga = gradAvg[i] * a + wa * g;
                gradAvg[i] = ga;
                avg = T.Sqrt(s + -T.One * ga * ga) + epsT;
            }
            else avg = T.Sqrt(s) + epsT;
            if (useMomentum)
            {
                T buf = momentumBuffer[i] * mu + T.One * g / avg;
                momentumBuffer[i] = buf;
                param[i] = p + negLr * buf;
            }
            else param[i] = p + negLr * g / avg;
        }
    }

    /// <summary>
    /// Adagrad: <c>g = ±g (+ wd·p)</c>, <c>sum += g²</c>, <c>p -= clr · g / (√sum + ε)</c>, where the caller passes
    /// <c>clr = lr / (1 + (step-1)·lrDecay)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adagrad<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> sum, double clr, double eps,
        double weightDecay, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T negClr = T.CreateTruncating(-clr), epsT = T.CreateTruncating(eps), wd = T.CreateTruncating(weightDecay);
        int n = param.Length;
        CheckLength(grad, n, nameof(grad));
        CheckLength(sum, n, nameof(sum));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            ref T pr = ref MemoryMarshal.GetReference(param);
            ref T gr = ref MemoryMarshal.GetReference(grad);
            ref T sr = ref MemoryMarshal.GetReference(sum);
            Vector<T> vNegClr = new(negClr), vEps = new(epsT), vWd = new(wd), vOne = Vector<T>.One;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint k = (nuint)i;
                Vector<T> g = Vector.LoadUnsafe(ref gr, k), p = Vector.LoadUnsafe(ref pr, k);
                if (maximize) g = -g;
                if (weightDecay != 0) g += vWd * p;
                Vector<T> sv = Vector.LoadUnsafe(ref sr, k) + vOne * g * g;
                sv.StoreUnsafe(ref sr, k);
                (p + vNegClr * g / (Vector.SquareRoot(sv) + vEps)).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            T g = maximize ? -grad[i] : grad[i];
            T p = param[i];
            if (weightDecay != 0) g += wd * p;
            T s = sum[i] + T.One * g * g;
            sum[i] = s;
            param[i] = p + negClr * g / (T.Sqrt(s) + epsT);
        }
    }

    /// <summary>
    /// Adamax: <c>g = ±g (+ wd·p)</c>, <c>m = β1·m + (1-β1)·g</c>, <c>u = max(β2·u, |g| + ε)</c>,
    /// <c>p -= (lr / (1 - β1^step)) · m / u</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adamax<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expInf,
        long step, double lr, double beta1, double beta2, double eps, double weightDecay, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T negClr = T.CreateTruncating(-(lr / (1 - Math.Pow(beta1, step))));
        T b1 = T.CreateTruncating(beta1), w1 = T.CreateTruncating(1 - beta1), b2 = T.CreateTruncating(beta2);
        T epsT = T.CreateTruncating(eps), wd = T.CreateTruncating(weightDecay);
        int n = param.Length;
        CheckLength(grad, n, nameof(grad));
        CheckLength(expAvg, n, nameof(expAvg));
        CheckLength(expInf, n, nameof(expInf));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            ref T pr = ref MemoryMarshal.GetReference(param);
            ref T gr = ref MemoryMarshal.GetReference(grad);
            ref T mr = ref MemoryMarshal.GetReference(expAvg);
            ref T ur = ref MemoryMarshal.GetReference(expInf);
            Vector<T> vNegClr = new(negClr), vB1 = new(b1), vW1 = new(w1), vB2 = new(b2), vEps = new(epsT),
                vWd = new(wd);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint k = (nuint)i;
                Vector<T> g = Vector.LoadUnsafe(ref gr, k), p = Vector.LoadUnsafe(ref pr, k);
                if (maximize) g = -g;
                if (weightDecay != 0) g += vWd * p;
                Vector<T> m = Vector.LoadUnsafe(ref mr, k) * vB1 + vW1 * g;
                m.StoreUnsafe(ref mr, k);
                Vector<T> u = Vector.Max(Vector.LoadUnsafe(ref ur, k) * vB2, Vector.Abs(g) + vEps);
                u.StoreUnsafe(ref ur, k);
                (p + vNegClr * m / u).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            T g = maximize ? -grad[i] : grad[i];
            T p = param[i];
            if (weightDecay != 0) g += wd * p;
            T m = expAvg[i] * b1 + w1 * g;
            expAvg[i] = m;
            T u = T.Max(expInf[i] * b2, T.Abs(g) + epsT);
            expInf[i] = u;
            param[i] = p + negClr * m / u;
        }
    }

    /// <summary>
    /// NAdam: <c>g += wd·p</c>, <c>m = β1·m + (1-β1)·g</c>, <c>v = β2·v + (1-β2)·g²</c>, <c>denom = √(v / bc2) + ε</c>,
    /// <c>p += gradCoef · g / denom</c>, then <c>p += avgCoef · m / denom</c>; the caller computes the two coefficients
    /// from the momentum cache (<c>-lr(1-μₜ)/(1-Πμ)</c> and <c>-lr·μₜ₊₁/(1-Πμ·μₜ₊₁)</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NAdam<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq,
        double biasCorrection2, double gradCoef, double avgCoef, double beta1, double beta2, double eps,
        double weightDecay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T bc2 = T.CreateTruncating(biasCorrection2), cg = T.CreateTruncating(gradCoef),
            cm = T.CreateTruncating(avgCoef);
        T b1 = T.CreateTruncating(beta1), w1 = T.CreateTruncating(1 - beta1), b2 = T.CreateTruncating(beta2),
            w2 = T.CreateTruncating(1 - beta2);
        T epsT = T.CreateTruncating(eps), wd = T.CreateTruncating(weightDecay);
        int n = param.Length;
        CheckLength(grad, n, nameof(grad));
        CheckLength(expAvg, n, nameof(expAvg));
        CheckLength(expAvgSq, n, nameof(expAvgSq));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            ref T pr = ref MemoryMarshal.GetReference(param);
            ref T gr = ref MemoryMarshal.GetReference(grad);
            ref T mr = ref MemoryMarshal.GetReference(expAvg);
            ref T vr = ref MemoryMarshal.GetReference(expAvgSq);
            Vector<T> vBc2 = new(bc2), vCg = new(cg), vCm = new(cm), vB1 = new(b1), vW1 = new(w1), vB2 = new(b2),
                vW2 = new(w2), vEps = new(epsT), vWd = new(wd);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint k = (nuint)i;
                Vector<T> g = Vector.LoadUnsafe(ref gr, k), p = Vector.LoadUnsafe(ref pr, k);
                if (weightDecay != 0) g += vWd * p;
                Vector<T> m = Vector.LoadUnsafe(ref mr, k) * vB1 + vW1 * g;
                m.StoreUnsafe(ref mr, k);
                Vector<T> v = Vector.LoadUnsafe(ref vr, k) * vB2 + vW2 * g * g;
                v.StoreUnsafe(ref vr, k);
                Vector<T> denom = Vector.SquareRoot(v / vBc2) + vEps;
                p += vCg * g / denom;
                (p + vCm * m / denom).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            T g = grad[i];
            T p = param[i];
            if (weightDecay != 0) g += wd * p;
            T m = expAvg[i] * b1 + w1 * g;
            expAvg[i] = m;
            T v = expAvgSq[i] * b2 + w2 * g * g;
            expAvgSq[i] = v;
            T denom = T.Sqrt(v / bc2) + epsT;
            p += cg * g / denom;
            param[i] = p + cm * m / denom;
        }
    }

    /// <summary>
    /// RAdam: <c>g += wd·p</c>, <c>m = β1·m + (1-β1)·g</c>, <c>v = β2·v + (1-β2)·g²</c>, <c>m̂ = m / bc1</c>; when the
    /// variance is tractable (<paramref name="rectification"/> ≥ 0, i.e. ρₜ &gt; 5)
    /// <c>p -= m̂·lr·(√bc2 / (√v + ε))·r</c>, else <c>p -= m̂·lr</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RAdam<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq,
        double biasCorrection1, double biasCorrection2Sqrt, double rectification, double lr, double beta1, double beta2,
        double eps, double weightDecay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T bc1 = T.CreateTruncating(biasCorrection1), bc2Sqrt = T.CreateTruncating(biasCorrection2Sqrt),
            rect = T.CreateTruncating(rectification);
        T lrT = T.CreateTruncating(lr);
        T b1 = T.CreateTruncating(beta1), w1 = T.CreateTruncating(1 - beta1), b2 = T.CreateTruncating(beta2),
            w2 = T.CreateTruncating(1 - beta2);
        T epsT = T.CreateTruncating(eps), wd = T.CreateTruncating(weightDecay);
        bool rectified = rectification >= 0;
        int n = param.Length;
        CheckLength(grad, n, nameof(grad));
        CheckLength(expAvg, n, nameof(expAvg));
        CheckLength(expAvgSq, n, nameof(expAvgSq));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            ref T pr = ref MemoryMarshal.GetReference(param);
            ref T gr = ref MemoryMarshal.GetReference(grad);
            ref T mr = ref MemoryMarshal.GetReference(expAvg);
            ref T vr = ref MemoryMarshal.GetReference(expAvgSq);
            Vector<T> vBc1 = new(bc1), vBc2Sqrt = new(bc2Sqrt), vRect = new(rect), vLr = new(lrT), vB1 = new(b1),
                vW1 = new(w1), vB2 = new(b2), vW2 = new(w2), vEps = new(epsT), vWd = new(wd), vOne = Vector<T>.One;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint k = (nuint)i;
                Vector<T> g = Vector.LoadUnsafe(ref gr, k), p = Vector.LoadUnsafe(ref pr, k);
                if (weightDecay != 0) g += vWd * p;
                Vector<T> m = Vector.LoadUnsafe(ref mr, k) * vB1 + vW1 * g;
                m.StoreUnsafe(ref mr, k);
                Vector<T> v = Vector.LoadUnsafe(ref vr, k) * vB2 + vW2 * g * g;
                v.StoreUnsafe(ref vr, k);
                Vector<T> update = m / vBc1 * vLr;
                if (rectified) update = update * (vOne / (Vector.SquareRoot(v) + vEps) * vBc2Sqrt) * vRect;
                (p + -update).StoreUnsafe(ref pr, k);
            }
        }
        for (; i < n; i++)
        {
            T g = grad[i];
            T p = param[i];
            if (weightDecay != 0) g += wd * p;
            T m = expAvg[i] * b1 + w1 * g;
            expAvg[i] = m;
            T v = expAvgSq[i] * b2 + w2 * g * g;
            expAvgSq[i] = v;
            T update = m / bc1 * lrT;
            // PyTorch computes `float / tensor` as reciprocal(tensor) * float.
            if (rectified) update = update * (T.One / (T.Sqrt(v) + epsT) * bc2Sqrt) * rect;
            param[i] = p + -update;
        }
    }

    private static void CheckLength<T>(ReadOnlySpan<T> span, int expected, string name)
    {
        if (span.Length != expected) ThrowLength(span.Length, expected, name);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int expected, string name) =>
        throw new ArgumentException(
            $"{nameof(OptimizerKernels)}: {name} has {actual} elements, expected {expected} (the parameter's).", name);
}
