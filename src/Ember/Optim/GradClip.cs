using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Ember.Core;

namespace Ember.Optim;

/// <summary>
/// Gradient clipping (PyTorch's <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>). It lives in
/// <c>Ember.Optim</c> because it works on parameters' gradients right before <c>optimizer.Step()</c> and needs nothing
/// from <c>Ember.NN</c>: <c>GradClip.ClipGradNorm_(model.Parameters(), 1.0)</c>. Both modify gradients in place
/// (the trailing underscore, as in PyTorch) and skip tensors whose <see cref="Tensor.Grad"/> is null.
/// </summary>
public static class GradClip
{
    /// <summary>
    /// Scales the gradients so that their total <paramref name="normType"/>-norm (over all gradients as if concatenated
    /// into one vector) is at most <paramref name="maxNorm"/>: each gradient is multiplied by
    /// <c>min(1, maxNorm / (totalNorm + 1e-6))</c>.
    /// </summary>
    /// <param name="parameters">The tensors (usually parameters) whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest allowed total norm.</param>
    /// <param name="normType">The p of the p-norm: any real p (0 counts non-zero elements), or
    /// <see cref="double.PositiveInfinity"/> (largest magnitude) / <see cref="double.NegativeInfinity"/> (smallest).
    /// </param>
    /// <param name="errorIfNonfinite">Throw <see cref="InvalidOperationException"/> (leaving the gradients unchanged)
    /// when the total norm is NaN or infinite, instead of scaling by it.</param>
    /// <returns>The total norm before clipping, a 0-dim tensor of the gradients' dtype (float32 0 when there are no
    /// gradients).</returns>
    public static Tensor ClipGradNorm_(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0,
        bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (double.IsNaN(normType))
            throw new ArgumentException("ClipGradNorm_: normType is NaN; expected a number or ±infinity.");
        if (double.IsNaN(maxNorm)) throw new ArgumentException("ClipGradNorm_: maxNorm is NaN.");
        var grads = Grads(parameters, "ClipGradNorm_");
        if (grads.Length == 0) return Tensor.From(0f);
        DType dtype = grads.Any(g => g.DType == DType.Float64) ? DType.Float64 : DType.Float32;

        // PyTorch: norm of the stacked per-gradient norms; each norm accumulates in double and rounds to its dtype.
        var norms = grads.Select(g => Round(GradNorm(g, normType), dtype)).ToArray();
        double total = Round(Norm<double>(norms, normType), dtype);
        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException(
                $"ClipGradNorm_: the total norm of order {normType} of the gradients is non-finite ({total}), " +
                "so it cannot be clipped; pass errorIfNonfinite: false to scale the gradients by it anyway.");

        double coef = dtype == DType.Float32
            ? Math.Min((float)maxNorm / ((float)total + 1e-6f), 1.0f)
            : Math.Min(maxNorm / (total + 1e-6), 1.0);
        foreach (var g in grads) Scale(g, coef);
        return new Tensor(RawOps.Scalar(total, dtype));
    }

    /// <summary><see cref="ClipGradNorm_(IEnumerable{Tensor}, double, double, bool)"/> for one tensor.</summary>
    public static Tensor ClipGradNorm_(Tensor parameter, double maxNorm, double normType = 2.0,
        bool errorIfNonfinite = false) =>
        ClipGradNorm_([parameter ?? throw new ArgumentNullException(nameof(parameter))], maxNorm, normType,
            errorIfNonfinite);

