using System;
using System.Globalization;
using Ember.Core;

namespace Ember.NN
{
    /// <summary>
    /// Dropout: in training mode zeroes elements with probability <see cref="P"/> and scales the others by
    /// <c>1/(1-p)</c>; the identity after <see cref="ModuleBase.Eval"/>. Pass a <see cref="Generator"/> for
    /// reproducible masks. Input and output <c>(*)</c>.
    /// </summary>
    /// <param name="p">Probability of zeroing an element.</param>
    /// <param name="generator">Random source for the masks (the default generator otherwise).</param>
    public class Dropout(double p = 0.5, Generator? generator = null) : Module
    {
        /// <summary>Probability of zeroing an element.</summary>
        public double P { get; } = p >= 0 && p <= 1
            ? p
            : throw new ArgumentException($"Dropout: probability has to be between 0 and 1, but got {p}.");

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => F.Dropout(input, P, Training, generator);

        /// <inheritdoc/>
        protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={P}, inplace=False");
    }

    public static partial class F
    {
        /// <summary>
        /// Dropout: in training, zeroes each element with probability <paramref name="p"/> and scales the rest by
        /// <c>1/(1-p)</c>, i.e. <c>y = x · mask</c> (the graph shows <c>MulBackward0</c>, as PyTorch 1.13 on the CPU);
        /// identity otherwise. Masks come from <paramref name="generator"/> (the default generator otherwise), so a
        /// seeded generator reproduces them; they do not reproduce PyTorch's random stream.
        /// </summary>
        /// <param name="input">Any shape, floating point.</param>
        /// <param name="p">Probability of zeroing an element, in [0, 1].</param>
        /// <param name="training">Apply dropout (false: return the input).</param>
        /// <param name="generator">Random source for the mask.</param>
        public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (!(p >= 0 && p <= 1))
                throw new ArgumentException($"dropout probability has to be between 0 and 1, but got {p}.");
            if (!training) return input;
            if (!input.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"dropout: expected floating-point input, got {input.DType.TorchName()}; convert with " +
                    ".To(DType.Float32).");
            var u = Tensor.Rand(input.Shape, generator, input.DType == DType.Float64 ? DType.Float64 : DType.Float32);
            var keep = RawOps.Ge(u.Raw, RawOps.Scalar(p, u.DType));
            var mask = p >= 1 ? RawOps.Full(input.Shape.ToArray(), 0, input.DType)
                : RawOps.Mul(RawOps.Cast(keep, input.DType), RawOps.Scalar(1 / (1 - p), input.DType));
            return input * new Tensor(mask);
        }
    }
}
