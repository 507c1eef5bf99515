using System;
using System.Collections.Generic;
using Ember.Core;

namespace Ember.Data;

/// <summary>
/// A transform of one sample, without static types (what <see cref="Compose{TIn, TOut}"/> chains). Implement
/// <see cref="ITransform{TIn, TOut}"/> instead; <see cref="Transform{TIn, TOut}"/> implements both.
/// </summary>
public interface ITransform
{
    /// <summary>The output type for an input of <paramref name="inputType"/>, or null when this transform does not
    /// accept it.</summary>
    Type? OutputTypeFor(Type inputType);

    /// <summary>Applies the transform to <paramref name="input"/>, whose type <see cref="OutputTypeFor"/>
    /// accepts.</summary>
    object ApplyUntyped(object input);
}

/// <summary>A transform of one sample (torchvision's transforms): <c>TOut Apply(TIn)</c>.</summary>
/// <typeparam name="TIn">The input type, e.g. <see cref="Image"/> or <see cref="Tensor"/>.</typeparam>
/// <typeparam name="TOut">The output type.</typeparam>
public interface ITransform<in TIn, out TOut> : ITransform
{
    /// <summary>Applies the transform.</summary>
    TOut Apply(TIn input);
}

/// <summary>Base class for transforms with one input type.</summary>
public abstract class Transform<TIn, TOut> : ITransform<TIn, TOut> where TIn : class where TOut : class
{
    /// <inheritdoc/>
    public abstract TOut Apply(TIn input);

    /// <inheritdoc/>
    public Type? OutputTypeFor(Type inputType) => typeof(TIn).IsAssignableFrom(inputType) ? typeof(TOut) : null;

    /// <inheritdoc/>
    public object ApplyUntyped(object input) => input is TIn t ? Apply(t)
        : throw new ArgumentException($"{GetType().Name} expected {typeof(TIn).Name} input but " +
            $"got {input?.GetType().Name ?? "null"}.");
}

/// <summary>
/// Base class for geometric transforms that work both on <see cref="Image"/> (uint8, HWC) and on float tensors
/// of shape <c>(C, H, W)</c>, as torchvision's do on PIL images and tensors.
/// </summary>
public abstract class ImageTransform : ITransform<Image, Image>, ITransform<Tensor, Tensor>
{
    /// <summary>Transforms an 8-bit image.</summary>
    public abstract Image Apply(Image input);

    /// <summary>Transforms a tensor of shape <c>(C, H, W)</c> (float32 or float64).</summary>
    public abstract Tensor Apply(Tensor input);

    /// <inheritdoc/>
    public Type? OutputTypeFor(Type inputType) =>
        typeof(Image).IsAssignableFrom(inputType) ? typeof(Image) : typeof(Tensor).IsAssignableFrom(inputType)
            ? typeof(Tensor) : null;

    /// <inheritdoc/>
    public object ApplyUntyped(object input) => input switch
    {
        Image i => Apply(i),
        Tensor t => Apply(t),
        _ =>
        throw new ArgumentException($"{GetType().Name} expected an Image or a (C, H, W) Tensor but " +
        $"got {input?.GetType().Name ?? "null"}."),
    };

    /// <summary>Checks that <paramref name="t"/> is a floating (C, H, W) tensor and returns its contiguous raw
    /// form.</summary>
    private protected RawTensor CheckChw(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Dim != 3 || !t.DType.IsFloatingPoint())
            throw new ArgumentException($"{GetType().Name} expected a floating (C, H, W) tensor but got " +
                $"a {t.DType.TorchName()} tensor of shape {Shapes.Format(t.Shape)}.");
        return RawOps.Contiguous(t.Raw);
    }

    /// <summary>Makes the per-transform generator: the given one, or one seeded from the default generator now,
    /// so draws do not depend on which thread (e.g. a prefetching loader's) applies the transform.</summary>
    private protected static Generator OwnGenerator(Generator? generator) =>
        generator ?? new Generator((long)Generator.Default.NextUInt64());
}

/// <summary>
/// Chains transforms (torchvision's <c>Compose</c>), checking when it is built that each step accepts the
/// previous step's output: <c>new Compose&lt;Image, Tensor&gt;(new RandomCrop(28, padding: 2), new ToTensor(), new
/// Normalize([0.286], [0.353]))</c>.
/// </summary>
/// <typeparam name="TIn">The input type of the first step.</typeparam>
/// <typeparam name="TOut">The output type of the last step.</typeparam>
public sealed class Compose<TIn, TOut> : ITransform<TIn, TOut> where TIn : class where TOut : class
{
    private readonly ITransform[] _steps;

