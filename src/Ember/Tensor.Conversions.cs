using Ember.Core;

namespace Ember;

public partial class Tensor
{
    /// <summary>
    /// A C# floating number where a tensor is expected, chiefly PyTorch's scalar assignment <c>x[0] = 5.0</c> and
    /// <c>x[.., 1] = 0.5</c> (the indexer's setter takes a <see cref="Tensor"/>, and a C# indexer cannot be
    /// overloaded on its value type). The result is a 0-dim float64 tensor, so assignment is exact for every dtype
    /// (the value is cast to the target's dtype as <c>copy_</c> does). Used as an operand it behaves like a PyTorch
    /// 0-dim tensor: it does not promote a floating tensor (float32 stays float32), but combined with an integer tensor
    /// it gives float64 where a C# number (<c>t + 2.5</c>, a "wrapped number") gives float32; the arithmetic operators
    /// and methods with <see cref="double"/> overloads are chosen before this conversion, so that difference only
    /// shows in APIs that take nothing but tensors.
    /// </summary>
    /// <param name="value">The number.</param>
    public static implicit operator Tensor(double value) => FromDouble(value);

    /// <summary>
    /// A C# integer where a tensor is expected (<c>x[0] = 5</c> on an int64 tensor is exact): a 0-dim int64 tensor,
    /// which does not promote an integer or floating tensor it is combined with.
    /// </summary>
    /// <param name="value">The integer.</param>
    public static implicit operator Tensor(long value) => FromInt64(value);

    /// <summary>The named form of the implicit conversion from <see cref="double"/>: a 0-dim float64 tensor.</summary>
    /// <param name="value">The number.</param>
    public static Tensor FromDouble(double value) => Scalar(value, DType.Float64);

    /// <summary>The named form of the implicit conversion from <see cref="long"/>: a 0-dim int64 tensor.</summary>
    /// <param name="value">The integer.</param>
    public static Tensor FromInt64(long value) => Scalar(value);
}
