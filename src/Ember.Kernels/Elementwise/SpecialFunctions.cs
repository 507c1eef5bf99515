using System;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

/// <summary>Special functions the BCL lacks, accurate to double precision.</summary>
public static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf(x) = 2/√π · e^(-x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): all terms positive, so no cancellation.
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 1; n < 200; n++)
            {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
                if (term < sum * 1e-17) break;
            }
            return Math.CopySign(TwoOverSqrtPi * Math.Exp(-x2) * sum, x);
        }
        if (ax > 6) return Math.CopySign(1.0, x);
        return Math.CopySign(1 - Erfc(ax), x);
    }

    /// <summary>erfc(x) = 1 - erf(x) for x ≥ 2.5 by its continued fraction (modified Lentz).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Erfc(double x)
    {
        // erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++)
        {
            double an = n * 0.5;
            d = x + an * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
    }
}