    /// <summary>Creates the chain.</summary>
    /// <exception cref="ArgumentException">When a step does not accept its input type, or the last output is not
    /// <typeparamref name="TOut"/>.</exception>
    public Compose(params ITransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        Type current = typeof(TIn);
        for (int i = 0; i < transforms.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(transforms[i], $"{nameof(transforms)}[{i}]");
            current = transforms[i].OutputTypeFor(current)
                ?? throw new ArgumentException($"Compose: step {i} ({transforms[i].GetType().Name}) does not " +
                    $"accept {current.Name} input, the output of the step before it.");
        }
        if (!typeof(TOut).IsAssignableFrom(current))
            throw new ArgumentException($"Compose<{typeof(TIn).Name}, {typeof(TOut).Name}>: the last step " +
                $"produces {current.Name}, not {typeof(TOut).Name}.");
        _steps = (ITransform[])transforms.Clone();
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<ITransform> Transforms => _steps;

    /// <inheritdoc/>
    public TOut Apply(TIn input)
    {
        object x = input;
        foreach (var step in _steps) x = step.ApplyUntyped(x);
        return (TOut)x;
    }

    /// <inheritdoc/>
    public Type? OutputTypeFor(Type inputType) => typeof(TIn).IsAssignableFrom(inputType) ? typeof(TOut) : null;

    /// <inheritdoc/>
    public object ApplyUntyped(object input) => Apply((TIn)input);
}

/// <summary>
/// Converts an 8-bit <see cref="Image"/> (HWC) to a float32 tensor of shape <c>(C, H, W)</c> with values in
/// [0, 1] (torchvision's <c>ToTensor</c>).
/// </summary>
public sealed class ToTensor : Transform<Image, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Apply(Image input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int c = input.Channels, hw = input.Height * input.Width;
        var dst = GC.AllocateUninitializedArray<float>(c * hw);
        Collate.ToFloatChw(input.Pixels, c, hw, dst, 0);
        return new Tensor(RawTensor.FromArray(dst, [c, input.Height, input.Width]));
    }
}

/// <summary>
/// Normalizes a float tensor <c>(C, H, W)</c> per channel: <c>(x - mean[c]) / std[c]</c> (torchvision's
/// <c>Normalize</c>). One mean/std value applies to every channel.
/// </summary>
public sealed class Normalize : Transform<Tensor, Tensor>
{
    private readonly double[] _mean, _std;

    /// <summary>Creates the transform.</summary>
    public Normalize(double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException("Normalize: mean and std need the same, non-zero number of channels, " +
                $"got {mean.Length} and {std.Length}.");
        foreach (double s in std)
            if (!(s > 0)) throw new ArgumentException($"Normalize: std must be positive, got {s}.", nameof(std));
        _mean = (double[])mean.Clone();
        _std = (double[])std.Clone();
    }

    /// <summary>Per-channel means.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>Per-channel standard deviations.</summary>
    public IReadOnlyList<double> Std => _std;

    /// <inheritdoc/>
    public override Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim != 3 || input.DType != DType.Float32)
            throw new ArgumentException("Normalize expected a float32 (C, H, W) tensor but got " +
                $"a {input.DType.TorchName()} tensor of shape {Shapes.Format(input.Shape)}.");
        int c = input.Size(0);
        if (_mean.Length != 1 && _mean.Length != c)
            throw new ArgumentException($"Normalize: {_mean.Length} mean/std values for a tensor with {c} channels.");
        RawTensor raw = RawOps.Contiguous(input.Raw);
        ReadOnlySpan<float> src = raw.Span<float>();
        var dst = GC.AllocateUninitializedArray<float>(src.Length);
        int plane = c == 0 ? 0 : src.Length / c;
        for (int ch = 0; ch < c; ch++)
        {
            int k = _mean.Length == 1 ? 0 : ch;
            float m = (float)_mean[k], inv = (float)(1.0 / _std[k]);
            int o = ch * plane;
            for (int i = 0; i < plane; i++) dst[o + i] = (src[o + i] - m) * inv;
        }
        return new Tensor(RawTensor.FromArray(dst, input.Shape.ToArray()));
    }
}

/// <summary>Mirrors an image left-right with probability <see cref="P"/> (torchvision's
/// <c>RandomHorizontalFlip</c>).</summary>
public sealed class RandomHorizontalFlip : ImageTransform
{
    private readonly Generator _generator;