    /// <summary>Clamps every gradient element into <c>[-clipValue, clipValue]</c> (NaN stays NaN).</summary>
    /// <exception cref="ArgumentException"><paramref name="clipValue"/> is negative or NaN.</exception>
    public static void ClipGradValue_(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0))
            throw new ArgumentException($"ClipGradValue_: invalid clipValue {clipValue}; expected clipValue >= 0.");
        foreach (var g in Grads(parameters, "ClipGradValue_"))
            Clamp(g, clipValue);
    }

    /// <summary><see cref="ClipGradValue_(IEnumerable{Tensor}, double)"/> for one tensor.</summary>
    public static void ClipGradValue_(Tensor parameter, double clipValue) =>
        ClipGradValue_([parameter ?? throw new ArgumentNullException(nameof(parameter))], clipValue);

    private static RawTensor[] Grads(IEnumerable<Tensor> parameters, string who)
    {
        var list = new List<RawTensor>();
        foreach (var p in parameters)
        {
            if (p is null) throw new ArgumentException($"{who}: the parameter list contains null.");
            if (p.Grad is null) continue;
            if (!p.Grad.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{who}: gradients must be floating point, got {p.Grad.DType.TorchName()}.");
            list.Add(p.Grad.Raw);
        }
        return list.ToArray();
    }

    private static double Round(double v, DType dtype) => dtype == DType.Float32 ? (float)v : v;

    private static double GradNorm(RawTensor g, double p) => OnElements<NormOf>(RawOps.Contiguous(g), p);

    /// <summary>The p-norm of <paramref name="x"/> as <c>torch.norm</c> defines it, accumulated in double.</summary>
    private static double Norm<T>(ReadOnlySpan<T> x, double p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double acc = double.IsNegativeInfinity(p) ? double.PositiveInfinity : 0;
        foreach (var e in x)
        {
            double a = Math.Abs(double.CreateTruncating(e));
            if (double.IsPositiveInfinity(p)) acc = double.IsNaN(a) ? a : Math.Max(acc, a);
            else if (double.IsNegativeInfinity(p)) acc = double.IsNaN(a) ? a : Math.Min(acc, a);
            else if (p == 0) acc += a != 0 ? 1 : 0;
            else if (p == 1) acc += a;
            else if (p == 2) acc += a * a;
            else acc += Math.Pow(a, p);
        }
        if (double.IsInfinity(p) || p is 0 or 1) return acc;
        return p == 2 ? Math.Sqrt(acc) : Math.Pow(acc, 1 / p);
    }

    private static void Scale(RawTensor g, double coef) => Update<ScaleBy>(g, coef);

    private static void Clamp(RawTensor g, double limit) => Update<ClampTo>(g, limit);

    /// <summary>Applies <typeparamref name="TOp"/> to every element in place, through a contiguous copy when the
    /// gradient is strided.</summary>
    private static void Update<TOp>(RawTensor g, double arg) where TOp : IElementsOp
    {
        var c = g.IsContiguous ? g : RawOps.Clone(g);
        OnElements<TOp>(c, arg);
        if (!ReferenceEquals(c, g)) RawOps.CopyFrom(g, c);
        else g.Storage.Version++;
    }

    /// <summary>The one float32/float64 dispatch of gradient clipping: runs <typeparamref name="TOp"/> over the
    /// elements of the contiguous tensor <paramref name="t"/>.</summary>
    private static double OnElements<TOp>(RawTensor t, double arg) where TOp : IElementsOp =>
        t.DType == DType.Float32 ? TOp.Apply(t.Span<float>(), arg) : TOp.Apply(t.Span<double>(), arg);

    /// <summary>An operation over a gradient's elements, generic over the element type.</summary>
    private interface IElementsOp
    {
        static abstract double Apply<T>(Span<T> x, double arg) where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private readonly struct NormOf : IElementsOp
    {
        public static double Apply<T>(Span<T> x, double p) where T : unmanaged, IFloatingPointIeee754<T> =>
            Norm<T>(x, p);
    }

    private readonly struct ScaleBy : IElementsOp
    {
        public static double Apply<T>(Span<T> x, double coef) where T : unmanaged, IFloatingPointIeee754<T>
        {
            // One rounding of the exact product, as the former double-then-narrow arithmetic gave.
            T c = T.CreateTruncating(coef);
            for (int i = 0; i < x.Length; i++) x[i] *= c;
            return 0;
        }
    }

    private readonly struct ClampTo : IElementsOp
    {
        public static double Apply<T>(Span<T> x, double limit) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T hi = T.CreateTruncating(limit), lo = -hi;
            for (int i = 0; i < x.Length; i++)
            {
                T v = x[i];
                x[i] = v < lo ? lo : v > hi ? hi : v; // NaN compares false both ways and stays NaN
            }
            return 0;
        }
    }
}
