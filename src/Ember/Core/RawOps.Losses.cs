using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Core;

/// <summary>The negative log-likelihood kernels behind nll_loss and cross_entropy.</summary>
internal static partial class RawOps
{
    /// <summary>
    /// Weighted NLL on <paramref name="input"/> viewed as (N, C, S) and <paramref name="target"/> as (N, S):
    /// per-element losses <c>-w[t]·x[n, t, s]</c> (0 where <c>t == ignoreIndex</c>), shape (N, S), and the total weight
    /// of the counted targets (the mean's divisor). Out-of-range targets throw.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (RawTensor Losses, double TotalWeight, double LossSum) NllLossNd(RawTensor input, RawTensor target,
        RawTensor? weight, int n, int c, int s, long ignoreIndex)
    {
        DType dt = DTypeDispatch.FloatComputeType(input.DType, "nll_loss");
        var r = RawTensor.Empty(dt, [n, s]);
        var f = new NllFunc(Float(input, dt), Int64Targets(target), ClassWeights(weight), n, c, s, ignoreIndex, 0, r);
        var (total, sum) = DTypeDispatch.Floating<NllFunc, (double, double)>(dt, f, "nll_loss");
        return (Cast(r, input.DType), total, sum);
    }

    /// <summary>
    /// The NLL gradient coefficients (N, C, S): <c>-w[t]·scale</c> at each counted target class, 0 elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RawTensor NllCoefficients(RawTensor target, RawTensor? weight, int n, int c, int s, long ignoreIndex,
        double scale, DType dt)
    {
        if (dt is not (DType.Float32 or DType.Float64))
            return Cast(NllCoefficients(target, weight, n, c, s, ignoreIndex, scale, DType.Float32), dt);
        var r = Full([n, c, s], 0, dt);
        var f = new NllFunc(null, Int64Targets(target), ClassWeights(weight), n, c, s, ignoreIndex, scale, r);
        DTypeDispatch.Floating<NllFunc, (double, double)>(dt, f, "nll_loss backward");
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RawTensor Int64Targets(RawTensor target) => Contiguous(Cast(target, DType.Int64));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[]? ClassWeights(RawTensor? weight) =>
        weight is null ? null : Contiguous(Cast(weight, DType.Float64)).Span<double>().ToArray();

    /// <summary>
    /// The losses (when <paramref name="x"/> is given; returns the total weight and the loss sum) or the gradient
    /// coefficients (when it is null; written into the zero-filled <paramref name="r"/>).
    /// </summary>
    [method: MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private readonly struct NllFunc(RawTensor? x, RawTensor targets, double[]? w, int n, int c, int s, long ignoreIndex,
        double scale, RawTensor r) : IFloatFunc<(double, double)>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public (double, double) Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<long> t = targets.Span<long>();
            Span<T> dst = r.Span<T>();
            if (x is null)
            {
                T unweighted = T.CreateTruncating(-scale);
                for (int i = 0; i < n * s; i++)
                {
                    long k = t[i];
                    if (k != ignoreIndex)
                        dst[(i / s * c + (int)k) * s + i % s] = w is null ? unweighted
                            : T.CreateTruncating(-w[k] * scale);
                }
                return (0, 0);
            }
            T[] xs = x.Data<T>();
            double total = 0, sum = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++)
                {
                    long k = t[i * s + j];
                    T v = T.Zero;
                    if (k != ignoreIndex)
                    {
                        if (k < 0 || k >= c)
                            throw new ArgumentOutOfRangeException("target",
                                $"nll_loss: target {k} at position {i * s + j} is out of bounds for {c} classes " +
                                $"(expected 0 <= target < {c}).");
                        double wk = w is null ? 1 : w[k];
                        double loss = -wk * double.CreateTruncating(xs[x.Offset + (i * c + (int)k) * s + j]);
                        v = T.CreateTruncating(loss);
                        total += wk;
                        sum += loss;
                    }
                    dst[i * s + j] = v;
                }
            return (total, sum);
        }
    }
}
