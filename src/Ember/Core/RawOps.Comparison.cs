using System.Numerics;
using Ember.Kernels;

namespace Ember.Core;

/// <summary>Comparisons (eq, ne, lt, le, gt, ge), NaN/infinity tests, and element-wise maximum/minimum.</summary>
internal static partial class RawOps
{
    public static RawTensor Eq(RawTensor a, RawTensor b) => Compare<Op.Eq>(a, b, "eq");
    public static RawTensor Ne(RawTensor a, RawTensor b) => Compare<Op.Ne>(a, b, "ne");
    public static RawTensor Lt(RawTensor a, RawTensor b) => Compare<Op.Lt>(a, b, "lt");
    public static RawTensor Le(RawTensor a, RawTensor b) => Compare<Op.Le>(a, b, "le");
    public static RawTensor Gt(RawTensor a, RawTensor b) => Compare<Op.Gt>(a, b, "gt");
    public static RawTensor Ge(RawTensor a, RawTensor b) => Compare<Op.Ge>(a, b, "ge");

    public static RawTensor IsNaN(RawTensor a) => Predicate<Op.IsNaN>(a, false, "isnan");
    public static RawTensor IsInf(RawTensor a) => Predicate<Op.IsInf>(a, false, "isinf");

    public static RawTensor Maximum(RawTensor a, RawTensor b) => Binary<Op.Maximum>(a, b, ResultType(a, b), "maximum");
    public static RawTensor Minimum(RawTensor a, RawTensor b) => Binary<Op.Minimum>(a, b, ResultType(a, b), "minimum");
}

internal static partial class Op
{
    /// <summary><c>a == b</c>.</summary>
    internal readonly struct Eq : ICompareFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunCompare<T, EqualOperator<T>>(a, b, r);
    }

    /// <summary><c>a != b</c>.</summary>
    internal readonly struct Ne : ICompareFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunCompare<T, NotEqualOperator<T>>(a, b, r);
    }

    /// <summary><c>a &lt; b</c>.</summary>
    internal readonly struct Lt : ICompareFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunCompare<T, LessThanOperator<T>>(a, b, r);
    }

    /// <summary><c>a &lt;= b</c>.</summary>
    internal readonly struct Le : ICompareFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunCompare<T, LessOrEqualOperator<T>>(a, b, r);
    }

    /// <summary><c>a &gt; b</c>.</summary>
    internal readonly struct Gt : ICompareFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunCompare<T, GreaterThanOperator<T>>(a, b, r);
    }

    /// <summary><c>a &gt;= b</c>.</summary>
    internal readonly struct Ge : ICompareFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunCompare<T, GreaterOrEqualOperator<T>>(a, b, r);
    }

    /// <summary>isnan(a).</summary>
    internal readonly struct IsNaN : IPredicateFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunMap<T, bool, IsNaNOperator<T>>(a, r);
    }

    /// <summary>isinf(a).</summary>
    internal readonly struct IsInf : IPredicateFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor r)
            where T : unmanaged, IFloatingPointIeee754<T> => RawOps.RunMap<T, bool, IsInfOperator<T>>(a, r);
    }

    /// <summary>max(a, b), NaN propagating.</summary>
    internal readonly struct Maximum : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunBinary<T, MaximumOperator<T>>(a, b, r);
    }

    /// <summary>min(a, b), NaN propagating.</summary>
    internal readonly struct Minimum : IBinaryFamily
    {
        public static RawTensor Run<T>(RawTensor a, RawTensor b, RawTensor r)
            where T : unmanaged, INumber<T> => RawOps.RunBinary<T, MinimumOperator<T>>(a, b, r);
    }
}