    /// <summary>Creates the transform. Pass a <paramref name="generator"/> for reproducible draws; without one, a
    /// generator is seeded from <see cref="Generator.Default"/> now.</summary>
    public RandomHorizontalFlip(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), $"RandomHorizontalFlip: p must be in [0, 1], got {p}.");
        P = p;
        _generator = OwnGenerator(generator);
    }

    /// <summary>The probability of a flip.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public override Image Apply(Image input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(_generator.NextDouble() < P)) return input;
        int h = input.Height, w = input.Width, c = input.Channels;
        var dst = new byte[input.Pixels.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Array.Copy(input.Pixels, (y * w + x) * c, dst, (y * w + (w - 1 - x)) * c, c);
        return new Image(dst, h, w, c);
    }

    /// <inheritdoc/>
    public override Tensor Apply(Tensor input)
    {
        RawTensor raw = CheckChw(input);
        if (!(_generator.NextDouble() < P)) return input;
        int w = raw.Shape[2], rows = raw.Shape[0] * raw.Shape[1];
        var dst = RawTensor.Empty(raw.DType, [raw.Shape[0], raw.Shape[1], w]);
        var src = raw.Storage.Array;
        var d = dst.Storage.Array;
        for (int r = 0; r < rows; r++)
            for (int x = 0; x < w; x++)
                Array.Copy(src, raw.Offset + r * w + x, d, r * w + (w - 1 - x), 1);
        return new Tensor(dst);
    }
}

/// <summary>
/// Crops a random <c>Size × Size</c> window after zero-padding each border by <see cref="Padding"/> pixels
/// (torchvision's <c>RandomCrop(size, padding)</c>; the usual augmentation is a crop of the original size with
/// padding 2–4).
/// </summary>
public sealed class RandomCrop : ImageTransform
{
    private readonly Generator _generator;

    /// <summary>Creates the transform. Pass a <paramref name="generator"/> for reproducible draws.</summary>
    public RandomCrop(int size, int padding = 0, Generator? generator = null) : this(size, size, padding, generator) { }

    /// <summary>Creates the transform for a <paramref name="height"/> × <paramref name="width"/> window.</summary>
    public RandomCrop(int height, int width, int padding, Generator? generator = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"RandomCrop: the size must be positive, got {height}x{width}.");
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding),
                $"RandomCrop: padding must be non-negative, got {padding}.");
        Height = height;
        Width = width;
        Padding = padding;
        _generator = OwnGenerator(generator);
    }

    /// <summary>Output rows.</summary>
    public int Height { get; }

    /// <summary>Output columns.</summary>
    public int Width { get; }

    /// <summary>Zero padding added to each border before cropping.</summary>
    public int Padding { get; }

    private (int Top, int Left) Draw(int h, int w)
    {
        int ph = h + 2 * Padding, pw = w + 2 * Padding;
        if (ph < Height || pw < Width)
            throw new ArgumentException($"RandomCrop: a {Height}x{Width} crop does not fit a {h}x{w} image padded " +
                $"by {Padding}.");
        int top = (int)_generator.NextInt64(ph - Height + 1), left = (int)_generator.NextInt64(pw - Width + 1);
        return (top - Padding, left - Padding);   // in source coordinates
    }

    /// <inheritdoc/>
    public override Image Apply(Image input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int h = input.Height, w = input.Width, c = input.Channels;
        var (top, left) = Draw(h, w);
        var dst = new byte[Height * Width * c];
        for (int y = 0; y < Height; y++)
        {
            int sy = y + top;
            if ((uint)sy >= (uint)h) continue;
            int x0 = Math.Max(0, -left), x1 = Math.Min(Width, w - left);
            if (x1 > x0) Array.Copy(input.Pixels, (sy * w + x0 + left) * c, dst, (y * Width + x0) * c, (x1 - x0) * c);
        }
        return new Image(dst, Height, Width, c);
    }

    /// <inheritdoc/>
    public override Tensor Apply(Tensor input)
    {
        RawTensor raw = CheckChw(input);
        int c = raw.Shape[0], h = raw.Shape[1], w = raw.Shape[2];
        var (top, left) = Draw(h, w);
        var dst = RawTensor.Empty(raw.DType, [c, Height, Width]);
        Array d = dst.Storage.Array, s = raw.Storage.Array;
        Array.Clear(d);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < Height; y++)
            {
                int sy = y + top;
                if ((uint)sy >= (uint)h) continue;
                int x0 = Math.Max(0, -left), x1 = Math.Min(Width, w - left);
                if (x1 > x0)
                    Array.Copy(s, raw.Offset + (ch * h + sy) * w + x0 + left, d, (ch * Height + y) * Width + x0,
                        x1 - x0);
            }
        return new Tensor(dst);
    }
}
