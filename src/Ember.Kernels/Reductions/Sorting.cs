using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Kernels;

public static partial class AxisKernels
{
    /// <summary>
    /// Sorts each slice along the axis (stable; NaN sorts as the largest value, as in PyTorch) and keeps the first
    /// <paramref name="k"/> values and their original indices (<paramref name="k"/> = n for a full sort).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort<T>(ReadOnlySpan<T> x, int outer, int n, int inner, int k, bool descending,
        Span<T> values, Span<long> indices)
        where T : unmanaged, INumber<T>
    {
        var keys = new T[n];
        var order = new int[n];
        var comparer = new SortComparer<T>(keys, descending);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                for (int j = 0; j < n; j++) { keys[j] = x[b + j * inner]; order[j] = j; }
                // Array.Sort is not stable; sorting the indices with ties broken by position makes it so.
                Array.Sort(order, comparer);
                int ob = o * k * inner + i;
                for (int j = 0; j < k; j++)
                {
                    values[ob + j * inner] = keys[order[j]];
                    indices[ob + j * inner] = order[j];
                }
            }
    }

    private sealed class SortComparer<T>(T[] keys, bool descending) : System.Collections.Generic.IComparer<int>
        where T : INumber<T>
    {
        public int Compare(int a, int b)
        {
            T x = keys[a], y = keys[b];
            int c;
            bool xn = T.IsNaN(x), yn = T.IsNaN(y);
            if (xn || yn) c = xn == yn ? 0 : xn ? 1 : -1;
            else c = x < y ? -1 : x > y ? 1 : 0;
            if (descending) c = -c;
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
